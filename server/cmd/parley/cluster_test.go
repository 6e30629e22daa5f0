package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"parley/server/cluster/natstest"
	"parley/server/store/pgtest"
	proto "parley/shared/realtime"
)

// A cluster of three parley processes on one PostgreSQL and one real NATS
// server, driven through faults: the customer's node killed with SIGKILL
// mid-traffic, NATS restarted under traffic. After each, no acknowledged
// message is lost or duplicated on the customer's socket, every webhook is
// delivered, and every node takes sockets again.
func TestAClusterOfThreeNodesSurvivesItsFaults(t *testing.T) {
	bin := buildParley(t)
	db := pgtest.Database(t)
	ns := natstest.Start(t)
	rc := startCountingReceiver(t, 0)
	flags := []string{"--database", db, "--nats", ns.URL, "--outbound-allow", "127.0.0.0/8", "--max-sessions-per-address", "0"}

	// The first node generates the account's credentials; the others,
	// given nothing but the database and NATS, take the same.
	var nodes [3]*process
	var data [3]string
	for i := range nodes {
		data[i] = t.TempDir()
		nodes[i] = startParleyWith(t, bin, data[i], flags)
	}
	creds := readCredentials(t, data[0])
	for i := 1; i < 3; i++ {
		if c := readCredentials(t, data[i]); c["PARLEY_AUTH_TOKEN"] != creds["PARLEY_AUTH_TOKEN"] || c["PARLEY_ACCOUNT_SID"] != creds["PARLEY_ACCOUNT_SID"] {
			t.Fatalf("node %d has other credentials than node 0: %v, %v", i, c, creds)
		}
	}
	api := func(i int) account {
		return account{base: "http://" + nodes[i].addr, sid: creds["PARLEY_ACCOUNT_SID"], token: creds["PARLEY_AUTH_TOKEN"]}
	}
	api(0).must(t, "POST", "/conversations/v1/Configuration/Webhooks", url.Values{"PostWebhookUrl": {rc.URL + "/events"},
		"Method": {"POST"}, "Filters": {"onMessageAdded"}, "Target": {"webhook"}}, http.StatusOK, nil)
	var conv struct{ SID string }
	api(1).must(t, "POST", "/conversations/v1/Conversations", url.Values{"FriendlyName": {"cluster"}}, http.StatusCreated, &conv)
	for _, id := range []string{"customer", "agent"} {
		api(2).must(t, "POST", "/conversations/v1/Conversations/"+conv.SID+"/Participants", url.Values{"Identity": {id}}, http.StatusCreated, nil)
	}

	// The customer on node 0, the agent on node 1, talking.
	customer := dialNode(t, api(0), "customer", nil)
	agent := dialNode(t, api(1), "agent", nil)
	customer.send(t, proto.ClientFrame{Type: proto.TypeTyping, ConversationSID: conv.SID})
	agent.await(t, "the customer typing, from node 0", func(f proto.ServerFrame) bool { return f.Event == proto.TypingStarted })
	customer.send(t, proto.ClientFrame{Type: proto.TypeSend, ID: "hi", ConversationSID: conv.SID, Body: "hello from node 0"})
	agent.awaitMessage(t, "hello from node 0")
	agent.send(t, proto.ClientFrame{Type: proto.TypeRead, ID: "read", ConversationSID: conv.SID, Index: new(int)})
	customer.await(t, "the agent's read receipt, from node 1", func(f proto.ServerFrame) bool {
		return f.Event == proto.ParticipantUpdated && strings.Contains(string(f.Data), `"last_read_message_index":0`)
	})
	agent.send(t, proto.ClientFrame{Type: proto.TypeSend, ID: "re", ConversationSID: conv.SID, Body: "hello from node 1"})
	customer.awaitMessage(t, "hello from node 1")

	// A photo the customer uploads through node 0 and the agent downloads
	// through node 1.
	var chat struct {
		Service string `json:"chat_service_sid"`
	}
	api(1).must(t, "GET", "/conversations/v1/Conversations/"+conv.SID, nil, http.StatusOK, &chat)
	photo := onePixelPNG(t)
	var media struct{ SID string }
	if code := uploadAs(t, api(0).base, chat.Service, customer.token, photo, &media); code != http.StatusCreated {
		t.Fatalf("upload through node 0: %d", code)
	}
	customer.send(t, proto.ClientFrame{Type: proto.TypeSend, ID: "photo", ConversationSID: conv.SID, Body: "my parcel", MediaSIDs: []string{media.SID}})
	agent.awaitMessage(t, "my parcel")
	if got := downloadAs(t, api(1).base, chat.Service, agent.token, media.SID); !bytes.Equal(got, photo) {
		t.Fatalf("node 1 served %d bytes of the photo uploaded through node 0, want the same %d", len(got), len(photo))
	}

	// Traffic through nodes 1 and 2 while the customer's node is killed.
	var (
		mu    sync.Mutex
		acked = map[string]bool{"hello from node 0": true, "hello from node 1": true, "my parcel": true}
		sids  []string
	)
	traffic := func(stop <-chan struct{}, wg *sync.WaitGroup, tag string) {
		for w := range 4 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					body := fmt.Sprintf("%s writer %d message %d", tag, w, i)
					var m struct{ SID string }
					code, err := api(1+w%2).call("POST", "/conversations/v1/Conversations/"+conv.SID+"/Messages",
						url.Values{"Author": {"agent"}, "Body": {body}}, map[string]string{"X-Twilio-Webhook-Enabled": "true"}, &m)
					if err == nil && code == http.StatusCreated {
						mu.Lock()
						acked[body] = true
						sids = append(sids, m.SID)
						mu.Unlock()
					}
					time.Sleep(2 * time.Millisecond)
				}
			})
		}
	}
	ackedCount := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }

	stop := make(chan struct{})
	var wg sync.WaitGroup
	traffic(stop, &wg, "kill")
	waitFor(t, 20*time.Second, func() bool { return ackedCount() >= 100 }, "fewer than 100 messages acknowledged before the kill")
	nodes[0].cmd.Process.Kill()
	<-nodes[0].exited
	// The customer's client reconnects to another node with its cursor.
	customer.ws.CloseNow()
	customer = dialNode(t, api(2), "customer", customer)
	waitFor(t, 10*time.Second, func() bool { return ackedCount() >= 200 }, "traffic stopped after the kill")

	// NATS restarted under traffic.
	ns.Restart()
	waitFor(t, 10*time.Second, func() bool { return ackedCount() >= 300 }, "traffic stopped after NATS restarted")
	close(stop)
	wg.Wait()

	// Every acknowledged message reached the customer's socket once, in
	// the log's order, across the kill and the restart.
	mu.Lock()
	want := len(acked)
	mu.Unlock()
	customer.collect(t, want, 20*time.Second)
	mu.Lock()
	for body := range acked {
		if customer.seen[body] != 1 {
			t.Errorf("%q reached the customer %d times, want once", body, customer.seen[body])
		}
	}
	mu.Unlock()
	if customer.outOfOrder {
		t.Error("the customer's socket got seqs out of order")
	}

	// Every webhook delivered at least once, whichever node ran it; the
	// killed node's claimed deliveries were taken over.
	missing := func() (n int) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, sid := range sids {
			if rc.messages[sid] == 0 {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(30 * time.Second); missing() > 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if n := missing(); n > 0 {
		for i := 1; i < 3; i++ {
			t.Logf("node %d's log:\n%s", i, nodes[i].stderr.String())
		}
		t.Fatalf("%d of %d acknowledged messages' webhooks were never delivered", n, len(sids))
	}
	// A delivery a killed node had begun, made again by another, bore the
	// same idempotency token: the receiver can tell it is the same event.
	rc.mu.Lock()
	again := 0
	for _, sid := range sids {
		if len(rc.tokensOf[sid]) != 1 {
			t.Errorf("message %s's webhook came with %d idempotency tokens, want one", sid, len(rc.tokensOf[sid]))
		}
		if rc.messages[sid] > 1 {
			again++
		}
	}
	rc.mu.Unlock()
	t.Logf("%d of %d webhooks were delivered more than once (the killed node's, at least once), each with one token", again, len(sids))

	// Sockets back on the surviving nodes, and on the killed one restarted.
	nodes[0] = startParleyWith(t, bin, data[0], flags)
	for i := range nodes {
		w := dialNode(t, api(i), "agent", nil)
		w.ws.Close(websocket.StatusNormalClosure, "")
	}

	// The load tool spreads its sessions over the nodes, each pair's two
	// sessions on different nodes: every message crosses, once.
	cmd := exec.Command(bin, "loadtest", "--url", api(0).base+","+api(1).base, "--url", api(2).base,
		"--conns", "30", "--rate", "150", "--duration", "2s", "--echo=false")
	cmd.Env = append(os.Environ(), "PARLEY_ACCOUNT_SID="+creds["PARLEY_ACCOUNT_SID"], "PARLEY_AUTH_TOKEN="+creds["PARLEY_AUTH_TOKEN"])
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("loadtest over the cluster: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var res struct{ Conns, Sent, Delivered, Lost, Duplicates int64 }
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("loadtest's last line: %v\n%s", err, out)
	}
	if res.Conns != 30 || res.Sent < 250 || res.Delivered != res.Sent || res.Lost != 0 || res.Duplicates != 0 {
		t.Errorf("loadtest over three nodes: %+v, want every message delivered once", res)
	}
}

// nodeSocket is a realtime client of one node, following one conversation.
type nodeSocket struct {
	token      string
	ws         *websocket.Conn
	frames     chan proto.ServerFrame
	cursor     int64
	seen       map[string]int // message bodies received, counted
	outOfOrder bool
}

// dialNode opens a socket on a node as identity, and reads it in the
// background; given the socket it replaces, it resumes after its cursor
// and goes on counting what it saw.
func dialNode(t *testing.T, a account, identity string, prev *nodeSocket) *nodeSocket {
	t.Helper()
	var tok struct{ Token string }
	a.must(t, "POST", "/parley/v1/Tokens", url.Values{"Identity": {identity}, "Ttl": {"3600"}}, http.StatusCreated, &tok)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(a.base, "http")+"/realtime", nil)
	if err != nil {
		t.Fatalf("dial %s: %v", a.base, err)
	}
	ws.SetReadLimit(1 << 22)
	t.Cleanup(func() { ws.CloseNow() })
	s := &nodeSocket{token: tok.Token, ws: ws, frames: make(chan proto.ServerFrame, 100_000), seen: map[string]int{}}
	var cursor *int64
	if prev != nil {
		s.cursor, s.seen, s.outOfOrder = prev.cursor, prev.seen, prev.outOfOrder
		cursor = &s.cursor
	}
	s.send(t, proto.ClientFrame{Type: proto.TypeHello, Version: proto.Version, Token: tok.Token, Cursor: cursor})
	go func() {
		defer close(s.frames)
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			var f proto.ServerFrame
			if json.Unmarshal(b, &f) == nil {
				s.frames <- f
			}
		}
	}()
	// Ready: what the session missed was replayed before it.
	deadline := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-s.frames:
			if !ok || f.Type == proto.TypeError || f.Type == proto.TypeResync {
				t.Fatalf("hello on %s answered %+v", a.base, f)
			}
			if f.Type == proto.TypeReady {
				return s
			}
			s.take(f)
		case <-deadline:
			t.Fatalf("no ready from %s within 10 s", a.base)
		}
	}
}

