package billing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
)

// Metadata keys Chartroom sets on Stripe objects and reads back from webhook events.
const (
	metaCheckout = "chartroom_checkout"
	metaRefund   = "chartroom_refund"
	metaStudent  = "chartroom_student"
	metaPayment  = "chartroom_payment"
)

// Gateway is the payment network (Stripe): it creates hosted Checkout Sessions and refunds.
type Gateway interface {
	// CreateCheckout creates a Checkout Session in payment mode. The same IdempotencyKey
	// returns the same session.
	CreateCheckout(ctx context.Context, r GatewayCheckout) (GatewaySession, error)
	// Refund refunds part of a payment intent and returns the refund's id.
	Refund(ctx context.Context, r GatewayRefund) (string, error)
}

// GatewayCheckout describes a Checkout Session to create.
type GatewayCheckout struct {
	IdempotencyKey  string
	ClientReference string // our checkout id, echoed back in webhook events
	Currency        string
	CustomerEmail   string
	Lines           []GatewayLine
	SuccessURL      string
	CancelURL       string
	Metadata        map[string]string
}

// GatewayLine is one line of a Checkout Session.
type GatewayLine struct {
	Name   string
	Amount int64
}

// GatewaySession is a created Checkout Session.
type GatewaySession struct {
	ID  string
	URL string
}

// GatewayRefund describes a refund to create.
type GatewayRefund struct {
	IdempotencyKey string
	PaymentIntent  string
	Amount         int64
	Metadata       map[string]string
}

// CheckoutStatus is where a checkout stands.
type CheckoutStatus string

// The checkout statuses. Complete, failed and expired are final for a session; a new
// session may follow a failed or expired one.
const (
	CheckoutOpen       CheckoutStatus = "open"       // the student has the payment page
	CheckoutProcessing CheckoutStatus = "processing" // completed, an async payment pending
	CheckoutComplete   CheckoutStatus = "complete"   // paid; the ledger has the payments
	CheckoutFailed     CheckoutStatus = "failed"     // the async payment failed
	CheckoutExpired    CheckoutStatus = "expired"    // abandoned
)

// CheckoutItem is one charge in a checkout and the amount paid towards it.
type CheckoutItem struct {
	ChargeID  string
	ProgramID string
	Name      string
	Amount    int64
}

// Checkout is Chartroom's record of paying a set of charges online. Its id derives from
// the student, the charges and their amounts, so asking twice gives the same checkout.
type Checkout struct {
	ID            string
	StudentID     string
	Currency      string
	Items         []CheckoutItem
	Attempt       int // bumped when a failed or expired session is replaced
	SessionID     string
	URL           string
	Status        CheckoutStatus
	PaymentIntent string
	Version       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Total is the sum of the checkout's items.
func (c Checkout) Total() int64 {
	var t int64
	for _, it := range c.Items {
		t += it.Amount
	}
	return t
}

func (c Checkout) final() bool {
	return c.Status == CheckoutComplete || c.Status == CheckoutFailed || c.Status == CheckoutExpired
}

// sessionLifetime is how long a Checkout Session stays usable (Stripe's default is 24 h).
const sessionLifetime = 23 * time.Hour

// checkoutID derives the id of paying amounts towards charges: sorted, so the order the
// student picked them in does not matter.
func checkoutID(studentID string, items []CheckoutItem) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = fmt.Sprintf("%s=%d", it.ChargeID, it.Amount)
	}
	slices.Sort(parts)
	h := sha256.Sum256([]byte(studentID + "|" + strings.Join(parts, "|")))
	return "co_" + hex.EncodeToString(h[:16])
}

