package webchat

import (
	"context"
	"time"

	"parley/server/apperr"
	"parley/server/auth"
	"parley/server/conversations"
	"parley/server/identity"
)

// ResumeTTL is how long a guest may be away and still resume its open
// chat: a visitor who comes back within a month finds it.
const ResumeTTL = 30 * 24 * time.Hour

// A guest (a visitor the site did not sign in) has no identity beyond its
// token, which lives an hour. So that a visitor who comes back later finds
// its chat while it is open, Init also hands the widget a resume token
// bound to the guest, the deployment and the one conversation (see
// auth.MintResume), which Resume exchanges for a fresh access token. Once
// the conversation is closed the resume token is refused, as a refresh is.

// withResume adds a resume token for the guest's conversation to c.
func (s *Service) withResume(c Chat, key string) (Chat, error) {
	tok, exp, err := s.auth.MintResume(auth.Resume{Identity: c.Identity, DeploymentKey: key, ConversationSID: c.ConversationSID}, ResumeTTL)
	c.ResumeToken, c.ResumeExpiration = tok, exp
	return c, err
}

// Resume exchanges a guest's resume token for a fresh access token to its
// conversation, and a fresh resume token, while the conversation is open.
// A token from another deployment, forged, expired, or for a closed or
// deleted conversation, or one the guest has left, is refused.
func (s *Service) Resume(ctx context.Context, key, origin, resumeToken string) (Chat, error) {
	d, err := s.deploymentFor(ctx, key, origin)
	if err != nil {
		return Chat{}, err
	}
	if resumeToken == "" {
		return Chat{}, invalid("ResumeToken is required: the resume_token Init gave")
	}
	r, err := s.auth.VerifyResume(resumeToken)
	if err != nil {
		return Chat{}, err
	}
	refuse := func(why string) error {
		return apperr.New(apperr.Unauthorized, apperr.CodeUnauthorized, "Resume refused: %s; start a new chat", why)
	}
	if r.DeploymentKey != d.Key {
		return Chat{}, refuse("it was not issued by webchat deployment " + d.Key)
	}
	if identity.KindOf(r.Identity) != identity.Guest {
		return Chat{}, refuse("only a guest's chat is resumed so") // a verified customer signs in again
	}
	c, err := s.conv.Conversation(ctx, r.ConversationSID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return Chat{}, refuse("the chat was deleted")
	case err != nil:
		return Chat{}, err
	case c.State == conversations.Closed:
		return Chat{}, refuse("the chat has ended")
	}
	if err := s.conv.Participates(ctx, r.Identity, c.SID); apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Forbidden) {
		return Chat{}, refuse("the visitor is no longer in the chat")
	} else if err != nil {
		return Chat{}, err
	}
	chat, err := s.chat(r.Identity, d.Key, c.SID, true)
	if err != nil {
		return Chat{}, err
	}
	return s.withResume(chat, d.Key)
}
