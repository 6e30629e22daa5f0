package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"parley/server/apperr"
	"parley/server/channels"
	"parley/server/hours"
	"parley/server/paging"
	"parley/server/webchat"
)

// Channels is the SQLite implementation of channels.Store and webchat.Store:
// a deployment and its web address are written together.
type Channels struct{ db *DB }

// NewChannels returns the address and deployment store inside db.
func NewChannels(db *DB) *Channels { return &Channels{db: db} }

var (
	_ channels.Store = (*Channels)(nil)
	_ webchat.Store  = (*Channels)(nil)
)

const addressCols = "a.seq, a.sid, a.type, a.address, a.friendly_name, a.country, a.auto_creation, a.channel, a.date_created, a.date_updated"

func scanAddress(row interface{ Scan(...any) error }) (channels.Address, error) {
	var a channels.Address
	var auto, channel string
	var created, updated sql.NullInt64
	err := row.Scan(&a.Key, &a.SID, &a.Type, &a.Address, &a.FriendlyName, &a.Country, &auto, &channel, &created, &updated)
	if err == nil {
		err = errors.Join(json.Unmarshal([]byte(auto), &a.AutoCreation), json.Unmarshal([]byte(channel), &a.Channel))
	}
	a.Created, a.Updated = fromMS(created), fromMS(updated)
	return a, err
}

func (s *Channels) insertAddress(ctx context.Context, q WriteTx, a channels.Address) error {
	auto, err := json.Marshal(a.AutoCreation)
	if err != nil {
		return err
	}
	channel, err := json.Marshal(a.Channel)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO addresses (sid, type, address, friendly_name, country, auto_creation, channel, date_created, date_updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.SID, a.Type, a.Address, a.FriendlyName, a.Country, string(auto), string(channel), ms(a.Created), ms(a.Updated))
	if s.db.engine.unique(err) {
		return apperr.Conflictf(apperr.CodeBadRequest, "An address configuration for %s %s already exists", a.Type, a.Address)
	}
	return err
}

// InsertAddress stores a new address.
func (s *Channels) InsertAddress(ctx context.Context, a channels.Address) error {
	return s.db.Write(ctx, func(q WriteTx) error { return s.insertAddress(ctx, q, a) })
}

// UpdateAddress stores an address's changed fields.
func (s *Channels) UpdateAddress(ctx context.Context, a channels.Address) error {
	auto, err := json.Marshal(a.AutoCreation)
	if err != nil {
		return err
	}
	channel, err := json.Marshal(a.Channel)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, `UPDATE addresses SET friendly_name = ?, country = ?, auto_creation = ?, channel = ?, date_updated = ? WHERE sid = ?`,
			a.FriendlyName, a.Country, string(auto), string(channel), ms(a.Updated), a.SID)
		return err
	})
}

// DeleteAddress removes an address; a webchat deployment's address goes
// with its deployment.
func (s *Channels) DeleteAddress(ctx context.Context, sid string) error {
	return s.db.Write(ctx, func(q WriteTx) error {
		if _, err := q.ExecContext(ctx, "DELETE FROM webchat_deployments WHERE address_sid = ?", sid); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, "DELETE FROM addresses WHERE sid = ?", sid)
		return err
	})
}

// Address fetches one address.
func (s *Channels) Address(ctx context.Context, sid string) (channels.Address, error) {
	a, err := scanAddress(s.db.reads.QueryRowContext(ctx, "SELECT "+addressCols+" FROM addresses a WHERE a.sid = ?", sid))
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound("Address", sid)
	}
	return a, err
}

// AddressByValue finds the address configuration of one number.
func (s *Channels) AddressByValue(ctx context.Context, typ, address string) (channels.Address, error) {
	a, err := scanAddress(s.db.reads.QueryRowContext(ctx, "SELECT "+addressCols+" FROM addresses a WHERE a.type = ? AND a.address = ?", typ, address))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.NotFoundf("No address configuration for %s %s: create one at /conversations/v1/Configuration/Addresses", typ, address)
	}
	return a, err
}

// Addresses lists addresses, of one type when typ is set.
func (s *Channels) Addresses(ctx context.Context, typ string, p paging.Request) (paging.Page[channels.Address], error) {
	var where []string
	var args []any
	if typ != "" {
		where, args = []string{"a.type = ?"}, []any{typ}
	}
	return listPage(ctx, s.db.reads, "SELECT "+addressCols+" FROM addresses a", where, args, "a.seq", false, p, scanAddress)
}

