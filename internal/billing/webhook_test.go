package billing_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/billing"
	"github.com/chartroom-him/chartroom/internal/stripepay/stripetest"
)

// checkout starts a Checkout Session (through stripe-mock) for all of the student's charges.
func (w *world) checkout(t *testing.T) billing.Checkout {
	t.Helper()
	a := w.account(t, w.student)
	var ids []string
	for _, c := range a.Charges {
		if c.Outstanding > 0 {
			ids = append(ids, c.ID)
		}
	}
	co, err := w.svc.Pay(context.Background(), w.student, ids)
	if err != nil {
		t.Fatal(err)
	}
	if co.SessionID == "" || co.URL == "" || co.Status != billing.CheckoutOpen {
		t.Fatalf("checkout = %+v, want an open session with a URL", co)
	}
	return co
}

func TestCheckoutDoubleClickMakesOneSession(t *testing.T) {
	w := newWorld(t, true)
	f1 := w.fee(t, "Course access", 15000, false)
	f2 := w.fee(t, "Voucher", 9900, false)
	ids := []string{billing.ChargeID(f1.ID, w.student.UserID), billing.ChargeID(f2.ID, w.student.UserID)}
	var wg sync.WaitGroup
	got := make([]billing.Checkout, 4)
	errs := make([]error, 4)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			order := ids
			if i%2 == 1 {
				order = []string{ids[1], ids[0]}
			}
			got[i], errs[i] = w.svc.Pay(context.Background(), w.student, order)
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatalf("click %d: %v", i, errs[i])
		}
		if got[i].ID != got[0].ID || got[i].SessionID != got[0].SessionID {
			t.Errorf("click %d: checkout %s session %s, want %s %s", i, got[i].ID, got[i].SessionID, got[0].ID, got[0].SessionID)
		}
	}
	if got[0].Total() != 24900 {
		t.Errorf("total = %d, want 24900", got[0].Total())
	}
	if _, err := w.svc.Pay(context.Background(), w.second, ids); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("paying another student's charges: err = %v, want invalid", err)
	}
}

func TestOnlinePaymentUnavailableWithoutGateway(t *testing.T) {
	w := newWorld(t, false)
	f := w.fee(t, "Course access", 15000, false)
	_, err := w.svc.Pay(context.Background(), w.student, []string{billing.ChargeID(f.ID, w.student.UserID)})
	if ae, ok := err.(*apperr.Error); !ok || ae.Kind != apperr.Unavailable || ae.Type != "payment-unavailable" {
		t.Errorf("err = %v, want payment-unavailable", err)
	}
	if w.account(t, w.student).OnlineAvailable {
		t.Error("account says online payment is available")
	}
}

