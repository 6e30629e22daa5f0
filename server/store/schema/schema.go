// Package schema reads an engine's migrations: numbered .sql files,
// embedded in the engine's package, each applied once, in name order.
package schema

import (
	"io/fs"
	"sort"
	"strings"
)

// Migration is one migration file: its name (recorded in
// schema_migrations once applied) and its SQL.
type Migration struct {
	Name string
	SQL  string
}

// Migrations reads the files migrations/*.sql of fsys, in name order.
func Migrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]Migration, 0, len(names))
	for _, name := range names {
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Name: strings.TrimPrefix(name, "migrations/"), SQL: string(body)})
	}
	return out, nil
}
