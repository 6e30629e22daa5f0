package canned

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"parley/server/apperr"
)

// cleanTitle trims a title and checks it: one line of plain text.
func cleanTitle(v string) (string, error) {
	v = strings.TrimSpace(v)
	if err := checkText("Title", v, MaxTitle, false); err != nil {
		return "", err
	}
	return v, nil
}

// cleanBody trims a body and checks it: plain text, over several lines if
// need be. Line breaks arrive as CRLF from an HTML form, so they are made
// plain newlines rather than refused as control characters.
func cleanBody(v string) (string, error) {
	v = strings.TrimSpace(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(v))
	switch n := utf8.RuneCountInString(v); {
	case v == "":
		return "", apperr.Invalidf(apperr.CodeBodyRequired, "Body may not be blank: write the text the response puts in the composer")
	case n > MaxBody:
		return "", apperr.Invalidf(apperr.CodeBodyTooLong, "Body is %d characters; a canned response holds at most %d", n, MaxBody)
	}
	if err := checkText("Body", v, MaxBody, true); err != nil {
		return "", err
	}
	return v, nil
}

// cleanTags trims each tag, checks it, and drops repeats (whatever their
// case), keeping the first spelling.
func cleanTags(in []string) ([]string, error) {
	if len(in) > MaxTags {
		return nil, invalid("%d Tags given; a canned response has at most %d", len(in), MaxTags)
	}
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, t := range in {
		t = strings.TrimSpace(t)
		if err := checkText("A tag", t, MaxTag, false); err != nil {
			return nil, err
		}
		if key := strings.ToLower(t); !seen[key] {
			seen[key] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// checkText checks a trimmed field is present, at most max characters,
// valid UTF-8 and free of control characters: none in a one-line field,
// newlines and tabs only in a multi-line one.
func checkText(field, v string, max int, multiline bool) error {
	switch n := utf8.RuneCountInString(v); {
	case v == "":
		return invalid("%s may not be blank", field)
	case !utf8.ValidString(v):
		return invalid("%s is not valid UTF-8 text", field)
	case n > max:
		return invalid("%s is %d characters; at most %d are allowed", field, n, max)
	}
	for _, r := range v {
		switch {
		case !unicode.IsControl(r):
		case multiline && (r == '\n' || r == '\t'):
		case r == '\n' || r == '\t':
			return invalid("%s is one line: remove its line breaks and tabs", field)
		default:
			return invalid("%s contains the control character %U; send plain text (newlines and tabs are allowed in Body only)", field, r)
		}
	}
	return nil
}
