package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"parley/shared/model"
)

// ---- helpers that read like the desk sharing its replies ----

const cannedPath = "/parley/v1/CannedResponses"

// cannedPage is one page of the list as the API returns it.
type cannedPage struct {
	CannedResponses []model.CannedResponse `json:"canned_responses"`
	Meta            model.Meta             `json:"meta"`
}

// readsEveryCannedResponse follows next_page_url from the first page of
// size and returns the titles it read, and how many pages it took.
func (d *deskAgent) readsEveryCannedResponse(t *testing.T, size string) (titles []string, pages int) {
	t.Helper()
	for next := cannedPath + "?PageSize=" + size; next != ""; pages++ {
		var page cannedPage
		d.mustCall(t, "GET", next, nil, &page)
		for _, r := range page.CannedResponses {
			titles = append(titles, r.Title)
		}
		next = ""
		if page.Meta.NextPageURL != nil {
			next = *page.Meta.NextPageURL
		}
	}
	return titles, pages
}

// mustAddCanned creates a response as the account.
func (s *testServer) mustAddCanned(t *testing.T, title, body string) model.CannedResponse {
	t.Helper()
	r := s.postForm(t, cannedPath, url.Values{"Title": {title}, "Body": {body}})
	if r.status != http.StatusCreated {
		t.Fatalf("create canned response %q: %d %s", title, r.status, r.text)
	}
	return model.CannedResponse{SID: r.json["sid"].(string), Title: title, Body: body}
}

