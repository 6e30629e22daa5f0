package app

import (
	"parley/server/conversations"
	"parley/server/followup"
	"parley/server/mail"
	"parley/server/outbox"
	"parley/server/store"
	"parley/server/webchat"
)

// newFollowup wires email to web visitors: unread replies (an observer of
// conversations queueing checks in the outbox) and transcripts. Without
// SMTP it exists but does nothing.
func newFollowup(cfg Config, conv *conversations.Service, chat *webchat.Service, db *store.DB, jobs *outbox.Runner) *followup.Service {
	var sender followup.Sender
	if cfg.Mail != nil {
		sender = mail.NewSender(*cfg.Mail)
	}
	f := followup.New(conv, chat, store.NewEmailsSent(db), sender, jobs.Enqueue, cfg.BaseURL)
	if cfg.MailMinute > 0 {
		f.Minute = cfg.MailMinute
	}
	if cfg.Logger != nil {
		f.Log = cfg.Logger
	}
	// Jobs an earlier start queued fail saying why when SMTP is gone.
	jobs.Handlers[followup.UnreadKind] = f.CheckUnread
	jobs.Handlers[followup.TranscriptKind] = f.SendTranscript
	if cfg.Mail != nil {
		conv.Observe(f)
		f.Log.Info("email to visitors on", "smtp", cfg.Mail.String())
	}
	return f
}
