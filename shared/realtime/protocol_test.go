package realtime

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
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
		{"unknown type", `{"type":"shout"}`, `unknown frame type "shout"`},
		{"no type", `{}`, "no type"},
		{"not JSON", `hello`, "not a JSON object"},
		{"wrong field type", `{"type":"read","conversation_sid":"CH1","index":"five"}`, "not a JSON object"},
		{"long id", `{"type":"typing","conversation_sid":"CH1","id":"` + strings.Repeat("x", 65) + `"}`, "id is longer"},
		{"invalid UTF-8", "{\"type\":\"send\",\"body\":\"\xff\"}", "UTF-8"},
		{"oversized", `{"type":"send","body":"` + strings.Repeat("x", MaxFrameBytes) + `"}`, "limit"},
	}
	for _, tt := range tests {
		_, err := DecodeClient([]byte(tt.in))
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.wantErr)
		case err != nil && !errors.Is(err, ErrFrame):
			t.Errorf("%s: error %v does not wrap ErrFrame", tt.name, err)
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
		`{"type":null}`, `[]`, `"`, ``,
		// Edges of each rule the fast path applies.
		`{"type":"send","conversation_sid":"CH1","media_sids":[]}`,
		`{"type":"send","conversation_sid":"CH1","media_sids":["ME1", "ME2"],"media_sids":["ME3"]}`,
		`{"type":"send","conversation_sid":"CH1","media_sids":["ME1",]}`, `{"type":"send","media_sids":[1]}`,
		`{"type":"send","media_sids":null}`, `{"type":"send","media_sids":"ME1"}`,
		`{"type":"send","body":"a \"quoted\" line\n","attributes":"{\"a\":1}"}`,
		`{"type":"hello","token":"t","cursor":-0,"cursor":7,"v":1}`, `{"type":"hello","cursor":1e2}`,
		`{"type":"read","index":9223372036854775807}`, `{"type":"read","index":123456789012345678}`,
		`{"Type":"typing"}`, `{"type":"typing","extra":1}`, "{\"body\":\"\xff\"}",
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
