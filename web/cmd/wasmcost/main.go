// Command wasmcost measures what the widget's dependencies cost in its
// WebAssembly binary. It builds a series of programs for GOOS=js, each
// importing one more package than the last, and then the widget itself,
// and prints each one's size raw and brotli'd (as browsers get it). An
// import alone costs what the package's initialisation keeps reachable;
// the last row adds what the widget's use of them all links in, with its
// own code.
//
//	go run ./web/cmd/wasmcost
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/andybalholm/brotli"
)

// steps adds one import at a time, roughly in the order the widget pulls
// them in; "parley/web/widget" is the widget itself.
var steps = []struct{ name, pkg string }{
	{"the Go runtime", ""},
	{"+ syscall/js", "syscall/js"},
	{"+ fmt", "fmt"},
	{"+ encoding/json", "encoding/json"},
	{"+ net/http", "net/http"},
	{"+ coder/websocket", "github.com/coder/websocket"},
	{"+ go-app", "github.com/maxence-charriere/go-app/v10/pkg/app"},
	{"+ parley/shared/client", "parley/shared/client"},
	{"the widget", "parley/web/widget"},
}

func main() {
	dir, err := os.MkdirTemp(".", ".wasmcost-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	fmt.Println("| program | raw | brotli | brotli added |")
	fmt.Println("|---|---|---|---|")
	var imports []string
	prev := 0
	for _, s := range steps {
		out := filepath.Join(dir, "main.wasm")
		var pkg string
		if s.pkg == "parley/web/widget" {
			pkg = "./web/widget"
		} else {
			if s.pkg != "" {
				imports = append(imports, s.pkg)
			}
			pkg = "./" + filepath.Join(dir, "probe")
			if err := writeProbe(filepath.Join(dir, "probe"), imports); err != nil {
				fail(err)
			}
		}
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		if b, err := cmd.CombinedOutput(); err != nil {
			fail(fmt.Errorf("build %s: %v\n%s", s.name, err, b))
		}
		raw, err := os.ReadFile(out)
		if err != nil {
			fail(err)
		}
		br := brotliSize(raw)
		fmt.Printf("| %s | %s | %s | %s |\n", s.name, kb(len(raw)), kb(br), kb(br-prev))
		prev = br
	}
}

// writeProbe writes a main package that imports pkgs and keeps them linked.
func writeProbe(dir string, pkgs []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var src strings.Builder
	src.WriteString("package main\n\n")
	for _, p := range pkgs {
		fmt.Fprintf(&src, "import _ %q\n", p)
	}
	src.WriteString("\nfunc main() {}\n")
	return os.WriteFile(filepath.Join(dir, "main.go"), []byte(src.String()), 0o644)
}

func brotliSize(b []byte) int {
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, brotli.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Len()
}

func kb(n int) string { return fmt.Sprintf("%d KB", (n+512)/1024) }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "wasmcost:", err)
	os.Exit(1)
}
