package main

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"parley/shared/model"
)

// How the desk writes durations, names and form answers.

func since(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return seconds(int(time.Since(t).Seconds()))
}

func seconds(s int) string {
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", max(s, 0))
	case s < 3600:
		return fmt.Sprintf("%dm %02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh %02dm", s/3600, s/60%60)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// labelOf names a pre-engagement answer: as the deployment's form asked
// for it, else its key made readable ("order_number" reads "Order number").
func labelOf(a model.TaskAttributes, key string) string {
	if l := strings.TrimSpace(a.Labels[key]); l != "" {
		return l
	}
	return humanise(key)
}

// humanise turns a field's key (snake_case, kebab-case or camelCase) into
// words with a capital first letter.
func humanise(key string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range key {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ':
			b.WriteRune(' ')
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			b.WriteRune(' ')
		}
		b.WriteRune(unicode.ToLower(r))
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	words := strings.Fields(b.String())
	if len(words) == 0 {
		return key
	}
	s := strings.Join(words, " ")
	first, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(first)) + s[size:]
}

// customerName is how the desk names a chat's customer wherever it names
// them (list, header, offer, what a screen reader hears): the name they
// gave, else their address, else "Customer".
func customerName(a model.TaskAttributes) string {
	return firstNonEmpty(a.CustomerName, a.CustomerAddress, "Customer")
}
