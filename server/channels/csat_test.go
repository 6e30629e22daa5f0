package channels

import "testing"

// Only a lone digit from 1 to 5 is a rating; a sentence starting with one
// is a new question.
func TestARatingReplyIsOnlyADigitFromOneToFive(t *testing.T) {
	for body, want := range map[string]int{
		"1": 1, " 5 ": 5, "3\n": 3, "٤": 4, "۲": 2, "５": 5,
		"0": 0, "6": 0, "55": 0, "5 stars": 0, "five": 0, "": 0, "-1": 0, "4.": 0,
	} {
		got, ok := ratingReply(body)
		if ok != (want != 0) || got != want {
			t.Errorf("%q: %d %v, want %d", body, got, ok, want)
		}
	}
}
