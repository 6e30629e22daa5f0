package agents

import (
	"strings"
	"testing"
)

func TestCheckEmail(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string // want: the normal form; err: part of the refusal
	}{
		{"ana@example.com", "ana@example.com", ""},
		{"  Ana@Example.COM ", "ana@example.com", ""},
		{"ａｎａ@ｅｘａｍｐｌｅ.ｃｏｍ", "ana@example.com", ""},  // fullwidth
		{"ana@example.com.", "ana@example.com", ""}, // the root's dot
		{"STRASSE@x.de", "strasse@x.de", ""},
		{"straße@x.de", "strasse@x.de", ""},
		{"аня@example.com", "аня@example.com", ""},
		{"an\u200ba@example.com", "", "invisible character"},
		{"ana@exam\u202eple.com", "", "bidirectional control"},
		{"ana\x00@example.com", "", "control character"},
		{"ana\xff@example.com", "", "not valid UTF-8"},
		{"ana at example", "", "not an email address"},
		{"ana@example.com..", "", "not an email address"},
	} {
		got, err := checkEmail(tt.in)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("checkEmail(%+q) = %+q, %v; want %+q", tt.in, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("checkEmail(%+q) = %+q, %v; want an error with %q", tt.in, got, err, tt.err)
		}
	}
}
