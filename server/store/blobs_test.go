package store

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"parley/server/media"
)

// A file bigger than a chunk goes to PostgreSQL in chunks, comes back whole
// and in ranges, is kept once however often it is uploaded, and its chunks
// go when its last record does; an upload a crash cut short is swept.
func TestBlobsInPostgresAreChunked(t *testing.T) {
	ctx := context.Background()
	db := reopen(t, postgresURL(t))
	blobs, err := NewBlobs(db)
	if err != nil {
		t.Fatal(err)
	}
	files, err := media.New(ctx, media.Config{Store: NewMedia(db), Blobs: blobs, AccountSID: "AC1", ServiceSID: "IS1",
		SigningKey: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	// Two full chunks and part of a third, of a PNG's bytes.
	body := make([]byte, 2*BlobChunk+12345)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range body {
		body[i] = byte(r.UintN(256))
	}
	copy(body, "\x89PNG\r\n\x1a\n")
	upload := func() media.Media {
		t.Helper()
		m, err := files.Upload(ctx, media.DefaultPolicy(), media.Upload{Author: "ana", Filename: "big.png",
			DeclaredType: "image/png", DeclaredSize: -1, Body: bytes.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	chunks := func() (n int, bytes int64) {
		t.Helper()
		if err := db.read.QueryRow(`SELECT count(*), COALESCE(sum(length(data)), 0) FROM media_chunks`).Scan(&n, &bytes); err != nil {
			t.Fatal(err)
		}
		return n, bytes
	}
	m := upload()
	if n, size := chunks(); n != 3 || size != int64(len(body)) {
		t.Fatalf("%d bytes are kept as %d chunks of %d bytes, not 3 of %d", len(body), n, size, len(body))
	}
	if m.Size != int64(len(body)) || m.ContentType != "image/png" {
		t.Errorf("recorded as %d bytes of %s", m.Size, m.ContentType)
	}
	f, err := files.Open(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read back %d bytes (same: %v), %v", len(got), bytes.Equal(got, body), err)
	}
	// A range across the first chunk's end, as a download resumes.
	at := int64(BlobChunk - 100)
	if _, err := f.Seek(at, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 300)
	if _, err := io.ReadFull(f, part); err != nil || !bytes.Equal(part, body[at:at+300]) {
		t.Errorf("the range across chunks reads wrong: %v", err)
	}
	f.Close()

	again := upload()
	if n, _ := chunks(); n != 3 {
		t.Errorf("the same bytes uploaded twice are kept as %d chunks, not once as 3", n)
	}
	// The last record's delete takes the bytes; the first leaves them.
	if err := files.Delete(ctx, media.Reader{Account: true}, m.SID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // a wrongful removal would have happened by now
	if n, _ := chunks(); n != 3 {
		t.Fatalf("deleting one of two records of the same bytes left %d chunks", n)
	}
	if err := files.Delete(ctx, media.Reader{Account: true}, again.SID); err != nil {
		t.Fatal(err)
	}
	go files.Run(ctx)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if n, _ := chunks(); n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the chunks of deleted media are still there")
		}
	}

	// A node dies mid-upload: its chunks stay until they are an hour old.
	tmp, err := blobs.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := blobs.Tidy(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := chunks(); n != 2 {
		t.Fatalf("an upload under way has %d chunks after a tidy, not the 2 it sent", n)
	}
	blobs.now = func() time.Time { return time.Now().Add(AbandonedUpload + time.Minute) }
	if err := blobs.Tidy(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := chunks(); n != 0 {
		t.Errorf("an upload abandoned an hour ago still has %d chunks", n)
	}
}
