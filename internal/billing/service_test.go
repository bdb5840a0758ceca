package billing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/billing"
	"github.com/chartroom-him/chartroom/internal/mongostore"
	"github.com/chartroom-him/chartroom/internal/mongostore/mongotest"
	"github.com/chartroom-him/chartroom/internal/programs"
	"github.com/chartroom-him/chartroom/internal/stripepay"
	"github.com/chartroom-him/chartroom/internal/stripepay/stripetest"
)

func TestMain(m *testing.M) { mongotest.Main(m) }

type world struct {
	st      *mongostore.Store
	now     time.Time
	svc     *billing.Service
	progs   *programs.Service
	program programs.Program
	other   programs.Program
	cohort  programs.Cohort
	coord   accounts.Principal
	student accounts.Principal
	second  accounts.Principal
}

func newWorld(t testing.TB, online bool) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{st: mongotest.Open(t), now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return w.now }
	log := audit.NewLog(w.st, clock)
	acc := accounts.NewService(w.st, log, accounts.Options{Now: clock, HashParams: accounts.HashParams{Memory: 64, Time: 1, Threads: 1}})
	w.progs = programs.NewService(w.st, acc, log, clock)
	sys := accounts.SystemPrincipal
	in, _ := w.progs.CreateInstitution(ctx, sys, "College")
	mk := func(slug string) programs.Program {
		p, err := w.progs.CreateProgram(ctx, sys, programs.Program{InstitutionID: in.ID, Slug: slug, Name: slug, Credential: "AAS"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	w.program, w.other = mk("hit"), mk("hia")
	cu, _, err := acc.CreateUser(ctx, sys, accounts.NewUser{Email: "c@example.edu", Name: "Coord", Roles: []accounts.Role{accounts.Coordinator}, Password: "long-enough-password"})
	if err != nil {
		t.Fatal(err)
	}
	if w.program, err = w.progs.AssignStaff(ctx, sys, w.program.ID, cu.ID, programs.CoordinatorRole); err != nil {
		t.Fatal(err)
	}
	w.coord = accounts.Principal{UserID: cu.ID, Roles: []accounts.Role{accounts.Coordinator}}
	w.cohort, _ = w.progs.CreateCohort(ctx, sys, w.program.ID, "Fall 2025", 2025)
	for i, p := range []*accounts.Principal{&w.student, &w.second} {
		email := fmt.Sprintf("s%d@example.edu", i)
		ev, _, err := w.progs.Enroll(ctx, sys, w.program.ID, programs.EnrollRequest{Email: email, Name: "Student", CohortID: w.cohort.ID, StartDate: w.now})
		if err != nil {
			t.Fatal(err)
		}
		*p = accounts.Principal{UserID: ev.Student.ID, Email: email, Roles: []accounts.Role{accounts.Student}}
	}
	o := billing.Options{Now: clock, BaseURL: "http://127.0.0.1:8080", Verifier: stripepay.NewVerifier(stripetest.Secret)}
	if online {
		o.Gateway = stripepay.NewGateway(stripetest.Key, stripetest.Shared(t))
	}
	w.svc = billing.NewService(w.st, w.progs, acc, log, o)
	return w
}

func (w *world) fee(t testing.TB, name string, amount int64, revoke bool, unlocks ...billing.Unlock) billing.FeeItem {
	t.Helper()
	f, err := w.svc.CreateFee(context.Background(), w.coord, billing.FeeItem{ProgramID: w.program.ID, Kind: billing.CourseAccess, Name: name,
		Amount: amount, Currency: "usd", DueDate: w.now.AddDate(0, 1, 0), Unlocks: unlocks, RevokeOnRefund: revoke, RefundPolicy: "Full refund in week one."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Assign(context.Background(), w.coord, f.ID, nil, w.cohort.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

func (w *world) account(t testing.TB, p accounts.Principal) billing.StudentAccount {
	t.Helper()
	a, err := w.svc.MyAccount(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// deliver signs and posts an event as Stripe would.
func (w *world) deliver(t *testing.T, id, typ string, object any) (billing.WebhookResult, error) {
	t.Helper()
	body := stripetest.Event(id, typ, object)
	return w.svc.HandleWebhook(context.Background(), body, stripetest.Sign(body, time.Now()))
}

func mustDeliver(t *testing.T, w *world, id, typ string, object any) billing.WebhookResult {
	t.Helper()
	res, err := w.deliver(t, id, typ, object)
	if err != nil {
		t.Fatalf("deliver %s %s: %v", typ, id, err)
	}
	return res
}

func count(a billing.StudentAccount, kind billing.EntryKind) int {
	n := 0
	for _, e := range a.Entries {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

func TestAssignIsIdempotentAndScoped(t *testing.T) {
	w := newWorld(t, false)
	ctx := context.Background()
	f := w.fee(t, "Tuition 1", 50000, false)
	res, err := w.svc.Assign(ctx, w.coord, f.ID, nil, w.cohort.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Assigned != 0 || res.Existing != 2 {
		t.Errorf("second cohort assignment = %+v, want 0 assigned, 2 existing", res)
	}
	if a := w.account(t, w.student); a.Balance != 50000 || len(a.Charges) != 1 || a.Charges[0].Status != billing.Due {
		t.Errorf("account = balance %d, %d charges, want 50000 and one due charge", a.Balance, len(a.Charges))
	}
	other := accounts.Principal{UserID: "someone", Roles: []accounts.Role{accounts.Coordinator}}
	if _, err := w.svc.Assign(ctx, other, f.ID, []string{w.student.UserID}, ""); !apperr.Is(err, apperr.NotFound) && !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("assign by a stranger: err = %v, want not found or forbidden", err)
	}
	if _, err := w.svc.Assign(ctx, w.coord, f.ID, []string{"not-enrolled"}, ""); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("assign to a student of no program: err = %v, want invalid", err)
	}
	if _, err := w.svc.CreateFee(ctx, w.coord, billing.FeeItem{ProgramID: w.program.ID, Kind: "gift", Name: "", Amount: -1, Currency: "dollars"}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("bad fee: err = %v, want invalid", err)
	} else if fs := err.(*apperr.Error).Fields; len(fs) < 4 {
		t.Errorf("bad fee: fields = %v, want kind, name, amount, currency, dueDate", fs)
	}
}

func TestOfflinePaymentsWaiversAndLimits(t *testing.T) {
	w := newWorld(t, false)
	ctx := context.Background()
	f := w.fee(t, "Application", 10000, false)
	chargeID := billing.ChargeID(f.ID, w.student.UserID)
	tests := []struct {
		name    string
		in      billing.OfflinePayment
		want    apperr.Kind
		balance int64
	}{
		{"check without reference", billing.OfflinePayment{ChargeID: chargeID, Method: billing.Check, Amount: 1000}, apperr.Invalid, 10000},
		{"waiver without reason", billing.OfflinePayment{ChargeID: chargeID, Method: billing.Waiver, Amount: 1000}, apperr.Invalid, 10000},
		{"unknown method", billing.OfflinePayment{ChargeID: chargeID, Method: "bitcoin", Amount: 1000, Reference: "x"}, apperr.Invalid, 10000},
		{"check", billing.OfflinePayment{ChargeID: chargeID, Method: billing.Check, Amount: 6000, Reference: "chk 1001"}, "", 4000},
		{"more than outstanding", billing.OfflinePayment{ChargeID: chargeID, Method: billing.Bursar, Amount: 5000, Reference: "b-7"}, apperr.Conflict, 4000},
		{"waiver of the rest", billing.OfflinePayment{ChargeID: chargeID, Method: billing.Waiver, Amount: 4000, Reason: "hardship"}, "", 0},
		{"nothing left", billing.OfflinePayment{ChargeID: chargeID, Method: billing.Scholarship, Amount: 1, Reference: "s"}, apperr.Conflict, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.svc.RecordOffline(ctx, w.coord, tt.in)
			if tt.want == "" && err != nil || tt.want != "" && !apperr.Is(err, tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if got := w.account(t, w.student).Balance; got != tt.balance {
				t.Errorf("balance = %d, want %d", got, tt.balance)
			}
		})
	}
	a := w.account(t, w.student)
	if a.Charges[0].Status != billing.Paid || a.Charges[0].Waived != 4000 || a.Charges[0].Paid != 6000 {
		t.Errorf("charge = %+v, want paid with 6000 paid and 4000 waived", a.Charges[0])
	}
	// Refund the check: never more than was paid, a reason required, offline refunds need no gateway.
	var payID string
	for _, e := range a.Entries {
		if e.Kind == billing.EntryPayment {
			payID = e.ID
		}
	}
	if _, err := w.svc.Refund(ctx, w.coord, billing.RefundRequest{StudentID: w.student.UserID, PaymentID: payID, Amount: 6001, Reason: "withdrew"}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("refund over the payment: err = %v, want conflict", err)
	}
	if _, err := w.svc.Refund(ctx, w.coord, billing.RefundRequest{StudentID: w.student.UserID, PaymentID: payID, Amount: 100}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("refund without reason: err = %v, want invalid", err)
	}
	if _, err := w.svc.Refund(ctx, w.coord, billing.RefundRequest{StudentID: w.student.UserID, PaymentID: payID, Amount: 6000, Reason: "withdrew"}); err != nil {
		t.Fatal(err)
	}
	a = w.account(t, w.student)
	if a.Balance != 0 || a.Charges[0].Refunded != 6000 || a.Charges[0].Paid != 0 {
		t.Errorf("after full refund: balance %d, charge %+v", a.Balance, a.Charges[0])
	}
}

// TestBalanceEqualsLedger runs random payments, refunds and waivers, some concurrently,
// and checks the balance and every charge's totals against the ledger entries.
func TestBalanceEqualsLedger(t *testing.T) {
	w := newWorld(t, false)
	ctx := context.Background()
	var fees []billing.FeeItem
	for i := range 3 {
		fees = append(fees, w.fee(t, fmt.Sprintf("Fee %d", i), int64(10000+i*2500), i == 2))
	}
	rng := rand.New(rand.NewPCG(7, 11))
	students := []accounts.Principal{w.student, w.second}
	var wg sync.WaitGroup
	for round := range 60 {
		st := students[round%2]
		f := fees[rng.IntN(len(fees))]
		chargeID := billing.ChargeID(f.ID, st.UserID)
		amount := int64(1 + rng.IntN(6000))
		op := rng.IntN(4)
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch op {
			case 0, 1:
				_, _ = w.svc.RecordOffline(ctx, w.coord, billing.OfflinePayment{ChargeID: chargeID, Method: billing.Check, Amount: amount, Reference: "chk"})
			case 2:
				_, _ = w.svc.RecordOffline(ctx, w.coord, billing.OfflinePayment{ChargeID: chargeID, Method: billing.Waiver, Amount: amount, Reason: "grant"})
			case 3:
				a, err := w.svc.MyAccount(ctx, st)
				if err != nil {
					return
				}
				for _, e := range a.Entries {
					if e.Kind == billing.EntryPayment && e.ChargeID == chargeID {
						_, _ = w.svc.Refund(ctx, w.coord, billing.RefundRequest{StudentID: st.UserID, PaymentID: e.ID, Amount: amount / 2, Reason: "adjustment"})
						break
					}
				}
			}
		}()
		if round%4 == 3 {
			wg.Wait()
		}
	}
	wg.Wait()
	for _, st := range students {
		a := w.account(t, st)
		var sum int64
		perCharge := map[string]int64{}
		ids := map[string]bool{}
		for _, e := range a.Entries {
			sum += e.Amount
			perCharge[e.ChargeID] += e.Amount
			if ids[e.ID] {
				t.Errorf("entry id %s posted twice", e.ID)
			}
			ids[e.ID] = true
		}
		if a.Balance != sum {
			t.Errorf("balance %d != ledger sum %d", a.Balance, sum)
		}
		for _, c := range a.Charges {
			if c.Outstanding != perCharge[c.ID] {
				t.Errorf("charge %s outstanding %d != its ledger sum %d", c.Name, c.Outstanding, perCharge[c.ID])
			}
			if c.Outstanding < 0 || c.Paid < 0 || c.Waived < 0 || c.Refunded < 0 {
				t.Errorf("charge %s has a negative total: %+v", c.Name, c)
			}
		}
		if len(a.Entries) < 10 {
			t.Errorf("only %d entries: the random run did too little to test", len(a.Entries))
		}
	}
}

func TestAccessLock(t *testing.T) {
	w := newWorld(t, false)
	ctx := context.Background()
	exam := billing.Unlock{Kind: billing.UnlockExam, Ref: "exam-1"}
	f := w.fee(t, "Mock exam pack", 4500, true, exam)
	err := w.svc.CheckAccess(ctx, w.student, billing.UnlockExam, "exam-1")
	if ae, ok := err.(*apperr.Error); !ok || ae.Kind != apperr.PaymentRequired || ae.Type != "payment-required" {
		t.Fatalf("before paying: err = %v, want payment-required", err)
	}
	if err := w.svc.CheckAccess(ctx, w.student, billing.UnlockExam, "exam-2"); err != nil {
		t.Errorf("an exam no fee names: err = %v", err)
	}
	if err := w.svc.CheckAccess(ctx, w.coord, billing.UnlockExam, "exam-1"); err != nil {
		t.Errorf("staff without charges: err = %v", err)
	}
	e, err := w.svc.RecordOffline(ctx, w.coord, billing.OfflinePayment{ChargeID: billing.ChargeID(f.ID, w.student.UserID), Method: billing.Bursar, Amount: 4500, Reference: "B-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.svc.CheckAccess(ctx, w.student, billing.UnlockExam, "exam-1"); err != nil {
		t.Errorf("after paying: err = %v", err)
	}
	// This fee revokes access on refund.
	if _, err := w.svc.Refund(ctx, w.coord, billing.RefundRequest{StudentID: w.student.UserID, PaymentID: e.ID, Amount: 500, Reason: "partial"}); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.CheckAccess(ctx, w.student, billing.UnlockExam, "exam-1"); !apperr.Is(err, apperr.PaymentRequired) {
		t.Errorf("after a refund of a revoking fee: err = %v, want payment required", err)
	}
}
