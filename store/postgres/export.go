package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/passerelle/passerelle/store"
)

var _ store.Exporter = (*Store)(nil)

// Export calls fn for every durable record, table by table in key order,
// each account followed by its links (store.Exporter), from one
// read-only REPEATABLE READ transaction: one consistent snapshot while
// replicas keep writing. Rows stream as fn consumes them, so Export runs
// under the caller's context only, not Options.QueryTimeout: an export
// takes as long as the data. Expired rows not yet swept are exported
// too; store.Copy skips them. Auth requests, one-time codes and
// rate counters are not exported.
func (s *Store) Export(ctx context.Context, fn func(store.Record) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	return pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error {
		steps := []func() error{
			func() error { return exportRecords[store.Client](ctx, tx, store.KindClient, "clients", "id", fn) },
			func() error {
				return exportRecords[store.SigningKey](ctx, tx, store.KindSigningKey, "signing_keys", "id", fn)
			},
			func() error { return exportAccounts(ctx, tx, fn) },
			func() error { return exportGrants(ctx, tx, fn) },
			func() error { return exportRecords[store.Session](ctx, tx, store.KindSession, "sessions", "hash", fn) },
			func() error { return exportRecords[store.Factor](ctx, tx, store.KindFactor, "factors", "id", fn) },
			func() error {
				return exportRecords[store.LocalUser](ctx, tx, store.KindLocalUser, "local_users", "id", fn)
			},
			func() error {
				return exportRecords[store.TermsAcceptance](ctx, tx, store.KindTermsAcceptance, "terms_acceptances", "account_id, client_id", fn)
			},
			func() error {
				return exportRecords[store.Organization](ctx, tx, store.KindOrganization, "organizations", "client_id, id", fn)
			},
			func() error {
				return exportRecords[store.LegacyAccount](ctx, tx, store.KindLegacyAccount, "legacy_accounts", "client_id, legacy_id", fn)
			},
			func() error {
				return exportRecords[store.LegacyLink](ctx, tx, store.KindLegacyLink, "legacy_links", "client_id, account_id", fn)
			},
			func() error {
				return exportRecords[store.ClientRecord](ctx, tx, store.KindClientRecord, "client_records", "client_id, record_id", fn)
			},
			func() error {
				return exportRecords[store.RecordLink](ctx, tx, store.KindRecordLink, "record_links", "client_id, account_id", fn)
			},
			func() error {
				return exportRecords[store.AssistRequest](ctx, tx, store.KindAssistRequest, "assist_requests", "created_at, id", fn)
			},
			func() error {
				return exportRecords[store.AuditEvent](ctx, tx, store.KindAudit, "audit_events", "time, id", fn)
			},
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
}

// exportRecords hands fn every record of a table, sorted by orderBy.
func exportRecords[T any](ctx context.Context, tx pgx.Tx, kind, table, orderBy string, fn func(store.Record) error) error {
	sql := "SELECT record FROM " + table + " ORDER BY " + orderBy
	return exportRows(ctx, tx, sql, func(row pgx.Rows) error {
		v, err := scanOne[T](row, kind)
		if err != nil {
			return err
		}
		return fn(store.Record{Kind: kind, Value: v})
	})
}

// exportRows runs a query and calls each for every row.
func exportRows(ctx context.Context, tx pgx.Tx, sql string, each func(pgx.Rows) error) error {
	rows, err := tx.Query(ctx, sql)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// exportAccounts hands fn each account followed by its links, from one
// query that aggregates the links of each account.
func exportAccounts(ctx context.Context, tx pgx.Tx, fn func(store.Record) error) error {
	const sql = `SELECT a.record, coalesce(jsonb_agg(l.record ORDER BY l.provider, l.subject)
			FILTER (WHERE l.provider IS NOT NULL), '[]'::jsonb)
		FROM accounts a LEFT JOIN links l ON l.account_id = a.id GROUP BY a.id ORDER BY a.id`
	return exportRows(ctx, tx, sql, func(row pgx.Rows) error {
		var rawAccount, rawLinks []byte
		if err := row.Scan(&rawAccount, &rawLinks); err != nil {
			return err
		}
		var a store.Account
		var ls []store.Link
		if err := json.Unmarshal(rawAccount, &a); err != nil {
			return fmt.Errorf("store/postgres: decode account: %w", err)
		}
		if err := json.Unmarshal(rawLinks, &ls); err != nil {
			return fmt.Errorf("store/postgres: decode links: %w", err)
		}
		if err := fn(store.Record{Kind: store.KindAccount, Value: a}); err != nil {
			return err
		}
		for _, l := range ls {
			if err := fn(store.Record{Kind: store.KindLink, Value: l}); err != nil {
				return err
			}
		}
		return nil
	})
}

// exportGrants hands fn each grant with every refresh hash it ever had.
func exportGrants(ctx context.Context, tx pgx.Tx, fn func(store.Record) error) error {
	const sql = `SELECT g.record, coalesce(array_agg(r.hash ORDER BY r.hash) FILTER (WHERE r.hash IS NOT NULL), '{}')
		FROM grants g LEFT JOIN refresh_hashes r ON r.grant_id = g.id GROUP BY g.id ORDER BY g.id`
	return exportRows(ctx, tx, sql, func(row pgx.Rows) error {
		var raw []byte
		var hashes [][]byte
		if err := row.Scan(&raw, &hashes); err != nil {
			return err
		}
		var g store.Grant
		if err := json.Unmarshal(raw, &g); err != nil {
			return fmt.Errorf("store/postgres: decode grant: %w", err)
		}
		return fn(store.Record{Kind: store.KindGrant, Value: store.ExportedGrant{Grant: g, RefreshHashes: hashes}})
	})
}
