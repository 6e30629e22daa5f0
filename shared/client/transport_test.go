package client

import (
	"net/http"
	"testing"
)

type recorder struct{ got *http.Request }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = req
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
}

func TestTransportRewritesTwilioHosts(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://conversations.twilio.com/v1/Conversations?PageSize=5", "http://127.0.0.1:9000/base/conversations/v1/Conversations?PageSize=5"},
		{"https://flex-api.twilio.com/v2/WebChats", "http://127.0.0.1:9000/base/flex/v2/WebChats"},
		{"https://taskrouter.twilio.com/v1/Workspaces", "http://127.0.0.1:9000/base/taskrouter/v1/Workspaces"},
		{"https://api.twilio.com/2010-04-01/Accounts/AC1/Keys.json", "http://127.0.0.1:9000/base/api/2010-04-01/Accounts/AC1/Keys.json"},
		// Links Parley returns already point at Parley: leave them be.
		{"http://127.0.0.1:9000/base/conversations/v1/Conversations?PageToken=PA3", "http://127.0.0.1:9000/base/conversations/v1/Conversations?PageToken=PA3"},
	}
	for _, tt := range tests {
		rec := &recorder{}
		tr, err := NewTransport("http://127.0.0.1:9000/base/", rec)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", tt.in, nil)
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if got := rec.got.URL.String(); got != tt.want {
			t.Errorf("%s went to %s, want %s", tt.in, got, tt.want)
		}
		if req.URL.String() != tt.in {
			t.Errorf("the caller's request was changed to %s", req.URL)
		}
	}
}

func TestNewTransportRefusesRelativeBase(t *testing.T) {
	if _, err := NewTransport("localhost:8080", nil); err == nil {
		t.Error("NewTransport accepted a base URL without a scheme")
	}
}