// aCustomer starts a web chat on the demo deployment and returns the
// customer's desk-less caller, holding the widget's guest token.
func (s *testServer) aCustomer(t *testing.T) *deskAgent {
	t.Helper()
	key, err := s.app.DemoDeployment(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := s.guest(t, "/flex/v2/Webchat/Init", s.baseURL, startChat(key, "Ada", "Where is my refund?"))
	if r.status != http.StatusOK {
		t.Fatalf("start a chat: %d %s", r.status, r.text)
	}
	return s.deskWith(model.Agent{Email: "the customer " + r.json["identity"].(string)}, r.json["token"].(string))
}

// ---- journeys ----

func TestSupervisorsWriteCannedResponsesAndEveryAgentReadsThem(t *testing.T) {
	s := startServer(t)
	sue := s.mustSignIn(t, s.mustCreateAgent(t, "sue@example.com", "supervisor"))
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	adi := s.mustSignIn(t, s.mustCreateAgent(t, "adi@example.com", "admin"))

	// Sue writes one; markup in it is data, kept as it is.
	var refund model.CannedResponse
	sue.mustCall(t, "POST", cannedPath, url.Values{"Title": {" Refund policy "},
		"Body": {"Refunds take <b>5 days</b> & <script>alert(1)</script>"}, "Tags": {"money", "refund", "Money"}}, &refund)
	if refund.Title != "Refund policy" || refund.Body != "Refunds take <b>5 days</b> & <script>alert(1)</script>" ||
		strings.Join(refund.Tags, ",") != "money,refund" || refund.CreatedBy != sue.Identity ||
		!strings.HasPrefix(refund.SID, "CR") || refund.AccountSID != s.accountSID ||
		refund.URL != s.baseURL+cannedPath+"/"+refund.SID || refund.DateCreated.IsZero() {
		t.Errorf("Sue created %+v; want the title trimmed, the markup kept, tags once each, Sue as its author", refund)
	}
	raw := s.get(t, cannedPath+"/"+refund.SID)
	if !strings.Contains(raw.text, `<b>5 days</b> & <script>alert(1)</script>`) ||
		!strings.HasPrefix(raw.header.Get("Content-Type"), "application/json") {
		t.Errorf("the response's body should come back unchanged in JSON: %s %s", raw.header.Get("Content-Type"), raw.text)
	}

	// She changes only its body.
	var changed model.CannedResponse
	sue.mustCall(t, "POST", cannedPath+"/"+refund.SID, url.Values{"Body": {"Refunds take 5 working days."}}, &changed)
	if changed.Title != "Refund policy" || changed.Body != "Refunds take 5 working days." ||
		strings.Join(changed.Tags, ",") != "money,refund" || changed.DateUpdated.Before(refund.DateUpdated.Time) {
		t.Errorf("after changing only the body: %+v", changed)
	}
	// Tags sent once, empty, clears them.
	sue.mustCall(t, "POST", cannedPath+"/"+refund.SID, url.Values{"Tags": {""}}, &changed)
	if len(changed.Tags) != 0 || changed.Tags == nil {
		t.Errorf("after clearing the tags: %#v, want []", changed.Tags)
	}

	// The account and admins write too; the account is nobody's agent.
	fromAccount := s.mustAddCanned(t, "Greeting", "Hi {{customer}}!")
	var got model.CannedResponse
	adi.mustCall(t, "GET", cannedPath+"/"+fromAccount.SID, nil, &got)
	if got.CreatedBy != "" {
		t.Errorf("created by the account: created_by %q, want empty", got.CreatedBy)
	}
	adi.mustCall(t, "POST", cannedPath, url.Values{"Title": {"Goodbye"}, "Body": {"Bye!"}}, nil)

	// Ana reads every one, but writes none.
	ana.mustCall(t, "GET", cannedPath+"/"+refund.SID, nil, &got)
	titles, _ := ana.readsEveryCannedResponse(t, "50")
	if strings.Join(titles, ",") != "Refund policy,Greeting,Goodbye" {
		t.Errorf("Ana lists %q, want the three, oldest first", titles)
	}
	ana.wantRefused(t, http.StatusForbidden, "POST", cannedPath, url.Values{"Title": {"Mine"}, "Body": {"x"}})
	ana.wantRefused(t, http.StatusForbidden, "POST", cannedPath+"/"+refund.SID, url.Values{"Body": {"x"}})
	ana.wantRefused(t, http.StatusForbidden, "DELETE", cannedPath+"/"+refund.SID, nil)

	// A customer's token reaches none of it.
	ada := s.aCustomer(t)
	ada.wantRefused(t, http.StatusForbidden, "GET", cannedPath, nil)
	ada.wantRefused(t, http.StatusForbidden, "GET", cannedPath+"/"+refund.SID, nil)
	ada.wantRefused(t, http.StatusForbidden, "POST", cannedPath, url.Values{"Title": {"Free refunds"}, "Body": {"x"}})
	ada.wantRefused(t, http.StatusForbidden, "DELETE", cannedPath+"/"+refund.SID, nil)

	// Sue deletes it; it is gone for everyone.
	sue.mustCall(t, "DELETE", cannedPath+"/"+refund.SID, nil, nil)
	ana.wantRefused(t, http.StatusNotFound, "GET", cannedPath+"/"+refund.SID, nil)
	sue.wantRefused(t, http.StatusNotFound, "DELETE", cannedPath+"/"+refund.SID, nil)
	if titles, _ := ana.readsEveryCannedResponse(t, "50"); strings.Join(titles, ",") != "Greeting,Goodbye" {
		t.Errorf("after the delete Ana lists %q", titles)
	}
}

func TestTheDeskLoadsEveryCannedResponseInOneRequest(t *testing.T) {
	s := startServer(t)
	ana := s.mustSignIn(t, s.mustCreateAgent(t, "ana@example.com", "agent"))
	const n = 120
	for i := range n {
		s.mustAddCanned(t, "Reply "+string(rune('A'+i/26))+string(rune('a'+i%26)), "x")
	}

	// Other lists' pages: 50 by default, walked with next_page_url.
	var first cannedPage
	ana.mustCall(t, "GET", cannedPath, nil, &first)
	if len(first.CannedResponses) != 50 || first.Meta.PageSize != 50 || first.Meta.Key != "canned_responses" || first.Meta.NextPageURL == nil {
		t.Errorf("the default page: %d items, meta %+v; want 50 and a next page", len(first.CannedResponses), first.Meta)
	}
	if titles, pages := ana.readsEveryCannedResponse(t, "50"); len(titles) != n || pages != 3 {
		t.Errorf("by pages of 50: %d responses in %d pages, want %d in 3", len(titles), pages, n)
	}

	// The desk's load: one page of up to 1,000.
	for _, size := range []string{"1000", "5000"} {
		var all cannedPage
		ana.mustCall(t, "GET", cannedPath+"?PageSize="+size, nil, &all)
		if len(all.CannedResponses) != n || all.Meta.NextPageURL != nil || all.Meta.PageSize != 1000 {
			t.Errorf("PageSize=%s: %d responses, page_size %d, next %v; want all %d in one page of 1000",
				size, len(all.CannedResponses), all.Meta.PageSize, all.Meta.NextPageURL, n)
		}
	}
}

func TestBadCannedResponsesAreRefusedSayingWhy(t *testing.T) {
	s := startServer(t)
	greeting := s.mustAddCanned(t, "Greeting", "Hi!")
	other := s.mustAddCanned(t, "Goodbye", "Bye!")
	missing := cannedPath + "/CR00000000000000000000000000000000"
	for _, tc := range []struct {
		name         string
		path         string
		form         url.Values
		status, code int
		saying       string
	}{
		{"a title taken, in another case", cannedPath, url.Values{"Title": {"GREETING"}, "Body": {"Hello"}}, 409, 20400, greeting.SID},
		{"a title taken, by an update", cannedPath + "/" + other.SID, url.Values{"Title": {"greeting"}}, 409, 20400, "already titled"},
		{"no title", cannedPath, url.Values{"Body": {"x"}}, 400, 20400, "Title is required"},
		{"no body", cannedPath, url.Values{"Title": {"Empty"}}, 400, 21602, "Body is required"},
		{"a blank title", cannedPath, url.Values{"Title": {"   "}, "Body": {"x"}}, 400, 20400, "blank"},
		{"an over-long title", cannedPath, url.Values{"Title": {strings.Repeat("t", 61)}, "Body": {"x"}}, 400, 20400, "at most 60"},
		{"an over-long body", cannedPath, url.Values{"Title": {"Long"}, "Body": {strings.Repeat("b", 4097)}}, 400, 50504, "at most 4096"},
		{"a control character in the body", cannedPath, url.Values{"Title": {"Bell"}, "Body": {"ding\x07"}}, 400, 20400, "U+0007"},
		{"too many tags", cannedPath, url.Values{"Title": {"Tags"}, "Body": {"x"}, "Tags": strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")}, 400, 20400, "at most 10"},
		{"an over-long tag", cannedPath, url.Values{"Title": {"Tag"}, "Body": {"x"}, "Tags": {strings.Repeat("t", 31)}}, 400, 20400, "at most 30"},
		{"an update of a response that does not exist", missing, url.Values{"Body": {"x"}}, 404, 20404, "was not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.postForm(t, tc.path, tc.form)
			wantTwilioErrorShape(t, r, tc.status, tc.code)
			if msg, _ := r.json["message"].(string); !strings.Contains(msg, tc.saying) {
				t.Errorf("message %q does not say %q", msg, tc.saying)
			}
		})
	}
	wantTwilioErrorShape(t, s.get(t, missing), 404, 20404)
	wantTwilioErrorShape(t, s.do(t, rawRequest{method: http.MethodDelete, path: missing}), 404, 20404)
	wantTwilioErrorShape(t, s.get(t, cannedPath+"?PageSize=0"), 400, 20400)
	if got := s.countRows(t, "canned_responses"); got != 2 {
		t.Errorf("%d canned responses stored after the refusals, want the 2 made first", got)
	}
	wantServing(t, s)
}

func TestADemoDeskStartsWithCannedResponsesToSearch(t *testing.T) {
	s := startServer(t)
	dir := t.TempDir()
	for range 2 { // a second start adds none
		if _, err := s.app.DemoLogins(context.Background(), dir); err != nil {
			t.Fatal(err)
		}
	}
	var page cannedPage
	if r := s.get(t, cannedPath); r.status != http.StatusOK || json2(r, &page) != nil {
		t.Fatalf("list: %d %s", r.status, r.text)
	}
	var titles []string
	for _, r := range page.CannedResponses {
		titles = append(titles, r.Title)
	}
	if strings.Join(titles, ",") != "Greeting,Let me check,Refund policy,Goodbye" {
		t.Errorf("a demo desk has %q", titles)
	}
}
