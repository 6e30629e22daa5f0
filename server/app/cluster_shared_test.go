package app

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/server/cluster/natstest"
	"parley/server/httpapi"
	"parley/server/store"
	"parley/server/store/pgtest"
)

// twoNodes starts two nodes of one cluster: one PostgreSQL database, one
// NATS server, each node with its own data directory, as two machines
// behind a balancer would be.
func twoNodes(t *testing.T, tweak func(*Config)) (a, b *testServer) {
	t.Helper()
	database := pgtest.Database(t)
	nats := natstest.Start(t)
	node := func() *testServer {
		return startServerWith(t, func(c *Config) {
			c.Database, c.NATS = database, nats.URL
			c.GuestLimits = startServerLimits
			tweak(c)
		})
	}
	return node(), node()
}

// noiseFile is a PNG's signature and then n bytes of noise: a file that
// does not compress, bigger than a chunk of the database's blob store.
func noiseFile(n int) []byte {
	body := make([]byte, n)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range body {
		body[i] = byte(r.UintN(256))
	}
	copy(body, "\x89PNG\r\n\x1a\n")
	return body
}

// A file uploaded through one node downloads through the other, whole and
// in ranges, also by its signed link; the limit holds on both; deleting it
// through one node stops the other serving it, and its bytes go.
func TestAFileUploadedThroughOneNodeDownloadsThroughAnother(t *testing.T) {
	const limit = 600 << 10
	a, b := twoNodes(t, func(c *Config) { c.MediaMaxBytes = limit })
	img := noiseFile(store.BlobChunk + 100_000)

	mediaSID := a.mustUpload(t, "", "photo.png", "image/png", img)
	got := b.fetchContent(t, "", mediaSID, nil)
	if got.status != http.StatusOK || got.text != string(img) {
		t.Fatalf("node B serves the file node A took as %d, %d bytes (same: %v): %.200s", got.status, len(got.text),
			got.text == string(img), got.text)
	}
	if ct := got.header.Get("Content-Type"); ct != "image/png" {
		t.Errorf("node B serves it as %q", ct)
	}
	// A range across the first chunk's end, as a browser resumes a video.
	part := b.fetchContent(t, "", mediaSID, map[string]string{"Range": "bytes=262000-262999"})
	if part.status != http.StatusPartialContent || part.text != string(img[262000:263000]) {
		t.Errorf("a range through node B: %d, %d bytes", part.status, len(part.text))
	}
	// The link node A signed works on node B.
	link := a.fetchMedia(t, "", mediaSID).json["links"].(map[string]any)["content_direct_temporary"].(string)
	signed := b.do(t, rawRequest{method: http.MethodGet, path: strings.TrimPrefix(link, a.baseURL), noAuth: true})
	if signed.status != http.StatusOK || signed.text != string(img) {
		t.Errorf("node A's signed link on node B: %d, %d bytes", signed.status, len(signed.text))
	}
	// Nothing is on either node's disk: the bytes are in the database.
	for _, s := range []*testServer{a, b} {
		if _, err := os.Stat(filepath.Join(s.dataDir, "media")); !os.IsNotExist(err) {
			t.Errorf("a node of a cluster keeps media in its data directory: %v", err)
		}
	}

	// Over the limit, on either node.
	big := noiseFile(limit + 1)
	for _, s := range []*testServer{a, b} {
		wantTwilioErrorShape(t, s.upload(t, "", "big.png", "image/png", big), http.StatusRequestEntityTooLarge, 20413)
	}
	eventually(t, func() bool { return a.countRows(t, "media_chunks") == 2 }, func() string {
		return "refused uploads left chunks behind"
	})

	// Deleted through B, gone from A, bytes and all.
	if r := b.do(t, rawRequest{method: http.MethodDelete, path: b.mediaPath() + "/" + mediaSID}); r.status != http.StatusNoContent {
		t.Fatalf("delete through node B: %d %s", r.status, r.text)
	}
	if r := a.fetchContent(t, "", mediaSID, nil); r.status != http.StatusNotFound {
		t.Errorf("node A still serves a file deleted through node B: %d", r.status)
	}
	eventually(t, func() bool { return a.countRows(t, "media_chunks") == 0 && a.countRows(t, "media_blobs") == 0 },
		func() string { return "the bytes of a deleted file are still in the database" })
}

// An attacker guessing a password through both nodes in turn gets no more
// guesses than through one: the nodes count failures together.
func TestAnAttackerAlternatingNodesGetsNoMoreSignInGuesses(t *testing.T) {
	a, b := twoNodes(t, func(c *Config) { c.SignInLimits = httpapi.DefaultSignInLimits })
	ana := a.mustCreateAgent(t, "ana@example.com", "agent")
	nodes := []*testServer{a.from(attackerAddr), b.from(attackerAddr)}
	guesses := 0
	for i := range 4 * httpapi.DefaultSignInLimits.PerEmailAddress {
		r := nodes[i%2].signIn(t, ana.Email, fmt.Sprintf("guess %d", i))
		if r.status == http.StatusTooManyRequests {
			break
		}
		wantTwilioErrorShape(t, r, http.StatusUnauthorized, 20003)
		guesses++
	}
	if guesses != httpapi.DefaultSignInLimits.PerEmailAddress {
		t.Fatalf("an attacker alternating two nodes made %d guesses; one node allows %d", guesses,
			httpapi.DefaultSignInLimits.PerEmailAddress)
	}
	// Neither node lets it try again, not even with the right password.
	for _, n := range nodes {
		wantThrottled(t, n.signIn(t, ana.Email, agentPassword))
	}
	// The agent, from another address, is not locked out. (Through node A,
	// which made the agent: whether a node learns of agents made on another
	// is not the throttle's business.)
	if r := a.from(agentAddr).signIn(t, ana.Email, agentPassword); r.status != http.StatusOK {
		t.Errorf("the agent's own sign-in: %d %s", r.status, r.text)
	}
}

// A client starting chats through both nodes in turn gets no more than
// through one.
func TestAFloodOfChatStartsAlternatingNodesGetsNoMore(t *testing.T) {
	const burst = 4
	a, b := twoNodes(t, func(c *Config) {
		// One a minute after the burst: none comes back while the test runs.
		c.GuestLimits = httpapi.GuestLimits{InitBurst: burst, InitPerMinute: 1, OtherBurst: 100, OtherPerMinute: 100}
	})
	d := a.createDeployment(t, nil)
	let := 0
	for i := range 4 * burst {
		r := []*testServer{a, b}[i%2].guest(t, "/flex/v2/Webchat/Init", "", startChat(d.Key, "a", "b"))
		if r.status == http.StatusTooManyRequests {
			if r.header.Get("Retry-After") == "" {
				t.Error("a 429 should say when to retry (Retry-After)")
			}
			continue
		}
		if r.status != http.StatusOK && r.status != http.StatusCreated {
			t.Fatalf("start a chat through node %d: %d %s", i%2+1, r.status, r.text)
		}
		let++
	}
	if let != burst {
		t.Errorf("a client alternating two nodes started %d chats; one node allows %d", let, burst)
	}
}
