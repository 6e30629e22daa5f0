package textrule

import (
	"strings"
	"testing"

	"parley/server/apperr"
)

func TestText(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"", true},
		{"hello", true},
		{"café 日本 👩‍💻 \u202e\u200b\x07\n\t", true}, // any valid text: bodies hold anything
		{"caf\xe9", false}, // Latin-1, not UTF-8
		{"\xff\xfe", false},
		{"\xc0\xaf", false},         // an overlong "/"
		{"\xed\xa0\x80", false},     // a surrogate, encoded
		{"\xf4\x90\x80\x80", false}, // past U+10FFFF
		{"ok\xe2\x82", false},       // cut short
	} {
		err := Text("Body", tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("Text(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
		if err != nil {
			wantInvalidNaming(t, err, "Body")
		}
	}
}

func TestJSON(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{`{"a":"b"}`, true},
		{`{"a":"\u00e9\n\"\\"}`, true},
		{`{"a":"\ud83d\ude00"}`, true}, // a pair: 😀
		{`{"a":"\\ud800"}`, true},      // an escaped backslash, then text
		{`{"a":"\\\ud83d\ude00"}`, true},
		{`{"a":"\ud800"}`, false}, // a high half alone
		{`{"a":"\ud800x"}`, false},
		{`{"a":"\ud800\u0041"}`, false}, // a high half, then no low one
		{`{"a":"\udc00"}`, false},       // a low half alone
		{`{"a":"\ude00\ud83d"}`, false}, // a pair the wrong way round
		{`{"a":"\\\udc00"}`, false},
		{`{"\ud800":1}`, false}, // keys too
		{"{\"a\":\"\xff\"}", false},
		{`["\ud83d`, false}, // cut short: the half is alone
	} {
		err := JSON("Attributes", []byte(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("JSON(%s) = %v, want ok=%v", tt.in, err, tt.ok)
		}
		if err != nil {
			wantInvalidNaming(t, err, "Attributes")
		}
	}
}

func TestIdentity(t *testing.T) {
	for _, tt := range []struct {
		in, want string // want: "" when accepted, else part of the message
	}{
		{"alice", ""},
		{"agent@example.com", ""},
		{"guest_0123abcd", ""},
		{"Zoë", ""},
		{"محمد", ""},
		{"李雷", ""},
		{"a b", ""},
		{"ali\u202ece", "bidirectional control (U+202E) at character 4"},
		{"\u202aa", "bidirectional control"},
		{"a\u2066b\u2069", "bidirectional control"},
		{"a\u200e", "bidirectional control"},
		{"a\u200f", "bidirectional control"},
		{"a\u061c", "bidirectional control"},
		{"ali\u200bce", "invisible character (U+200B)"},
		{"a\u200c", "invisible character"},
		{"a\u200d", "invisible character"}, // no emoji in an identity
		{"a\u2060", "invisible character"},
		{"\ufeffa", "invisible character (U+FEFF) at character 1"},
		{"a\u180e", "invisible character"},
		{"soft\u00adhyphen", "invisible character (U+00AD)"},
		{"a\ufe0f", "invisible character"},
		{"a\U000E0041", "invisible character"}, // a tag
		{"\u3164", "invisible character"},      // Hangul filler
		{"a\u2800", "invisible character"},
		{"a\u206a", "invisible formatting character"},
		{"bell\x07", "control character (U+0007)"},
		{"nul\x00", "control character"},
		{"new\nline", "control character"},
		{"tab\t", "control character"},
		{"del\x7f", "control character"},
		{"c1\u0085", "control character"},
		{"c1\u009b", "control character"},
		{"line\u2028", "line or paragraph separator"},
		{"lost\ufffd", "replacement character"},
		{"caf\xe9", "not valid UTF-8"},
	} {
		err := Identity("Identity", tt.in)
		check(t, "Identity", tt.in, err, tt.want)
	}
}

func TestName(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"Ana", ""},
		{"Zoë Ångström", ""},
		{"Ana 👩‍💻", ""},            // woman, ZWJ, laptop
		{"Bob ❤️", ""},             // heart, VS16
		{"❤️‍🔥", ""},               // heart, VS16, ZWJ, fire
		{"👋🏽‍", "invisible"},       // a joiner at the end joins nothing
		{"👩🏽‍💻", ""},               // skin tone, then ZWJ
		{"Ana\u200d", "invisible"}, // a joiner after a letter
		{"A\u200dB", "invisible"},
		{"👩\u200d\u200d💻", "invisible"}, // a second joiner
		{"Ana\ufe0f", "invisible"},      // a selector after a letter
		{"Support\u202e tnega", "bidirectional control"},
		{"Ana\u200b", "invisible"},
		{"Ana\x07", "control"},
		{"\xff", "not valid UTF-8"},
	} {
		err := Name("DisplayName", tt.in)
		check(t, "Name", tt.in, err, tt.want)
	}
}

