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
