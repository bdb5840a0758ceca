package billing

import (
	"context"
	"log/slog"
	"time"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
)

// Verifier checks a webhook delivery's signature over the raw body and decodes the event.
// It returns apperr.Invalid for a bad signature, a stale timestamp or a malformed body.
type Verifier interface {
	Verify(payload []byte, signature string) (Event, error)
}

// The webhook event types billing acts on; any other type is acknowledged and ignored.
const (
	EventSessionCompleted    = "checkout.session.completed"
	EventAsyncSucceeded      = "checkout.session.async_payment_succeeded"
	EventAsyncFailed         = "checkout.session.async_payment_failed"
	EventSessionExpired      = "checkout.session.expired"
	EventChargeRefunded      = "charge.refunded"
	EventRefundCreated       = "refund.created"
	EventRefundUpdated       = "refund.updated"
	EventRefundFailed        = "refund.failed"
	EventChargeRefundUpdated = "charge.refund.updated"
)

// Event is a verified webhook event, reduced to what billing reads.
type Event struct {
	ID      string
	Type    string
	Created time.Time
	// Session is set for checkout.session.* events.
	Session *SessionEvent
	// Refunds is set for refund and charge.refunded events.
	Refunds []RefundEvent
}

// SessionEvent is the Checkout Session an event carries.
type SessionEvent struct {
	ID              string
	ClientReference string
	PaymentIntent   string
	PaymentStatus   string // paid, unpaid, no_payment_required
	Metadata        map[string]string
}

// RefundEvent is a refund an event carries.
type RefundEvent struct {
	ID            string
	PaymentIntent string
	Amount        int64
	Status        string // pending, requires_action, succeeded, failed, canceled
	Metadata      map[string]string
}

// WebhookResult says what a delivery did, for the response and the tests.
type WebhookResult struct {
	EventID   string `json:"eventId"`
	Type      string `json:"type"`
	Duplicate bool   `json:"duplicate"`
	Ignored   bool   `json:"ignored"`
}

// HandleWebhook verifies and applies one webhook delivery. Each event is recorded under its
// id first: a delivery of an event already processed is acknowledged and skipped. The
// handlers re-read state and post ledger entries with deterministic ids, so an event that
// was interrupted half-way, or one that arrives out of order, is applied exactly once.
func (s *Service) HandleWebhook(ctx context.Context, payload []byte, signature string) (WebhookResult, error) {
	if s.verifier == nil {
		return WebhookResult{}, &apperr.Error{Kind: apperr.Unavailable, Type: "payment-unavailable", Message: "No webhook secret is configured."}
	}
	ev, err := s.verifier.Verify(payload, signature)
	if err != nil {
		return WebhookResult{}, err
	}
	res := WebhookResult{EventID: ev.ID, Type: ev.Type}
	now := s.now().UTC()
	done, err := s.store.BeginEvent(ctx, ev.ID, ev.Type, now)
	if err != nil {
		return res, err
	}
	if done {
		res.Duplicate = true
		return res, nil
	}
	switch ev.Type {
	case EventSessionCompleted, EventAsyncSucceeded, EventAsyncFailed, EventSessionExpired:
		if ev.Session == nil {
			res.Ignored = true
			break
		}
		err = s.applySession(ctx, ev)
	case EventChargeRefunded, EventRefundCreated, EventRefundUpdated, EventRefundFailed, EventChargeRefundUpdated:
		for _, r := range ev.Refunds {
			if err = s.applyRefund(ctx, ev, r); err != nil {
				break
			}
		}
	default:
		res.Ignored = true
	}
	if err != nil {
		// Not marked finished: Stripe retries, and the retry applies what is missing.
		return res, err
	}
	return res, s.store.FinishEvent(ctx, ev.ID, now)
}

func (s *Service) applySession(ctx context.Context, ev Event) error {
	se := ev.Session
	id := se.ClientReference
	if id == "" {
		id = se.Metadata[metaCheckout]
	}
	paid := (ev.Type == EventSessionCompleted && se.PaymentStatus == "paid") || ev.Type == EventAsyncSucceeded
	for range maxRetries {
		co, err := s.store.CheckoutByID(ctx, id)
		if apperr.Is(err, apperr.NotFound) {
			// A session some other system created: nothing of ours to fulfil.
			slog.Default().Warn("webhook for an unknown checkout", "event", ev.ID, "session", se.ID)
			return nil
		}
		if err != nil {
			return err
		}
		if se.ID != "" && co.SessionID != "" && se.ID != co.SessionID && !paid {
			// An event about an older, replaced session; only a payment matters from those.
			return nil
		}
		if paid {
			if err := s.fulfil(ctx, co, se.PaymentIntent, ev.ID); err != nil {
				return err
			}
		}
		next := co.Status
		switch {
		case paid:
			next = CheckoutComplete
		case co.Status == CheckoutComplete:
			// Already paid: a late expiry or failure notice changes nothing.
		case ev.Type == EventSessionCompleted:
			if co.Status == CheckoutOpen {
				next = CheckoutProcessing
			}
		case ev.Type == EventAsyncFailed:
			next = CheckoutFailed
		case ev.Type == EventSessionExpired:
			next = CheckoutExpired
		}
		if next == co.Status && (!paid || co.PaymentIntent == se.PaymentIntent) {
			return nil
		}
		co.Status, co.UpdatedAt = next, s.now().UTC()
		if paid {
			co.PaymentIntent = se.PaymentIntent
		}
		err = s.store.SaveCheckout(ctx, co)
		if apperr.Is(err, apperr.Conflict) {
			continue
		}
		if err != nil {
			return err
		}
		if next == CheckoutFailed || next == CheckoutExpired {
			_ = s.audit.Record(ctx, audit.Entry{ActorID: "stripe", Action: "payment.checkout_" + string(next), Subject: "user:" + co.StudentID,
				Details: map[string]string{"checkoutId": co.ID, "event": ev.ID}})
		}
		return nil
	}
	return apperr.New(apperr.Conflict, "The checkout is busy.")
}

