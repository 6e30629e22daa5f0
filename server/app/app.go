// Package app assembles Parley from its parts: the store, the domain
// services and the HTTP API, with the account's credentials.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"parley/assets"
	"parley/server/conversations"
	"parley/server/httpapi"
	"parley/server/store"
	"parley/shared/sid"
)

// Config is what an App needs to start.
type Config struct {
	DataDir string
	BaseURL string // public URL, no trailing slash
	// AccountSID and AuthToken are the account's credentials; when both are
	// empty they are read from (or generated into) the data directory.
	AccountSID, AuthToken string
	Logger                *slog.Logger
	// Synchronous is SQLite's synchronous mode; empty means FULL.
	Synchronous string
	// TimerInterval is how often conversation timers are applied.
	TimerInterval time.Duration
}

// App is a running Parley.
type App struct {
	Credentials   Credentials
	Conversations *conversations.Service

	db      *store.DB
	handler http.Handler
	log     *slog.Logger
	stop    context.CancelFunc
	done    chan struct{}
}

// Credentials authenticate API callers as the account.
type Credentials struct {
	AccountSID, AuthToken string
	// Generated is true when they were made on this start.
	Generated bool
}

// Open opens the data directory and starts Parley's background work. Close
// releases it.
func Open(cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.TimerInterval == 0 {
		cfg.TimerInterval = 5 * time.Second
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	creds, err := loadCredentials(cfg)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(filepath.Join(cfg.DataDir, "parley.db"), store.Options{Synchronous: cfg.Synchronous})
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	serviceSID, err := db.SetSettingIfUnset(ctx, "default_chat_service_sid", sid.New(sid.ChatService))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("create default chat service: %w", err)
	}
	conv := conversations.NewService(store.NewConversations(db), creds.AccountSID, serviceSID)
	api := httpapi.New(httpapi.Config{
		BaseURL:       cfg.BaseURL,
		AccountSID:    creds.AccountSID,
		AuthToken:     creds.AuthToken,
		Conversations: conv,
		Logger:        cfg.Logger,
	})
	a := &App{Credentials: creds, Conversations: conv, db: db, log: cfg.Logger, done: make(chan struct{})}
	a.handler = a.routes(api)

	bg, stop := context.WithCancel(context.Background())
	a.stop = stop
	go func() {
		defer close(a.done)
		conv.RunTimers(bg, cfg.TimerInterval, func(err error) { cfg.Logger.Error("apply conversation timers", "err", err) })
	}()
	return a, nil
}

// Handler serves every HTTP route of Parley.
func (a *App) Handler() http.Handler { return a.handler }

func (a *App) routes(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if _, err := a.db.Setting(r.Context(), "default_chat_service_sid"); err != nil {
			a.log.Error("health check", "err", err)
			http.Error(w, `{"status":"unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	mux.Handle("/conversations/", api)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, assets.Files, "index.html")
	})
	mux.Handle("/", api) // the API answers unknown paths in its own error shape
	return mux
}

// Close stops background work and closes the database. Call it after the
// HTTP server has finished its in-flight requests.
func (a *App) Close() error {
	a.stop()
	<-a.done
	return a.db.Close()
}

// loadCredentials takes the account credentials from the config, or from
// the data directory, or makes new ones and keeps them there.
func loadCredentials(cfg Config) (Credentials, error) {
	if cfg.AccountSID != "" || cfg.AuthToken != "" {
		if !sid.Is(sid.Account, cfg.AccountSID) {
			return Credentials{}, fmt.Errorf("PARLEY_ACCOUNT_SID %q is not an account SID (AC followed by 32 lowercase hex digits)", cfg.AccountSID)
		}
		if len(cfg.AuthToken) < 16 || strings.Trim(cfg.AuthToken, "0123456789abcdefABCDEFghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ") != "" {
			return Credentials{}, errors.New("PARLEY_AUTH_TOKEN must be at least 16 letters and digits (Twilio's clients refuse other characters)")
		}
		return Credentials{AccountSID: cfg.AccountSID, AuthToken: cfg.AuthToken}, nil
	}
	path := filepath.Join(cfg.DataDir, "credentials.env")
	if b, err := os.ReadFile(path); err == nil {
		var c Credentials
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
			switch k {
			case "PARLEY_ACCOUNT_SID":
				c.AccountSID = v
			case "PARLEY_AUTH_TOKEN":
				c.AuthToken = v
			}
		}
		if !sid.Is(sid.Account, c.AccountSID) || c.AuthToken == "" {
			return Credentials{}, fmt.Errorf("%s is damaged: it needs PARLEY_ACCOUNT_SID and PARLEY_AUTH_TOKEN lines; fix or delete it", path)
		}
		return c, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return Credentials{}, err
	}
	var tok [16]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return Credentials{}, err
	}
	c := Credentials{AccountSID: sid.New(sid.Account), AuthToken: hex.EncodeToString(tok[:]), Generated: true}
	body := fmt.Sprintf("# Parley account credentials, generated on first start.\nPARLEY_ACCOUNT_SID=%s\nPARLEY_AUTH_TOKEN=%s\n", c.AccountSID, c.AuthToken)
	// Write to a temporary file and rename, so a crash never leaves half a file.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
		return Credentials{}, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return Credentials{}, err
	}
	return c, nil
}
