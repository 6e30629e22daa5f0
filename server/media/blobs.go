package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// BlobStore is where the bytes of media live, each blob named by the
// SHA-256 of its bytes, so a file uploaded twice is kept once. A node alone
// keeps them on its disk (DiskBlobs); a cluster's nodes keep them in their
// shared database (store.Blobs), so a file uploaded through one node
// downloads through any other.
type BlobStore interface {
	// Create starts a blob an upload streams into. Nothing can read it
	// until it is kept.
	Create(ctx context.Context) (TempBlob, error)
	// Open opens the blob named hash; downloads seek in it to serve ranges.
	Open(ctx context.Context, hash string) (io.ReadSeekCloser, error)
	// Remove deletes the blob named hash once no media record uses it. The
	// collector calls it on the store's writer, so it must not hold it up:
	// a store may finish the work later.
	Remove(hash string)
	// Sweep removes what crashes left behind: unfinished uploads, and blobs
	// no record uses. used are the hashes records used when it was called;
	// a store that can check records itself, atomically with uploads on
	// other nodes, goes by those instead.
	Sweep(ctx context.Context, used map[string]bool) error
}

// TempBlob is an upload being received.
type TempBlob interface {
	io.Writer
	// Close ends writing: once it returns, the bytes written are durable.
	Close() error
	// Keep makes the bytes the blob named hash, readable from then on. It
	// runs inside the write that records the media (Store.InsertMedia), so
	// the collector, which runs on the same writer, cannot remove a blob
	// between its landing and its record.
	Keep(hash string) error
	// Discard drops the bytes unless Keep made them a blob.
	Discard()
}

// sniffLen is how much of a file its type is judged by.
const sniffLen = 512

// received is an upload streamed into a TempBlob, counted and hashed.
type received struct {
	TempBlob
	Hash        string
	Size        int64
	ContentType string
}

// receive copies r into a new blob of blobs, at most max bytes, calling
// check with the first bytes before writing anything so a wrong type is
// refused without reading the rest. It returns the sniffed content type
// with the blob, not yet kept. Nothing is buffered beyond what the blob
// store buffers itself.
func receive(ctx context.Context, blobs BlobStore, r io.Reader, max int64, check func(head []byte) (string, error)) (*received, error) {
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
	tmp, err := blobs.Create(ctx)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	// One byte past the limit tells "exactly max" from "too large".
	copied, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(io.MultiReader(bytes.NewReader(head), r), max+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		tmp.Discard()
		return nil, readErr(err)
	case copied > max:
		tmp.Discard()
		return nil, TooLarge(max)
	}
	return &received{TempBlob: tmp, Hash: hex.EncodeToString(h.Sum(nil)), Size: copied, ContentType: contentType}, nil
}

// DiskBlobs keeps blobs as files in a directory. Uploads land in tmp/ and
// are renamed into place whole, so no reader ever sees half a file.
type DiskBlobs struct{ dir string }

var _ BlobStore = (*DiskBlobs)(nil)

// OpenDiskBlobs prepares dir, clearing what interrupted uploads left in
// tmp/.
func OpenDiskBlobs(dir string) (*DiskBlobs, error) {
	tmp := filepath.Join(dir, "tmp")
	if err := os.RemoveAll(tmp); err != nil {
		return nil, fmt.Errorf("clear unfinished uploads: %w", err)
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("create media directory: %w", err)
	}
	return &DiskBlobs{dir: dir}, nil
}

func (b *DiskBlobs) path(hash string) string {
	return filepath.Join(b.dir, hash[:2], hash)
}

// diskTemp is an upload in a temporary file.
type diskTemp struct {
	*os.File
	blobs *DiskBlobs
	path  string // "" once kept or discarded
}

// Create starts a temporary file under tmp/.
func (b *DiskBlobs) Create(context.Context) (TempBlob, error) {
	f, err := os.CreateTemp(filepath.Join(b.dir, "tmp"), "upload-*")
	if err != nil {
		return nil, err
	}
	return &diskTemp{File: f, blobs: b, path: f.Name()}, nil
}

// Close syncs the file and closes it.
func (t *diskTemp) Close() error {
	err := t.File.Sync()
	if cerr := t.File.Close(); err == nil {
		err = cerr
	}
	return err
}

// Keep moves the file into the store under its hash. A blob already there
// has the same bytes, so replacing it changes nothing.
func (t *diskTemp) Keep(hash string) error {
	if !isHash(hash) {
		return fmt.Errorf("bad blob name %q", hash)
	}
	dst := t.blobs.path(hash)
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
func (t *diskTemp) Discard() {
	if t.path != "" {
		t.File.Close()
		os.Remove(t.path)
		t.path = ""
	}
}

// Open opens the blob named hash.
func (b *DiskBlobs) Open(_ context.Context, hash string) (io.ReadSeekCloser, error) {
	if !isHash(hash) {
		return nil, fmt.Errorf("bad blob name %q", hash)
	}
	return os.Open(b.path(hash))
}

// Remove deletes the blob named hash, if it exists.
func (b *DiskBlobs) Remove(hash string) {
	if isHash(hash) {
		os.Remove(b.path(hash))
	}
}

// Sweep removes every blob whose hash is not in used: blobs whose upload
// crashed after landing but before being recorded. It runs before the
// node serves, so no upload is under way.
func (b *DiskBlobs) Sweep(_ context.Context, used map[string]bool) error {
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

// IsHash reports whether s can name a blob: 64 hex digits.
func IsHash(s string) bool { return isHash(s) }

func isHash(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
