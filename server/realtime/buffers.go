package realtime

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
)

// bufferSize is each session's read and write buffer. Frames are mostly a
// few hundred bytes; a larger one is read or written in two steps.
const bufferSize = 1024

// smallBuffers hands the WebSocket library a hijacked connection with
// 1 KB buffers instead of the HTTP server's 4 KB ones. The library keeps
// both for the connection's life, so on an idle session they were 8 KB of
// its ~20 KB (see docs/BENCHMARKS.md, "Realtime: the load tool").
type smallBuffers struct{ http.ResponseWriter }

// Unwrap lets http.ResponseController reach the server's writer.
func (w smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack takes the connection over with small buffers. Bytes the client
// sent right after its request, already in the server's buffer, are kept.
func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// The library re-reads what the reader has buffered and then reads the
	// connection itself, so early bytes must sit in the new buffer.
	br := bufio.NewReaderSize(conn, bufferSize)
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(bufferSize, n))
		if _, err := br.Peek(n); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	if err := brw.Writer.Flush(); err != nil { // empty after the 101; flushed to be sure
		conn.Close()
		return nil, nil, err
	}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(conn, bufferSize)), nil
}
