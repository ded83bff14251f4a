package record

import (
	"errors"
	"net/http"

	"github.com/passerelle/passerelle/broker/journey"
	"github.com/passerelle/passerelle/broker/ui"
	"github.com/passerelle/passerelle/mfa/emailotp"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// find looks the record up by the attributes and, when they all match,
// sends a code to the email on its file.
func (s *Step) find(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit, cfg *Config) {
	ctx := r.Context()
	typed, normal := map[string]string{}, map[string]string{}
	var p page
	for _, a := range cfg.Attributes {
		typed[a.Name] = r.PostFormValue(a.Name)
		n, ok := a.Normalize(typed[a.Name])
		switch {
		case typed[a.Name] == "":
			p.errs = append(p.errs, fieldError(h, v, a.Name, "record.error.required")...)
		case !ok && a.Date:
			p.errs = append(p.errs, fieldError(h, v, a.Name, "record.error.date")...)
		case !ok:
			p.errs = append(p.errs, fieldError(h, v, a.Name, "record.error.required")...)
		}
		normal[a.Name] = n
	}
	p.values = typed
	if len(p.errs) > 0 {
		s.show(w, r, h, v, p)
		return
	}
	att, ok := h.Reserve(w, r, v, func(msg string) {
		p.errs = []ui.FieldError{{Message: msg}}
		s.show(w, r, h, v, p)
	})
	if !ok {
		return
	}
	rec, err := s.st.GetClientRecordByKey(ctx, v.ClientID, normal[cfg.Attributes[0].Name])
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.Fail(w, r, v, "client record", err)
		return
	}
	match := err == nil
	for _, a := range cfg.Attributes[1:] {
		// Every attribute is compared, matched or not, so the answer's
		// time does not tell which one was wrong.
		match = matches(rec.Attributes[a.Name], normal[a.Name]) && match
	}
	if !match {
		if !h.Failed(w, r, v, att, "record.find") {
			p.errs = fieldError(h, v, "", "record.error.nomatch")
			s.show(w, r, h, v, p)
		}
		return
	}
	if !h.Released(w, r, v, att) {
		return
	}
	s.send(w, r, h, v, rec, p)
}

// send emails a new code for rec to the address on its file.
func (s *Step) send(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit, rec store.ClientRecord, p page) {
	if s.codes == nil {
		h.Fail(w, r, v, "record code", errors.New("no email delivery configured"))
		return
	}
	id, err := s.codes.Send(r.Context(), v.AccountID, notify.PurposeLinkRecord, rec.Email, v.Lang)
	switch {
	case errors.Is(err, emailotp.ErrRateLimited):
		p.errs = fieldError(h, v, "", "record.error.ratelimited")
		s.show(w, r, h, v, p)
		return
	case err != nil:
		h.Fail(w, r, v, "send record code", err)
		return
	}
	h.Audit(r.Context(), "record.code", v, map[string]string{"record_id": rec.RecordID})
	h.Pass(w, r, v, Name, state{RecordID: rec.RecordID, OTPID: id, SentTo: emailotp.Mask(rec.Email), Expires: s.now().Add(s.ttl)})
}

// code checks the code sent to the file's email.
func (s *Step) code(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit, st state) {
	code := r.PostFormValue("code")
	switch {
	case st.OTPID == "":
		s.show(w, r, h, v, page{})
		return
	case code == "":
		s.show(w, r, h, v, page{errs: fieldError(h, v, "code", "record.error.code.required")})
		return
	case !s.now().Before(st.Expires):
		s.show(w, r, h, v, page{errs: fieldError(h, v, "code", "record.error.code.expired")})
		return
	}
	retry := func(msg string) { s.show(w, r, h, v, page{errs: []ui.FieldError{{Field: "code", Message: msg}}}) }
	att, ok := h.Reserve(w, r, v, retry)
	if !ok {
		return
	}
	err := s.codes.Verify(r.Context(), st.OTPID, v.AccountID, code)
	switch {
	case errors.Is(err, emailotp.ErrInvalidCode):
		if !h.Failed(w, r, v, att, "record.code") {
			retry(h.T(v, "record.error.code"))
		}
		return
	case err != nil:
		h.Fail(w, r, v, "check record code", err)
		return
	}
	if h.Released(w, r, v, att) {
		s.link(w, r, h, v, st.RecordID, store.RecordByCode)
	}
}

// resend sends a new code to the file's email.
func (s *Step) resend(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit, st state) {
	if st.RecordID == "" {
		s.show(w, r, h, v, page{})
		return
	}
	rec, err := s.st.GetClientRecord(r.Context(), v.ClientID, st.RecordID)
	if err != nil {
		h.Fail(w, r, v, "client record", err)
		return
	}
	s.send(w, r, h, v, rec, page{})
}

// invoice checks an invoice number of the file less than InvoiceAge old.
func (s *Step) invoice(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit, cfg *Config, st state) {
	if !cfg.Invoice || st.RecordID == "" {
		s.show(w, r, h, v, page{})
		return
	}
	retry := func(msg string) {
		s.show(w, r, h, v, page{other: true, errs: []ui.FieldError{{Field: "invoice", Message: msg}}})
	}
	number, ok := NormalizeInvoice(r.PostFormValue("invoice"))
	if !ok {
		retry(h.T(v, "record.error.invoice.required"))
		return
	}
	att, ok := h.Reserve(w, r, v, retry)
	if !ok {
		return
	}
	rec, err := s.st.GetClientRecord(r.Context(), v.ClientID, st.RecordID)
	if err != nil {
		h.Fail(w, r, v, "client record", err)
		return
	}
	since, match := s.now().Add(-InvoiceAge), false
	for _, inv := range rec.Invoices {
		match = matches(inv.Number, number) && inv.Date.After(since) || match
	}
	if !match {
		if !h.Failed(w, r, v, att, "record.invoice") {
			retry(h.T(v, "record.error.invoice"))
		}
		return
	}
	if h.Released(w, r, v, att) {
		s.link(w, r, h, v, st.RecordID, store.RecordByInvoice)
	}
}

// assist queues a request for an agent's help with the matched record.
func (s *Step) assist(w http.ResponseWriter, r *http.Request, h journey.Host, v journey.Visit, cfg *Config, st state) {
	if !cfg.Assisted || st.RecordID == "" {
		s.show(w, r, h, v, page{})
		return
	}
	ctx := r.Context()
	a := store.AssistRequest{ID: s.newID(), ClientID: v.ClientID, AccountID: v.AccountID, RecordID: st.RecordID, CreatedAt: s.now()}
	if err := s.st.CreateAssistRequest(ctx, a); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		h.Fail(w, r, v, "assist request", err)
		return
	} else if err == nil {
		h.Audit(ctx, "record.assist", v, map[string]string{"record_id": st.RecordID, "request": a.ID})
	}
	st.Assisted = true
	h.Pass(w, r, v, Name, st)
}
