package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"parley/server/media"
)

// BlobChunk is how many bytes of an upload one media_chunks row holds: an
// upload is sent, and a download read, one chunk at a time, so a file is
// never whole in memory on either side.
const BlobChunk = 256 << 10

// AbandonedUpload is how long an upload may go without a new chunk before
// its chunks are taken for what a crash left. Uploads send a chunk far
// more often than this; a client stalled this long has been cut off.
const AbandonedUpload = time.Hour

// Blobs keeps media bytes in the database (PostgreSQL, whose nodes share
// it), for a cluster: a file uploaded through one node downloads through
// any other. It is a media.BlobStore.
//
// Chunks are written through the read pool, each committed on its own, not
// through the writer: a 150 MiB upload would otherwise hold every other
// write up. Only naming a finished upload (a small media_blobs row) and
// judging a blob unused happen under the cluster's write lock, so they are
// ordered with the media records they go with (see Keep and Remove).
type Blobs struct {
	db  *DB
	now func() time.Time
}

var (
	_ media.BlobStore = (*Blobs)(nil)
	_ media.Tidier    = (*Blobs)(nil)
)

// NewBlobs returns the blob store inside db, which must be PostgreSQL.
func NewBlobs(db *DB) (*Blobs, error) {
	if db.Engine() != "postgres" {
		return nil, errors.New("media kept in the database need PostgreSQL")
	}
	return &Blobs{db: db, now: time.Now}, nil
}

// blobTemp is an upload streaming into media_chunks.
type blobTemp struct {
	ctx    context.Context
	b      *Blobs
	upload string
	buf    []byte
	n      int   // chunks sent
	size   int64 // bytes written
	// ours is set when Keep made this upload the blob; otherwise its
	// chunks are dropped by Discard (an equal blob was there already, or
	// it was never kept).
	ours bool
	done bool
}

// Create starts an upload under a fresh id.
func (b *Blobs) Create(ctx context.Context) (media.TempBlob, error) {
	id := make([]byte, 16)
	rand.Read(id)
	return &blobTemp{ctx: ctx, b: b, upload: hex.EncodeToString(id), buf: make([]byte, 0, BlobChunk)}, nil
}