// fulfil posts one payment entry per charge of the checkout. The entry ids derive from the
// payment intent and the charge, so a repeated or reordered event posts nothing new.
func (s *Service) fulfil(ctx context.Context, co Checkout, paymentIntent, eventID string) error {
	ref := paymentIntent
	if ref == "" {
		ref = co.SessionID
	}
	now := s.now().UTC()
	var posted []Entry
	_, err := s.mutate(ctx, co.StudentID, func(a *Account) ([]Entry, error) {
		posted = posted[:0]
		for _, it := range co.Items {
			id := "stripe:" + ref + ":" + it.ChargeID
			if a.HasEntry(id) {
				continue
			}
			posted = append(posted, Entry{ID: id, StudentID: co.StudentID, ProgramID: it.ProgramID, ChargeID: it.ChargeID, Kind: EntryPayment,
				Amount: -it.Amount, Currency: co.Currency, Method: Card, Reference: ref, ReceiptID: receiptID(co.StudentID, ref),
				ActorID: "stripe", At: now})
		}
		return posted, nil
	})
	if err != nil {
		return err
	}
	for _, e := range posted {
		_ = s.audit.Record(ctx, audit.Entry{ActorID: "stripe", Action: "payment.online", Subject: "user:" + co.StudentID,
			Details: map[string]string{"entryId": e.ID, "chargeId": e.ChargeID, "amount": FormatAmount(-e.Amount, e.Currency), "event": eventID}})
	}
	return nil
}

// applyRefund makes the ledger agree with a refund Stripe reports. Refunds made from
// Chartroom carry its refund id in their metadata and were posted when they were made; the
// event posts them if that write was lost, and reverses them when the refund failed.
func (s *Service) applyRefund(ctx context.Context, ev Event, r RefundEvent) error {
	refundID, studentID, paymentID := r.Metadata[metaRefund], r.Metadata[metaStudent], r.Metadata[metaPayment]
	if refundID == "" || studentID == "" || paymentID == "" {
		slog.Default().Warn("refund event without Chartroom metadata ignored; record refunds made outside Chartroom by hand", "event", ev.ID, "refund", r.ID)
		return nil
	}
	failed := r.Status == "failed" || r.Status == "canceled"
	now := s.now().UTC()
	var posted []Entry
	_, err := s.mutate(ctx, studentID, func(a *Account) ([]Entry, error) {
		posted = posted[:0]
		pay, ok := a.Entry(paymentID)
		if !ok || pay.Kind != EntryPayment {
			return nil, nil
		}
		if !a.HasEntry("refund:" + refundID) {
			posted = append(posted, refundEntries(pay, refundID, r.Amount, r.ID, "refund reported by Stripe", "stripe", now)...)
		}
		if failed && !a.HasEntry("refund:"+refundID+":reversal") {
			amount := r.Amount
			if e, ok := a.Entry("refund:" + refundID); ok {
				amount = e.Amount
			}
			base := Entry{StudentID: pay.StudentID, ProgramID: pay.ProgramID, ChargeID: pay.ChargeID, Currency: pay.Currency, Method: pay.Method,
				Reference: r.ID, Reason: "refund " + r.Status + " at Stripe", PaymentID: pay.ID, RefundID: refundID, ActorID: "stripe", At: now}
			rev, restore := base, base
			rev.ID, rev.Kind, rev.Amount = "refund:"+refundID+":reversal", EntryReversal, -amount
			restore.ID, restore.Kind, restore.Amount = "refund:"+refundID+":restore", EntryFeeReduced, amount
			posted = append(posted, rev, restore)
		}
		return posted, nil
	})
	if err != nil {
		return err
	}
	for _, e := range posted {
		_ = s.audit.Record(ctx, audit.Entry{ActorID: "stripe", Action: "payment.refund_" + string(e.Kind), Subject: "user:" + studentID,
			Details: map[string]string{"entryId": e.ID, "event": ev.ID, "amount": FormatAmount(e.Amount, e.Currency)}})
	}
	return nil
}
