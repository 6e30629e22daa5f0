package realtime

import (
	"encoding/json"
	"reflect"
	"testing"
)

// messageEvent is a message_added frame as the server writes it.
var messageEvent = []byte(`{"type":"event","seq":123456,"event":"message_added","conversation_sid":"CH019ab3c4d5e6f7a8b9c0d1e2f3a4b5c6","data":{"account_sid":"AC00000000000000000000000000000001","chat_service_sid":"IS00000000000000000000000000000001","conversation_sid":"CH019ab3c4d5e6f7a8b9c0d1e2f3a4b5c6","messaging_service_sid":null,"sid":"IM019ab3c4d5e6f7a8b9c0d1e2f3a4b5c7","index":42,"author":"customer-17","body":"Grüße \"quoted\" \u003cb\u003e and a tab\t","media":null,"attributes":"{\"priority\":1.5e3}","participant_sid":"MB019ab3c4d5e6f7a8b9c0d1e2f3a4b5c8","date_created":"2026-11-23T16:10:59Z","date_updated":"2026-11-23T16:10:59Z","delivery":null,"url":"https://example.com/v1/Conversations/CH019ab3c4d5e6f7a8b9c0d1e2f3a4b5c6/Messages/IM019ab3c4d5e6f7a8b9c0d1e2f3a4b5c7","links":{"delivery_receipts":"https://example.com/v1/Conversations/CH019ab3c4d5e6f7a8b9c0d1e2f3a4b5c6/Messages/IM019ab3c4d5e6f7a8b9c0d1e2f3a4b5c7/Receipts"},"nested":[[],{},[-0.5,0,true,false]]}}`)

// The frames the server sends take the fast path and decode exactly as
// encoding/json decodes them.
func TestServerFramesTakeTheFastPath(t *testing.T) {
	zero := 0
	frames := map[string][]byte{"message event": messageEvent}
	for name, f := range map[string]ServerFrame{
		"ready":  {Type: TypeReady, Version: Version, Identity: "alice", Cursor: 9007199254740, Resumed: true, Replayed: 12},
		"ack":    {Type: TypeAck, ID: "019ab3c4d5e6f7a8b9c0d1e2f3a4b5c6", SID: "IM019ab3c4d5e6f7a8b9c0d1e2f3a4b5c7", Index: &zero},
		"error":  {Type: TypeError, ID: "7", Code: 50431, Status: 403, Message: "You are not a participant of this conversation."},
		"typing": {Type: TypeEvent, Seq: 0, Event: TypingStarted, ConversationSID: "CH1", Data: json.RawMessage(`{"identity":"bob"}`)},
		"resync": {Type: TypeResync, Message: "too far behind"},
	} {
		b, err := Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		frames[name] = b
	}
	for name, b := range frames {
		got, ok := decodeServerFast(b)
		if !ok {
			t.Errorf("%s: the fast path refused %s", name, b)
			continue
		}
		if want := stdlibDecode(t, b); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: fast path decoded\n%+v\nencoding/json decoded\n%+v", name, got, want)
		}
	}
}

