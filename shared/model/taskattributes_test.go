package model

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("not JSON: %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

func TestTaskAttributesReadFlexNames(t *testing.T) {
	a := TaskAttributesOf(`{"conversationSid":"CH1","flexInteractionSid":"KD1","flexInteractionChannelSid":"UO1",
		"channelType":"web","direction":"inbound","customerName":"Ada","customerAddress":"guest_1","from":"+1555","to":"+1666",
		"addressSid":"IG1","pre_engagement_data":{"email":"ada@example.com"},"pre_engagement_labels":{"email":"Your email"},
		"deploymentKey":"dk","deploymentName":"Shop","flexChannelInviteSid":"KG1","flexTransferSid":"TT1",
		"transferringWorkerSid":"WK1","transferType":"warm","left_while_away_at":"2026-03-01T18:42:00Z","replies_by_email":true,
		"conversations":{"conversation_id":"KD1","initiated_by":"customer","outcome":"Resolved","csat":4}}`)
	want := TaskAttributes{ConversationSID: "CH1", InteractionSID: "KD1", ChannelSID: "UO1", ChannelType: "web",
		Direction: "inbound", CustomerName: "Ada", CustomerAddress: "guest_1", From: "+1555", To: "+1666", AddressSID: "IG1",
		PreEngagement: map[string]string{"email": "ada@example.com"}, Labels: map[string]string{"email": "Your email"},
		DeploymentKey: "dk", DeploymentName: "Shop", InviteSID: "KG1", TransferSID: "TT1", TransferringWorkerSID: "WK1",
		TransferType: "warm", LeftWhileAwayAt: "2026-03-01T18:42:00Z", RepliesByEmail: true,
		Conversations: TaskConversation{ConversationID: "KD1", InitiatedBy: "customer", Outcome: "Resolved", CSAT: ScoreOf(4)}}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("read\n %+v\nwant\n %+v", a, want)
	}
}

