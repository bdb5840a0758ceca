package billing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
)

// RefundRequest asks to return money from one payment entry.
type RefundRequest struct {
	ProgramID string // when set, the payment must belong to this program
	StudentID string
	PaymentID string // the payment ledger entry
	Amount    int64
	Reason    string
}

// Refund returns part or all of a payment: through the payment network for card payments,
// as ledger entries alone for offline ones. A refund never exceeds what is left of the
// payment, and it gives back the same part of the fee, so the balance does not change;
// the fee's rule decides whether what it unlocked is locked again.
func (s *Service) Refund(ctx context.Context, p accounts.Principal, r RefundRequest) ([]Entry, error) {
	var f apperr.Fields
	if r.Amount <= 0 || r.Amount > MaxAmount {
		f.Add("amount", "must be a positive amount in cents")
	}
	r.Reason = strings.TrimSpace(r.Reason)
	if r.Reason == "" || len(r.Reason) > 500 {
		f.Add("reason", "is required (at most 500 characters)")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	acc, err := s.store.Account(ctx, r.StudentID)
	if err != nil {
		return nil, err
	}
	pay, ok := acc.Entry(r.PaymentID)
	if !ok || pay.Kind != EntryPayment || (r.ProgramID != "" && pay.ProgramID != r.ProgramID) {
		return nil, apperr.New(apperr.NotFound, "No such payment.")
	}
	if _, err := s.managed(ctx, p, pay.ProgramID); err != nil {
		return nil, err
	}
	if left := acc.Refundable(pay.ID); r.Amount > left {
		return nil, &apperr.Error{Kind: apperr.Conflict, Message: fmt.Sprintf("At most %s of this payment can be refunded.", FormatAmount(left, pay.Currency)),
			Fields: []apperr.FieldError{{Field: "amount", Message: "is more than was paid and not yet refunded"}}}
	}
	refundID := newID()
	reference := pay.Reference
	if pay.Method == Card {
		if s.gateway == nil {
			return nil, errUnavailable
		}
		ref, err := s.gateway.Refund(ctx, GatewayRefund{IdempotencyKey: "refund-" + refundID, PaymentIntent: pay.Reference, Amount: r.Amount,
			Metadata: map[string]string{metaRefund: refundID, metaStudent: r.StudentID, metaPayment: pay.ID}})
		if err != nil {
			return nil, err
		}
		reference = ref
	}
	entries := refundEntries(pay, refundID, r.Amount, reference, r.Reason, p.UserID, s.now().UTC())
	_, err = s.mutate(ctx, r.StudentID, func(a *Account) ([]Entry, error) {
		if a.HasEntry(entries[0].ID) {
			return nil, nil
		}
		// Card refunds are already made at Stripe, which refuses to refund more than was
		// paid; offline ones are checked again against a concurrent refund.
		if pay.Method != Card && r.Amount > a.Refundable(pay.ID) {
			return nil, apperr.Field("amount", "is more than was paid and not yet refunded")
		}
		return entries, nil
	})
	if err != nil {
		return nil, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "payment.refund", Subject: "user:" + r.StudentID,
		Details: map[string]string{"refundId": refundID, "paymentId": pay.ID, "method": string(pay.Method), "amount": FormatAmount(r.Amount, pay.Currency), "reason": r.Reason}})
	return entries, nil
}

// refundEntries are the two entries of a refund: the money returned and the part of the fee
// given back. Their ids derive from the refund id, so posting them twice is a no-op.
func refundEntries(pay Entry, refundID string, amount int64, reference, reason, actor string, at time.Time) []Entry {
	base := Entry{StudentID: pay.StudentID, ProgramID: pay.ProgramID, ChargeID: pay.ChargeID, Currency: pay.Currency, Method: pay.Method,
		Reference: reference, Reason: reason, PaymentID: pay.ID, RefundID: refundID, ActorID: actor, At: at}
	refund, reduce := base, base
	refund.ID, refund.Kind, refund.Amount = "refund:"+refundID, EntryRefund, amount
	reduce.ID, reduce.Kind, reduce.Amount = "refund:"+refundID+":fee", EntryFeeReduced, -amount
	return []Entry{refund, reduce}
}
