package conversations

import "context"

// Origin says where a change came from: integrators' webhooks report it
// (Source, ClientIdentity), and it decides whether they fire at all.
type Origin struct {
	// Source is Twilio's name for it: "API" (REST), "SDK" (a client's
	// socket), "SMS" or "WHATSAPP" (a message from a channel).
	Source string
	// Identity is the chat identity acting, if any.
	Identity string
	// Quiet is true for REST calls that did not ask for webhooks: Twilio
	// fires them for REST calls only with X-Twilio-Webhook-Enabled: true.
	Quiet bool
}

type originKey struct{}

// WithOrigin returns ctx carrying o.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginOf is the origin ctx carries; a change with none is Parley's own
// (an agent joining through routing, a timer) and counts as "API" with
// webhooks on.
func OriginOf(ctx context.Context) Origin {
	if o, ok := ctx.Value(originKey{}).(Origin); ok {
		return o
	}
	return Origin{Source: "API"}
}
