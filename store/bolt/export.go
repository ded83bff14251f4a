package bolt

import (
	"context"

	"go.etcd.io/bbolt"

	"github.com/passerelle/passerelle/store"
)

var _ store.Exporter = (*Store)(nil)

// Export calls fn for every durable record, in one read transaction (one
// consistent snapshot), bucket by bucket in key order, each account
// followed by its links (store.Exporter). Expired records not yet swept
// are exported too; store.Copy skips them. Auth requests,
// one-time codes and rate counters are not exported.
func (s *Store) Export(ctx context.Context, fn func(store.Record) error) error {
	if err := s.audit.Flush(ctx); err != nil {
		return err
	}
	return s.view(ctx, func(tx *bbolt.Tx) error {
		steps := []func() error{
			func() error { return exportAll(ctx, tx, clients, store.KindClient, fn, asIs) },
			func() error { return exportAll(ctx, tx, signingKeys, store.KindSigningKey, fn, asIs) },
			func() error { return exportAccounts(ctx, tx, fn) },
			func() error {
				return exportAll(ctx, tx, grants, store.KindGrant, fn, func(g store.Grant) any {
					return store.ExportedGrant{Grant: g, RefreshHashes: refreshHashes(tx, g.ID)}
				})
			},
			func() error { return exportAll(ctx, tx, sessions, store.KindSession, fn, asIs) },
			func() error { return exportAll(ctx, tx, factors, store.KindFactor, fn, asIs) },
			func() error { return exportAll(ctx, tx, localUsers, store.KindLocalUser, fn, asIs) },
			func() error { return exportAll(ctx, tx, termsAcceptances, store.KindTermsAcceptance, fn, asIs) },
			func() error { return exportAll(ctx, tx, organizations, store.KindOrganization, fn, asIs) },
			func() error { return exportAll(ctx, tx, legacyAccounts, store.KindLegacyAccount, fn, asIs) },
			func() error { return exportAll(ctx, tx, legacyLinks, store.KindLegacyLink, fn, asIs) },
			func() error { return exportAll(ctx, tx, rpRecords, store.KindClientRecord, fn, asIs) },
			func() error { return exportAll(ctx, tx, recordLinks, store.KindRecordLink, fn, asIs) },
			func() error { return exportAll(ctx, tx, assistRequests, store.KindAssistRequest, fn, asIs) },
			func() error { return exportAll(ctx, tx, auditEvents, store.KindAudit, fn, asIs) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
}

// asIs exports a record as it is stored.
func asIs[T any](v T) any { return v }

// exportAll decodes every record of a bucket and hands it to fn as the
// Value that wrap makes of it.
func exportAll[T any](ctx context.Context, tx *bbolt.Tx, k kind[T], recordKind string, fn func(store.Record) error, wrap func(T) any) error {
	return tx.Bucket(k.bucket).ForEach(func(_, raw []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		v, err := k.decode(tx, raw, false)
		if err != nil {
			return err
		}
		return fn(store.Record{Kind: recordKind, Value: wrap(v)})
	})
}

// exportAccounts hands fn each account followed by its links.
func exportAccounts(ctx context.Context, tx *bbolt.Tx, fn func(store.Record) error) error {
	return exportAll(ctx, tx, accounts, store.KindAccount, func(r store.Record) error {
		if err := fn(r); err != nil {
			return err
		}
		a := r.Value.(store.Account)
		for _, key := range owned(tx, indexLinksByAccount, a.ID) {
			l, ok, err := load(tx, links, key)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := fn(store.Record{Kind: store.KindLink, Value: l}); err != nil {
				return err
			}
		}
		return nil
	}, asIs)
}