// deploymentSettings is the JSON document a deployment's settings are
// stored as.
type deploymentSettings struct {
	FriendlyName   string                   `json:"friendly_name"`
	AllowedOrigins []string                 `json:"allowed_origins"`
	Form           []webchat.Field          `json:"form"`
	WelcomeMessage string                   `json:"welcome_message"`
	Theme          webchat.Theme            `json:"theme"`
	Locale         string                   `json:"locale"`
	Attachments    webchat.AttachmentPolicy `json:"attachments"`
	EmailReplies   webchat.EmailReplies     `json:"email_replies"`
	CSAT           *webchat.CSAT            `json:"csat,omitempty"` // nil before surveys existed
	BusinessHours  *hours.Schedule          `json:"business_hours,omitempty"`
}

const deploymentCols = "d.seq, d.key, d.address_sid, d.settings, d.identity_secret, d.date_created, d.date_updated"

func scanDeployment(row interface{ Scan(...any) error }) (webchat.Deployment, error) {
	var d webchat.Deployment
	var settings string
	var created, updated sql.NullInt64
	err := row.Scan(&d.Seq, &d.Key, &d.AddressSID, &settings, &d.IdentitySecret, &created, &updated)
	if err != nil {
		return d, err
	}
	var st deploymentSettings
	if err := json.Unmarshal([]byte(settings), &st); err != nil {
		return d, err
	}
	d.FriendlyName, d.AllowedOrigins, d.Form, d.WelcomeMessage = st.FriendlyName, st.AllowedOrigins, st.Form, st.WelcomeMessage
	d.Theme, d.Locale, d.Attachments, d.Hours = st.Theme, st.Locale, st.Attachments, st.BusinessHours
	d.EmailReplies = st.EmailReplies
	d.CSAT = webchat.DefaultCSAT()
	if st.CSAT != nil {
		d.CSAT = *st.CSAT
	}
	d.Created, d.Updated = fromMS(created), fromMS(updated)
	return d, nil
}

func settingsOf(d webchat.Deployment) (string, error) {
	b, err := json.Marshal(deploymentSettings{FriendlyName: d.FriendlyName, AllowedOrigins: d.AllowedOrigins, Form: d.Form,
		WelcomeMessage: d.WelcomeMessage, Theme: d.Theme, Locale: d.Locale, Attachments: d.Attachments,
		EmailReplies: d.EmailReplies, CSAT: &d.CSAT, BusinessHours: d.Hours})
	return string(b), err
}

// InsertDeployment stores a deployment and its address together.
func (s *Channels) InsertDeployment(ctx context.Context, d webchat.Deployment, a channels.Address) error {
	settings, err := settingsOf(d)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(q WriteTx) error {
		if err := s.insertAddress(ctx, q, a); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `INSERT INTO webchat_deployments (key, address_sid, settings, identity_secret, date_created, date_updated)
			VALUES (?, ?, ?, ?, ?, ?)`, d.Key, a.SID, settings, d.IdentitySecret, ms(d.Created), ms(d.Updated))
		return err
	})
}

// UpdateDeployment stores a deployment's settings and secret.
func (s *Channels) UpdateDeployment(ctx context.Context, d webchat.Deployment) error {
	settings, err := settingsOf(d)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(q WriteTx) error {
		_, err := q.ExecContext(ctx, "UPDATE webchat_deployments SET settings = ?, identity_secret = ?, date_updated = ? WHERE key = ?",
			settings, d.IdentitySecret, ms(d.Updated), d.Key)
		return err
	})
}

// DeleteDeployment removes a deployment and its address.
func (s *Channels) DeleteDeployment(ctx context.Context, d webchat.Deployment) error {
	return s.DeleteAddress(ctx, d.AddressSID)
}

// Deployment fetches a deployment by key.
func (s *Channels) Deployment(ctx context.Context, key string) (webchat.Deployment, error) {
	d, err := scanDeployment(s.db.reads.QueryRowContext(ctx, "SELECT "+deploymentCols+" FROM webchat_deployments d WHERE d.key = ?", key))
	if errors.Is(err, sql.ErrNoRows) {
		return d, notFound("Deployment", key)
	}
	return d, err
}

// DeploymentByAddress fetches the deployment behind a web address.
func (s *Channels) DeploymentByAddress(ctx context.Context, addressSID string) (webchat.Deployment, error) {
	d, err := scanDeployment(s.db.reads.QueryRowContext(ctx, "SELECT "+deploymentCols+" FROM webchat_deployments d WHERE d.address_sid = ?", addressSID))
	if errors.Is(err, sql.ErrNoRows) {
		return d, apperr.NotFoundf("Address %s is not the web address of a webchat deployment", addressSID)
	}
	return d, err
}

// Deployments lists deployments in the order they were made.
func (s *Channels) Deployments(ctx context.Context, p paging.Request) (paging.Page[webchat.Deployment], error) {
	return listPage(ctx, s.db.reads, "SELECT "+deploymentCols+" FROM webchat_deployments d", nil, nil, "d.seq", false, p, scanDeployment)
}
