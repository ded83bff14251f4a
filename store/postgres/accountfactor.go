package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/passerelle/passerelle/store"
)

// bothOrNeither ends the statement of swapAccountFactor: true when both
// rows were written, false when neither was (another write came first),
// and a division by zero, on purpose, when only one was, which aborts
// the statement and so undoes that one.
const bothOrNeither = ` SELECT CASE WHEN w.a = w.f THEN w.a = 1 ELSE 1 / (w.a - w.a) = 0 END
	FROM (SELECT (SELECT count(*) FROM a) AS a, (SELECT count(*) FROM f) AS f) AS w`

// swapAccountFactor is UpdateAccountFactor's compare-and-swap, two round
// trips where the transaction takes six: one SELECT reads both records
// with their row versions (xmin), fn runs, and one statement updates
// both, each only while at the version read (the account's row first, as
// the transaction locks them). From the two rows a read remembered
// (GetAuthRequestWithAccount, GetLinkWithAccount, or GetAccount and
// ListFactors: from, rememberedPair) it starts without the SELECT: one
// round trip. done is false when another write changed either row
// meanwhile: nothing was written and fn may run again.
func (s *factorRecords) swapAccountFactor(ctx context.Context, accountID, factorID string, from *[2]seen,
	fn func(store.Account, store.Factor) (store.Account, store.Factor, error)) (done bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var rawA, rawF []byte
	var versionA, versionF *uint32
	if from != nil {
		rawA, versionA, rawF, versionF = from[0].raw, &from[0].version, from[1].raw, &from[1].version
	} else if err := s.pool.QueryRow(ctx, `SELECT a.record, a.xmin, f.record, f.xmin FROM (SELECT) AS one
		LEFT JOIN accounts a ON a.id = $1 LEFT JOIN factors f ON f.id = $2`, accountID, factorID).Scan(&rawA, &versionA, &rawF, &versionF); err != nil {
		return true, s.fail(err)
	}
	if rawA == nil {
		return true, accounts.notFound()
	}
	if rawF == nil {
		return true, factors.notFound()
	}
	oldA, err := accounts.decode(rawA)
	if err != nil {
		return true, err
	}
	oldF, err := factors.decode(rawF)
	if err != nil {
		return true, err
	}
	if err := store.CheckFactorOwner(accountID, oldF); err != nil {
		return true, err
	}
	newA, newF, err := fn(oldA, oldF)
	if err != nil {
		return true, err
	}
	if err := store.CheckAccountFactor(oldA, newA, oldF, newF); err != nil {
		return true, err
	}
	sqlA, args, err := accounts.rewrite(1, accountID, newA, versionA)
	if err != nil {
		return true, err
	}
	sqlF, argsF, err := factors.rewrite(len(args)+1, factorID, newF, versionF)
	if err != nil {
		return true, err
	}
	var written bool
	err = s.pool.QueryRow(ctx, "WITH a AS ("+sqlA+" RETURNING 1), f AS ("+sqlF+" RETURNING 1)"+bothOrNeither,
		append(args, argsF...)...).Scan(&written)
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == "22012" { // division_by_zero: one of two
		return false, nil
	}
	return written || err != nil, s.fail(err)
}

// rememberedPair takes the account's and the factor's rows remembered
// (seenRows): nil unless both were.
func (s *factorRecords) rememberedPair(accountID, factorID string) *[2]seen {
	a, okA := s.seen.take(accounts.name, accountID, s.now())
	f, okF := s.seen.take(factors.name, factorID, s.now())
	if !okA || !okF {
		return nil
	}
	return &[2]seen{a, f}
}

// withAccount reads, in one statement, the columns lead of the row of
// from where cond holds (scanned into dest) with the account whose ID is
// accountID (an expression over that row) and the account's factors,
// oldest first: the row LEFT JOINed to the account's and to its
// factors', so that it and the account come once per factor and once
// with none. Each account and factor row is remembered (seenRows) for
// the update that follows. found is false when the row names no account
// that exists; dest stays as it was when no row matched.
func (s *base) withAccount(ctx context.Context, lead, from, accountID, cond string, args []any, dest ...any) (
	a store.Account, fs []store.Factor, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rows, err := s.pool.Query(ctx, "SELECT "+lead+", a.record, a.xmin, f.record, f.xmin FROM "+from+
		" LEFT JOIN accounts a ON a.id = "+accountID+" LEFT JOIN factors f ON f.account_id = a.id"+
		" WHERE "+cond+" ORDER BY f.created_at, f.id", args...)
	if err != nil {
		return store.Account{}, nil, false, s.fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var acct, fac seen
		var acctVersion, facVersion *uint32
		if err := rows.Scan(append(dest, &acct.raw, &acctVersion, &fac.raw, &facVersion)...); err != nil {
			return store.Account{}, nil, false, s.fail(err)
		}
		if !found && acctVersion != nil {
			acct.version = *acctVersion
			if a, err = accounts.decode(acct.raw); err != nil {
				return store.Account{}, nil, false, err
			}
			s.seen.put(accounts.name, accounts.keyOf(a), acct)
			found = true
		}
		if facVersion == nil {
			continue // no factor: the LEFT JOIN's one row
		}
		fac.version = *facVersion
		f, err := factors.decode(fac.raw)
		if err != nil {
			return store.Account{}, nil, false, err
		}
		s.seen.put(factors.name, factors.keyOf(f), fac)
		fs = append(fs, f)
	}
	if err := rows.Err(); err != nil {
		return store.Account{}, nil, false, s.fail(err)
	}
	return a, fs, found, nil
}
