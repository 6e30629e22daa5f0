package media

import (
	"testing"

	"parley/server/apperr"
)

func TestSniffNamesFilesByTheirBytes(t *testing.T) {
	cases := []struct {
		name, head, want string
	}{
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"},
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"},
		{"gif", "GIF89a\x01\x00", "image/gif"},
		{"webp", "RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"},
		{"heic", "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "image/heic"},
		{"mp4", "\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "video/mp4"},
		{"unknown ftyp brand", "\x00\x00\x00\x18ftypqt  \x00\x00\x02\x00", ""},
		{"pdf", "%PDF-1.7\n", "application/pdf"},
		{"mp3 with a tag", "ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"},
		{"mp3 frame", "\xff\xfb\x90\x64\x00", "audio/mpeg"},
		{"amr", "#!AMR\n\x3c", "audio/amr"},
		{"text", "Order 1234 arrived broken.\nPlease help.", "text/plain"},
		{"text with control bytes", "abc\x01\x02def", ""},
		{"html", "<!DOCTYPE html><p>hi", ""},
		{"svg", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`, ""},
		{"windows program", "MZ\x90\x00\x03\x00\x00\x00", ""},
		{"zip", "PK\x03\x04\x14\x00", ""},
	}
	for _, tc := range cases {
		if got := Sniff([]byte(tc.head)); got != tc.want {
			t.Errorf("%s: Sniff = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCheckTypeTrustsTheBytesNotTheLabel(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n")
	all := DefaultPolicy().AllowedTypes
	cases := []struct {
		declared string
		allowed  []string
		want     string
		refused  bool
	}{
		{"image/png", all, "image/png", false},
		{"", all, "image/png", false},
		{"application/octet-stream", all, "image/png", false},
		{"image/jpeg", all, "", true},                   // a label that lies
		{"image/png", []string{"image/jpeg"}, "", true}, // not allowed here
		{"not a type", all, "", true},
	}
	for _, tc := range cases {
		got, err := checkType(png, tc.declared, tc.allowed)
		if tc.refused {
			if !apperr.Is(err, apperr.Unsupported) {
				t.Errorf("declared %q allowed %v: err %v, want 415", tc.declared, tc.allowed, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("declared %q: got %q, %v; want %q", tc.declared, got, err, tc.want)
		}
	}
}

func TestSanitizeFilename(t *testing.T) {
	cases := map[string]string{
		"report.pdf":           "report.pdf",
		"../../etc/passwd":     "passwd",
		`..\..\boot.ini`:       "boot.ini",
		"a/b/":                 "b",
		"..":                   "",
		"  spaced name .png  ": "spaced name .png",
		"tab\there.txt":        "tabhere.txt",
		"rtl\u202Etxt.exe":     "rtltxt.exe",
		"zero\u200Bwidth.png":  "zerowidth.png",
		"日本語のファイル.png":         "日本語のファイル.png",
	}
	for in, want := range cases {
		got, err := SanitizeFilename(in)
		if err != nil || got != want {
			t.Errorf("SanitizeFilename(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := SanitizeFilename("bad\xffutf8"); err == nil {
		t.Error("invalid UTF-8 was accepted")
	}
}
