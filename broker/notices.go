package broker

import (
	"context"
	"log/slog"
	"time"

	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// noticeOf is the notice each audited event sends to the account's owner
// (issue 11: the URN after the account is created; a security notice
// whenever a factor is added or removed, recovery codes are regenerated
// or used, a credential is linked or unlinked, or the account is locked).
// A former account (legacy step) or file (record step) linked or unlinked
// is told too: like a new credential, it changes whom a relying party
// takes the person for, and Login.gov notifies on such changes. An
// agent's link (admin.record.resolve) is not here: the person asked for
// it and is told by the agent.
// The email change is not here: its notice goes to the address before
// the change (Notices.EmailChanged), which the event no longer knows.
var noticeOf = map[string]string{
	"account.create":       notify.NoticeAccountCreated,
	"factor.add":           notify.NoticeFactorAdded,
	"factor.replace":       notify.NoticeFactorAdded,
	"factor.remove":        notify.NoticeFactorRemoved,
	"recovery.generate":    notify.NoticeRecoveryRegenerated,
	"recovery.use":         notify.NoticeRecoveryUsed,
	"link":                 notify.NoticeCredentialLinked,
	"unlink":               notify.NoticeCredentialUnlinked,
	"lockout":              notify.NoticeAccountLocked,
	"admin.account.lock":   notify.NoticeAccountLocked,
	"admin.account.unlink": notify.NoticeCredentialUnlinked,
	"legacy.link":          notify.NoticeRecordLinked,
	"record.link":          notify.NoticeRecordLinked,
	"admin.legacy.unlink":  notify.NoticeRecordUnlinked,
	"admin.record.unlink":  notify.NoticeRecordUnlinked,
}

// noticeTimeout bounds one notice's delivery: the action it reports has
// happened already and its page waits for no longer than this.
const noticeTimeout = 10 * time.Second

// Notices emails an account's owner about what happened to the account.
// A notice goes to the account's contact address, its email when that is
// verified (typed and confirmed at Passerelle, or verified by the
// upstream that gave it); an account without one gets none. Sending is
// synchronous, after the action is written, and bounded by noticeTimeout;
// a failure is logged and never undoes or fails the action. A notice
// holds no secret (notify.NoticeMessage). The zero value (no Notifier)
// sends nothing.
type Notices struct {
	Notifier notify.Notifier
	Store    store.Store
	// Contact is the deployment's accounts.contact, by language.
	Contact map[string]string
	Now     func() time.Time
	Log     *slog.Logger
}

// Audited sends the notice the audited event e calls for, if any: a
// successful change, or a lock.
func (n Notices) Audited(ctx context.Context, e store.AuditEvent) {
	kind, ok := noticeOf[e.Kind]
	if !ok || e.AccountID == "" || n.Notifier == nil || (e.Outcome != "success" && e.Outcome != "locked") {
		return
	}
	acct, err := n.Store.GetAccount(ctx, e.AccountID)
	if err != nil {
		n.Log.ErrorContext(ctx, "notice not sent: account unreadable", "notice", kind, "account", e.AccountID, "error", err)
		return
	}
	n.send(ctx, acct, acct.Email, kind)
}

// EmailChanged tells the address the account had before (old, read
// before the change) that it changed: the real owner hears of it even
// when someone else changed it to an address of theirs.
func (n Notices) EmailChanged(ctx context.Context, old store.Account) {
	if n.Notifier != nil {
		n.send(ctx, old, old.Email, notify.NoticeEmailChanged)
	}
}

func (n Notices) send(ctx context.Context, acct store.Account, to, kind string) {
	if to == "" || !acct.EmailVerified {
		n.Log.InfoContext(ctx, "notice not sent: the account has no verified address", "notice", kind, "account", acct.ID)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), noticeTimeout)
	defer cancel()
	msg := notify.NoticeMessage(to, acct.Locale, notify.Notice{Kind: kind, At: n.Now(), URN: urnIf(kind, acct), Contact: n.Contact})
	if err := n.Notifier.Send(ctx, msg); err != nil {
		n.Log.ErrorContext(ctx, "notice not sent", "notice", kind, "account", acct.ID, "error", err)
	}
}

// urnIf is the account's URN for the message that gives it, else nothing.
func urnIf(kind string, acct store.Account) string {
	if kind == notify.NoticeAccountCreated {
		return acct.URN
	}
	return ""
}
