package httpapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"parley/server/apperr"
)

// Every parameter of every request is read through parseForm, and every
// JSON body through checkJSONText: text that is not UTF-8 is refused
// there, naming where it was, and never reaches a handler.
func TestTextThatIsNotUTF8IsRefusedNamingWhere(t *testing.T) {
	for _, tt := range []struct {
		form url.Values
		want string // "" when accepted, else the start of the message
	}{
		{url.Values{"Body": {"café 👩‍💻"}, "Author": {"ana"}}, ""},
		{url.Values{"Body": {"caf\xe9"}}, "Body is not valid UTF-8"},
		{url.Values{"Author": {"ok"}, "Body": {"ok"}, "MediaSid": {"ME1", "\xff"}}, "MediaSid is not valid UTF-8"},
		{url.Values{"B": {"\xff"}, "A": {"\xfe"}}, "A is not"}, // the first by name, whatever the map's order
		{url.Values{"X\xff": {"1"}}, "A parameter name"},
	} {
		err := checkFormText(tt.form)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%v refused: %v", tt.form, err)
		case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
			t.Errorf("%q: error %v, want one starting %q", tt.form, err, tt.want)
		}
	}
	for _, tt := range []struct{ body, want string }{
		{`{"from":"WK1","to":"WQ1","type":"warm"}`, ""},
		{`{"body":"caf\u00e9 \ud83d\ude00"}`, ""},
		{"{\"from\":\"WK1\",\"to\":\"\xff\"}", "to is not valid UTF-8"},
		{`{"from":"WK1","to":"\ud800"}`, "to is not valid UTF-8"},
		{`{"\udc00":"x"}`, "The request body is not"},
		{"[\"\xff\"]", "The request body is not"},
	} {
		err := checkJSONText([]byte(tt.body))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s refused: %v", tt.body, err)
		case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
			t.Errorf("%q: error %v, want one starting %q", tt.body, err, tt.want)
		}
	}
}

// A handler reading many parameters gets the first bad one's error, in
// the API's shape, and no input to call the service with.
func TestReadParamsAnswersTheFirstBadParameter(t *testing.T) {
	r := httptest.NewRequest("GET", "/?Priority=high&Timeout=x&Available=maybe&Attributes=%7B%7D", nil)
	p, err := parseForm(r)
	if err != nil {
		t.Fatal(err)
	}
	type in struct {
		Attributes *string
		Priority   *int
	}
	got, err := readParams(p, func(p *reader) in {
		return in{Attributes: p.str("Attributes"), Priority: p.int("Priority")}
	})
	if err == nil || err.Error() != `Priority must be an integer, got "high"` || got != (in{}) {
		t.Errorf("readParams = %+v, %v; want no input and Priority's error", got, err)
	}
	if ae, ok := apperr.As(err); !ok || apperr.Status(ae.Kind) != http.StatusBadRequest || ae.Code != apperr.CodeBadRequest {
		t.Errorf("error %#v is not a 400 in the API's shape", err)
	}
	if b, err := p.bool("Available"); b != nil || err == nil {
		t.Errorf("bool(Available=maybe) = %v, %v; want an error", b, err)
	}
	if n, err := p.int("Missing"); n != nil || err != nil {
		t.Errorf("int(Missing) = %v, %v; want nil, nil", n, err)
	}
}
