package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// Settings reads the settings named, in one query, so that values written
// together (SwapSettings) are read together: read one at a time, a swap
// committed between two reads gave a mix of the old values and the new.
// A setting never set is absent from the map.
func (db *DB) Settings(ctx context.Context, names ...string) (map[string]string, error) {
	if len(names) == 0 {
		return map[string]string{}, nil
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	rows, err := db.reads.QueryContext(ctx, "SELECT name, value FROM settings WHERE name IN (?"+
		strings.Repeat(", ?", len(names)-1)+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	values := make(map[string]string, len(names))
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, err
		}
		values[name] = value
	}
	return values, rows.Err()
}

// SwapSettings stores values, all in one write, if the setting named guard
// still holds old ("" for a setting never set), and reports whether it
// did. Writes are one at a time cluster-wide (the writer's lock), so of
// nodes that read the same old value and each made their own replacement,
// exactly one wins; the others read what won.
func (db *DB) SwapSettings(ctx context.Context, guard, old string, values map[string]string) (bool, error) {
	swapped := false
	err := db.Write(ctx, func(q WriteTx) error {
		swapped = false // a batch retried runs fn again
		var now string
		err := q.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = ?", guard).Scan(&now)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if now != old {
			return nil
		}
		for name, v := range values {
			if err := putSetting(ctx, q, name, v); err != nil {
				return err
			}
		}
		swapped = true
		return nil
	})
	return swapped, err
}
