package media

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"parley/server/apperr"
)

// MaxFilenameBytes bounds a stored filename.
const MaxFilenameBytes = 255

// SanitizeFilename makes an uploaded filename safe to store and to offer
// back in Content-Disposition: the last path element only, no control or
// format characters (bidi overrides disguise extensions), no leading dots,
// at most 255 bytes keeping the extension. An empty name stays empty.
func SanitizeFilename(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", apperr.Invalidf(apperr.CodeBadRequest, "The filename is not valid UTF-8")
	}
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base("/" + name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '/' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(name), "."))
	if name == "" || name == "/" {
		return "", nil
	}
	if len(name) > MaxFilenameBytes {
		ext := path.Ext(name)
		if len(ext) > 16 || !utf8.ValidString(ext) {
			ext = ""
		}
		stem := name[:MaxFilenameBytes-len(ext)]
		for !utf8.ValidString(stem) { // do not cut a character in half
			stem = stem[:len(stem)-1]
		}
		name = stem + ext
	}
	return name, nil
}
