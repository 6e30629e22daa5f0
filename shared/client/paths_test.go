package client

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// apiPrefixes begin the paths of Parley's REST API.
var apiPrefixes = []string{"/conversations/", "/taskrouter/", "/flex/", "/parley/", "/mcs/", "/api/"}

// TestTheFrontEndsBuildNoRESTPaths keeps the paths in this package: a
// front end under web/ calls the typed methods, so a path is built (and
// escaped, and tested) once.
func TestTheFrontEndsBuildNoRESTPaths(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(filepath.Join("..", "..", "web"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, p := range apiPrefixes {
				if strings.HasPrefix(s, p) {
					t.Errorf("%s: REST path %q: add a call to shared/client instead", fset.Position(lit.Pos()), s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
