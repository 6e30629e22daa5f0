package transfer

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// table is a table of the target's schema, as the copy needs it.
type table struct {
	name     string
	cols     []column
	key      []string // the primary key's columns, which order rows for the checksum
	identity []string // columns whose sequence must move past the copied values
}

type column struct {
	name string
	kind kind
}

func (t *table) colNames() []string {
	out := make([]string, len(t.cols))
	for i, c := range t.cols {
		out[i] = c.name
	}
	return out
}

func (t *table) kinds() []kind {
	out := make([]kind, len(t.cols))
	for i, c := range t.cols {
		out[i] = c.kind
	}
	return out
}

// targetSchema reads the tables of the target's current schema, with their
// columns, keys and identity columns, from PostgreSQL's catalog.
func targetSchema(ctx context.Context, tx pgx.Tx) (map[string]*table, error) {
	tables := map[string]*table{}
	rows, err := tx.Query(ctx, `SELECT c.relname, a.attname, t.typname, a.attidentity <> ''
		FROM pg_class c
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		JOIN pg_type t ON t.oid = a.atttypid
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
		ORDER BY c.relname, a.attnum`)
	if err != nil {
		return nil, err
	}
	var unsupported []string
	for rows.Next() {
		var name, col, typ string
		var identity bool
		if err := rows.Scan(&name, &col, &typ, &identity); err != nil {
			rows.Close()
			return nil, err
		}
		t := tables[name]
		if t == nil {
			t = &table{name: name}
			tables[name] = t
		}
		k, ok := kindOf(typ)
		if !ok && name != "schema_migrations" {
			unsupported = append(unsupported, fmt.Sprintf("%s.%s (%s)", name, col, typ))
		}
		t.cols = append(t.cols, column{col, k})
		if identity {
			t.identity = append(t.identity, col)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(unsupported) > 0 {
		return nil, fmt.Errorf("the target's schema has columns of types migrate cannot copy into: %s", strings.Join(unsupported, ", "))
	}
	rows, err = tx.Query(ctx, `SELECT c.relname, a.attname
		FROM pg_index i
		JOIN pg_class c ON c.oid = i.indrelid
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
		WHERE i.indisprimary AND c.relnamespace = current_schema()::regnamespace
		ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var name, col string
		if err := rows.Scan(&name, &col); err != nil {
			rows.Close()
			return nil, err
		}
		if t := tables[name]; t != nil {
			t.key = append(t.key, col)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, t := range tables {
		if len(t.key) == 0 {
			// No primary key: every column orders the rows, so both
			// engines still read them in the same order.
			t.key = t.colNames()
		}
	}
	return tables, nil
}

// foreignTables lists tables of the target outside its current schema:
// the target must hold Parley's schema and nothing else.
func foreignTables(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT n.nspname || '.' || c.relname FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND n.nspname <> current_schema()
		AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
		ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// copyOrder orders tables so every table comes after those its foreign
// keys point at: each row's references then exist when it arrives.
// (PostgreSQL checks a foreign key at each row unless the constraint is
// DEFERRABLE, and Parley's are not.) Ties go alphabetically, so the order
// is the same on every run.
func copyOrder(ctx context.Context, tx pgx.Tx, names []string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT c.relname, r.relname FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid
		JOIN pg_class r ON r.oid = k.confrelid
		WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace`)
	if err != nil {
		return nil, err
	}
	needs := map[string]map[string]bool{}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			rows.Close()
			return nil, err
		}
		if from == to {
			continue // a row may point at another of its table; none of Parley's do
		}
		if needs[from] == nil {
			needs[from] = map[string]bool{}
		}
		needs[from][to] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	left := slices.Clone(names)
	sort.Strings(left)
	var order []string
	done := map[string]bool{}
	for len(left) > 0 {
		i := slices.IndexFunc(left, func(name string) bool {
			for dep := range needs[name] {
				if !done[dep] && slices.Contains(names, dep) {
					return false
				}
			}
			return true
		})
		if i < 0 {
			return nil, fmt.Errorf("the target's foreign keys go round in a circle among %s: no order copies them", strings.Join(left, ", "))
		}
		order = append(order, left[i])
		done[left[i]] = true
		left = slices.Delete(left, i, i+1)
	}
	return order, nil
}

// quote quotes an identifier for either engine: several of Parley's column
// names (key, rowid) are keywords or special to one of them.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}
