package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"parley/server/app"
	"parley/shared/client"
)

const deploymentsUsage = `Usage: parley deployments COMMAND [flags]

Manage webchat deployments on a running server, through its REST API
(/parley/v1/Deployments), as the account.

Commands:
  list
  show KEY
  create [settings]            prints the identity secret, once
  update KEY [settings]
  rotate-secret KEY            prints the new identity secret
  delete KEY

Settings:
  --name NAME  --welcome TEXT  --origin https://shop.example.com (repeat, or "" to clear)
  --color #rrggbb  --mode light|dark|auto  --position right|left  --locale auto|en|fr|ar
  --form JSON (pre-engagement fields)  --attachments=true|false  --max-bytes N
  --email-unread-minutes N (email replies unread N minutes; 0 off)  --email-field NAME
  --csat=true|false (ask for a 1-5 rating when a chat ends)  --csat-comment=true|false
  --csat-question LANG=TEXT (en, fr or ar; repeat; LANG= restores the default)
  --hours JSON|@FILE|none   business hours, e.g. '{"time_zone": "Europe/Paris",
               "weekly": {"monday": ["09:00-12:30", "13:30-17:30"]},
               "holidays": [{"date": "2026-12-25"}]}'; none: always open

Connection (every command):
  --url URL    the server (default http://localhost:8080)
  --data DIR   read the account's credentials from DIR/credentials.env
               (default ./data) when PARLEY_ACCOUNT_SID and
               PARLEY_AUTH_TOKEN are unset
`

// repeated is a flag that may be given several times.
type repeated struct {
	vals []string
	set  bool
}

func (r *repeated) String() string { return strings.Join(r.vals, ",") }
func (r *repeated) Set(v string) error {
	r.set = true
	if v != "" {
		r.vals = append(r.vals, v)
	}
	return nil
}

func deploymentsCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, deploymentsUsage)
		return nil
	}
	cmd, args := args[0], args[1:]
	var key string
	if cmd != "list" && cmd != "create" {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return fmt.Errorf("deployments %s needs the deployment's KEY (see parley deployments list)", cmd)
		}
		key, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("deployments "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "http://localhost:8080", "the server's `URL`")
	dataDir := fs.String("data", "./data", "`DIR` with credentials.env")
	settings := map[string]*string{}
	for flagName, param := range map[string]string{"name": "FriendlyName", "welcome": "WelcomeMessage", "color": "Theme.Color",
		"mode": "Theme.Mode", "position": "Theme.Position", "locale": "Locale", "form": "PreEngagementForm",
		"attachments": "Attachments.Enabled", "max-bytes": "Attachments.MaxBytes",
		"email-unread-minutes": "EmailReplies.UnreadMinutes", "email-field": "EmailReplies.Field",
		"csat": "Csat.Enabled", "csat-comment": "Csat.Comment"} {
		settings[param] = fs.String(flagName, "", "")
	}
	var origins, questions repeated
	fs.Var(&origins, "origin", "allowed `ORIGIN`")
	fs.Var(&questions, "csat-question", "the rating question, `LANG=TEXT`")
	hoursFlag := fs.String("hours", "", "business hours: `JSON`, @FILE, or none")
	if err := fs.Parse(args); err != nil {
		return err
	}
	form := url.Values{}
	for param, v := range settings {
		if *v != "" {
			form.Set(param, *v)
		}
	}
	for _, q := range questions.vals {
		lang, text, ok := strings.Cut(q, "=")
		if !ok || lang == "" {
			return fmt.Errorf("--csat-question %q: write it as LANG=TEXT, as en=How did we do?", q)
		}
		form.Set("Csat.Question."+lang, text)
	}
	if *hoursFlag != "" {
		spec, err := businessHours(*hoursFlag)
		if err != nil {
			return err
		}
		form.Set("BusinessHours", spec)
	}
	if origins.set {
		form["AllowedOrigins"] = origins.vals
		if len(origins.vals) == 0 {
			form["AllowedOrigins"] = []string{""} // clears them
		}
	}
	rest, err := accountClient(*base, *dataDir)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	path := "/parley/v1/Deployments"
	if key != "" {
		path += "/" + url.PathEscape(key)
	}
	var out any
	switch cmd {
	case "list":
		err = rest.Do(ctx, "GET", path, url.Values{"PageSize": {"100"}}, &out)
	case "show":
		err = rest.Do(ctx, "GET", path, nil, &out)
	case "create", "update":
		err = rest.Do(ctx, "POST", path, form, &out)
	case "rotate-secret":
		err = rest.Do(ctx, "POST", path+"/IdentitySecret", nil, &out)
	case "delete":
		if err = rest.Do(ctx, "DELETE", path, nil, nil); err == nil {
			fmt.Fprintf(stdout, "deleted %s\n", key)
		}
		return err
	default:
		fmt.Fprint(stderr, deploymentsUsage)
		return fmt.Errorf("unknown deployments command %q", cmd)
	}
	if err != nil {
		return err
	}
	return printJSON(stdout, out)
}

// businessHours reads --hours: the schedule's JSON, @FILE to read it from
// a file, or "none" to remove the hours (sent as an empty value).
func businessHours(v string) (string, error) {
	switch {
	case v == "none":
		return "", nil
	case strings.HasPrefix(v, "@"):
		b, err := os.ReadFile(v[1:])
		if err != nil {
			return "", fmt.Errorf("--hours: %w", err)
		}
		return string(b), nil
	}
	return v, nil
}

// printJSON prints an API answer for people: indented, URLs unescaped.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// accountClient is a REST client for the server at base, as the account.
func accountClient(base, dataDir string) (*client.REST, error) {
	sid, token, err := accountCredentials(dataDir)
	if err != nil {
		return nil, err
	}
	return client.NewREST(base, client.AccountAuth(sid, token), nil), nil
}

// accountCredentials come from the environment, or from the data
// directory the server wrote them to.
func accountCredentials(dataDir string) (sid, token string, err error) {
	sid, token = os.Getenv("PARLEY_ACCOUNT_SID"), os.Getenv("PARLEY_AUTH_TOKEN")
	if sid != "" && token != "" {
		return sid, token, nil
	}
	c, err := app.ReadCredentials(dataDir)
	if err != nil {
		return "", "", fmt.Errorf("no credentials: set PARLEY_ACCOUNT_SID and PARLEY_AUTH_TOKEN, or point --data at the server's data directory (%w)", err)
	}
	return c.AccountSID, c.AuthToken, nil
}
