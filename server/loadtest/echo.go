package loadtest

import (
	"context"
	"net"
	"net/http"

	"github.com/coder/websocket"
)

// EchoHandler is the baseline: a bare coder/websocket server that writes
// every message back on the connection it came from. It does what any
// WebSocket server must (upgrade, frame, read, write) and nothing else.
func EchoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ws.SetReadLimit(1 << 20)
		ctx := r.Context()
		for {
			typ, b, err := ws.Read(ctx)
			if err != nil {
				return
			}
			if err := ws.Write(ctx, typ, b); err != nil {
				return
			}
		}
	})
}

// ServeEcho serves EchoHandler on ln until ctx ends.
func ServeEcho(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: EchoHandler()}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	err := srv.Serve(ln)
	if ctx.Err() != nil {
		return nil
	}
	return err
}
