// Package dist holds the built front ends: each WASM binary precompressed
// (name.wasm.br, name.wasm.gz) and the Go runtime's wasm_exec.js, written
// into build/ by `make build`. The server embeds them, so its binary is the
// whole deployment. Without a build the directory is empty and the server
// says so where the widget would be.
package dist

import "embed"

// Files are the build outputs, under build/.
//
//go:embed all:build
var Files embed.FS
