package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

const agentsUsage = `Usage: parley agents COMMAND [flags]

Manage the agents who sign in to the desktop (/desktop), on a running
server, through its REST API (/parley/v1/Agents), as the account.

Commands:
  list
  show SID
  add --email EMAIL [--name NAME] [--role agent|supervisor|admin] [--password P]
                               without --password, one is generated and printed once
  update SID [--email EMAIL] [--name NAME] [--role ROLE] [--password P]
                               a new password or role signs the agent out
  delete SID                   the agent must hold no chats

Connection (every command):
  --url URL    the server (default http://localhost:8080)
  --data DIR   read the account's credentials from DIR/credentials.env
               (default ./data) when PARLEY_ACCOUNT_SID and
               PARLEY_AUTH_TOKEN are unset
`

func agentsCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, agentsUsage)
		return nil
	}
	cmd, args := args[0], args[1:]
	var agentSID string
	if cmd == "show" || cmd == "update" || cmd == "delete" {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return fmt.Errorf("agents %s needs the agent's SID (see parley agents list)", cmd)
		}
		agentSID, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("agents "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "http://localhost:8080", "the server's `URL`")
	dataDir := fs.String("data", "./data", "`DIR` with credentials.env")
	settings := map[string]*string{}
	for flagName, param := range map[string]string{"email": "Email", "name": "DisplayName", "role": "Role", "password": "Password"} {
		settings[param] = fs.String(flagName, "", "")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	form := url.Values{}
	for param, v := range settings {
		if *v != "" {
			form.Set(param, *v)
		}
	}
	generated := ""
	if cmd == "add" {
		if form.Get("Email") == "" {
			return fmt.Errorf("agents add needs --email")
		}
		if form.Get("Password") == "" {
			b := make([]byte, 9)
			rand.Read(b)
			generated = hex.EncodeToString(b)
			form.Set("Password", generated)
		}
	}
	rest, err := accountClient(*base, *dataDir)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	path := "/parley/v1/Agents"
	if agentSID != "" {
		path += "/" + url.PathEscape(agentSID)
	}
	var out map[string]any
	switch cmd {
	case "list":
		err = rest.Do(ctx, "GET", path, url.Values{"PageSize": {"100"}}, &out)
	case "show":
		err = rest.Do(ctx, "GET", path, nil, &out)
	case "add", "update":
		err = rest.Do(ctx, "POST", path, form, &out)
	case "delete":
		if err = rest.Do(ctx, "DELETE", path, nil, nil); err == nil {
			fmt.Fprintf(stdout, "deleted %s\n", agentSID)
		}
		return err
	default:
		fmt.Fprint(stderr, agentsUsage)
		return fmt.Errorf("unknown agents command %q", cmd)
	}
	if err != nil {
		return err
	}
	if err := printJSON(stdout, out); err != nil {
		return err
	}
	if generated != "" {
		fmt.Fprintf(stdout, "Password (shown once): %s\n", generated)
	}
	return nil
}
