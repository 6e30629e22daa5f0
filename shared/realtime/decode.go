package realtime

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"parley/shared/jsontext"
)

// decodeServerFast is DecodeServer's fast path. Every frame a client receives
// goes through DecodeServer, and encoding/json takes about 9 µs for a message
// event: it checks the whole frame, decodes it, and walks the resource in
// data once more to copy it. This reads a frame as the server writes it in
// one pass. Whatever it is not sure of (an escape, a null, an unknown or
// differently cased key, a number that is not a plain integer, invalid
// UTF-8, deep nesting) it refuses, and DecodeServer leaves that frame to
// encoding/json; so it accepts only what json.Unmarshal decodes, and decodes
// it the same way. FuzzDecodeServer holds it to that.
func decodeServerFast(b []byte) (ServerFrame, bool) {
	var f ServerFrame
	s := scanner{b: b}
	ok := s.object(func(key []byte) bool { return s.serverField(&f, key) })
	return f, ok
}

// decodeClientFast is DecodeClient's fast path, on the same terms as
// decodeServerFast: the server decodes every command a client sends, and
// encoding/json's two passes were a thirtieth of its CPU at 5,000 messages
// a second. FuzzDecodeClient holds it to encoding/json's answers.
func decodeClientFast(b []byte) (ClientFrame, bool) {
	var f ClientFrame
	s := scanner{b: b}
	ok := s.object(func(key []byte) bool { return s.clientField(&f, key) })
	return f, ok
}

// object reads one JSON object, which must be all of b but space, and
// hands each key to field to read its value.
func (s *scanner) object(field func(key []byte) bool) bool {
	s.space()
	if !s.take('{') {
		return false
	}
	s.space()
	if s.take('}') {
		return s.end()
	}
	for {
		s.space()
		key, ok := s.plainString()
		if !ok {
			return false
		}
		s.space()
		if !s.take(':') {
			return false
		}
		s.space()
		if !field(key) {
			return false
		}
		s.space()
		if s.take('}') {
			return s.end()
		}
		if !s.take(',') {
			return false
		}
	}
}

// clientField decodes the value of key into f.
func (s *scanner) clientField(f *ClientFrame, key []byte) (ok bool) {
	switch string(key) {
	case "type":
		f.Type, ok = s.str()
	case "id":
		f.ID, ok = s.str()
	case "v":
		f.Version, ok = s.int()
	case "token":
		f.Token, ok = s.str()
	case "cursor":
		var n int64
		if n, ok = s.int64(); ok {
			f.Cursor = &n
		}
	case "conversation_sid":
		f.ConversationSID, ok = s.str()
	case "body":
		f.Body, ok = s.str()
	case "attributes":
		f.Attributes, ok = s.str()
	case "idempotency_key":
		f.IdempotencyKey, ok = s.str()
	case "media_sids":
		f.MediaSIDs, ok = s.strs()
	case "index":
		var n int
		if n, ok = s.int(); ok {
			f.Index = &n
		}
	}
	return ok
}

// serverField decodes the value of key into f.
func (s *scanner) serverField(f *ServerFrame, key []byte) (ok bool) {
	switch string(key) {
	case "type":
		f.Type, ok = s.str()
	case "id":
		f.ID, ok = s.str()
	case "seq":
		f.Seq, ok = s.int64()
	case "event":
		f.Event, ok = s.str()
	case "conversation_sid":
		f.ConversationSID, ok = s.str()
	case "data":
		f.Data, ok = s.raw()
	case "v":
		f.Version, ok = s.int()
	case "identity":
		f.Identity, ok = s.str()
	case "cursor":
		f.Cursor, ok = s.int64()
	case "resumed":
		f.Resumed, ok = s.bool()
	case "replayed":
		f.Replayed, ok = s.int()
	case "sid":
		f.SID, ok = s.str()
	case "index":
		var n int
		if n, ok = s.int(); ok {
			f.Index = &n
		}
	case "code":
		f.Code, ok = s.int()
	case "status":
		f.Status, ok = s.int()
	case "message":
		f.Message, ok = s.str()
	}
	return ok
}

