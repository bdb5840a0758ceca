package billing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/billing"
	"github.com/chartroom-him/chartroom/internal/stripepay/stripetest"
)

// BenchmarkCheckAccess measures the lock check every gated request pays: one _id read of
// the student's account and a scan of its charges in Go.
func BenchmarkCheckAccess(b *testing.B) {
	w := newWorld(b, false)
	for i := range 5 {
		w.fee(b, fmt.Sprintf("Fee %d", i), 1000, false, billing.Unlock{Kind: billing.UnlockCourse, Ref: fmt.Sprintf("c%d", i)})
	}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if err := w.svc.CheckAccess(ctx, w.student, billing.UnlockCourse, "c3"); err == nil {
			b.Fatal("want locked")
		}
	}
}

// BenchmarkWebhookPayment measures one signed checkout.session.completed delivery end to
// end: verification, the event record, the account write and the checkout update. Each
// iteration pays a new checkout of a new fee.
func BenchmarkWebhookPayment(b *testing.B) {
	w := newWorld(b, true)
	ctx := context.Background()
	bodies := make([][]byte, b.N)
	for i := range b.N {
		f := w.fee(b, fmt.Sprintf("Fee %d", i), 1000, false)
		co, err := w.svc.Pay(ctx, w.student, []string{billing.ChargeID(f.ID, w.student.UserID)})
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = stripetest.Event(fmt.Sprintf("evt_b%d", i), billing.EventSessionCompleted, stripetest.Session(co.SessionID, co.ID, fmt.Sprintf("pi_b%d", i), "paid"))
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := w.svc.HandleWebhook(ctx, bodies[i], stripetest.Sign(bodies[i], time.Now())); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if a := w.account(b, w.student); a.Balance != 0 {
		b.Errorf("balance = %d after paying everything", a.Balance)
	}
}
