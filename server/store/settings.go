package store

import (
	"context"
	"database/sql"
	"errors"
)

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
