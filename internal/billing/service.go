package billing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// Store is the persistence billing needs.
type Store interface {
	CreateFee(ctx context.Context, f *FeeItem) error
	// FeeByID returns apperr.NotFound when there is no such fee.
	FeeByID(ctx context.Context, id string) (FeeItem, error)
	FeesByProgram(ctx context.Context, programID string) ([]FeeItem, error)

	// Account returns a student's account, or an empty one with Version 0 when the student
	// has none yet.
	Account(ctx context.Context, studentID string) (Account, error)
	// SaveAccount appends appended to a's ledger, and stores a's charges when
	// chargesChanged, on condition that the stored version is still a.Version (0: the
	// account must not exist yet). It returns apperr.Conflict when another write came first.
	SaveAccount(ctx context.Context, a Account, appended []Entry, chargesChanged bool) error
	// AccountsByProgram returns every account with a charge of the program.
	AccountsByProgram(ctx context.Context, programID string) ([]Account, error)

	// CheckoutByID returns apperr.NotFound when there is no such checkout.
	CheckoutByID(ctx context.Context, id string) (Checkout, error)
	// SaveCheckout inserts c when c.Version is 0, else replaces it on condition that the
	// stored version is still c.Version; apperr.Conflict otherwise.
	SaveCheckout(ctx context.Context, c Checkout) error

	// BeginEvent records a webhook event under its id. It reports done when the event was
	// recorded before and finished processing.
	BeginEvent(ctx context.Context, id, typ string, at time.Time) (done bool, err error)
	// FinishEvent marks an event processed.
	FinishEvent(ctx context.Context, id string, at time.Time) error
}

// Programs is what billing needs from the programs service.
type Programs interface {
	Program(ctx context.Context, p accounts.Principal, id string) (programs.Program, error)
	Enrollments(ctx context.Context, p accounts.Principal, f programs.EnrollmentFilter) ([]programs.EnrollmentView, string, error)
	EnrollmentsOf(ctx context.Context, studentID string) ([]programs.Enrollment, error)
	Cohorts(ctx context.Context, p accounts.Principal, programID string) ([]programs.Cohort, error)
}

// Users looks people up for receipts and reports.
type Users interface {
	UsersByIDs(ctx context.Context, ids []string) ([]accounts.User, error)
}

// Options configure the service; zero values take defaults.
type Options struct {
	Now func() time.Time
	// Gateway creates Checkout Sessions and refunds; nil: online payment is unavailable.
	Gateway Gateway
	// Verifier checks webhook signatures; nil: the webhook endpoint is unavailable.
	Verifier Verifier
	// BaseURL is the public URL Checkout returns the student to.
	BaseURL string
}

// Service implements fees, charges, payments, refunds, receipts and access locks.
type Service struct {
	store    Store
	programs Programs
	users    Users
	audit    *audit.Log
	gateway  Gateway
	verifier Verifier
	now      func() time.Time
	baseURL  string
}

// NewService returns a Service.
func NewService(store Store, progs Programs, users Users, log *audit.Log, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{store: store, programs: progs, users: users, audit: log, gateway: o.Gateway, verifier: o.Verifier,
		now: o.Now, baseURL: strings.TrimRight(o.BaseURL, "/")}
}

// OnlineAvailable reports whether students can pay online.
func (s *Service) OnlineAvailable() bool { return s.gateway != nil }

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// errUnavailable is returned for online payment operations when Stripe is not configured.
var errUnavailable = &apperr.Error{Kind: apperr.Unavailable, Type: "payment-unavailable",
	Message: "Online payment is not available: this server has no payment provider configured. Pay by check or through the bursar and ask your coordinator to record it."}

// maxRetries bounds the optimistic-concurrency retries of an account write.
const maxRetries = 20

