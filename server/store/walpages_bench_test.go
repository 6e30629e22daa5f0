package store

import (
	"context"
	"encoding/binary"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"parley/server/conversations"
	"parley/shared/sid"
)

// BenchmarkSendMessagePages counts the pages a chat message writes to the
// write-ahead log, by the table or index each belongs to: where a send's
// disk writes go, and so which structure a change should make cheaper. It
// sends as BenchmarkSendMessage does with 8 senders, with the log's
// automatic checkpoints off so that every frame stays in it, then reads the
// log's frames and walks each B-tree to learn which pages are its.
//
// SQLite only: it counts pages of SQLite's write-ahead log.
func BenchmarkSendMessagePages(b *testing.B) {
	ctx := context.Background()
	db, path := mustOpen(b)
	svc, sids := benchChats(b, db)
	var next atomic.Int64
	send := func(n int) {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				body := "hello, is anyone there?"
				for i := next.Add(1); i <= int64(n); i = next.Add(1) {
					if _, err := svc.SendAs(ctx, "customer", sids[i%benchConvs], conversations.MessageParams{Body: &body, IdempotencyKey: sid.Key()}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		next.Store(0)
	}
	// Conversations with some history first, as under way.
	send(20 * benchConvs)
	for _, pragma := range []string{"PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA wal_autocheckpoint = 0"} {
		if _, err := db.writer.conn.ExecContext(ctx, pragma); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	send(b.N)
	b.StopTimer()
	roots := map[int]string{}
	rows, err := db.reads.QueryContext(ctx, "SELECT name, rootpage FROM sqlite_schema WHERE rootpage > 0")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var name string
		var root int
		if err := rows.Scan(&name, &root); err != nil {
			b.Fatal(err)
		}
		roots[root] = name
	}
	rows.Close()
	frames, owner := walPages(b, path, roots)
	perStructure := map[string]int{}
	for _, pgno := range frames {
		name, ok := owner[pgno]
		if !ok {
			name = "other" // overflow, free-list or pointer-map pages
		}
		perStructure[name]++
	}
	names := make([]string, 0, len(perStructure))
	for name := range perStructure {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b.ReportMetric(float64(perStructure[name])/float64(b.N), strings.ReplaceAll(name, " ", "_")+"-pages/op")
	}
	b.ReportMetric(float64(len(frames))/float64(b.N), "pages/op")
}

// walPages reads the write-ahead log beside the database at path: the page
// number of each of its frames, in order, and which B-tree (named in roots
// by root page) owns each page, as of the log's last frame.
func walPages(tb testing.TB, path string, roots map[int]string) (frames []int, owner map[int]string) {
	tb.Helper()
	wal, err := os.ReadFile(path + "-wal")
	if err != nil {
		tb.Fatal(err)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	const walHeader, frameHeader = 32, 24
	size := int(binary.BigEndian.Uint32(wal[8:12]))
	latest := map[int][]byte{}
	for off := walHeader; off+frameHeader+size <= len(wal); off += frameHeader + size {
		pgno := int(binary.BigEndian.Uint32(wal[off:]))
		frames = append(frames, pgno)
		latest[pgno] = wal[off+frameHeader : off+frameHeader+size]
	}
	page := func(pgno int) []byte {
		if p, ok := latest[pgno]; ok {
			return p
		}
		if pgno*size > len(file) {
			tb.Fatalf("page %d is neither in the log nor in the file", pgno)
		}
		return file[(pgno-1)*size : pgno*size]
	}
	owner = map[int]string{}
	var walk func(pgno int, name string)
	walk = func(pgno int, name string) {
		owner[pgno] = name
		p := page(pgno)
		h := 0
		if pgno == 1 {
			h = 100 // the database header comes first
		}
		if p[h] != 2 && p[h] != 5 { // a leaf: no children
			return
		}
		cells := int(binary.BigEndian.Uint16(p[h+3:]))
		for i := range cells {
			cell := int(binary.BigEndian.Uint16(p[h+12+2*i:]))
			walk(int(binary.BigEndian.Uint32(p[cell:])), name)
		}
		walk(int(binary.BigEndian.Uint32(p[h+8:])), name)
	}
	for root, name := range roots {
		walk(root, name)
	}
	if _, ok := owner[1]; !ok {
		walk(1, "sqlite_schema")
	}
	return frames, owner
}
