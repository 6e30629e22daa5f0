// Command parley is the Parley server: one binary that serves the REST API,
// the realtime socket and the web apps.
//
//	parley serve --addr 127.0.0.1:8080 --data ./data [--base-url https://chat.example.com]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // deployments' business hours name IANA zones; a minimal machine may have no zone files

	"parley/server/app"
	"parley/server/mail"
	"parley/server/outbound"
	"parley/server/realtime"
	"parley/shared/model"
)

const usage = `Parley: self-hosted customer messaging with a Twilio-compatible API.

Usage:
  parley serve [--addr HOST:PORT] [--data DIR] [--database postgres://...] [--nats nats://...] [--base-url URL] [--demo] [--simulator] [--allowed-origins LIST] [--log-level LEVEL]
  parley loadtest [--url URL] [--conns N] [--rate R] [--duration D] [--echo=false]
  parley echo-server [--addr HOST:PORT]   the loadtest's baseline: a bare WebSocket echo server
  parley deployments list|show|create|update|rotate-secret|delete [...]
                                          manage webchat deployments (see parley deployments --help)
  parley agents list|show|add|update|delete [...]
                                          manage desktop agents (see parley agents --help)
  parley migrate --from sqlite:DIR --to postgres://...
                                          copy a stopped SQLite install into an empty PostgreSQL database
  parley backup --to FILE [--data DIR] [--force]
                                          copy a running SQLite install's database (see docs/OPERATIONS.md)

Environment:
  PARLEY_ACCOUNT_SID, PARLEY_AUTH_TOKEN   account credentials; serve generates
                                          them into DIR/credentials.env when
                                          unset; loadtest needs them
  PARLEY_TWILIO_ACCOUNT_SID, PARLEY_TWILIO_AUTH_TOKEN
                                          connect SMS/WhatsApp through Twilio:
                                          point a number's webhooks at
                                          URL/channels/twilio/inbound
  PARLEY_TWILIO_API_BASE                  Twilio's API origin (default
                                          https://api.twilio.com)
  PARLEY_GENERIC_SEND_URL, PARLEY_GENERIC_SECRET
                                          connect another provider through the
                                          generic JSON adapter (docs/CHANNELS.md)
  PARLEY_SMTP_URL, PARLEY_SMTP_FROM       email web visitors (serve's --smtp-url,
                                          --smtp-from; docs/OPERATIONS.md)
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "parley:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "loadtest":
		return loadtestCmd(args[1:], stdout, stderr)
	case "echo-server":
		return echoServerCmd(args[1:], stdout, stderr)
	case "deployments":
		return deploymentsCmd(args[1:], stdout, stderr)
	case "agents":
		return agentsCmd(args[1:], stdout, stderr)
	case "migrate":
		return migrateCmd(args[1:], stdout, stderr)
	case "backup":
		return backupCmd(args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func serve(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "`HOST:PORT` to listen on")
	dataDir := fs.String("data", "./data", "`DIR` for the SQLite database (unless --database names another), generated credentials and uploads")
	database := fs.String("database", os.Getenv("PARLEY_DATABASE_URL"), "PostgreSQL `URL` (postgres://user:pass@host:port/db?sslmode=disable) to keep data in instead of SQLite in --data (default $PARLEY_DATABASE_URL)")
	natsURL := fs.String("nats", os.Getenv("PARLEY_NATS_URL"), "NATS `URLS` (nats://host:4222, comma-separated) linking this node to the others of a cluster sharing --database (default $PARLEY_NATS_URL; none: run alone)")
	baseURL := fs.String("base-url", "", "public `URL` of this server, used in links (default http://ADDR)")
	level := fs.String("log-level", "info", "log `LEVEL`: debug, info, warn or error")
	syncMode := fs.String("sync", "full", "SQLite `MODE`: full (every commit survives power loss) or normal (survives a crash of Parley, not of the machine)")
	demo := fs.Bool("demo", false, "put a demo chat on the page at / and make demo agents on first start (passwords kept in DIR/demo-agents.txt), printing their logins; deleting the demo deployment removes the chat for good")
	simulator := fs.Bool("simulator", false, "serve the phone simulator at /simulator, texting a demo number routed to the desk (development only: it is public)")
	origins := fs.String("allowed-origins", "", "comma-separated browser `ORIGINS` (host patterns, e.g. shop.example.com,*.example.org) allowed on /realtime besides this server's own")
	mediaMax := fs.Int64("media-max-bytes", 16<<20, "largest file, in `BYTES`, the account and agents may upload (at most 150 MiB); webchat deployments set their own")
	perIdentity := fs.Int("max-sessions-per-identity", realtime.DefaultMaxPerIdentity, "most realtime sessions one identity may hold at once (`N`; 0 for no cap)")
	perAddress := fs.Int("max-sessions-per-address", realtime.DefaultMaxPerAddress, "most realtime sessions one client address may hold at once (`N`; 0 for no cap, e.g. for load tests from one machine)")
	smtpURL := fs.String("smtp-url", os.Getenv("PARLEY_SMTP_URL"), "SMTP server `URL` to email web visitors through (smtp://user:pass@host:port, STARTTLS when offered; smtps:// for implicit TLS); default $PARLEY_SMTP_URL, none: no email")
	smtpFrom := fs.String("smtp-from", os.Getenv("PARLEY_SMTP_FROM"), "the `ADDRESS` visitors get email from, e.g. \"Acme Support <support@example.com>\" (default $PARLEY_SMTP_FROM)")
	outboundAllow := fs.String("outbound-allow", "", "comma-separated `CIDRS` Parley may call besides the public internet (webhooks, callbacks, providers on a private network), e.g. 10.1.0.0/16; default none")
	waitAmber := fs.Duration("wait-amber", time.Duration(model.DefaultWaitAmberSeconds)*time.Second, "how long a customer may await a reply before their chat's wait turns amber in the agents' chat lists (`DURATION`, whole seconds)")
	waitRed := fs.Duration("wait-red", time.Duration(model.DefaultWaitRedSeconds)*time.Second, "how long a customer may await a reply before their chat's wait turns red (`DURATION`, longer than --wait-amber)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	allow, err := outbound.ParseAllow(*outboundAllow)
	if err != nil {
		return err
	}
	var smtp *mail.Config
	if *smtpURL != "" {
		c, err := mail.ParseURL(*smtpURL, *smtpFrom)
		if err != nil {
			return fmt.Errorf("--smtp-url: %w", err)
		}
		smtp = &c
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *baseURL == "" {
		*baseURL = "http://" + publicHost(ln.Addr().(*net.TCPAddr))
	}
	a, err := app.Open(app.Config{
		DataDir:        *dataDir,
		Database:       *database,
		NATS:           *natsURL,
		BaseURL:        strings.TrimRight(*baseURL, "/"),
		AccountSID:     os.Getenv("PARLEY_ACCOUNT_SID"),
		AuthToken:      os.Getenv("PARLEY_AUTH_TOKEN"),
		Logger:         log,
		AllowedOrigins: splitList(*origins),
		Synchronous:    strings.ToUpper(*syncMode),
		MediaMaxBytes:  *mediaMax,
		Demo:           *demo,
		// The flags say 0 for no cap; the config, a negative number.
		MaxSessionsPerIdentity: noCapIfZero(*perIdentity),
		MaxSessionsPerAddress:  noCapIfZero(*perAddress),
		OutboundAllow:          allow,
		Mail:                   smtp,
		Desk:                   app.DeskConfig{WaitAmber: *waitAmber, WaitRed: *waitRed},
		Channels: app.ChannelConfig{
			TwilioAccountSID: os.Getenv("PARLEY_TWILIO_ACCOUNT_SID"),
			TwilioAuthToken:  os.Getenv("PARLEY_TWILIO_AUTH_TOKEN"),
			TwilioAPIBase:    os.Getenv("PARLEY_TWILIO_API_BASE"),
			GenericSendURL:   os.Getenv("PARLEY_GENERIC_SEND_URL"),
			GenericSecret:    os.Getenv("PARLEY_GENERIC_SECRET"),
			Simulator:        *simulator,
		},
	})
	if err != nil {
		ln.Close()
		return err
	}
	if a.Credentials.Generated {
		fmt.Fprintf(stdout, "Generated account credentials (kept in %s/credentials.env):\n  PARLEY_ACCOUNT_SID=%s\n  PARLEY_AUTH_TOKEN=%s\n",
			*dataDir, a.Credentials.AccountSID, a.Credentials.AuthToken)
	}
	if *simulator {
		fmt.Fprintf(stdout, "Phone simulator: %s/simulator — text %s as a customer\n", *baseURL, app.DemoPhoneNumber)
	}
	if *demo {
		logins, err := a.DemoLogins(context.Background(), *dataDir)
		if err != nil {
			a.Close()
			ln.Close()
			return err
		}
		fmt.Fprintf(stdout, "Agent desktop: %s/desktop/ — demo logins (kept in %s/demo-agents.txt):\n", *baseURL, *dataDir)
		for _, l := range logins {
			fmt.Fprintf(stdout, "  %s\n", l)
		}
	}

	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// A connection that never sent a request must not hold up a shutdown.
	silent := newSilentConns()
	srv.ConnState = silent.track
	srv.RegisterOnShutdown(silent.closeSilent)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(silent.listen(ln)) }()
	engine, where := a.Store()
	attrs := []any{"addr", ln.Addr().String(), "base_url", *baseURL, "data", *dataDir,
		"store", engine, "database", where, "account_sid", a.Credentials.AccountSID}
	if node := a.Node(); node != "" {
		attrs = append(attrs, "node", node) // one of a cluster
	}
	log.Info("parley serving", attrs...)

	select {
	case err := <-errc:
		a.Close()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	shutdownErr := srv.Shutdown(shutdownCtx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		shutdownErr = errors.Join(shutdownErr, err)
	}
	closeErr := a.Close()
	log.Info("stopped", "err", errors.Join(shutdownErr, closeErr))
	return errors.Join(shutdownErr, closeErr)
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// publicHost names the listening address in links: a wildcard address
// becomes localhost, since "0.0.0.0" is not a place a browser can go.
func publicHost(a *net.TCPAddr) string {
	if a.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", a.Port)
	}
	return a.String()
}

// noCapIfZero turns a flag's "0: no cap" into the config's "negative: no
// cap" (where zero means the default).
func noCapIfZero(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
