// Package assets embeds Parley's static files (pages, styles, the embed
// loader) so the server binary is the whole deployment.
package assets

import "embed"

// Files are the static files, served from the site root.
//
//go:embed index.html
var Files embed.FS