// mutate reads a student's account, lets fn change it and return the entries to append,
// and writes it back on condition that nobody wrote in between, retrying otherwise. fn
// must be free of side effects outside a, since it may run more than once.
func (s *Service) mutate(ctx context.Context, studentID string, fn func(a *Account) ([]Entry, error)) (Account, error) {
	for range maxRetries {
		a, err := s.store.Account(ctx, studentID)
		if err != nil {
			return Account{}, err
		}
		a.StudentID = studentID
		charges := len(a.Charges)
		add, err := fn(&a)
		if err != nil {
			return Account{}, err
		}
		if len(add) == 0 && a.Version > 0 {
			return a, nil
		}
		// Charges are only ever added; rewriting them when none was keeps writes small.
		err = s.store.SaveAccount(ctx, a, add, len(a.Charges) != charges)
		if apperr.Is(err, apperr.Conflict) {
			continue
		}
		if err != nil {
			return Account{}, err
		}
		a.Entries = append(a.Entries, add...)
		a.Version++
		return a, nil
	}
	return Account{}, apperr.New(apperr.Conflict, "The account is busy; try again.")
}

// managed returns program id if p manages it (admins and the program's coordinators).
func (s *Service) managed(ctx context.Context, p accounts.Principal, programID string) (programs.Program, error) {
	pr, err := s.programs.Program(ctx, p, programID)
	if err != nil {
		return programs.Program{}, err
	}
	if !programs.CanManage(p, pr) {
		return programs.Program{}, apperr.New(apperr.Forbidden, "Only the program's coordinators can manage its fees.")
	}
	return pr, nil
}

// CreateFee adds a fee item to a program the caller manages.
func (s *Service) CreateFee(ctx context.Context, p accounts.Principal, f FeeItem) (FeeItem, error) {
	f.Name = strings.TrimSpace(f.Name)
	f.Currency = strings.ToLower(strings.TrimSpace(f.Currency))
	if err := f.Validate(); err != nil {
		return FeeItem{}, err
	}
	if _, err := s.managed(ctx, p, f.ProgramID); err != nil {
		return FeeItem{}, err
	}
	f.ID = ""
	f.CreatedBy = p.UserID
	f.CreatedAt = s.now().UTC()
	if err := s.store.CreateFee(ctx, &f); err != nil {
		return FeeItem{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "fee.create", Subject: "program:" + f.ProgramID,
		Details: map[string]string{"feeId": f.ID, "name": f.Name, "amount": FormatAmount(f.Amount, f.Currency)}})
	return f, nil
}

// Fees lists a program's fee items; anyone who may see the program may see them.
func (s *Service) Fees(ctx context.Context, p accounts.Principal, programID string) ([]FeeItem, error) {
	if _, err := s.programs.Program(ctx, p, programID); err != nil {
		return nil, err
	}
	return s.store.FeesByProgram(ctx, programID)
}

// AssignResult counts what an assignment did.
type AssignResult struct {
	Assigned int `json:"assigned"`
	Existing int `json:"existing"` // students who already had the charge
}

