package stripepay_test

import (
	"context"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/billing"
	"github.com/chartroom-him/chartroom/internal/stripepay"
	"github.com/chartroom-him/chartroom/internal/stripepay/stripetest"
)

func TestGatewayAgainstStripeMock(t *testing.T) {
	g := stripepay.NewGateway(stripetest.Key, stripetest.Start(t))
	ctx := context.Background()
	s, err := g.CreateCheckout(ctx, billing.GatewayCheckout{IdempotencyKey: "co_test-0", ClientReference: "co_test", Currency: "usd",
		Lines: []billing.GatewayLine{{Name: "Course access", Amount: 15000}}, SuccessURL: "http://127.0.0.1/fees", CancelURL: "http://127.0.0.1/fees",
		Metadata: map[string]string{"chartroom_checkout": "co_test"}})
	if err != nil || s.ID == "" || s.URL == "" {
		t.Fatalf("checkout = %+v, %v; want a session with a URL", s, err)
	}
	id, err := g.Refund(ctx, billing.GatewayRefund{IdempotencyKey: "refund-1", PaymentIntent: "pi_123", Amount: 500})
	if err != nil || id == "" {
		t.Fatalf("refund = %q, %v", id, err)
	}
	// Nobody listening: the provider is unavailable.
	down := stripepay.NewGateway(stripetest.Key, "http://127.0.0.1:1")
	if _, err := down.Refund(ctx, billing.GatewayRefund{IdempotencyKey: "r", PaymentIntent: "pi", Amount: 1}); !apperr.Is(err, apperr.Unavailable) {
		t.Errorf("down: err = %v, want unavailable", err)
	}
}

func TestVerifier(t *testing.T) {
	v := stripepay.NewVerifier(stripetest.Secret)
	body := stripetest.Event("evt_1", "checkout.session.completed", stripetest.Session("cs_1", "co_1", "pi_1", "paid"))
	ev, err := v.Verify(body, stripetest.Sign(body, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID != "evt_1" || ev.Session == nil || ev.Session.ClientReference != "co_1" || ev.Session.PaymentIntent != "pi_1" || ev.Session.PaymentStatus != "paid" {
		t.Errorf("event = %+v session %+v", ev, ev.Session)
	}
	refund := stripetest.Event("evt_2", "refund.failed", stripetest.Refund("re_1", "pi_1", 700, "failed", map[string]string{"chartroom_refund": "r1"}))
	if ev, err = v.Verify(refund, stripetest.Sign(refund, time.Now())); err != nil || len(ev.Refunds) != 1 || ev.Refunds[0].Amount != 700 || ev.Refunds[0].Metadata["chartroom_refund"] != "r1" {
		t.Errorf("refund event = %+v, %v", ev, err)
	}
	for name, sig := range map[string]string{
		"stale":            stripetest.Sign(body, time.Now().Add(-301*time.Second)),
		"inside tolerance": stripetest.Sign(body, time.Now().Add(-299*time.Second)),
		"wrong secret":     "t=1,v1=deadbeef",
	} {
		_, err := v.Verify(body, sig)
		if name == "inside tolerance" {
			if err != nil {
				t.Errorf("%s: err = %v, want accepted inside the 300 s tolerance", name, err)
			}
			continue
		}
		if ae, ok := err.(*apperr.Error); !ok || ae.Kind != apperr.Invalid || ae.Type != "bad-signature" {
			t.Errorf("%s: err = %v, want bad-signature", name, err)
		}
	}
}
