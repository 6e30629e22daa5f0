package store

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"parley/server/paging"
)

// DefaultPageSize is the page size when a request names none.
const DefaultPageSize = 50

// listPage runs a keyset-paged query: rows are ordered by the integer key
// column, and a page starts after (or ends before) a key rather than at an
// OFFSET, so a page deep in a long list costs what the first page costs.
func listPage[T any](ctx context.Context, q Querier, sel string, where []string, args []any,
	key string, desc bool, p paging.Request, scan func(interface{ Scan(...any) error }) (T, error),
) (paging.Page[T], error) {
	var page paging.Page[T]
	size := p.Size
	if size <= 0 {
		size = DefaultPageSize
	}
	backward := p.Before != nil
	// Walking backward reads in the opposite order, then flips the page.
	readDesc := desc != backward
	cmp, order := ">", " ASC"
	if readDesc {
		cmp, order = "<", " DESC"
	}
	where = slices.Clone(where)
	args = slices.Clone(args)
	switch {
	case p.Before != nil:
		where, args = append(where, key+" "+cmp+" ?"), append(args, *p.Before)
	case p.After != nil:
		where, args = append(where, key+" "+cmp+" ?"), append(args, *p.After)
	}
	query := sel
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY " + key + order + " LIMIT " + strconv.Itoa(size+1)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, item)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	more := len(page.Items) > size
	if more {
		page.Items = page.Items[:size]
	}
	if backward {
		slices.Reverse(page.Items)
		page.HasPrev, page.HasNext = more, true
	} else {
		page.HasNext, page.HasPrev = more, p.After != nil
	}
	return page, nil
}