// Assign charges fee feeID to the given students, or to every active student of cohortID
// when it is set. Assigning again is harmless: a student is charged a fee once.
func (s *Service) Assign(ctx context.Context, p accounts.Principal, feeID string, studentIDs []string, cohortID string) (AssignResult, error) {
	fee, err := s.store.FeeByID(ctx, feeID)
	if apperr.Is(err, apperr.NotFound) {
		return AssignResult{}, apperr.New(apperr.NotFound, "No such fee.")
	} else if err != nil {
		return AssignResult{}, err
	}
	if _, err := s.managed(ctx, p, fee.ProgramID); err != nil {
		return AssignResult{}, err
	}
	if (cohortID == "") == (len(studentIDs) == 0) {
		return AssignResult{}, apperr.Field("studentIds", "give either studentIds or cohortId")
	}
	targets := map[string]string{} // student id -> cohort id
	if cohortID != "" {
		cursor := ""
		found := false
		for {
			page, next, err := s.programs.Enrollments(ctx, p, programs.EnrollmentFilter{ProgramID: fee.ProgramID, CohortID: cohortID, Status: programs.Active, Cursor: cursor, Limit: 200})
			if err != nil {
				return AssignResult{}, err
			}
			for _, e := range page {
				targets[e.StudentID] = e.CohortID
				found = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if !found {
			cs, err := s.programs.Cohorts(ctx, p, fee.ProgramID)
			if err != nil {
				return AssignResult{}, err
			}
			if !slices.ContainsFunc(cs, func(c programs.Cohort) bool { return c.ID == cohortID }) {
				return AssignResult{}, apperr.Field("cohortId", "no such cohort in this program")
			}
		}
	} else {
		for i, id := range studentIDs {
			ens, err := s.programs.EnrollmentsOf(ctx, id)
			if err != nil {
				return AssignResult{}, err
			}
			j := slices.IndexFunc(ens, func(e programs.Enrollment) bool { return e.ProgramID == fee.ProgramID })
			if j < 0 {
				return AssignResult{}, apperr.Field(fmt.Sprintf("studentIds[%d]", i), "is not enrolled in this program")
			}
			targets[id] = ens[j].CohortID
		}
	}
	var res AssignResult
	now := s.now().UTC()
	for studentID, cohort := range targets {
		c := Charge{ID: ChargeID(fee.ID, studentID), FeeID: fee.ID, ProgramID: fee.ProgramID, CohortID: cohort, StudentID: studentID,
			Kind: fee.Kind, Name: fee.Name, Amount: fee.Amount, Currency: fee.Currency, DueDate: fee.DueDate, Unlocks: fee.Unlocks,
			RefundPolicy: fee.RefundPolicy, RevokeOnRefund: fee.RevokeOnRefund, AssignedBy: p.UserID, AssignedAt: now}
		existed := false
		_, err := s.mutate(ctx, studentID, func(a *Account) ([]Entry, error) {
			if _, ok := a.Charge(c.ID); ok {
				existed = true
				return nil, nil
			}
			existed = false
			a.Charges = append(a.Charges, c)
			return []Entry{{ID: "charge:" + c.ID, StudentID: studentID, ProgramID: c.ProgramID, ChargeID: c.ID, Kind: EntryCharge,
				Amount: c.Amount, Currency: c.Currency, Reason: "fee assigned", ActorID: p.UserID, At: now}}, nil
		})
		if err != nil {
			return res, err
		}
		if existed {
			res.Existing++
			continue
		}
		res.Assigned++
		_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "charge.assign", Subject: "user:" + studentID,
			Details: map[string]string{"chargeId": c.ID, "amount": FormatAmount(c.Amount, c.Currency)}})
	}
	return res, nil
}

// OfflinePayment is a payment or waiver a coordinator records.
type OfflinePayment struct {
	ProgramID string // when set, the charge must belong to this program
	ChargeID  string
	Method    Method
	Amount    int64
	Reference string
	Reason    string
}

// RecordOffline posts an offline payment (check, bursar, scholarship) or a waiver against a
// charge of a program the caller manages. The amount may not exceed what is outstanding.
func (s *Service) RecordOffline(ctx context.Context, p accounts.Principal, in OfflinePayment) (Entry, error) {
	var f apperr.Fields
	if !slices.Contains(OfflineMethods, in.Method) {
		f.Add("method", "must be one of check, bursar, scholarship, waiver")
	}
	if in.Amount <= 0 || in.Amount > MaxAmount {
		f.Add("amount", "must be a positive amount in cents")
	}
	in.Reference, in.Reason = strings.TrimSpace(in.Reference), strings.TrimSpace(in.Reason)
	if in.Method != Waiver && in.Reference == "" {
		f.Add("reference", "is required (check number, bursar batch or award)")
	}
	if in.Method == Waiver && in.Reason == "" {
		f.Add("reason", "is required for a waiver")
	}
	if err := f.Err(); err != nil {
		return Entry{}, err
	}
	studentID, ok := studentOfCharge(in.ChargeID)
	if !ok {
		return Entry{}, apperr.Field("chargeId", "is not a charge id")
	}
	acc, err := s.store.Account(ctx, studentID)
	if err != nil {
		return Entry{}, err
	}
	c, ok := acc.Charge(in.ChargeID)
	if !ok || (in.ProgramID != "" && c.ProgramID != in.ProgramID) {
		return Entry{}, apperr.New(apperr.NotFound, "No such charge.")
	}
	if _, err := s.managed(ctx, p, c.ProgramID); err != nil {
		return Entry{}, err
	}
	id := "offline:" + newID()
	e := Entry{ID: id, StudentID: studentID, ProgramID: c.ProgramID, ChargeID: c.ID, Kind: EntryPayment, Amount: -in.Amount,
		Currency: c.Currency, Method: in.Method, Reference: in.Reference, Reason: in.Reason, ActorID: p.UserID, At: s.now().UTC()}
	if in.Method == Waiver {
		e.Kind = EntryWaiver
	} else {
		e.ReceiptID = receiptID(studentID, id)
	}
	_, err = s.mutate(ctx, studentID, func(a *Account) ([]Entry, error) {
		st := a.State(c)
		if in.Amount > st.Outstanding {
			return nil, &apperr.Error{Kind: apperr.Conflict, Message: fmt.Sprintf("Only %s is outstanding on this charge.", FormatAmount(max(st.Outstanding, 0), c.Currency)),
				Fields: []apperr.FieldError{{Field: "amount", Message: "is more than is outstanding"}}}
		}
		return []Entry{e}, nil
	})
	if err != nil {
		return Entry{}, err
	}
	action := "payment.offline"
	if in.Method == Waiver {
		action = "payment.waiver"
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: action, Subject: "user:" + studentID,
		Details: map[string]string{"entryId": e.ID, "chargeId": c.ID, "method": string(in.Method), "amount": FormatAmount(in.Amount, c.Currency), "reference": in.Reference, "reason": in.Reason}})
	return e, nil
}