// TestWebhooks is the webhook table of issue 7.
func TestWebhooks(t *testing.T) {
	type step struct {
		id, typ string
		object  func(co billing.Checkout) any
	}
	completed := func(status string) func(billing.Checkout) any {
		return func(co billing.Checkout) any { return stripetest.Session(co.SessionID, co.ID, "pi_test_1", status) }
	}
	tests := []struct {
		name        string
		steps       []step
		wantPaid    int // payment entries
		wantStatus  billing.CheckoutStatus
		wantBalance int64
		wantIgnored bool
	}{
		{"completed and paid", []step{{"evt_1", billing.EventSessionCompleted, completed("paid")}}, 1, billing.CheckoutComplete, 0, false},
		{"duplicate delivery applied once", []step{
			{"evt_1", billing.EventSessionCompleted, completed("paid")}, {"evt_1", billing.EventSessionCompleted, completed("paid")},
			{"evt_1", billing.EventSessionCompleted, completed("paid")}}, 1, billing.CheckoutComplete, 0, false},
		{"two events for one payment post once", []step{
			{"evt_1", billing.EventSessionCompleted, completed("paid")}, {"evt_2", billing.EventAsyncSucceeded, completed("paid")}}, 1, billing.CheckoutComplete, 0, false},
		{"async: completed unpaid then succeeded", []step{
			{"evt_1", billing.EventSessionCompleted, completed("unpaid")}, {"evt_2", billing.EventAsyncSucceeded, completed("paid")}}, 1, billing.CheckoutComplete, 0, false},
		{"out of order: succeeded before completed", []step{
			{"evt_2", billing.EventAsyncSucceeded, completed("paid")}, {"evt_1", billing.EventSessionCompleted, completed("unpaid")}}, 1, billing.CheckoutComplete, 0, false},
		{"out of order: expiry after payment", []step{
			{"evt_1", billing.EventSessionCompleted, completed("paid")}, {"evt_3", billing.EventSessionExpired, completed("unpaid")}}, 1, billing.CheckoutComplete, 0, false},
		{"async failure", []step{
			{"evt_1", billing.EventSessionCompleted, completed("unpaid")}, {"evt_2", billing.EventAsyncFailed, completed("unpaid")}}, 0, billing.CheckoutFailed, 15000, false},
		{"expiry", []step{{"evt_3", billing.EventSessionExpired, completed("unpaid")}}, 0, billing.CheckoutExpired, 15000, false},
		{"unknown type acknowledged and ignored", []step{{"evt_9", "customer.created", func(billing.Checkout) any { return map[string]any{"id": "cus_1", "object": "customer"} }}},
			0, billing.CheckoutOpen, 15000, true},
	}
	w := newWorld(t, true)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, true)
			w.fee(t, "Course access", 15000, false)
			co := w.checkout(t)
			var last billing.WebhookResult
			for _, s := range tt.steps {
				last = mustDeliver(t, w, s.id+"_"+co.ID[:8], s.typ, s.object(co))
			}
			if last.Ignored != tt.wantIgnored {
				t.Errorf("ignored = %v, want %v", last.Ignored, tt.wantIgnored)
			}
			a := w.account(t, w.student)
			if got := count(a, billing.EntryPayment); got != tt.wantPaid {
				t.Errorf("payment entries = %d, want %d", got, tt.wantPaid)
			}
			if a.Balance != tt.wantBalance {
				t.Errorf("balance = %d, want %d", a.Balance, tt.wantBalance)
			}
			got, err := w.svc.CheckoutStatusOf(context.Background(), w.student, co.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.wantStatus {
				t.Errorf("checkout status = %s, want %s", got.Status, tt.wantStatus)
			}
		})
	}
	_ = w

	t.Run("bad signature and stale timestamp are 400s", func(t *testing.T) {
		w := newWorld(t, true)
		w.fee(t, "Course access", 15000, false)
		co := w.checkout(t)
		body := stripetest.Event("evt_bad", billing.EventSessionCompleted, stripetest.Session(co.SessionID, co.ID, "pi_x", "paid"))
		cases := map[string]string{
			"bad signature":   strings.Replace(stripetest.Sign(body, time.Now()), "v1=", "v1=00", 1),
			"tampered body":   stripetest.Sign([]byte(strings.Replace(string(body), "paid", "PAID", 1)), time.Now()),
			"stale timestamp": stripetest.Sign(body, time.Now().Add(-10*time.Minute)),
			"no signature":    "",
		}
		for name, sig := range cases {
			_, err := w.svc.HandleWebhook(context.Background(), body, sig)
			if !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%s: err = %v, want invalid", name, err)
			}
		}
		if a := w.account(t, w.student); count(a, billing.EntryPayment) != 0 {
			t.Errorf("a rejected event posted a payment")
		}
		// The same event, properly signed, is then accepted: the rejections stored nothing.
		if _, err := w.svc.HandleWebhook(context.Background(), body, stripetest.Sign(body, time.Now())); err != nil {
			t.Fatal(err)
		}
		if a := w.account(t, w.student); count(a, billing.EntryPayment) != 1 {
			t.Errorf("payments = %d, want 1", count(a, billing.EntryPayment))
		}
	})

	t.Run("replay ten times leaves one ledger entry", func(t *testing.T) {
		w := newWorld(t, true)
		w.fee(t, "Course access", 15000, false)
		co := w.checkout(t)
		body := stripetest.Event("evt_replay", billing.EventSessionCompleted, stripetest.Session(co.SessionID, co.ID, "pi_replay", "paid"))
		var wg sync.WaitGroup
		dups := 0
		var mu sync.Mutex
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := w.svc.HandleWebhook(context.Background(), body, stripetest.Sign(body, time.Now()))
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				if res.Duplicate {
					dups++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		a := w.account(t, w.student)
		if got := count(a, billing.EntryPayment); got != 1 {
			t.Errorf("payment entries after 10 deliveries = %d, want 1", got)
		}
		if a.Balance != 0 {
			t.Errorf("balance = %d, want 0", a.Balance)
		}
		// Concurrent deliveries of an event still in progress are each applied, harmlessly;
		// once it is processed, every replay is acknowledged as a duplicate.
		for i := range 10 {
			res, err := w.svc.HandleWebhook(context.Background(), body, stripetest.Sign(body, time.Now()))
			if err != nil || !res.Duplicate {
				t.Errorf("sequential replay %d: %+v, %v; want a duplicate", i, res, err)
			}
		}
		if got := count(w.account(t, w.student), billing.EntryPayment); got != 1 {
			t.Errorf("payment entries after 20 deliveries = %d, want 1", got)
		}
		t.Logf("%d of 10 concurrent deliveries were duplicates", dups)
	})

	t.Run("partial and full refunds", func(t *testing.T) {
		w := newWorld(t, true)
		f := w.fee(t, "Course access", 15000, false)
		co := w.checkout(t)
		mustDeliver(t, w, "evt_paid", billing.EventSessionCompleted, stripetest.Session(co.SessionID, co.ID, "pi_r", "paid"))
		payID := "stripe:pi_r:" + billing.ChargeID(f.ID, w.student.UserID)
		ctx := context.Background()
		// Partial refund through the Refund API (stripe-mock).
		entries, err := w.svc.Refund(ctx, w.coord, billing.RefundRequest{StudentID: w.student.UserID, PaymentID: payID, Amount: 5000, Reason: "withdrew from one module"})
		if err != nil {
			t.Fatal(err)
		}
		refundID := entries[0].RefundID
		meta := map[string]string{"chartroom_refund": refundID, "chartroom_student": w.student.UserID, "chartroom_payment": payID}
		// Stripe's events for it, delivered twice, change nothing more.
		mustDeliver(t, w, "evt_rc", billing.EventRefundCreated, stripetest.Refund("re_1", "pi_r", 5000, "succeeded", meta))
		mustDeliver(t, w, "evt_rc", billing.EventRefundCreated, stripetest.Refund("re_1", "pi_r", 5000, "succeeded", meta))
		a := w.account(t, w.student)
		if c := a.Charges[0]; c.Refunded != 5000 || c.Paid != 10000 || a.Balance != 0 || count(a, billing.EntryRefund) != 1 {
			t.Fatalf("after partial refund: balance %d charge %+v refunds %d", a.Balance, c, count(a, billing.EntryRefund))
		}
		// Over-refund refused before Stripe is called.
		if _, err := w.svc.Refund(ctx, w.coord, billing.RefundRequest{StudentID: w.student.UserID, PaymentID: payID, Amount: 10001, Reason: "too much"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("over-refund: err = %v, want conflict", err)
		}
		// The rest, fully.
		if _, err := w.svc.Refund(ctx, w.coord, billing.RefundRequest{StudentID: w.student.UserID, PaymentID: payID, Amount: 10000, Reason: "withdrew"}); err != nil {
			t.Fatal(err)
		}
		a = w.account(t, w.student)
		if c := a.Charges[0]; c.Refunded != 15000 || c.Paid != 0 || c.Charged != 0 || a.Balance != 0 {
			t.Errorf("after full refund: balance %d charge %+v", a.Balance, c)
		}
		// A refund made from Chartroom whose write was lost is posted from its event; a
		// failure reported later reverses it (and arrives out of order here, before created).
		lost := map[string]string{"chartroom_refund": "lost1", "chartroom_student": w.student.UserID, "chartroom_payment": payID}
		mustDeliver(t, w, "evt_rf", billing.EventRefundFailed, stripetest.Refund("re_2", "pi_r", 700, "failed", lost))
		mustDeliver(t, w, "evt_rc2", billing.EventRefundCreated, stripetest.Refund("re_2", "pi_r", 700, "pending", lost))
		a = w.account(t, w.student)
		if c := a.Charges[0]; c.Refunded != 15000 || a.Balance != 0 || count(a, billing.EntryReversal) != 1 {
			t.Errorf("after a failed refund: balance %d charge %+v reversals %d", a.Balance, c, count(a, billing.EntryReversal))
		}
		// Refund events without Chartroom metadata are acknowledged and leave the ledger alone.
		n := len(a.Entries)
		mustDeliver(t, w, "evt_other", billing.EventChargeRefunded, map[string]any{"id": "ch_1", "object": "charge", "refunds": map[string]any{"object": "list", "data": []any{stripetest.Refund("re_9", "pi_r", 100, "succeeded", nil)}}})
		if got := len(w.account(t, w.student).Entries); got != n {
			t.Errorf("foreign refund posted %d entries", got-n)
		}
	})
}
