package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Blobs is a content-addressed file store: each blob is named by the
// SHA-256 of its bytes. Uploads land in tmp/ and are renamed into place
// whole, so no reader ever sees half a file.
type Blobs struct{ dir string }

// OpenBlobs prepares dir, clearing what interrupted uploads left in tmp/.
func OpenBlobs(dir string) (*Blobs, error) {
	tmp := filepath.Join(dir, "tmp")
	if err := os.RemoveAll(tmp); err != nil {
		return nil, fmt.Errorf("clear unfinished uploads: %w", err)
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("create media directory: %w", err)
	}
	return &Blobs{dir: dir}, nil
}

func (b *Blobs) path(hash string) string {
	return filepath.Join(b.dir, hash[:2], hash)
}

// sniffLen is how much of a file its type is judged by.
const sniffLen = 512

// Temp is a received upload not yet in the store.
type Temp struct {
	Hash        string
	Size        int64
	ContentType string
	blobs       *Blobs
	path        string
}

// Receive copies r into a temporary file, at most max bytes, calling check
// with the first bytes before writing anything so a wrong type is refused
// without reading the rest. It returns the sniffed content type with the
// temporary file.
func (b *Blobs) Receive(r io.Reader, max int64, check func(head []byte) (string, error)) (*Temp, error) {
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, readErr(err)
	}
	head = head[:n]
	if n == 0 {
		return nil, emptyFile()
	}
	contentType, err := check(head)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Join(b.dir, "tmp"), "upload-*")
	if err != nil {
		return nil, err
	}
	t := &Temp{ContentType: contentType, blobs: b, path: f.Name()}
	h := sha256.New()
	w := io.MultiWriter(f, h)
	// One byte past the limit tells "exactly max" from "too large".
	copied, err := io.Copy(w, io.LimitReader(io.MultiReader(bytes.NewReader(head), r), max+1))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		t.Discard()
		return nil, readErr(err)
	case copied > max:
		t.Discard()
		return nil, TooLarge(max)
	}
	t.Size, t.Hash = copied, hex.EncodeToString(h.Sum(nil))
	return t, nil
}

// Keep moves the file into the store under its hash. A blob already there
// has the same bytes, so replacing it changes nothing.
func (t *Temp) Keep() error {
	dst := t.blobs.path(t.Hash)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	if err := os.Rename(t.path, dst); err != nil {
		return err
	}
	t.path = ""
	return nil
}

// Discard removes the temporary file unless Keep moved it.
func (t *Temp) Discard() {
	if t.path != "" {
		os.Remove(t.path)
		t.path = ""
	}
}

// Open opens the blob named hash.
func (b *Blobs) Open(hash string) (*os.File, error) {
	if !isHash(hash) {
		return nil, fmt.Errorf("bad blob name %q", hash)
	}
	return os.Open(b.path(hash))
}

// Remove deletes the blob named hash, if it exists.
func (b *Blobs) Remove(hash string) {
	if isHash(hash) {
		os.Remove(b.path(hash))
	}
}

// Sweep removes every blob whose hash is not in used: blobs whose upload
// crashed after landing but before being recorded.
func (b *Blobs) Sweep(used map[string]bool) error {
	dirs, err := os.ReadDir(b.dir)
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if !d.IsDir() || len(d.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(filepath.Join(b.dir, d.Name()))
		if err != nil {
			return err
		}
		for _, f := range files {
			if isHash(f.Name()) && !used[f.Name()] {
				os.Remove(filepath.Join(b.dir, d.Name(), f.Name()))
			}
		}
	}
	return nil
}

func isHash(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