// scanner reads JSON from b, at i.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// take consumes c if it is next.
func (s *scanner) take(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether nothing but space is left.
func (s *scanner) end() bool {
	s.space()
	return s.i == len(s.b)
}

// plainString reads a string without escapes, in valid UTF-8: one whose
// bytes are its value.
func (s *scanner) plainString() ([]byte, bool) {
	if !s.take('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			return v, utf8.Valid(v)
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

func (s *scanner) str() (string, bool) {
	v, ok := s.plainString()
	return string(v), ok
}

// strs reads an array of strings; an empty one is an empty slice, not
// nil, as encoding/json makes it.
func (s *scanner) strs() ([]string, bool) {
	if !s.take('[') {
		return nil, false
	}
	out := []string{}
	s.space()
	if s.take(']') {
		return out, true
	}
	for {
		s.space()
		v, ok := s.str()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		s.space()
		if s.take(']') {
			return out, true
		}
		if !s.take(',') {
			return nil, false
		}
	}
}

func (s *scanner) bool() (bool, bool) {
	switch {
	case s.literal("true"):
		return true, true
	case s.literal("false"):
		return false, true
	}
	return false, false
}

func (s *scanner) literal(word string) bool {
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

// int64 reads an integer of at most 18 digits, which cannot overflow. A
// fraction or exponent after it is refused by the caller, which expects a
// comma or the end of the object next.
func (s *scanner) int64() (int64, bool) {
	start := s.i
	s.take('-')
	digits := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	n := s.i - digits
	if n == 0 || n > 18 || n > 1 && s.b[digits] == '0' {
		return 0, false
	}
	v, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	return v, err == nil
}

func (s *scanner) int() (int, bool) {
	v, ok := s.int64()
	return int(v), ok && int64(int(v)) == v
}

// raw reads an object or array and returns a copy of its bytes, as
// json.RawMessage would hold them: the caller may reuse b.
func (s *scanner) raw() ([]byte, bool) {
	start := s.i
	if s.i >= len(s.b) || s.b[s.i] != '{' && s.b[s.i] != '[' || !s.value(0) {
		return nil, false
	}
	return append([]byte(nil), s.b[start:s.i]...), true
}

// maxDepth bounds nesting in data. encoding/json allows far more; a frame
// nested deeper goes to it.
const maxDepth = 64

// value checks one JSON value and moves past it.
func (s *scanner) value(depth int) bool {
	if s.i >= len(s.b) || depth > maxDepth {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.container('}', depth, true)
	case c == '[':
		return s.container(']', depth, false)
	case c == '"':
		return s.string()
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	return s.literal("true") || s.literal("false") || s.literal("null")
}

// container checks an object (keyed) or an array, from its opening byte.
func (s *scanner) container(closer byte, depth int, keyed bool) bool {
	s.i++
	s.space()
	if s.take(closer) {
		return true
	}
	for {
		s.space()
		if keyed {
			if !s.string() {
				return false
			}
			s.space()
			if !s.take(':') {
				return false
			}
			s.space()
		}
		if !s.value(depth + 1) {
			return false
		}
		s.space()
		if s.take(closer) {
			return true
		}
		if !s.take(',') {
			return false
		}
	}
}

// string checks a string, escapes included. Like encoding/json's own
// check, it does not look at UTF-8: a RawMessage keeps the bytes.
func (s *scanner) string() bool {
	if !s.take('"') {
		return false
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		s.i++
		switch {
		case c == '"':
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if s.i >= len(s.b) {
				return false
			}
			e := s.b[s.i]
			s.i++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(s.b)-s.i < 4 {
					return false
				}
				for _, h := range s.b[s.i : s.i+4] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false
					}
				}
				s.i += 4
			default:
				return false
			}
		}
	}
	return false
}

// number checks a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	s.take('-')
	switch {
	case s.take('0'):
	case s.digits() == 0:
		return false
	}
	if s.take('.') && s.digits() == 0 {
		return false
	}
	if s.take('e') || s.take('E') {
		if !s.take('+') {
			s.take('-')
		}
		if s.digits() == 0 {
			return false
		}
	}
	return true
}

func (s *scanner) digits() int {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i - start
}

// badText finds the first top-level field of a JSON object whose text
// (its name or anything in its value) is not valid UTF-8 or escapes half
// of a surrogate pair. It reports bad with field "" when the text is bad
// but no one field can be named (a bad field name, or a frame too deep to
// walk here).
func badText(b []byte) (field string, bad bool) {
	if jsontext.Lossless(b) {
		return "", false
	}
	s := scanner{b: b}
	s.space()
	if !s.take('{') {
		return "", true
	}
	for {
		s.space()
		start := s.i
		if !s.string() {
			return "", true
		}
		key := b[start:s.i]
		s.space()
		if !s.take(':') {
			return "", true
		}
		s.space()
		vstart := s.i
		if !s.value(0) {
			return "", true
		}
		if v := b[vstart:s.i]; !jsontext.Lossless(key) {
			return "", true
		} else if !jsontext.Lossless(v) {
			var name string
			if json.Unmarshal(key, &name) != nil {
				return "", true
			}
			return name, true
		}
		s.space()
		if !s.take(',') {
			return "", true
		}
	}
}