// Write buffers p, sending each full chunk.
func (t *blobTemp) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		k := min(len(p), BlobChunk-len(t.buf))
		t.buf = append(t.buf, p[:k]...)
		p, written = p[k:], written+k
		t.size += int64(k)
		if len(t.buf) == BlobChunk {
			if err := t.send(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// send writes the buffered chunk, committed on its own.
func (t *blobTemp) send() error {
	_, err := t.b.db.reads.ExecContext(t.ctx, `INSERT INTO media_chunks (upload, n, data, written_ms) VALUES (?, ?, ?, ?)`,
		t.upload, t.n, t.buf, t.b.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("store an upload's bytes: %w", err)
	}
	t.n++
	t.buf = t.buf[:0]
	return nil
}

// Close sends the last chunk and checks that every chunk arrived: a sweep
// that took the upload for abandoned would have removed some.
func (t *blobTemp) Close() error {
	if len(t.buf) > 0 {
		if err := t.send(); err != nil {
			return err
		}
	}
	t.buf = nil
	var n int
	if err := t.b.db.reads.QueryRowContext(t.ctx, `SELECT count(*) FROM media_chunks WHERE upload = ?`, t.upload).Scan(&n); err != nil {
		return err
	}
	if n != t.n {
		return fmt.Errorf("an upload's bytes went missing while it arrived (%d of %d chunks)", n, t.n)
	}
	return nil
}

// Keep names the upload's chunks hash. It runs while the write recording
// the media holds the cluster's write lock (its first statement took it),
// so no collector (Remove, Tidy: writes too) judges the blob unused
// before the record commits. The name itself is committed on a connection
// of the pool, not in that write: should the record's write then fail,
// the name stays with no record using it, and Tidy removes it (at start
// and every 10 minutes). An equal blob already kept stays the blob; this
// upload's chunks are then dropped by Discard. Running it twice (the
// writer may replay a write) finds its own row and changes nothing.
func (t *blobTemp) Keep(hash string) error {
	if !media.IsHash(hash) {
		return fmt.Errorf("bad blob name %q", hash)
	}
	var upload string
	// DO UPDATE, not DO NOTHING: it returns the row either way.
	err := t.b.db.reads.QueryRowContext(t.ctx, `INSERT INTO media_blobs (hash, upload, size) VALUES (?, ?, ?)
		ON CONFLICT (hash) DO UPDATE SET hash = EXCLUDED.hash RETURNING upload`, hash, t.upload, t.size).Scan(&upload)
	if err != nil {
		return fmt.Errorf("keep an upload's bytes: %w", err)
	}
	t.ours = upload == t.upload
	return nil
}

// Discard drops the upload's chunks unless they are a blob now.
func (t *blobTemp) Discard() {
	if t.ours || t.done {
		return
	}
	t.done = true
	t.b.dropChunks(t.upload)
}

// dropChunks deletes an upload's chunks, which no blob names.
func (b *Blobs) dropChunks(upload string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b.db.reads.ExecContext(ctx, `DELETE FROM media_chunks WHERE upload = ?`, upload)
}

// Open opens the blob named hash, read one chunk at a time as the reader
// moves through it.
func (b *Blobs) Open(ctx context.Context, hash string) (io.ReadSeekCloser, error) {
	c := &blobContent{ctx: ctx, b: b, chunk: -1}
	err := b.db.reads.QueryRowContext(ctx, `SELECT upload, size FROM media_blobs WHERE hash = ?`, hash).Scan(&c.upload, &c.size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Media content", hash)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// blobContent reads a blob's chunks as they are needed.
type blobContent struct {
	ctx    context.Context
	b      *Blobs
	upload string
	size   int64
	off    int64
	chunk  int64 // the index of data's chunk, or -1
	data   []byte
}

func (c *blobContent) Read(p []byte) (int, error) {
	if c.off >= c.size {
		return 0, io.EOF
	}
	n := c.off / BlobChunk
	if n != c.chunk {
		err := c.b.db.reads.QueryRowContext(c.ctx, `SELECT data FROM media_chunks WHERE upload = ? AND n = ?`, c.upload, n).Scan(reusing{&c.data})
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("chunk %d of a blob is missing: it was removed while being read", n)
		}
		if err != nil {
			return 0, err
		}
		c.chunk = n
	}
	at := c.off - n*BlobChunk
	if at >= int64(len(c.data)) {
		return 0, io.ErrUnexpectedEOF
	}
	k := copy(p, c.data[at:])
	c.off += int64(k)
	return k, nil
}

// reusing scans a column's bytes into the buffer it points to, reusing
// its room: scanned into a []byte, each chunk of a download was a copy of
// its own, a second 16 MiB of garbage for every 16 MiB file sent.
type reusing struct{ buf *[]byte }

func (r reusing) Scan(v any) error {
	b, ok := v.([]byte)
	if !ok {
		return fmt.Errorf("a chunk's data is a %T, not bytes", v)
	}
	*r.buf = append((*r.buf)[:0], b...)
	return nil
}

func (c *blobContent) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += c.off
	case io.SeekEnd:
		offset += c.size
	default:
		return c.off, errors.New("bad whence")
	}
	if offset < 0 {
		return c.off, errors.New("seek before the start")
	}
	c.off = offset
	return offset, nil
}

func (c *blobContent) Close() error { c.data = nil; return nil }

// Remove deletes the blob named hash if no media record uses it, then its
// chunks. The collector calls it on the writer after a commit, where it
// must not wait on a write of its own: the check and the delete go to the
// writer as a write queued from elsewhere (under the cluster's write lock,
// so an upload of the same bytes on another node either committed first,
// and is seen, or comes after, and keeps its own chunks), and the chunks,
// which nothing names then, are deleted outside it.
func (b *Blobs) Remove(hash string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		uploads, err := b.unname(ctx, `DELETE FROM media_blobs WHERE hash = ? AND NOT EXISTS
			(SELECT 1 FROM media WHERE media.hash = media_blobs.hash) RETURNING upload`, hash)
		if err != nil {
			return // Tidy takes it later
		}
		for _, u := range uploads {
			b.dropChunks(u)
		}
	}()
}

// unname runs a DELETE ... RETURNING upload as a write and returns the
// uploads no blob names any more.
func (b *Blobs) unname(ctx context.Context, query string, args ...any) ([]string, error) {
	var uploads []string
	err := b.db.Write(ctx, func(q WriteTx) error {
		uploads = uploads[:0]
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				return err
			}
			uploads = append(uploads, u)
		}
		return rows.Err()
	})
	return uploads, err
}

// Sweep tidies (see Tidy). used is not needed: the database knows which
// blobs records use, at the moment it looks, on every node.
func (b *Blobs) Sweep(ctx context.Context, _ map[string]bool) error { return b.Tidy(ctx) }

// Tidy removes what crashes left: blobs no media record uses (a node died
// between deleting the last record and removing the blob, or a record's
// write failed after its blob was kept), and the chunks of uploads no blob
// names that have had no new chunk for AbandonedUpload (a node died mid
// upload).
func (b *Blobs) Tidy(ctx context.Context) error {
	uploads, err := b.unname(ctx, `DELETE FROM media_blobs WHERE NOT EXISTS
		(SELECT 1 FROM media WHERE media.hash = media_blobs.hash) RETURNING upload`)
	if err != nil {
		return fmt.Errorf("remove unused media blobs: %w", err)
	}
	for _, u := range uploads {
		b.dropChunks(u)
	}
	_, err = b.db.reads.ExecContext(ctx, `DELETE FROM media_chunks WHERE upload IN (
		SELECT c.upload FROM media_chunks c
		WHERE NOT EXISTS (SELECT 1 FROM media_blobs b WHERE b.upload = c.upload)
		GROUP BY c.upload HAVING max(c.written_ms) < ?)`, b.now().Add(-AbandonedUpload).UnixMilli())
	if err != nil {
		return fmt.Errorf("remove abandoned uploads: %w", err)
	}
	return nil
}
