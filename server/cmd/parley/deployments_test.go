package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

func TestTheDeploymentsCommandManagesDeploymentsOfARunningServer(t *testing.T) {
	bin := buildParley(t)
	data := t.TempDir()
	p := startParley(t, bin, data)
	defer p.stop(t)
	cli := func(args ...string) (string, error) {
		t.Helper()
		args = append(args, "--url", "http://"+p.addr, "--data", data)
		out, err := exec.Command(bin, append([]string{"deployments"}, args...)...).CombinedOutput()
		return string(out), err
	}

	out, err := cli("create", "--name", "Shop", "--origin", "https://shop.example.com", "--color", "#112233", "--locale", "fr")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	var d struct {
		Key            string   `json:"key"`
		Secret         string   `json:"identity_secret"`
		AllowedOrigins []string `json:"allowed_origins"`
		Locale         string   `json:"locale"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || d.Key == "" || d.Secret == "" || d.Locale != "fr" ||
		len(d.AllowedOrigins) != 1 {
		t.Fatalf("create printed %s (%v)", out, err)
	}
	if out, err := cli("update", d.Key, "--origin", ""); err != nil || !strings.Contains(out, `"allowed_origins": []`) {
		t.Fatalf("clearing the origins: %v\n%s", err, out)
	}
	if out, err := cli("update", d.Key, "--csat=true", "--csat-question", "fr=Êtes-vous satisfait ?"); err != nil ||
		!strings.Contains(out, `"enabled": true`) || !strings.Contains(out, `"fr": "Êtes-vous satisfait ?"`) {
		t.Fatalf("turning the survey on: %v\n%s", err, out)
	}
	if out, err := cli("update", d.Key, "--csat-question", "de=Wie war's?"); err == nil || !strings.Contains(out, "Csat.Question.de") {
		t.Fatalf("a question in a language the widget does not speak should fail, naming the field: %v\n%s", err, out)
	}
	if out, err := cli("update", d.Key, "--color", "red"); err == nil || !strings.Contains(out, "#rrggbb") {
		t.Fatalf("a bad colour should fail, saying why: %v\n%s", err, out)
	}
	// Business hours: set, refused with the bad field named, removed.
	if out, err := cli("update", d.Key, "--hours", `{"time_zone": "Europe/Paris", "weekly": {"monday": ["09:00-17:30"]}}`); err != nil ||
		!strings.Contains(out, `"time_zone": "Europe/Paris"`) || !strings.Contains(out, `"monday": [`) {
		t.Fatalf("setting business hours: %v\n%s", err, out)
	}
	if out, err := cli("update", d.Key, "--hours", `{"time_zone": "Europe/Pariss"}`); err == nil ||
		!strings.Contains(out, "BusinessHours.time_zone") || !strings.Contains(out, "Europe/Pariss") {
		t.Fatalf("an unknown zone should fail, naming the field: %v\n%s", err, out)
	}
	if out, err := cli("update", d.Key, "--hours", "none"); err != nil || !strings.Contains(out, `"business_hours": null`) {
		t.Fatalf("removing business hours: %v\n%s", err, out)
	}
	// A server started without --demo has no demo deployment.
	if out, err := cli("list"); err != nil || !strings.Contains(out, d.Key) || strings.Contains(out, `"friendly_name": "Demo"`) {
		t.Fatalf("list should show the new deployment only: %v\n%s", err, out)
	}
	if out, err := cli("delete", d.Key); err != nil {
		t.Fatalf("delete: %v\n%s", err, out)
	}
	if out, err := cli("show", d.Key); err == nil || !strings.Contains(out, "not found") {
		t.Fatalf("show after delete: %v\n%s", err, out)
	}
}
