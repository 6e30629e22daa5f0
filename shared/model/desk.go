package model

// Note is a private note agents write on a conversation (Parley's own
// resource, /parley/v1/Conversations/{sid}/Notes). Customers never see
// notes; over the socket they come as event note_added, to agents only.
type Note struct {
	SID             string `json:"sid"`
	AccountSID      string `json:"account_sid"`
	ConversationSID string `json:"conversation_sid"`
	Author          string `json:"author"`
	AuthorName      string `json:"author_name"`
	Body            string `json:"body"`
	DateCreated     Time   `json:"date_created"`
}

// CannedResponse is a shared reply agents insert from the composer
// (Parley's own resource, /parley/v1/CannedResponses).
type CannedResponse struct {
	SID         string   `json:"sid"`
	AccountSID  string   `json:"account_sid"`
	Title       string   `json:"title"`
	Body        string   `json:"body"`
	Tags        []string `json:"tags"`
	CreatedBy   string   `json:"created_by"`
	DateCreated Time     `json:"date_created"`
	DateUpdated Time     `json:"date_updated"`
	URL         string   `json:"url"`
}
