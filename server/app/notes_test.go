package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"parley/shared/model"
	proto "parley/shared/realtime"
)

func notesOf(conversation string) string {
	return "/parley/v1/Conversations/" + conversation + "/Notes"
}

func TestPrivateNotesReachAgentsButNeverTheCustomer(t *testing.T) {
	s := startServer(t)
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	ben := s.mustSignIn(t, s.mustCreateAgent(t, "ben@example.com", "agent"))
	sue := s.mustSignIn(t, s.mustCreateAgent(t, "sue@example.com", "supervisor"))
	chat := s.conversationWith(t, "customer-1", ana.Identity)
	customerToken := s.mintToken(t, "customer-1")
	customer, _ := s.connect(t, customerToken, nil)
	anaLive, _ := s.connect(t, ana.token, nil)
	sueLive, _ := s.connect(t, sue.token, nil)

	// Markup is data: it comes back as written, for the desk to show as text.
	var note model.Note
	ana.mustCall(t, "POST", notesOf(chat), url.Values{"Body": {"<b>VIP</b>: promised a refund by Friday"}}, &note)
	if note.Body != "<b>VIP</b>: promised a refund by Friday" || note.Author != ana.Identity || note.AuthorName != "ana" {
		t.Errorf("the note came back as %+v", note)
	}

	// The agents in the chat and the supervisors hear of it at once ...
	for who, w := range map[string]*wire{"ana": anaLive, "sue": sueLive} {
		f := w.await(t, who+"'s note_added", isEvent(proto.NoteAdded, chat))
		if !strings.Contains(string(f.Data), note.SID) {
			t.Errorf("%s heard of a note %s, want %s", who, f.Data, note.SID)
		}
	}
	// ... the customer never does: the next thing it hears is the agent's
	// reply, and no message or REST read holds the note.
	s.postForm(t, "/conversations/v1/Conversations/"+chat+"/Messages", url.Values{"Author": {ana.Identity}, "Body": {"Your refund is on its way"}})
	for {
		f := customer.next(t)
		if f.Event == proto.NoteAdded || strings.Contains(string(f.Data), "VIP") {
			t.Fatalf("the customer was told of a private note: %+v", f)
		}
		if f.Event == proto.MessageAdded {
			break
		}
	}
	guest := s.deskWith(model.Agent{Email: "customer-1"}, customerToken)
	guest.wantRefused(t, http.StatusForbidden, "GET", notesOf(chat), nil)
	guest.wantRefused(t, http.StatusForbidden, "POST", notesOf(chat), url.Values{"Body": {"let me in"}})
	if msgs := s.get(t, "/conversations/v1/Conversations/"+chat+"/Messages"); strings.Contains(msgs.text, "VIP") {
		t.Errorf("the note is among the conversation's messages: %s", msgs.text)
	}

	// An agent outside the chat neither reads nor writes its notes; a
	// supervisor does both, as herself only.
	ben.wantRefused(t, http.StatusForbidden, "GET", notesOf(chat), nil)
	ben.wantRefused(t, http.StatusForbidden, "POST", notesOf(chat), url.Values{"Body": {"hi"}})
	sue.mustCall(t, "POST", notesOf(chat), url.Values{"Body": {"Good call on the refund"}}, nil)
	sue.wantRefused(t, http.StatusForbidden, "POST", notesOf(chat), url.Values{"Body": {"as Ana"}, "Author": {ana.Identity}})
	var list struct{ Notes []model.Note }
	ana.mustCall(t, "GET", notesOf(chat), nil, &list)
	if len(list.Notes) != 2 || list.Notes[0].SID != note.SID || list.Notes[1].AuthorName != "sue" {
		t.Errorf("Ana lists %+v, want her note then Sue's", list.Notes)
	}

	// Notes go with their conversation.
	if r := s.do(t, rawRequest{method: "DELETE", path: "/conversations/v1/Conversations/" + chat}); r.status != http.StatusNoContent {
		t.Fatalf("delete the conversation: %d %s", r.status, r.text)
	}
	if n := s.countRows(t, "notes"); n != 0 {
		t.Errorf("%d notes outlived their conversation", n)
	}
}

func TestBadNotesAreRefusedSayingWhy(t *testing.T) {
	s := startServer(t)
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	chat := s.conversationWith(t, "customer-1", ana.Identity)
	for _, tc := range []struct {
		name         string
		conversation string
		body         string
		status, code int
	}{
		{"an empty note", chat, "   ", 400, 21602},
		{"an over-long note", chat, strings.Repeat("x", 4097), 400, 50504},
		{"a control character", chat, "bell\x07", 400, 20400},
		{"an unknown conversation", "CH00000000000000000000000000000000", "hello", 404, 20404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.postForm(t, notesOf(tc.conversation), url.Values{"Body": {tc.body}, "Author": {ana.Identity}})
			wantTwilioErrorShape(t, r, tc.status, tc.code)
		})
	}
	wantServing(t, s)
}

func TestAgentsSeeThePastConversationsOfCustomersTheyServe(t *testing.T) {
	s := startServer(t)
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	sue := s.mustSignIn(t, s.mustCreateAgent(t, "sue@example.com", "supervisor"))
	s.conversationWith(t, "customer-1")               // last month's chat, with someone else
	s.conversationWith(t, "customer-1", ana.Identity) // today's, with Ana
	s.conversationWith(t, "customer-2")               // a customer Ana never served

	var list struct{ Conversations []map[string]any }
	ana.mustCall(t, "GET", "/conversations/v1/ParticipantConversations", url.Values{"Identity": {"customer-1"}}, &list)
	if len(list.Conversations) != 2 {
		t.Errorf("Ana sees %d conversations of the customer she serves, want both", len(list.Conversations))
	}
	ana.wantRefused(t, http.StatusForbidden, "GET", "/conversations/v1/ParticipantConversations", url.Values{"Identity": {"customer-2"}})
	sue.mustCall(t, "GET", "/conversations/v1/ParticipantConversations", url.Values{"Identity": {"customer-2"}}, &list)
	if len(list.Conversations) != 1 {
		t.Errorf("a supervisor sees %d conversations of customer-2, want 1", len(list.Conversations))
	}
	// Seeing that past conversations exist is not reading them.
	for _, c := range list.Conversations {
		ana.wantRefused(t, http.StatusForbidden, "GET", "/conversations/v1/Conversations/"+c["conversation_sid"].(string)+"/Messages", nil)
	}
}