func TestFoldAndSkeleton(t *testing.T) {
	for _, tt := range []struct {
		in, fold, skeleton string
	}{
		{"agent@example.com", "agent@example.com", "agent@example.com"},
		{"AGENT@Example.COM", "agent@example.com", "agent@example.com"},
		{"ａｇｅｎｔ@ｅｘａｍｐｌｅ.ｃｏｍ", "agent@example.com", "agent@example.com"},           // fullwidth
		{"\u0430gent@example.com", "\u0430gent@example.com", "agent@example.com"}, // Cyrillic а
		{"agent@ex\u0430mple.com", "agent@ex\u0430mple.com", "agent@example.com"},
		{"\u0410GENT@example.com", "\u0430gent@example.com", "agent@example.com"}, // Cyrillic А, folded
		{"agent@example.c\u03bfm", "agent@example.c\u03bfm", "agent@example.com"}, // Greek ο
		{"\u0440\u0430\u0443\u0440\u0430l@x.io", "\u0440\u0430\u0443\u0440\u0430l@x.io", "paypal@x.io"},
		{"stra\u00dfe@x.de", "strasse@x.de", "strasse@x.de"}, // ß folds to ss
		{"ﬁnn@x.io", "finn@x.io", "finn@x.io"},               // a ligature
		{"bob0@x.io", "bob0@x.io", "bob0@x.io"},              // digits stay apart
		{"агент@пример.рф", "агент@пример.рф", "areht@np\u0438mep.p\u0444"},
	} {
		if got := Fold(tt.in); got != tt.fold {
			t.Errorf("Fold(%+q) = %+q, want %+q", tt.in, got, tt.fold)
		}
		if got := Skeleton(tt.in); got != tt.skeleton {
			t.Errorf("Skeleton(%+q) = %+q, want %+q", tt.in, got, tt.skeleton)
		}
	}
}

func TestMixedScripts(t *testing.T) {
	for _, tt := range []struct {
		in, part string
	}{
		{"agent@example.com", ""},
		{"агент@пример.рф", ""},
		{"агент@example.com", ""}, // each part in one script
		{"\u0430gent@example.com", "\u0430gent"},
		{"agent@ex\u0430mple.com", "ex\u0430mple"},
		{"agent@example.c\u03bfm", "c\u03bfm"},
		{"zoë@example.com", ""},
	} {
		part, mixed := MixedScripts(tt.in)
		if part != tt.part || mixed != (tt.part != "") {
			t.Errorf("MixedScripts(%+q) = %+q, %v; want %+q", tt.in, part, mixed, tt.part)
		}
	}
}

func check(t *testing.T, rule, in string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s(%+q) refused: %v", rule, in, err)
	case want != "" && err == nil:
		t.Errorf("%s(%+q) accepted, want refused for %q", rule, in, want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("%s(%+q) = %v, want a message with %q", rule, in, err, want)
	}
}

func wantInvalidNaming(t *testing.T, err error, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid || e.Code != apperr.CodeBadRequest || !strings.HasPrefix(e.Message, field+" ") {
		t.Errorf("error %v: want an Invalid 20400 naming %s first", err, field)
	}
}