func TestTaskAttributesKeepWhatTheyDoNotName(t *testing.T) {
	for _, tc := range []struct {
		name, attrs string
		change      func(*TaskAttributes)
		want        string
	}{
		{"unknown keys survive a read-modify-write",
			`{"conversationSid":"CH1","origin":"studio","priority_hint":{"vip":true,"tier":3}}`,
			func(a *TaskAttributes) { a.Conversations.Outcome = "Resolved" },
			`{"conversationSid":"CH1","origin":"studio","priority_hint":{"vip":true,"tier":3},"conversations":{"outcome":"Resolved"}}`},
		{"unknown keys of the conversations object survive",
			`{"conversations":{"conversation_id":"KD1","conversation_attribute_1":"gold","abandoned":"No"}}`,
			func(a *TaskAttributes) { a.Conversations.CSAT = ScoreOf(5) },
			`{"conversations":{"conversation_id":"KD1","conversation_attribute_1":"gold","abandoned":"No","csat":5}}`},
		{"the outcome is added beside Flex's conversation keys",
			`{"conversations":{"conversation_id":"KD1","initiated_by":"customer"}}`,
			func(a *TaskAttributes) { a.Conversations.Outcome = "Sale" },
			`{"conversations":{"conversation_id":"KD1","initiated_by":"customer","outcome":"Sale"}}`},
		{"a named key of another type is kept as written",
			`{"customerName":42,"pre_engagement_data":{"age":30},"conversations":"none"}`,
			func(a *TaskAttributes) {},
			`{"customerName":42,"pre_engagement_data":{"age":30},"conversations":"none"}`},
		{"a named key of another type gives way when the field is set",
			`{"customerName":42}`,
			func(a *TaskAttributes) { a.CustomerName = "Ada" },
			`{"customerName":"Ada"}`},
		{"large numbers are not rounded",
			`{"order":12345678901234567890}`,
			func(a *TaskAttributes) { a.ChannelType = "web" },
			`{"order":12345678901234567890,"channelType":"web"}`},
		{"nothing set writes an empty object",
			`{}`, func(a *TaskAttributes) {}, `{}`},
		{"a removed field is removed",
			`{"transferType":"warm","x":1}`, func(a *TaskAttributes) { a.TransferType = "" }, `{"x":1}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseTaskAttributes(tc.attrs)
			if err != nil {
				t.Fatal(err)
			}
			tc.change(&a)
			got := a.String()
			if !sameJSON(t, got, tc.want) {
				t.Errorf("wrote %s, want %s", got, tc.want)
			}
			if strings.Contains(tc.attrs, "12345678901234567890") && !strings.Contains(got, "12345678901234567890") {
				t.Errorf("wrote %s: the number changed", got)
			}
		})
	}
}

func TestAScoreIsANumberOrANumericString(t *testing.T) {
	for _, tc := range []struct {
		conv string
		want *Score
	}{
		{`{"csat":4}`, ScoreOf(4)},
		{`{"csat":4.5}`, ScoreOf(4.5)},
		{`{"csat":" 3 "}`, ScoreOf(3)},
		{`{"csat":"NaN"}`, nil},
		{`{"csat":"great"}`, nil},
		{`{"csat":true}`, nil},
		{`{"csat":null}`, nil},
		{`{}`, nil},
	} {
		a := TaskAttributesOf(`{"conversations":` + tc.conv + `}`)
		if !reflect.DeepEqual(a.Conversations.CSAT, tc.want) {
			t.Errorf("%s read as %v, want %v", tc.conv, a.Conversations.CSAT, tc.want)
		}
	}
}

func TestMergeWritesTheSetKeysOverTheOthers(t *testing.T) {
	for _, tc := range []struct {
		name, base string
		over       TaskAttributes
		want       string
	}{
		{"set fields replace, unset ones leave alone",
			`{"customerName":"Ada","channelType":"sms","team":"gold"}`,
			TaskAttributes{ChannelType: "web", TransferType: "cold"},
			`{"customerName":"Ada","channelType":"web","team":"gold","transferType":"cold"}`},
		{"over's own keys are merged too",
			`{"team":"gold","origin":"api"}`,
			TaskAttributesOf(`{"team":"silver","flexTransferSid":"TT1"}`),
			`{"team":"silver","origin":"api","flexTransferSid":"TT1"}`},
		{"conversations is replaced whole",
			`{"conversations":{"conversation_id":"KD1","outcome":"Sale"}}`,
			TaskAttributes{Conversations: TaskConversation{InitiatedBy: "agent"}},
			`{"conversations":{"initiated_by":"agent"}}`},
		{"onto nothing",
			``, TaskAttributes{CustomerName: "Ada"}, `{"customerName":"Ada"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := TaskAttributesOf(tc.base).Merge(tc.over).String()
			if !sameJSON(t, got, tc.want) {
				t.Errorf("merged %s, want %s", got, tc.want)
			}
		})
	}
}

func TestTaskAttributesKeyConstantsAreTheWireNames(t *testing.T) {
	var m map[string]any
	_ = json.Unmarshal([]byte(TaskAttributes{ConversationSID: "CH1", ChannelSID: "UO1"}.String()), &m)
	if m[TaskAttrConversationSID] != "CH1" || m[TaskAttrChannelSID] != "UO1" {
		t.Errorf("wrote %v; the constants %q and %q name other keys", m, TaskAttrConversationSID, TaskAttrChannelSID)
	}
}

func TestTaskAttributesThatAreNotAnObject(t *testing.T) {
	for _, s := range []string{``, `[]`, `"x"`, `{`} {
		if _, err := ParseTaskAttributes(s); err == nil {
			t.Errorf("ParseTaskAttributes(%q) read them", s)
		}
		if a := TaskAttributesOf(s); !reflect.DeepEqual(a, TaskAttributes{}) {
			t.Errorf("TaskAttributesOf(%q) = %+v, want nothing", s, a)
		}
	}
	if got := TaskAttributesOf(`null`).String(); got != `{}` {
		t.Errorf("null wrote %s, want {}", got)
	}
}
