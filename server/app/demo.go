package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"parley/server/agents"
	"parley/server/apperr"
	"parley/server/canned"
	"parley/server/channels"
	"parley/server/paging"
	"parley/server/webchat"
)

// DemoPhoneNumber is the number the phone simulator texts.
const DemoPhoneNumber = "+15550100100"

// startDemos makes what a demo needs on first start: the simulator's
// demo number when the simulator is on, and the demo webchat deployment
// (startDemo).
func (a *App) startDemos(ctx context.Context, demo, simulator bool) error {
	if simulator {
		if err := a.demoPhone(ctx); err != nil {
			return fmt.Errorf("create the simulator's demo number: %w", err)
		}
	}
	if err := a.startDemo(ctx, demo); err != nil {
		return fmt.Errorf("create the demo webchat deployment: %w", err)
	}
	return nil
}

// demoDeploymentSetting names the demo deployment's key. It outlives the
// deployment: once set, the demo is never made again, so a demo deployment
// the operator deleted stays deleted.
const demoDeploymentSetting = "demo_deployment_key"

// startDemo makes the demo webchat deployment when the server runs a demo
// and never made one. Without a demo, it warns of one an earlier start
// made that still takes chats: its key was public on /.
func (a *App) startDemo(ctx context.Context, demo bool) error {
	key, err := a.db.Setting(ctx, demoDeploymentSetting)
	if err != nil {
		return err
	}
	if !demo {
		if key != "" {
			if _, err := a.Webchat.Deployment(ctx, key); err == nil {
				a.log.Warn("the demo webchat deployment an earlier start made still takes chats; delete it unless a site uses it",
					"key", key, "delete", "bin/parley deployments delete "+key)
			}
		}
		return nil
	}
	if key != "" {
		return nil
	}
	name := "Demo"
	d, err := a.Webchat.CreateDeployment(ctx, webchat.DeploymentParams{FriendlyName: &name})
	if err != nil {
		return err
	}
	return a.db.SetSetting(ctx, demoDeploymentSetting, d.Key)
}

// DemoDeployment returns the key of the webchat deployment the demo page
// at / embeds: "" when there is none, because the server runs without a
// demo or the operator deleted it (it is not made again).
func (a *App) DemoDeployment(ctx context.Context) (string, error) {
	if !a.demo {
		return "", nil
	}
	key, err := a.db.Setting(ctx, demoDeploymentSetting)
	if err != nil || key == "" {
		return "", err
	}
	if _, err := a.Webchat.Deployment(ctx, key); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return "", nil
		}
		return "", err
	}
	return key, nil
}

// demoPhone makes the simulator's demo number on first start: an SMS
// address on the simulator adapter whose new conversations go to the desk.
func (a *App) demoPhone(ctx context.Context) error {
	_, err := a.Messaging.Addresses.AddressByValue(ctx, "sms", DemoPhoneNumber)
	if err == nil || !apperr.Is(err, apperr.NotFound) {
		return err
	}
	_, err = a.Messaging.Addresses.CreateAddress(ctx, channels.AddressParams{Type: ptr("sms"), Address: ptr(DemoPhoneNumber),
		FriendlyName: ptr("Phone simulator"), Adapter: ptr("simulator"),
		AutoCreation: channels.AutoCreationParams{Enabled: ptr(true), Type: ptr("default")}})
	return err
}

// demoAgents are made by `parley serve --demo` on first start.
var demoAgents = []struct{ email, name, role string }{
	{"agent@example.com", "Alex Agent", agents.RoleAgent},
	{"supervisor@example.com", "Sam Supervisor", agents.RoleSupervisor},
}

// DemoLogins makes the demo agents on first start, keeping their generated
// passwords in DIR/demo-agents.txt, and returns that file's lines to print.
// It also gives a desk without canned responses a few to search.
func (a *App) DemoLogins(ctx context.Context, dataDir string) ([]string, error) {
	// On every demo start, not the first only: a demo desk made before
	// canned responses existed gets them too.
	if err := a.demoCannedResponses(ctx); err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, "demo-agents.txt")
	if b, err := os.ReadFile(path); err == nil {
		return splitLines(string(b)), nil
	}
	var lines []string
	for _, d := range demoAgents {
		password := "demo-" + randomHex(6)
		_, err := a.Agents.Create(ctx, agents.Params{Email: ptr(d.email), DisplayName: ptr(d.name), Role: ptr(d.role), Password: &password})
		if err != nil && !apperr.Is(err, apperr.Conflict) {
			return nil, fmt.Errorf("create demo agent %s: %w", d.email, err)
		}
		if err == nil {
			lines = append(lines, fmt.Sprintf("%s (%s)  password %s", d.email, d.role, password))
		}
	}
	body := ""
	for _, l := range lines {
		body += l + "\n"
	}
	if err := writeFileAtomic(path, []byte(body)); err != nil {
		return nil, err
	}
	return lines, nil
}

// demoCanned are the canned responses a demo desk starts with, so "/" in
// the composer finds something. The desktop fills in {{customer}} and
// {{agent}} with first names.
var demoCanned = []struct {
	title, body string
	tags        []string
}{
	{"Greeting", "Hi {{customer}}, I'm {{agent}}. How can I help you today?", []string{"hello", "welcome"}},
	{"Let me check", "Good question, {{customer}}. Let me check that for you: it takes a minute or two.", []string{"wait", "hold"}},
	{"Refund policy", "You can return any item within 30 days for a full refund. Once we receive it, the money " +
		"reaches the card you paid with within 5 working days.", []string{"refund", "return", "money"}},
	{"Goodbye", "Glad I could help, {{customer}}. If anything else comes up, just start a new chat. Have a good day!", []string{"bye", "thanks"}},
}

// demoCannedResponses adds the demo responses to a desk that has none.
func (a *App) demoCannedResponses(ctx context.Context) error {
	page, err := a.Canned.List(ctx, paging.Request{Size: 1})
	if err != nil || len(page.Items) > 0 {
		return err
	}
	for _, c := range demoCanned {
		p := canned.Params{Title: ptr(c.title), Body: ptr(c.body), Tags: ptr(c.tags)}
		if _, err := a.Canned.Create(ctx, "", p); err != nil {
			return fmt.Errorf("create demo canned response %q: %w", c.title, err)
		}
	}
	return nil
}
