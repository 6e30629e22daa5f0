package realtime

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// bufferSize is each session's read and write buffer. Frames are mostly a
// few hundred bytes; a larger one is read or written in two steps.
const bufferSize = 1024

// smallBuffers hands the WebSocket library a hijacked connection with
// 1 KB buffers instead of the HTTP server's 4 KB ones. The library keeps
// both for the connection's life, so on an idle session they were 8 KB of
// its ~20 KB (see docs/BENCHMARKS.md, "Realtime: the load tool").
//
// Its writes go through a cork, so a session can write a batch of frames
// with one system call.
type smallBuffers struct {
	http.ResponseWriter
	cork *cork // set by Hijack
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack takes the connection over with small buffers. Bytes the client
// sent right after its request, already in the server's buffer, are kept.
func (w *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
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
	w.cork = &cork{Conn: conn}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(w.cork, bufferSize)), nil
}

// corkLimit is the most a cork holds; more is written out at once.
const corkLimit = 32 << 10

// corkBuffers are shared: an idle session holds none.
var corkBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// cork collects what the WebSocket library writes while it is in, and
// writes it in one go when it is pulled. The library flushes every frame to
// the socket; a session writing an ack and two events would pay three
// system calls (each, on loopback, also running the receiver's side of TCP)
// where one does. It was a fifth of the server's CPU under load.
type cork struct {
	net.Conn
	mu  sync.Mutex
	buf *[]byte // nil while out
}

// In starts collecting writes.
func (c *cork) In() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		c.buf = corkBuffers.Get().(*[]byte)
	}
}

// Out writes what was collected, within timeout, and writes through again.
func (c *cork) Out(timeout time.Duration) error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		return nil
	}
	err := c.writeOut(timeout)
	corkBuffers.Put(c.buf)
	c.buf = nil
	return err
}

func (c *cork) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		return c.Conn.Write(p)
	}
	if len(*c.buf)+len(p) > corkLimit {
		if err := c.writeOut(writeTimeout); err != nil {
			return 0, err
		}
	}
	*c.buf = append(*c.buf, p...)
	return len(p), nil
}

// writeOut writes the collected bytes; the caller holds mu. The library
// bounds its own writes by closing the socket; these need a deadline.
func (c *cork) writeOut(timeout time.Duration) error {
	b := *c.buf
	*c.buf = b[:0]
	if len(b) == 0 {
		return nil
	}
	c.Conn.SetWriteDeadline(time.Now().Add(timeout))
	_, err := c.Conn.Write(b)
	c.Conn.SetWriteDeadline(time.Time{})
	return err
}
