package realtime

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A client may send its first frame with its upgrade request, before the
// 101 comes back; the server has then read it into its own buffer, which
// the session's small one replaces. The frame must survive the swap.
func TestAFrameSentWithTheUpgradeRequestIsRead(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(&smallBuffers{ResponseWriter: w}, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		typ, msg, err := ws.Read(ctx)
		if err != nil {
			t.Errorf("read the early frame: %v", err)
			return
		}
		ws.Write(ctx, typ, append([]byte("echo: "), msg...))
	}))
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	request := "GET / HTTP/1.1\r\nHost: " + srv.Listener.Addr().String() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	// One write: the request and a masked text frame saying "hello".
	if _, err := conn.Write(append([]byte(request), maskedText("hello")...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	header := make([]byte, 2)
	if _, err := io.ReadFull(br, header); err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	body := make([]byte, header[1]&0x7f)
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatal(err)
	}
	if got := string(body); got != "echo: hello" {
		t.Errorf("the server answered %q, want the early frame echoed", got)
	}
}

// maskedText is a client's text frame carrying s (under 126 bytes).
func maskedText(s string) []byte {
	key := []byte{1, 2, 3, 4}
	f := []byte{0x81, 0x80 | byte(len(s))}
	f = append(f, key...)
	for i := range len(s) {
		f = append(f, s[i]^key[i%4])
	}
	return f
}

func TestSessionsHijackWithSmallBuffers(t *testing.T) {
	// The client may see the 101 before the handler has looked at its
	// buffers, so the handler hands the sizes over rather than sharing them.
	sizes := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusSwitchingProtocols)
		conn, brw, err := (&smallBuffers{ResponseWriter: w}).Hijack()
		if err != nil {
			sizes <- "unknown (hijack: " + err.Error() + ")"
			return
		}
		defer conn.Close()
		sizes <- fmt.Sprint(brw.Reader.Size(), " ", brw.Writer.Size())
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
	}
	got := <-sizes
	if want := fmt.Sprint(bufferSize, " ", bufferSize); got != want {
		t.Errorf("the hijacked buffers are %s bytes, want %s", got, want)
	}
}

// Frames written while the cork is in reach the client when it is pulled,
// all of them and in order, however many bytes they add up to.
func TestACorkedBatchArrivesWholeAndInOrder(t *testing.T) {
	tests := []struct {
		name   string
		frames int
		size   int
	}{
		{"an ack and two events", 3, 300},
		{"a replay larger than the cork", 200, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				buffers := &smallBuffers{ResponseWriter: w}
				ws, err := websocket.Accept(buffers, r, nil)
				if err != nil {
					return
				}
				defer ws.CloseNow()
				ctx := r.Context()
				buffers.cork.In()
				for i := range tt.frames {
					ws.Write(ctx, websocket.MessageText, frameNumbered(i, tt.size))
				}
				if err := buffers.cork.Out(writeTimeout); err != nil {
					t.Errorf("pull the cork: %v", err)
				}
				ws.Read(ctx) // until the client is done
			}))
			defer srv.Close()

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ws, _, err := websocket.Dial(ctx, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.CloseNow()
			ws.SetReadLimit(1 << 20)
			for i := range tt.frames {
				_, got, err := ws.Read(ctx)
				if err != nil {
					t.Fatalf("frame %d of %d: %v", i, tt.frames, err)
				}
				if want := frameNumbered(i, tt.size); string(got) != string(want) {
					t.Fatalf("frame %d is %.20q..., want %.20q...", i, got, want)
				}
			}
		})
	}
}

// frameNumbered is a frame of size bytes that says which it is.
func frameNumbered(i, size int) []byte {
	b := []byte(fmt.Sprintf("frame %d ", i))
	for len(b) < size {
		b = append(b, 'x')
	}
	return b
}
