package media

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"slices"
	"strings"

	"parley/server/apperr"
)

// Sniff names the type of a file from its first bytes, or returns "" when
// it is none of Types. It trusts nothing but the bytes.
func Sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("#!AMR\n")):
		return "audio/amr"
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return sniffISOBMFF(string(head[8:12]))
	case bytes.HasPrefix(head, []byte("ID3")) || len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0 && head[1]&0x06 != 0:
		// An MPEG audio frame sync with a defined layer, or an ID3 tag.
		return "audio/mpeg"
	}
	t, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	switch t {
	case "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf":
		return t
	case "text/plain":
		// DetectContentType says text/plain for any UTF-8 without markup
		// hints; markup it recognises is text/html or text/xml, never
		// accepted. Refuse control characters too: they mark binaries.
		if isPlainText(head) {
			return t
		}
	}
	return ""
}

// sniffISOBMFF tells HEIC images from MP4 video by their major brand.
func sniffISOBMFF(brand string) string {
	switch brand {
	case "heic", "heix", "heim", "heis", "mif1", "msf1":
		return "image/heic"
	case "isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "dash", "MSNV", "3gp4", "3gp5":
		return "video/mp4"
	}
	return ""
}

func isPlainText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			return false
		}
	}
	return true
}

// aliases maps declared types browsers and tools use to Parley's names.
var aliases = map[string]string{
	"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/heif": "image/heic",
	"audio/mp3": "audio/mpeg", "audio/x-amr": "audio/amr", "application/x-pdf": "application/pdf",
}

// undeclared are declared types that say nothing about the content.
var undeclared = []string{"", "application/octet-stream", "binary/octet-stream", "application/unknown"}

// checkType sniffs head and checks the type against the declared one and
// the allow-list, returning the type to store.
func checkType(head []byte, declared string, allowed []string) (string, error) {
	decl := ""
	if declared != "" {
		t, _, err := mime.ParseMediaType(declared)
		if err != nil {
			return "", unsupported("Content-Type %q is not a media type", declared)
		}
		decl = t
		if a, ok := aliases[t]; ok {
			decl = a
		}
	}
	actual := Sniff(head)
	if actual == "" {
		return "", unsupported("This file's type is not one Parley accepts (%s)", allowedList(allowed))
	}
	if !slices.Contains(allowed, actual) {
		return "", unsupported("%s files are not allowed here; allowed: %s", actual, allowedList(allowed))
	}
	if !slices.Contains(undeclared, decl) && decl != actual {
		return "", unsupported("The file was sent as %s but its content is %s; send it with its real type", decl, actual)
	}
	return actual, nil
}

func allowedList(allowed []string) string {
	if len(allowed) == 0 {
		return "none"
	}
	return strings.Join(allowed, ", ")
}

func unsupported(format string, args ...any) error {
	return apperr.New(apperr.Unsupported, apperr.CodeUnsupportedMedia, format, args...)
}

func emptyFile() error {
	return apperr.Invalidf(apperr.CodeBadRequest, "The file is empty; choose a file with content")
}

// readErr reports an upload that could not be read to its end.
func readErr(err error) error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae
	}
	return apperr.Invalidf(apperr.CodeBadRequest, "The upload was cut short (%v); send the file again", err)
}
