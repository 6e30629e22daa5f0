// Package assets embeds Parley's static files (pages, styles, the embed
// loader, the widget's page) so the server binary is the whole deployment.
package assets

import "embed"

// Files are the static files.
//
//go:embed index.html home.css home.js favicon.svg embed.js widget desktop simulator
var Files embed.FS
