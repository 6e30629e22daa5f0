package realtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeClient(t *testing.T) {
	tests := []struct {
		name, in string
		wantErr  string // "" means valid
	}{
		{"hello", `{"type":"hello","token":"t"}`, ""},
		{"hello with cursor and version", `{"type":"hello","token":"t","cursor":42,"v":1}`, ""},
		{"hello without token", `{"type":"hello"}`, "needs a token"},
		{"future version", `{"type":"hello","token":"t","v":9}`, "version 9 is not supported"},
		{"negative cursor", `{"type":"hello","token":"t","cursor":-1}`, "negative"},
		{"send", `{"type":"send","id":"1","conversation_sid":"CH1","body":"hi","idempotency_key":"k"}`, ""},
		{"send without body", `{"type":"send","conversation_sid":"CH1"}`, "needs a body"},
		{"send without conversation", `{"type":"send","body":"hi"}`, "needs conversation_sid"},
		{"read", `{"type":"read","conversation_sid":"CH1","index":0}`, ""},
		{"read without index", `{"type":"read","conversation_sid":"CH1"}`, "needs conversation_sid and index"},
		{"typing", `{"type":"typing","conversation_sid":"CH1"}`, ""},
		{"monitor", `{"type":"monitor","id":"m1","conversation_sid":"CH1"}`, ""},
		{"monitor without conversation", `{"type":"monitor","id":"m1"}`, "monitor needs conversation_sid"},
		{"unmonitor", `{"type":"unmonitor","conversation_sid":"CH1"}`, ""},
		{"unmonitor without conversation", `{"type":"unmonitor"}`, "unmonitor needs conversation_sid"},
		{"unknown type", `{"type":"shout"}`, `unknown frame type "shout"`},
		{"no type", `{}`, "no type"},
		{"not JSON", `hello`, "not a JSON object"},
		{"wrong field type", `{"type":"read","conversation_sid":"CH1","index":"five"}`, "not a JSON object"},
		{"long id", `{"type":"typing","conversation_sid":"CH1","id":"` + strings.Repeat("x", 65) + `"}`, "id is longer"},
		{"invalid UTF-8", "{\"type\":\"send\",\"body\":\"\xff\"}", "UTF-8"},
		{"a lone surrogate", `{"type":"send","conversation_sid":"CH1","body":"\ud800"}`, "body is not valid UTF-8"},
		{"a pair reversed", `{"type":"send","conversation_sid":"CH1","body":"\ude00\ud83d"}`, "body is not valid UTF-8"},
		{"a surrogate pair", `{"type":"send","conversation_sid":"CH1","body":"\ud83d\ude00"}`, ""},
		{"an escaped backslash", `{"type":"send","conversation_sid":"CH1","body":"\\ud800"}`, ""},
		{"bad text in attributes", `{"type":"send","conversation_sid":"CH1","body":"hi","attributes":"{\"a\":\"\\udc00\"}"}`, ""}, // the conversations service checks attributes' JSON
		{"bad bytes in a field name", "{\"type\":\"typing\",\"conversation_sid\":\"CH1\",\"x\xff\":1}", "frame is not valid UTF-8"},
		{"oversized", `{"type":"send","body":"` + strings.Repeat("x", MaxFrameBytes) + `"}`, "limit"},
	}
	for _, tt := range tests {
		f, err := DecodeClient([]byte(tt.in))
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.wantErr)
		case err != nil && !errors.Is(err, ErrFrame):
			t.Errorf("%s: error %v does not wrap ErrFrame", tt.name, err)
		}
		// A frame whose only fault is its text still says what it is, so
		// the server can answer that command alone.
		var te *TextError
		if errors.As(err, &te) && (f.Type != TypeSend || te.Field != "body" && te.Field != "idempotency_key") {
			t.Errorf("%s: TextError %+v for frame %+v", tt.name, te, f)
		}
	}
}

func TestBadTextNamesItsField(t *testing.T) {
	for _, tt := range []struct{ in, field string }{
		{"{\"type\":\"send\",\"id\":\"7\",\"conversation_sid\":\"CH1\",\"body\":\"caf\xe9\"}", "body"},
		{`{"type":"send","id":"7","conversation_sid":"CH1","body":"ok","idempotency_key":"\udfff"}`, "idempotency_key"},
		{`{"type":"send","id":"7","conversation_sid":"CH1","media_sids":["ME1","\ud800"]}`, "media_sids"},
		{`{"type":"typing","id":"7","conversation_sid":"CH\ud800"}`, "conversation_sid"},
		{`{"type":"send","id":"7","conversation_sid":"CH1","BODY":"\ud800"}`, "BODY"},
	} {
		f, err := DecodeClient([]byte(tt.in))
		var te *TextError
		if !errors.As(err, &te) || te.Field != tt.field || f.ID != "7" || !errors.Is(err, ErrFrame) {
			t.Errorf("%s: %+v, %v; want a TextError naming %s with the frame's id", tt.in, f, err, tt.field)
		}
	}
}

