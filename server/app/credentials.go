package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"parley/server/store"
	"parley/shared/sid"
)

// ReadCredentials reads the account credentials a server generated into
// its data directory (DIR/credentials.env). An error wrapping
// os.ErrNotExist means there are none yet.
func ReadCredentials(dataDir string) (Credentials, error) {
	path := filepath.Join(dataDir, "credentials.env")
	b, err := os.ReadFile(path)
	if err != nil {
		return Credentials{}, err
	}
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
}

// loadCredentials takes the account credentials from the config, or from
// the data directory, or makes new ones and keeps them there. On
// PostgreSQL, which several nodes may share, the database holds them: the
// first node to start decides (seeding them from its data directory if it
// has some) and every node takes the same, writing them to its data
// directory for the operator.
func loadCredentials(ctx context.Context, cfg Config, db *store.DB) (Credentials, error) {
	if cfg.AccountSID != "" || cfg.AuthToken != "" {
		if !sid.Is(sid.Account, cfg.AccountSID) {
			return Credentials{}, fmt.Errorf("PARLEY_ACCOUNT_SID %q is not an account SID (AC followed by 32 lowercase hex digits)", cfg.AccountSID)
		}
		if len(cfg.AuthToken) < 16 || strings.Trim(cfg.AuthToken, "0123456789abcdefABCDEFghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ") != "" {
			return Credentials{}, errors.New("PARLEY_AUTH_TOKEN must be at least 16 letters and digits (Twilio's clients refuse other characters)")
		}
		return Credentials{AccountSID: cfg.AccountSID, AuthToken: cfg.AuthToken}, nil
	}
	local, err := ReadCredentials(cfg.DataDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return Credentials{}, err
	}
	haveLocal := err == nil
	if haveLocal && db.Engine() != "postgres" {
		return local, nil
	}
	c := local
	if !haveLocal {
		c = Credentials{AccountSID: sid.New(sid.Account), AuthToken: randomHex(16), Generated: true}
	}
	if db.Engine() == "postgres" {
		shared := c
		if shared.AccountSID, err = db.SetSettingIfUnset(ctx, "account_sid", c.AccountSID); err != nil {
			return Credentials{}, fmt.Errorf("share the account credentials: %w", err)
		}
		if shared.AuthToken, err = db.SetSettingIfUnset(ctx, "auth_token", c.AuthToken); err != nil {
			return Credentials{}, fmt.Errorf("share the account credentials: %w", err)
		}
		// Another node made them first: this one generated nothing.
		shared.Generated = c.Generated && shared.AccountSID == c.AccountSID && shared.AuthToken == c.AuthToken
		if haveLocal && shared.AccountSID == local.AccountSID && shared.AuthToken == local.AuthToken {
			return local, nil
		}
		c = shared
	}
	body := fmt.Sprintf("# Parley account credentials, generated on first start.\nPARLEY_ACCOUNT_SID=%s\nPARLEY_AUTH_TOKEN=%s\n", c.AccountSID, c.AuthToken)
	if err := writeFileAtomic(filepath.Join(cfg.DataDir, "credentials.env"), []byte(body)); err != nil {
		return Credentials{}, err
	}
	return c, nil
}

// writeFileAtomic writes a private file through a temporary file and a
// rename, so a crash never leaves half a file.
func writeFileAtomic(path string, body []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, body, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
