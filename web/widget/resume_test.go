package main

import (
	"errors"
	"fmt"
	"testing"

	"parley/shared/client"
)

// A visitor's saved chat is forgotten only when the server refuses it; a
// server that restarts, runs out of storage or rate-limits the resume must
// not cost the visitor the chat.
func TestOnlyARefusalForgetsTheSavedChat(t *testing.T) {
	for _, tc := range []struct {
		err     error
		refused bool
	}{
		{&client.APIError{Status: 401, Code: 20003, Message: "the chat ended"}, true},
		{&client.APIError{Status: 410, Code: 50377, Message: "closed"}, true},
		{&client.APIError{Status: 404, Code: 20404, Message: "no such deployment"}, true},
		{fmt.Errorf("resume: %w", &client.APIError{Status: 400, Code: 20400}), true},
		{&client.APIError{Status: 429, Code: 20429, Message: "slow down"}, false},
		{&client.APIError{Status: 502, Code: 0, Message: "bad gateway"}, false},
		{&client.APIError{Status: 503, Code: 20503, Message: "disk full"}, false},
		{errors.New("dial tcp: connection refused"), false},
	} {
		if got := resumeRefused(tc.err); got != tc.refused {
			t.Errorf("resumeRefused(%v) = %v, want %v", tc.err, got, tc.refused)
		}
	}
}