// FuzzDecodeClient feeds the decoder arbitrary bytes: it must never panic,
// its fast path must decode what it accepts exactly as encoding/json does,
// and whatever it accepts must survive a round trip unchanged.
func FuzzDecodeClient(f *testing.F) {
	for _, seed := range []string{
		`{"type":"hello","token":"t","cursor":3}`,
		`{"type":"send","id":"1","conversation_sid":"CH1","body":"hi","idempotency_key":"k"}`,
		`{"type":"read","conversation_sid":"CH1","index":2}`,
		`{"type":"typing","conversation_sid":"CH1"}`,
		`{"type":"token","token":"x"}`,
		`{"type":"monitor","id":"m1","conversation_sid":"CH1"}`, `{"type":"unmonitor","conversation_sid":"CH1"}`,
		`{"type":"monitor"}`, `{"type":"monitor","conversation_sid":""}`,
		`{"type":null}`, `[]`, `"`, ``,
		// Edges of each rule the fast path applies.
		`{"type":"send","conversation_sid":"CH1","media_sids":[]}`,
		`{"type":"send","conversation_sid":"CH1","media_sids":["ME1", "ME2"],"media_sids":["ME3"]}`,
		`{"type":"send","conversation_sid":"CH1","media_sids":["ME1",]}`, `{"type":"send","media_sids":[1]}`,
		`{"type":"send","media_sids":null}`, `{"type":"send","media_sids":"ME1"}`,
		`{"type":"send","body":"a \"quoted\" line\n","attributes":"{\"a\":1}"}`,
		`{"type":"hello","token":"t","cursor":-0,"cursor":7,"v":1}`, `{"type":"hello","cursor":1e2}`,
		`{"type":"read","index":9223372036854775807}`, `{"type":"read","index":123456789012345678}`,
		`{"Type":"typing"}`, `{"type":"typing","extra":1}`, "{\"body\":\"\xff\"}", `{"type":"send","body":"\ud800"}`, `{"type":"send","body":"\ud83d\ude00\udc00"}`,
		` { "type" : "typing" , "conversation_sid" : "CH1" } `, `{"type":"typing"} x`, `{"type":"typing",}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if fast, ok := decodeClientFast(b); ok {
			var want ClientFrame
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatalf("%q: the fast path accepts what encoding/json refuses: %v", b, err)
			}
			if !reflect.DeepEqual(fast, want) {
				t.Fatalf("%q: the fast path gave\n%+v\nencoding/json gives\n%+v", b, fast, want)
			}
		}
		frame, err := DecodeClient(b)
		if err != nil {
			if !errors.Is(err, ErrFrame) {
				t.Fatalf("error %v does not wrap ErrFrame", err)
			}
			return
		}
		// Text is taken as sent or refused, never repaired: a U+FFFD in
		// what is accepted was in the frame.
		for _, v := range append([]string{frame.Type, frame.ID, frame.Token, frame.ConversationSID, frame.Body,
			frame.Attributes, frame.IdempotencyKey}, frame.MediaSIDs...) {
			if strings.ContainsRune(v, utf8.RuneError) && !bytes.Contains(b, []byte("\uFFFD")) &&
				!bytes.Contains(bytes.ToLower(b), []byte(`\ufffd`)) {
				t.Fatalf("%q: accepted with text altered to %q", b, v)
			}
		}
		again, err := Encode(frame)
		if err != nil {
			t.Fatalf("accepted frame does not encode: %v", err)
		}
		back, err := DecodeClient(again)
		if err != nil {
			t.Fatalf("accepted frame %s re-encoded as %s is refused: %v", b, again, err)
		}
		if back.Type != frame.Type || back.Body != frame.Body || back.ConversationSID != frame.ConversationSID {
			t.Fatalf("round trip changed the frame: %+v != %+v", back, frame)
		}
	})
}

// EncodeEvent writes the very bytes Encode writes for the same event.
func TestEncodeEventWritesWhatEncodeWrites(t *testing.T) {
	var msg map[string]any
	if err := json.Unmarshal(messageEvent, &msg); err != nil {
		t.Fatal(err)
	}
	resource, err := json.Marshal(msg["data"])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                string
		seq                 int64
		event, conversation string
		data                json.RawMessage
	}{
		{"message", 123456, MessageAdded, "CH019ab3c4d5e6f7a8b9c0d1e2f3a4b5c6", resource},
		{"typing, no seq", 0, TypingStarted, "CH1", json.RawMessage(`{"identity":"bob"}`)},
		{"routing, no conversation", 0, WorkerUpdated, "", json.RawMessage(`{"worker_sid":"WK1"}`)},
		{"a name with <", -7, `<event`, "CH1", json.RawMessage(`[]`)},
		{"a name with >", 4, `event>`, "CH1", json.RawMessage(`[]`)},
		{"a name with &", 5, `event`, "CH&1", json.RawMessage(`[]`)},
		{"a name with a quote", 1, `a "quoted" event`, "CH1", json.RawMessage(`[]`)},
		{"names beyond ASCII", 2, "événement", "CH\u2028", json.RawMessage(`[]`)},
		{"a control character", 3, "tab\tbed", "CH\\1", json.RawMessage(`[]`)},
		{"no data", 9, MessageRemoved, "CH1", nil},
	}
	for _, tt := range tests {
		got, err := EncodeEvent(tt.seq, tt.event, tt.conversation, tt.data)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		want, err := Encode(ServerFrame{Type: TypeEvent, Seq: tt.seq, Event: tt.event, ConversationSID: tt.conversation, Data: tt.data})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: EncodeEvent wrote\n%s\nEncode writes\n%s", tt.name, got, want)
		}
	}
}

func BenchmarkEncodeEvent(b *testing.B) {
	var f ServerFrame
	if err := json.Unmarshal(messageEvent, &f); err != nil {
		b.Fatal(err)
	}
	b.Run("message-event", func(b *testing.B) {
		for b.Loop() {
			if _, err := EncodeEvent(f.Seq, f.Event, f.ConversationSID, f.Data); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The baseline: what the server did before EncodeEvent.
	b.Run("baseline-encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := Encode(ServerFrame{Type: TypeEvent, Seq: f.Seq, Event: f.Event, ConversationSID: f.ConversationSID, Data: f.Data}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
