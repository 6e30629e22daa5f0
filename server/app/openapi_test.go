package app

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// parleysOwn tells Parley's own routes, which docs/openapi.yaml describes,
// from Twilio's (described by Twilio, checked through twilio-go): whole
// trees of Parley's, and Parley's additions inside Twilio's trees, which
// nothing else tells apart and are therefore named here.
func parleysOwn(path string) bool {
	for _, tree := range []string{"/parley/", "/flex/v2/Webchat/", "/channels/generic/"} {
		if strings.HasPrefix(path, tree) {
			return true
		}
	}
	return strings.HasSuffix(path, "/QueuePosition")
}

// openAPIOperations reads "METHOD /path" of every operation in an OpenAPI
// document written as docs/openapi.yaml is: paths two spaces in under
// "paths:", their methods two further in.
func openAPIOperations(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pathLine := regexp.MustCompile(`^  (/\S*):\s*$`)
	methodLine := regexp.MustCompile(`^    (get|post|put|patch|delete):`)
	var ops []string
	inPaths, path := false, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "paths:":
			inPaths = true
		case !inPaths:
		case len(line) > 0 && line[0] != ' ' && line[0] != '#':
			inPaths = false // the next top-level key
		case pathLine.MatchString(line):
			path = pathLine.FindStringSubmatch(line)[1]
		case methodLine.MatchString(line) && path != "":
			ops = append(ops, strings.ToUpper(methodLine.FindStringSubmatch(line)[1])+" "+path)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ops
}

// samePath forgets the names of path parameters: {sid} in a route is
// {Sid} or {ConversationSid} in the document.
func samePath(op string) string {
	return regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(op, "{}")
}

// docs/openapi.yaml describes every route of Parley's own that the server
// registers, and nothing it does not serve: an endpoint added without its
// description (or described and never served) fails here.
func TestTheOpenAPIDocumentDescribesEveryOwnRoute(t *testing.T) {
	s := startServer(t)
	routes := s.app.api.Routes()
	if len(routes) < 100 {
		t.Fatalf("the API lists %d routes; the listing is broken", len(routes))
	}
	served := map[string]bool{}
	for _, r := range routes {
		served[samePath(r)] = true
	}
	documented := map[string]bool{}
	ops := openAPIOperations(t, "../../docs/openapi.yaml")
	if len(ops) < 20 {
		t.Fatalf("read %d operations from docs/openapi.yaml; the reader is broken", len(ops))
	}
	for _, op := range ops {
		documented[samePath(op)] = true
		if !served[samePath(op)] {
			t.Errorf("docs/openapi.yaml describes %s, which the server does not serve", op)
		}
	}
	var missing []string
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		if strings.HasPrefix(path, "/conversations/v1/Services/{ChatServiceSid}/") {
			continue // the default service's explicit path: the same route again
		}
		if parleysOwn(path) && !documented[samePath(r)] {
			missing = append(missing, method+" "+path)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Errorf("docs/openapi.yaml does not describe these routes of Parley's own:\n\t%s", strings.Join(missing, "\n\t"))
	}
}