func (s *nodeSocket) send(t *testing.T, f proto.ClientFrame) {
	t.Helper()
	b, _ := json.Marshal(f)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.ws.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// take records a frame: a message's body, and the cursor.
func (s *nodeSocket) take(f proto.ServerFrame) string {
	if f.Type != proto.TypeEvent || f.Seq == 0 {
		return ""
	}
	if f.Seq <= s.cursor {
		s.outOfOrder = true
	}
	s.cursor = f.Seq
	if f.Event != proto.MessageAdded {
		return ""
	}
	var m struct{ Body string }
	json.Unmarshal(f.Data, &m)
	s.seen[m.Body]++
	return m.Body
}

// await reads until a frame matches.
func (s *nodeSocket) await(t *testing.T, what string, match func(proto.ServerFrame) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-s.frames:
			if !ok {
				t.Fatalf("the socket closed while waiting for %s", what)
			}
			s.take(f)
			if match(f) {
				return
			}
		case <-deadline:
			t.Fatalf("no %s within 10 s", what)
		}
	}
}

// onePixelPNG is a picture, as the upload's sniffing wants.
func onePixelPNG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// uploadAs uploads a PNG with a participant's token.
func uploadAs(t *testing.T, base, service, token string, body []byte, out any) int {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/mcs/v1/Services/"+service+"/Media?Filename=parcel.png", bytes.NewReader(body))
	req.Header.Set("Content-Type", "image/png")
	req.Header.Set("X-Twilio-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(out)
	return resp.StatusCode
}

// downloadAs downloads a media's bytes with a participant's token.
func downloadAs(t *testing.T, base, service, token, mediaSID string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/mcs/v1/Services/"+service+"/Media/"+mediaSID+"/Content", nil)
	req.Header.Set("X-Twilio-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("download through %s: %d %s", base, resp.StatusCode, b)
	}
	return b
}

// awaitMessage reads until a message with body arrives.
func (s *nodeSocket) awaitMessage(t *testing.T, body string) {
	t.Helper()
	s.await(t, fmt.Sprintf("%q", body), func(f proto.ServerFrame) bool {
		if f.Event != proto.MessageAdded {
			return false
		}
		var m struct{ Body string }
		json.Unmarshal(f.Data, &m)
		return m.Body == body
	})
}

// collect reads until n distinct messages have arrived, or d passes.
func (s *nodeSocket) collect(t *testing.T, n int, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for len(s.seen) < n {
		select {
		case f, ok := <-s.frames:
			if !ok {
				t.Fatalf("the socket closed after %d of %d messages", len(s.seen), n)
			}
			s.take(f)
		case <-deadline:
			t.Fatalf("%d of %d messages arrived within %v", len(s.seen), n, d)
		}
	}
	// Anything twice would follow at once.
	for {
		select {
		case f, ok := <-s.frames:
			if !ok {
				return
			}
			s.take(f)
		case <-time.After(500 * time.Millisecond):
			return
		}
	}
}

// Routing's node is killed with SIGKILL while tasks are queued and two
// workers take them through the other nodes: another node takes routing
// over within 10 s, every task is taken once, no reservation twice.
func TestRoutingSurvivesTheKillOfItsNode(t *testing.T) {
	bin := buildParley(t)
	db := pgtest.Database(t)
	ns := natstest.Start(t)
	env := []string{"PARLEY_ACCOUNT_SID=" + testSID, "PARLEY_AUTH_TOKEN=" + testToken}
	flags := []string{"--database", db, "--nats", ns.URL}
	var nodes [3]*process
	for i := range nodes {
		nodes[i] = startParleyWith(t, bin, t.TempDir(), flags, env...)
	}
	api := func(i int) account { return account{"http://" + nodes[i].addr, testSID, testToken} }
	holder := func(among ...int) int {
		for _, i := range among {
			if regexpLeaseHeld.MatchString(metricsOf(t, api(i))) {
				return i
			}
		}
		return -1
	}
	var lead int
	waitFor(t, 10*time.Second, func() bool { lead = holder(0, 1, 2); return lead >= 0 }, "no node runs routing")
	others := []int{}
	for i := range 3 {
		if i != lead {
			others = append(others, i)
		}
	}

	// A queue, a workflow and two available workers, made through a node
	// that does not run routing: its calls are forwarded.
	via := api(others[0])
	const base = "/taskrouter/v1/Workspaces"
	var ws, queue, wf struct{ SID string }
	via.must(t, "POST", base, url.Values{"FriendlyName": {"Support"}}, http.StatusCreated, &ws)
	var acts struct {
		Activities []struct {
			SID          string `json:"sid"`
			FriendlyName string `json:"friendly_name"`
		} `json:"activities"`
	}
	via.must(t, "GET", base+"/"+ws.SID+"/Activities", nil, http.StatusOK, &acts)
	available := ""
	for _, a := range acts.Activities {
		if a.FriendlyName == "Available" {
			available = a.SID
		}
	}
	via.must(t, "POST", base+"/"+ws.SID+"/TaskQueues", url.Values{"FriendlyName": {"Everyone"}, "TargetWorkers": {"1==1"}}, http.StatusCreated, &queue)
	via.must(t, "POST", base+"/"+ws.SID+"/Workflows", url.Values{"FriendlyName": {"All"},
		"Configuration": {`{"task_routing":{"filters":[{"filter_friendly_name":"all","expression":"1==1","targets":[{"queue":"` + queue.SID + `"}]}]}}`}},
		http.StatusCreated, &wf)
	var workers []string
	for _, name := range []string{"Sam", "Kim"} {
		var w struct{ SID string }
		via.must(t, "POST", base+"/"+ws.SID+"/Workers", url.Values{"FriendlyName": {name}}, http.StatusCreated, &w)
		via.must(t, "POST", base+"/"+ws.SID+"/Workers/"+w.SID, url.Values{"ActivitySid": {available}}, http.StatusOK, nil)
		workers = append(workers, w.SID)
	}
	const n = 40
	var tasks []string
	for i := range n {
		var task struct{ SID string }
		api(others[i%2]).must(t, "POST", base+"/"+ws.SID+"/Tasks", url.Values{"WorkflowSid": {wf.SID},
			"Attributes": {fmt.Sprintf(`{"n":%d}`, i)}}, http.StatusCreated, &task)
		tasks = append(tasks, task.SID)
	}

	// Each worker takes what it is offered and finishes it, through the
	// nodes that do not run routing, asking again what a handover refuses.
	// A worker also finishes what it holds accepted without having heard
	// so (its accept's answer lost with the dying node): a desk reloads
	// its reservations after a reconnection for the same reason.
	type reservation struct {
		SID     string `json:"sid"`
		TaskSID string `json:"task_sid"`
	}
	var (
		mu   sync.Mutex
		done = map[string]bool{} // tasks completed, by task
		stop = make(chan struct{})
		wg   sync.WaitGroup
	)
	list := func(a account, w, status string) []reservation {
		var res struct {
			Reservations []reservation `json:"reservations"`
		}
		code, err := a.call("GET", base+"/"+ws.SID+"/Workers/"+w+"/Reservations?ReservationStatus="+status, nil, nil, &res)
		if err != nil || code != http.StatusOK {
			return nil
		}
		return res.Reservations
	}
	for k, w := range workers {
		wg.Go(func() {
			a := api(others[k])
			for {
				select {
				case <-stop:
					return
				default:
				}
				if held := list(a, w, "accepted"); len(held) > 0 {
					task := held[0].TaskSID
					if code, err := a.call("POST", base+"/"+ws.SID+"/Tasks/"+task,
						url.Values{"AssignmentStatus": {"completed"}, "Reason": {"done"}}, nil, nil); err == nil && code == http.StatusOK {
						mu.Lock()
						done[task] = true
						mu.Unlock()
						time.Sleep(50 * time.Millisecond) // some tasks are still queued when routing's node dies
					}
					continue
				}
				if offers := list(a, w, "pending"); len(offers) > 0 {
					a.call("POST", base+"/"+ws.SID+"/Workers/"+w+"/Reservations/"+offers[0].SID,
						url.Values{"ReservationStatus": {"accepted"}}, nil, nil) // refused if it timed out, was rescinded, or routing is moving: ask again
					continue
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	taken := func() int { mu.Lock(); defer mu.Unlock(); return len(done) }
	waitFor(t, 20*time.Second, func() bool { return taken() >= 4 }, "no task was taken")
	killed := time.Now()
	nodes[lead].cmd.Process.Kill()
	<-nodes[lead].exited
	if taken() == n {
		t.Fatal("every task was taken before the kill; the test proves nothing")
	}
	waitFor(t, 10*time.Second, func() bool { return holder(others...) >= 0 }, "no node took routing over within 10 s of the kill")
	t.Logf("routing moved %v after its node was killed", time.Since(killed).Round(time.Millisecond))
	waitFor(t, 60*time.Second, func() bool { return taken() == n }, "not every task was completed after routing moved")
	close(stop)
	wg.Wait()
	// As the server has it: each task completed, through one reservation
	// accepted (now completed), none other taken.
	for _, task := range tasks {
		var res struct {
			Reservations []struct {
				Status string `json:"reservation_status"`
			} `json:"reservations"`
		}
		api(others[0]).must(t, "GET", base+"/"+ws.SID+"/Tasks/"+task+"/Reservations", nil, http.StatusOK, &res)
		took := 0
		for _, r := range res.Reservations {
			if r.Status == "accepted" || r.Status == "completed" || r.Status == "wrapping" {
				took++
			}
		}
		if took != 1 {
			t.Errorf("task %s was taken through %d reservations, want one: %+v", task, took, res.Reservations)
		}
		var got struct {
			AssignmentStatus string `json:"assignment_status"`
		}
		api(others[0]).must(t, "GET", base+"/"+ws.SID+"/Tasks/"+task, nil, http.StatusOK, &got)
		if got.AssignmentStatus != "completed" {
			t.Errorf("task %s is %s, want completed", task, got.AssignmentStatus)
		}
	}
}

var regexpLeaseHeld = regexp.MustCompile(`(?m)^parley_cluster_routing_lease_held(\{[^}]*\})? 1$`)

// metricsOf reads a node's /metrics, as the account.
func metricsOf(t *testing.T, a account) string {
	t.Helper()
	req, _ := http.NewRequest("GET", a.base+"/metrics", nil)
	req.SetBasicAuth(a.sid, a.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