// Pay starts (or resumes) online payment of the caller's charges and returns the checkout
// with the URL of the hosted payment page. Paying the same charges again while a session is
// open returns the same session, so a double click never makes two.
func (s *Service) Pay(ctx context.Context, p accounts.Principal, chargeIDs []string) (Checkout, error) {
	if s.gateway == nil {
		return Checkout{}, errUnavailable
	}
	if len(chargeIDs) == 0 || len(chargeIDs) > 20 {
		return Checkout{}, apperr.Field("chargeIds", "give between 1 and 20 charges")
	}
	acc, err := s.store.Account(ctx, p.UserID)
	if err != nil {
		return Checkout{}, err
	}
	var items []CheckoutItem
	currency := ""
	seen := map[string]bool{}
	for i, id := range chargeIDs {
		field := fmt.Sprintf("chargeIds[%d]", i)
		c, ok := acc.Charge(id)
		if !ok || seen[id] {
			return Checkout{}, apperr.Field(field, "is not one of your charges (or is repeated)")
		}
		seen[id] = true
		st := acc.State(c)
		if st.Outstanding <= 0 || st.Status == Refunded {
			return Checkout{}, apperr.Field(field, "has nothing outstanding")
		}
		if currency != "" && c.Currency != currency {
			return Checkout{}, apperr.Field(field, "is in another currency; pay it separately")
		}
		currency = c.Currency
		items = append(items, CheckoutItem{ChargeID: c.ID, ProgramID: c.ProgramID, Name: c.Name, Amount: st.Outstanding})
	}
	now := s.now().UTC()
	id := checkoutID(p.UserID, items)
	for range maxRetries {
		co, err := s.store.CheckoutByID(ctx, id)
		switch {
		case apperr.Is(err, apperr.NotFound):
			co = Checkout{ID: id, StudentID: p.UserID, Currency: currency, Items: items, CreatedAt: now}
		case err != nil:
			return Checkout{}, err
		case co.Status == CheckoutComplete:
			return Checkout{}, apperr.New(apperr.Conflict, "These charges are already paid; the payment is being recorded.")
		case co.Status == CheckoutProcessing:
			return co, nil
		case co.Status == CheckoutOpen && now.Sub(co.UpdatedAt) < sessionLifetime:
			return co, nil
		default:
			co.Attempt++
		}
		sess, err := s.gateway.CreateCheckout(ctx, GatewayCheckout{
			IdempotencyKey: fmt.Sprintf("%s-%d", id, co.Attempt), ClientReference: id, Currency: currency, CustomerEmail: p.Email,
			Lines:      gatewayLines(items),
			SuccessURL: s.baseURL + "/fees?checkout=" + id + "&result=success", CancelURL: s.baseURL + "/fees?checkout=" + id + "&result=cancel",
			Metadata: map[string]string{metaCheckout: id, metaStudent: p.UserID},
		})
		if err != nil {
			return Checkout{}, err
		}
		co.SessionID, co.URL, co.Status, co.UpdatedAt = sess.ID, sess.URL, CheckoutOpen, now
		err = s.store.SaveCheckout(ctx, co)
		if apperr.Is(err, apperr.Conflict) {
			// A concurrent request (the second click) saved it first with the same
			// idempotency key, hence the same session: read it back.
			continue
		}
		if err != nil {
			return Checkout{}, err
		}
		co.Version++
		_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "payment.checkout", Subject: "user:" + p.UserID,
			Details: map[string]string{"checkoutId": id, "session": sess.ID, "amount": FormatAmount(co.Total(), currency)}})
		return co, nil
	}
	return Checkout{}, apperr.New(apperr.Conflict, "The payment is busy; try again.")
}

func gatewayLines(items []CheckoutItem) []GatewayLine {
	out := make([]GatewayLine, len(items))
	for i, it := range items {
		out[i] = GatewayLine{Name: it.Name, Amount: it.Amount}
	}
	return out
}

// CheckoutStatusOf returns one of the caller's checkouts (the page Stripe returns to polls it).
func (s *Service) CheckoutStatusOf(ctx context.Context, p accounts.Principal, id string) (Checkout, error) {
	co, err := s.store.CheckoutByID(ctx, id)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return Checkout{}, err
	}
	if err != nil || co.StudentID != p.UserID {
		return Checkout{}, apperr.New(apperr.NotFound, "No such checkout.")
	}
	return co, nil
}
