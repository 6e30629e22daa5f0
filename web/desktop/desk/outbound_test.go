package desk

import (
	"maps"
	"testing"
	"time"

	"parley/shared/model"
	"parley/shared/realtime"
)

func TestOnlyNumbersThatTextAreOffered(t *testing.T) {
	shop := "Shop"
	got := NumbersOf([]model.AddressConfiguration{
		{Type: "sms", Address: "+15550001111", FriendlyName: &shop},
		{Type: "web", Address: "site"},
		{Type: "whatsapp", Address: "whatsapp:+15550002222"},
	})
	want := []string{"Sms: +15550001111 (Shop)", "Whatsapp: whatsapp:+15550002222"}
	if len(got) != len(want) {
		t.Fatalf("numbers %v, want %d", got, len(want))
	}
	for i, n := range got {
		if n.Label() != want[i] {
			t.Errorf("label %q, want %q", n.Label(), want[i])
		}
	}
}

func TestStartingAConversationSaysWhatIsMissing(t *testing.T) {
	sms := Number{Type: "sms", Address: "+15550001111"}
	wa := Number{Type: "whatsapp", Address: "whatsapp:+15550002222"}
	me := agent("agent")
	for _, tc := range []struct {
		name    string
		o       Outbound
		numbers []Number
		queue   string
		problem string
		typ, to string
	}{
		{"no number chosen among two", Outbound{To: "+1 555 333 4444", Body: "Hi"}, []Number{sms, wa}, "WQ1", "Choose the number to text from.", "", ""},
		{"the only number is taken as chosen", Outbound{To: "+1 555 333 4444", Body: "Hi"}, []Number{sms}, "WQ1", "", "sms", "+15553334444"},
		{"no message", Outbound{From: sms.Address, To: "+15553334444", Body: "  "}, []Number{sms}, "WQ1", "Write the first message.", "", ""},
		{"no queue", Outbound{From: sms.Address, To: "+15553334444", Body: "Hi"}, []Number{sms}, "", "The desk has no queue to start the conversation in.", "", ""},
		{"whatsapp addresses the customer on whatsapp", Outbound{From: wa.Address, To: "+15553334444", Body: "Hi"}, []Number{sms, wa}, "WQ1", "", "whatsapp", "whatsapp:+15553334444"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			channel, routing, body, problem := tc.o.Start(tc.numbers, tc.queue, me)
			if problem != tc.problem {
				t.Fatalf("problem %q, want %q", problem, tc.problem)
			}
			if problem != "" {
				return
			}
			if channel["type"] != tc.typ || body != "Hi" {
				t.Errorf("channel type %v body %q", channel["type"], body)
			}
			if to := channel["participants"].([]map[string]string)[0]["address"]; to != tc.to {
				t.Errorf("customer %q, want %q", to, tc.to)
			}
			props := routing["properties"].(map[string]any)
			if props["worker_sid"] != me.WorkerSID || props["queue_sid"] != tc.queue {
				t.Errorf("routed %v, want to the agent's own worker in %s", props, tc.queue)
			}
		})
	}
}

func TestAFirstMessageWaitsForItsChatAndGoesOnce(t *testing.T) {
	m := New(agent("agent"))
	m.Started("KDCH1", FirstMessage{Body: "Your repair is done", Key: "k1"})
	if _, _, ok := m.FirstMessage("KDCH1"); ok {
		t.Fatal("the first message went before its chat opened")
	}
	m.Apply(routing(realtime.ReservationAccepted, reservation("WR1", "WT1", "accepted"), task("WT1", "CH1", "")), now.Add(time.Second))
	f, conv, ok := m.FirstMessage("KDCH1")
	if !ok || conv != "CH1" || f.Body != "Your repair is done" || f.Key != "k1" {
		t.Fatalf("first message %+v in %q (%v)", f, conv, ok)
	}
	if _, _, ok := m.FirstMessage("KDCH1"); ok {
		t.Error("the first message was handed over twice")
	}
}

func TestTransfersGoToColleaguesOrQueues(t *testing.T) {
	me := agent("agent")
	got := Colleagues([]model.Worker{{SID: "WKme"}, {SID: "WKben"}}, me)
	if len(got) != 1 || got[0].SID != "WKben" {
		t.Errorf("colleagues %v, want Ben alone", got)
	}
	if p := InviteProperties("WS1", "WKben"); !maps.Equal(p, map[string]string{"workspace_sid": "WS1", "worker_sid": "WKben"}) {
		t.Errorf("invite of a colleague: %v", p)
	}
	if p := InviteProperties("WS1", "WQsales"); !maps.Equal(p, map[string]string{"workspace_sid": "WS1", "queue_sid": "WQsales"}) {
		t.Errorf("invite of a queue: %v", p)
	}
}

func TestAReportCoversTheLastWeekAndKeepsTheLastOneRead(t *testing.T) {
	if s, e := LastWeek(time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)); s != "2026-11-28" || e != "2026-12-04" {
		t.Errorf("last week %s to %s", s, e)
	}
	m := New(agent("supervisor"))
	m.Reporting()
	r := &model.ConversationReport{}
	m.Reported(r)
	m.Reporting()
	m.Reported(nil) // failed
	if m.ReportBusy || m.Report != r {
		t.Errorf("busy %v report %p, want the first report kept", m.ReportBusy, m.Report)
	}
}
