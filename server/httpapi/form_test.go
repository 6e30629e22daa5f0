package httpapi

import (
	"errors"
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

// Each typed reader takes what Twilio's API takes (spaces around it
// trimmed), says nothing for an absent parameter, and names the parameter
// and what it wanted when the value is bad.
func TestTypedParametersReadOrNameWhatTheyWant(t *testing.T) {
	r := httptest.NewRequest("GET", "/?N=+42+&Big=9000000000&Yes=true&Day=2026-01-31&At=2026-01-31T12:00:00Z"+
		"&BadN=4.2&BadBig=x&BadYes=maybe&BadAt=31/01/2026", nil)
	p, err := parseForm(r)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := p.int("N"); err != nil || n == nil || *n != 42 {
		t.Errorf("N = %v, %v; want 42", n, err)
	}
	if n, err := p.int64("Big"); err != nil || n == nil || *n != 9_000_000_000 {
		t.Errorf("Big = %v, %v; want 9000000000", n, err)
	}
	if b, err := p.bool("Yes"); err != nil || b == nil || !*b {
		t.Errorf("Yes = %v, %v; want true", b, err)
	}
	if d, err := p.time("Day"); err != nil || d == nil || d.Format("2006-01-02") != "2026-01-31" {
		t.Errorf("Day = %v, %v; want 2026-01-31", d, err)
	}
	if at, err := p.time("At"); err != nil || at == nil || at.Hour() != 12 {
		t.Errorf("At = %v, %v; want noon", at, err)
	}
	if n, err := p.int("Absent"); n != nil || err != nil {
		t.Errorf("an absent parameter reads %v, %v; want nothing", n, err)
	}
	for name, want := range map[string]string{
		"BadN":   `BadN must be an integer, got "4.2"`,
		"BadBig": `BadBig must be an integer, got "x"`,
		"BadYes": `BadYes must be true or false, got "maybe"`,
		"BadAt":  `BadAt must be an ISO 8601 time such as 2026-01-31T12:00:00Z, got "31/01/2026"`,
	} {
		var err error
		switch name {
		case "BadN":
			_, err = p.int(name)
		case "BadBig":
			_, err = p.int64(name)
		case "BadYes":
			_, err = p.bool(name)
		case "BadAt":
			_, err = p.time(name)
		}
		var ae *apperr.Error
		if err == nil || err.Error() != want || !errors.As(err, &ae) {
			t.Errorf("%s: %v; want %q in the API's shape", name, err, want)
		}
	}
}
