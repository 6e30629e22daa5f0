package app

import (
	"context"
	"fmt"
	"path/filepath"

	"parley/server/auth"
	"parley/server/store"
	"parley/server/store/postgres"
	"parley/shared/sid"
)

// openStore opens PostgreSQL if cfg names it, else SQLite in the data
// directory.
func openStore(ctx context.Context, cfg Config) (*store.DB, error) {
	opts := store.Options{Synchronous: cfg.Synchronous, ProbeInterval: cfg.StoreProbeInterval}
	if cfg.Database != "" {
		if !postgres.IsURL(cfg.Database) {
			return nil, fmt.Errorf("the database setting %q is not a postgres:// URL; leave it empty to keep SQLite in the data directory", cfg.Database)
		}
		return store.OpenPostgres(ctx, cfg.Database, opts)
	}
	return store.Open(filepath.Join(cfg.DataDir, "parley.db"), opts)
}

// instance is what names this Parley and signs its tokens, made on
// first start and kept in the store's settings.
type instance struct {
	// serviceSID is the default chat service's: Parley has one.
	serviceSID string
	// systemKey is Parley's own token-signing key.
	systemKey auth.Key
}

// loadInstance reads what names this Parley, making it on first start.
func loadInstance(ctx context.Context, db *store.DB) (instance, error) {
	serviceSID, err := db.SetSettingIfUnset(ctx, "default_chat_service_sid", sid.New(sid.ChatService))
	if err != nil {
		return instance{}, fmt.Errorf("create default chat service: %w", err)
	}
	key, err := loadSystemKey(ctx, db)
	if err != nil {
		return instance{}, err
	}
	return instance{serviceSID: serviceSID, systemKey: key}, nil
}

// loadSystemKey returns Parley's own token-signing key, made on first start.
func loadSystemKey(ctx context.Context, db *store.DB) (auth.Key, error) {
	keySID, err := db.SetSettingIfUnset(ctx, "system_key_sid", sid.New(sid.APIKey))
	if err != nil {
		return auth.Key{}, fmt.Errorf("create the token signing key: %w", err)
	}
	secret, err := db.SetSettingIfUnset(ctx, "system_key_secret", auth.NewSecret())
	if err != nil {
		return auth.Key{}, fmt.Errorf("create the token signing key: %w", err)
	}
	return auth.Key{SID: keySID, FriendlyName: "Parley", Secret: secret}, nil
}
