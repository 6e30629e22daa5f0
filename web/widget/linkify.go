package main

import (
	"regexp"
	"strings"
)

// Segment is a piece of a message body: plain text, or a link.
type Segment struct {
	Text string
	URL  string // set for a link
}

var urlRE = regexp.MustCompile(`\bhttps?://[^\s<>"'` + "`" + `]+|\bwww\.[^\s<>"'` + "`" + `]+`)

// Linkify splits a body into text and links. Only http and https links are
// made, so a "javascript:" URL stays text; trailing punctuation is left
// out of a link, as a reader would.
func Linkify(body string) []Segment {
	var out []Segment
	last := 0
	for _, loc := range urlRE.FindAllStringIndex(body, -1) {
		start, end := loc[0], loc[1]
		for end > start && strings.ContainsRune(".,;:!?)]}", rune(body[end-1])) {
			// Keep a closing parenthesis that closes one inside the URL.
			if body[end-1] == ')' && strings.Count(body[start:end], "(") >= strings.Count(body[start:end], ")") {
				break
			}
			end--
		}
		if start > last {
			out = append(out, Segment{Text: body[last:start]})
		}
		text := body[start:end]
		url := text
		if strings.HasPrefix(text, "www.") {
			url = "https://" + text
		}
		out = append(out, Segment{Text: text, URL: url})
		last = end
	}
	if last < len(body) {
		out = append(out, Segment{Text: body[last:]})
	}
	return out
}
