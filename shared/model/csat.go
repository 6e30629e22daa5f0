package model

import "encoding/json"

// CSAT is a customer's rating of a conversation, as the conversation's
// attributes carry it under "csat" (see server/conversations.Rating).
type CSAT struct {
	Score     int    `json:"score,omitempty"` // 1 to 5; 0 while not rated
	Comment   string `json:"comment,omitempty"`
	Channel   string `json:"channel,omitempty"`
	DateRated *Time  `json:"date_rated,omitempty"`
	DateAsked *Time  `json:"date_asked,omitempty"`
}

// CSATOf reads a conversation's rating from its attributes; the zero CSAT
// when it has none.
func CSATOf(attributes string) CSAT {
	var attrs struct {
		CSAT CSAT `json:"csat"`
	}
	_ = json.Unmarshal([]byte(attributes), &attrs)
	return attrs.CSAT
}
