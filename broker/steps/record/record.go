package record

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/store"
)

// Name is the step's name in clients[].steps.
const Name = "record"

// Store is the part of the store the step uses.
type Store interface {
	GetClientRecord(ctx context.Context, clientID, recordID string) (store.ClientRecord, error)
	GetClientRecordByKey(ctx context.Context, clientID, key string) (store.ClientRecord, error)
	CreateRecordLink(ctx context.Context, l store.RecordLink) error
	GetRecordLink(ctx context.Context, clientID, accountID string) (store.RecordLink, error)
	CreateAssistRequest(ctx context.Context, a store.AssistRequest) error
}

// Codes sends and checks the emailed codes (emailotp.Sender).
type Codes interface {
	Send(ctx context.Context, accountID, purpose, email, lang string) (otpID string, err error)
	Verify(ctx context.Context, otpID, accountID, code string) error
}

// Step is the record-linking step.
type Step struct {
	st    Store
	codes Codes // nil: no email delivery, the step fails
	ttl   time.Duration
	now   func() time.Time
	newID func() string
	// of is the client's settings (nil: the client has none).
	of func(clientID string) *Config
}

var (
	_ journey.Step    = (*Step)(nil)
	_ journey.Claimer = (*Step)(nil)
)

// New returns the step. codes may be nil (no notifier); ttl is the
// codes' lifetime; newID draws assist request IDs.
func New(st Store, codes Codes, ttl time.Duration, of func(clientID string) *Config, now func() time.Time, newID func() string) *Step {
	return &Step{st: st, codes: codes, ttl: ttl, of: of, now: now, newID: newID}
}

// state is the step's state on the auth request.
type state struct {
	RecordID string    `json:"record_id,omitempty"` // the attributes matched it
	OTPID    string    `json:"otp_id,omitempty"`    // the code sent to its email
	SentTo   string    `json:"sent_to,omitempty"`   // that address, masked
	Expires  time.Time `json:"expires,omitzero"`    // when that code expires
	Assisted bool      `json:"assisted,omitempty"`  // a request for an agent was sent
	Done     bool      `json:"done,omitempty"`      // this sign-in is past the step
}

func stateOf(v journey.Visit) state {
	var st state
	if len(v.State) > 0 {
		_ = json.Unmarshal(v.State, &st)
	}
	return st
}

// Name implements journey.Step.
func (s *Step) Name() string { return Name }

// Needed: the client has records, the account has linked none, and this
// sign-in has not gone past the step.
func (s *Step) Needed(ctx context.Context, v journey.Visit) (bool, error) {
	if s.of(v.ClientID) == nil || stateOf(v).Done {
		return false, nil
	}
	_, err := s.st.GetRecordLink(ctx, v.ClientID, v.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	return false, err
}

// Claims implements journey.Claimer: the record ID linked for the client.
func (s *Step) Claims(ctx context.Context, accountID, clientID string) (map[string]any, error) {
	l, err := s.st.GetRecordLink(ctx, clientID, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{s.of(clientID).ClaimName(): l.RecordID}, nil
}

// Mount implements journey.Step.
func (s *Step) Mount(mux journey.Mux, h journey.Host) {
	mux.HandleFunc("GET /login/{id}/step/"+Name, func(w http.ResponseWriter, r *http.Request) {
		if v, ok := h.Enter(w, r, Name); ok {
			s.show(w, r, h, v, page{other: r.URL.Query().Get("view") == "other"})
		}
	})
	mux.HandleFunc("POST /login/{id}/step/"+Name, func(w http.ResponseWriter, r *http.Request) {
		if v, ok := h.Enter(w, r, Name); ok {
			s.decide(w, r, h, v)
		}
	})
}

// page is what one answer shows besides the state's view.
type page struct {
	other  bool // the fallbacks
	errs   []ui.FieldError
	values map[string]string // what the person typed in the attributes
}

func (s *Step) show(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit, p page) {
	cfg, st := s.of(v.ClientID), stateOf(v)
	d := &ui.RecordData{Common: ui.Common{CSRF: v.CSRF, Errors: p.errs}, Action: "/login/" + v.AuthRequestID + "/step/" + Name,
		SentTo: st.SentTo}
	switch {
	case st.Assisted:
		d.View = ui.RecordAssisted
	case p.other && st.RecordID != "" && (cfg.Invoice || cfg.Assisted):
		d.View, d.Invoice, d.Assisted = ui.RecordOther, cfg.Invoice, cfg.Assisted
	case st.OTPID != "":
		d.View, d.OtherWays = ui.RecordCode, cfg.Invoice || cfg.Assisted
	default:
		d.View = ui.RecordFind
		for _, a := range cfg.Attributes {
			d.Fields = append(d.Fields, ui.RecordField{Name: a.Name, Label: a.Label[v.Lang], Hint: a.Hint[v.Lang],
				Value: p.values[a.Name], Date: a.Date})
		}
	}
	d.Title = h.T(v, "record.title."+d.View)
	h.Render(w, r, v, ui.PageRecord, d)
}

func (s *Step) decide(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit) {
	cfg, st := s.of(v.ClientID), stateOf(v)
	switch r.PostFormValue("do") {
	case "find":
		s.find(w, r, h, v, cfg)
	case "code":
		s.code(w, r, h, v, st)
	case "resend":
		s.resend(w, r, h, v, st)
	case "invoice":
		s.invoice(w, r, h, v, cfg, st)
	case "assist":
		s.assist(w, r, h, v, cfg, st)
	case "continue":
		if st.Assisted {
			h.Pass(w, r, v, Name, state{Done: true})
			return
		}
		s.show(w, r, h, v, page{})
	default:
		s.show(w, r, h, v, page{})
	}
}

// fieldError is one entry of the error summary, translated.
func fieldError(h journey.Host, v journey.Visit, field, key string) []ui.FieldError {
	return []ui.FieldError{{Field: field, Message: h.T(v, key)}}
}

// link links the record to the account, proven by method, and ends the
// step.
func (s *Step) link(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit, recordID, method string) {
	ctx := r.Context()
	l := store.RecordLink{ClientID: v.ClientID, AccountID: v.AccountID, RecordID: recordID, Method: method, CreatedAt: s.now()}
	err := s.st.CreateRecordLink(ctx, l)
	if errors.Is(err, store.ErrAlreadyExists) {
		if _, mine := s.st.GetRecordLink(ctx, v.ClientID, v.AccountID); mine == nil {
			http.Redirect(w, r, "/login/"+v.AuthRequestID, http.StatusSeeOther) // linked meanwhile
			return
		}
		h.Audit(ctx, "record.link.taken", v, map[string]string{"record_id": recordID})
		s.show(w, r, h, v, page{errs: fieldError(h, v, "", "record.error.taken")})
		return
	}
	if err != nil {
		h.Fail(w, r, v, "record link", err)
		return
	}
	h.Audit(ctx, "record.link", v, map[string]string{"record_id": recordID, "method": method})
	h.Pass(w, r, v, Name, state{Done: true})
}

// matches compares a and b in constant time for their length.
func matches(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
