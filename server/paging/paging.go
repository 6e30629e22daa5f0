// Package paging is how Parley's lists are asked for and returned: by key,
// never by offset, so a deep page costs what the first costs.
package paging

// Request asks for one page of a list. The zero value asks for the first
// page of the default size.
type Request struct {
	Size int
	// After, when set, asks for items after the one with this key; Before
	// for items before it (walking back from a later page).
	After, Before *int64
}

// Page is one page of a list, in the order asked for.
type Page[T any] struct {
	Items []T
	// HasNext and HasPrev say whether items lie beyond either end.
	HasNext, HasPrev bool
}

// Slice pages items held in memory, sorted by key ascending, the way a
// store pages rows: by key, never by offset.
func Slice[T any](items []T, key func(T) int64, r Request) Page[T] {
	size := r.Size
	if size <= 0 {
		size = 50
	}
	start, end := 0, len(items)
	switch {
	case r.After != nil:
		for start < len(items) && key(items[start]) <= *r.After {
			start++
		}
		end = min(start+size, len(items))
	case r.Before != nil:
		for end > 0 && key(items[end-1]) >= *r.Before {
			end--
		}
		start = max(end-size, 0)
	default:
		end = min(size, len(items))
	}
	return Page[T]{Items: items[start:end:end], HasNext: end < len(items), HasPrev: start > 0}
}