// Frames the fast path is unsure of are decoded by encoding/json, with the
// same result as ever.
func TestUnusualServerFramesFallBackToEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"Type":"ack","ID":"1"}`,                     // keys in another case
		`{"type":"ack","message":"caf\u00e9"}`,        // an escape
		`{"type":"ack","id":null}`,                    // a null
		`{"type":"ack","index":1.0}`,                  // not an integer: an error
		`{"type":"ack","index":99999999999999999999}`, // too large: an error
		`{"type":"event","data":"text"}`,              // data that is not an object
		`{"type":"ack","extra":{"a":[1,2]}}`,          // an unknown key
		"{\"type\":\"ack\",\"message\":\"\xff\"}",     // invalid UTF-8, replaced
		`{"type":"ack"} {"type":"ack"}`,               // two values: an error
		`{"type":"event","data":{"a":01}}`,            // a bad number: an error
	} {
		b := []byte(in)
		if _, ok := decodeServerFast(b); ok {
			t.Errorf("the fast path took %s", in)
		}
		got, gotErr := DecodeServer(b)
		var want ServerFrame
		wantErr := json.Unmarshal(b, &want)
		if (gotErr == nil) != (wantErr == nil) || gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: DecodeServer gave %+v, %v; encoding/json gives %+v, %v", in, got, gotErr, want, wantErr)
		}
	}
}

// FuzzDecodeServer holds DecodeServer to encoding/json's answer for any
// input: the same frame, or an error where it errs.
func FuzzDecodeServer(f *testing.F) {
	f.Add(messageEvent)
	for _, seed := range []string{
		`{"type":"ready","v":1,"identity":"a","cursor":3,"resumed":true,"replayed":2}`,
		`{"type":"ack","id":"1","sid":"IM1","index":0}`,
		`{"type":"error","code":1,"status":403,"message":"no"}`,
		`{"type":"event","seq":-0,"data":[{"a":"\u00e9\n"},1e-3,null]}`,
		`{"Type":"x"}`, `{"type":"x","index":1.5}`, `{}`, `[]`, `"`, ``, ` {"type" : "x" } `,
		// Edges of each rule the fast path applies.
		`{"type":"x","index":01}`, `{"type":"x","index":-}`, `{"type":"x","index":-0}`, `{"type":"x","seq":1e2}`,
		`{"type":"x","seq":123456789012345678}`, `{"type":"x","seq":1234567890123456789}`,
		`{"type":"x","resumed":true,"resumed":false}`, `{"type":"x","resumed":null}`, `{"type":"x","resumed":1}`,
		`{"ty\u0070e":"x"}`, "{\"type\":\"x\u0000\"}", "{\"type\":\"x\t\"}",
		`{"type":"x","data":{"a":[1,-2.5e+3,"\ud800",{"b":{}}],"c":true}}`, `{"type":"x","data":[01]}`,
		`{"type":"x","data":{"a":"\x"}}`, `{"type":"x","data":{"a" "b"}}`, `{"type":"x","data":{,}}`,
		`{"type":"x","data":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
		`{"type":"x",}`, `{"type":"x"`, `{"type":"x"}x`,
		`{"type":"x","data":[nul]}`, `{"type":"x","data":[tru,fals]}`, `{"type":"x","seq":1.5}`,
		"{\"type\":\"x\xff\"}", "{\"type\":\"x\",\"data\":{\"a\":\"\t\"}}", `{"type":"x","data":{"a":"\/\b\f\n\r\t\"\\"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, gotErr := DecodeServer(b)
		var want ServerFrame
		wantErr := json.Unmarshal(b, &want)
		if wantErr == nil && want.Type == "" {
			wantErr = ErrFrame
		}
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%q: DecodeServer error %v, encoding/json error %v", b, gotErr, wantErr)
		}
		if gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: DecodeServer gave\n%+v\nencoding/json gives\n%+v", b, got, want)
		}
	})
}

func BenchmarkDecodeServer(b *testing.B) {
	b.Run("message-event", func(b *testing.B) {
		b.SetBytes(int64(len(messageEvent)))
		for b.Loop() {
			if _, err := DecodeServer(messageEvent); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The baseline: what DecodeServer did before it had a fast path.
	b.Run("baseline-encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(messageEvent)))
		for b.Loop() {
			var f ServerFrame
			if err := json.Unmarshal(messageEvent, &f); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// sendCommand is what a client sends for a chat message.
var sendCommand = []byte(`{"type":"send","id":"41","conversation_sid":"CH0123456789abcdef0123456789abcdef",` +
	`"body":"Hello, is anyone there? My order has not arrived.","idempotency_key":"k-01HZX3Q2J8"}`)

func BenchmarkDecodeClient(b *testing.B) {
	b.Run("send", func(b *testing.B) {
		b.SetBytes(int64(len(sendCommand)))
		for b.Loop() {
			if _, err := DecodeClient(sendCommand); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The baseline: what DecodeClient did before it had a fast path.
	b.Run("baseline-encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(sendCommand)))
		for b.Loop() {
			var f ClientFrame
			if err := json.Unmarshal(sendCommand, &f); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func stdlibDecode(t *testing.T, b []byte) ServerFrame {
	t.Helper()
	var f ServerFrame
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("encoding/json refuses %s: %v", b, err)
	}
	return f
}