func studentOfCharge(chargeID string) (string, bool) {
	fee, student, ok := strings.Cut(chargeID, "/")
	return student, ok && fee != "" && student != "" && !strings.Contains(student, "/")
}

// CheckAccess returns apperr.PaymentRequired (problem type payment-required) when the
// caller has a charge that unlocks the exam or course and none such is settled. Callers
// without such charges, staff included, pass.
func (s *Service) CheckAccess(ctx context.Context, p accounts.Principal, kind UnlockKind, ref string) error {
	acc, err := s.store.Account(ctx, p.UserID)
	if err != nil {
		return err
	}
	var due []ChargeState
	for _, c := range acc.Charges {
		if !slices.Contains(c.Unlocks, Unlock{Kind: kind, Ref: ref}) {
			continue
		}
		st := acc.State(c)
		if st.Settled() {
			return nil
		}
		due = append(due, st)
	}
	if len(due) == 0 {
		return nil
	}
	st := due[0]
	msg := fmt.Sprintf("This %s is locked until the fee %q is paid: %s outstanding, due %s. Pay it under Fees.",
		kind, st.Name, FormatAmount(st.Outstanding, st.Currency), st.DueDate.Format("2006-01-02"))
	if st.Status == Refunded {
		msg = fmt.Sprintf("This %s was locked again when the fee %q was refunded. Ask your program coordinator.", kind, st.Name)
	}
	return &apperr.Error{Kind: apperr.PaymentRequired, Type: "payment-required", Message: msg}
}

// StudentAccount is what a student (or a coordinator looking at one) sees.
type StudentAccount struct {
	StudentID       string
	Balance         int64
	Charges         []ChargeState
	Entries         []Entry
	OnlineAvailable bool
}

// MyAccount returns the caller's own charges, balance and ledger.
func (s *Service) MyAccount(ctx context.Context, p accounts.Principal) (StudentAccount, error) {
	acc, err := s.store.Account(ctx, p.UserID)
	if err != nil {
		return StudentAccount{}, err
	}
	return s.view(acc, p.UserID, nil), nil
}

// AccountOf returns a student's charges and ledger in one program the caller manages.
func (s *Service) AccountOf(ctx context.Context, p accounts.Principal, programID, studentID string) (StudentAccount, error) {
	if _, err := s.managed(ctx, p, programID); err != nil {
		return StudentAccount{}, err
	}
	acc, err := s.store.Account(ctx, studentID)
	if err != nil {
		return StudentAccount{}, err
	}
	return s.view(acc, studentID, map[string]bool{programID: true}), nil
}

func (s *Service) view(acc Account, studentID string, programs map[string]bool) StudentAccount {
	v := StudentAccount{StudentID: studentID, OnlineAvailable: s.OnlineAvailable(), Charges: []ChargeState{}, Entries: []Entry{}}
	for _, st := range acc.States() {
		if programs == nil || programs[st.ProgramID] {
			v.Charges = append(v.Charges, st)
		}
	}
	for _, e := range acc.Entries {
		if programs == nil || programs[e.ProgramID] {
			v.Entries = append(v.Entries, e)
			v.Balance += e.Amount
		}
	}
	return v
}
