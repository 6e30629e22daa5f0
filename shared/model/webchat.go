package model

// GuestChat is the answer of the webchat endpoints a visitor's widget
// calls (Init, Resume, Tokens/Refresh): a token to a chat and, for a
// guest, the way back into it once the token has expired.
type GuestChat struct {
	Token           string `json:"token"`
	Identity        string `json:"identity"`
	ConversationSID string `json:"conversation_sid,omitempty"`
	Expiration      Time   `json:"expiration"`
	// ResumeToken brings a guest back into an open chat (Resume) until
	// ResumeExpiration.
	ResumeToken      string `json:"resume_token,omitempty"`
	ResumeExpiration *Time  `json:"resume_expiration,omitempty"`
}

// AddressConfiguration is a number or address that conversations come in
// and go out on (Conversations' Configuration/Addresses), as far as a
// client reads it.
type AddressConfiguration struct {
	SID          string  `json:"sid"`
	Type         string  `json:"type"` // sms, whatsapp, messenger ...
	Address      string  `json:"address"`
	FriendlyName *string `json:"friendly_name"`
}
