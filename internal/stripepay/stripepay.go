// Package stripepay is Chartroom's Stripe adapter: it creates Checkout Sessions and
// refunds through stripe-go, and verifies webhook deliveries over their raw body. It
// translates Stripe types into billing types at this boundary.
package stripepay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/billing"
)

// Tolerance is how old a webhook signature's timestamp may be.
const Tolerance = 300 * time.Second

// Gateway calls the Stripe API.
type Gateway struct {
	api *client.API
}

var _ billing.Gateway = (*Gateway)(nil)

// NewGateway returns a Gateway using secret key key. apiBase, when set, replaces Stripe's
// API URL (stripe-mock in tests).
func NewGateway(key, apiBase string) *Gateway {
	cfg := &stripe.BackendConfig{HTTPClient: &http.Client{Timeout: 30 * time.Second}, MaxNetworkRetries: stripe.Int64(2),
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelError}}
	if apiBase != "" {
		cfg.URL = stripe.String(strings.TrimRight(apiBase, "/"))
	}
	backends := &stripe.Backends{
		API:     stripe.GetBackendWithConfig(stripe.APIBackend, cfg),
		Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, cfg),
		Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, cfg),
	}
	return &Gateway{api: client.New(key, backends)}
}

// CreateCheckout creates a Checkout Session in payment mode with one line per charge.
func (g *Gateway) CreateCheckout(ctx context.Context, r billing.GatewayCheckout) (billing.GatewaySession, error) {
	p := &stripe.CheckoutSessionParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		ClientReferenceID: stripe.String(r.ClientReference),
		SuccessURL:        stripe.String(r.SuccessURL),
		CancelURL:         stripe.String(r.CancelURL),
		PaymentIntentData: &stripe.CheckoutSessionPaymentIntentDataParams{Metadata: r.Metadata},
	}
	if r.CustomerEmail != "" {
		p.CustomerEmail = stripe.String(r.CustomerEmail)
	}
	for _, l := range r.Lines {
		p.LineItems = append(p.LineItems, &stripe.CheckoutSessionLineItemParams{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
				Currency: stripe.String(r.Currency), UnitAmount: stripe.Int64(l.Amount),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String(l.Name)},
			},
		})
	}
	for k, v := range r.Metadata {
		p.AddMetadata(k, v)
	}
	p.Context = ctx
	p.SetIdempotencyKey(r.IdempotencyKey)
	s, err := g.api.CheckoutSessions.New(p)
	if err != nil {
		return billing.GatewaySession{}, gatewayErr(err)
	}
	return billing.GatewaySession{ID: s.ID, URL: s.URL}, nil
}

// Refund refunds part of a payment intent.
func (g *Gateway) Refund(ctx context.Context, r billing.GatewayRefund) (string, error) {
	p := &stripe.RefundParams{PaymentIntent: stripe.String(r.PaymentIntent), Amount: stripe.Int64(r.Amount)}
	for k, v := range r.Metadata {
		p.AddMetadata(k, v)
	}
	p.Context = ctx
	p.SetIdempotencyKey(r.IdempotencyKey)
	rf, err := g.api.Refunds.New(p)
	if err != nil {
		return "", gatewayErr(err)
	}
	return rf.ID, nil
}

// gatewayErr maps a Stripe error to an apperr kind: a request Stripe refuses is a conflict
// the user can act on; anything else means the payment provider is unavailable.
func gatewayErr(err error) error {
	var se *stripe.Error
	if errors.As(err, &se) && (se.Type == stripe.ErrorTypeInvalidRequest || se.Type == stripe.ErrorTypeCard) {
		return &apperr.Error{Kind: apperr.Conflict, Type: "payment-refused", Message: "The payment provider refused the request: " + se.Msg, Err: err}
	}
	return &apperr.Error{Kind: apperr.Unavailable, Type: "payment-unavailable", Message: "The payment provider is not answering. Try again shortly.", Err: err}
}

// Verifier checks webhook signatures with the endpoint's signing secret.
type Verifier struct {
	secret string
}

var _ billing.Verifier = (*Verifier)(nil)

// NewVerifier returns a Verifier for signing secret secret (whsec_...).
func NewVerifier(secret string) *Verifier { return &Verifier{secret: secret} }

// Verify checks the Stripe-Signature header over the raw payload (tolerance 300 s) and
// decodes the event. It returns apperr.Invalid when the signature or timestamp is bad.
func (v *Verifier) Verify(payload []byte, signature string) (billing.Event, error) {
	ev, err := webhook.ConstructEventWithOptions(payload, signature, v.secret, webhook.ConstructEventOptions{
		Tolerance: Tolerance, IgnoreAPIVersionMismatch: true,
	})
	if err != nil {
		msg := "The webhook signature is not valid."
		if errors.Is(err, webhook.ErrTooOld) {
			msg = "The webhook signature's timestamp is too old."
		}
		return billing.Event{}, &apperr.Error{Kind: apperr.Invalid, Type: "bad-signature", Message: msg,
			Fields: []apperr.FieldError{{Field: "Stripe-Signature", Message: msg}}, Err: err}
	}
	out := billing.Event{ID: ev.ID, Type: string(ev.Type), Created: time.Unix(ev.Created, 0).UTC()}
	if ev.Data == nil {
		return out, nil
	}
	bad := func(err error) (billing.Event, error) {
		return billing.Event{}, apperr.Wrap(apperr.Invalid, err, fmt.Sprintf("The %s event's object could not be read.", ev.Type))
	}
	switch {
	case strings.HasPrefix(string(ev.Type), "checkout.session."):
		var s stripe.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &s); err != nil {
			return bad(err)
		}
		se := &billing.SessionEvent{ID: s.ID, ClientReference: s.ClientReferenceID, PaymentStatus: string(s.PaymentStatus), Metadata: s.Metadata}
		if s.PaymentIntent != nil {
			se.PaymentIntent = s.PaymentIntent.ID
		}
		out.Session = se
	case ev.Type == "charge.refunded":
		var c stripe.Charge
		if err := json.Unmarshal(ev.Data.Raw, &c); err != nil {
			return bad(err)
		}
		if c.Refunds != nil {
			for _, r := range c.Refunds.Data {
				out.Refunds = append(out.Refunds, refundEvent(r))
			}
		}
	case strings.HasPrefix(string(ev.Type), "refund.") || ev.Type == "charge.refund.updated":
		var r stripe.Refund
		if err := json.Unmarshal(ev.Data.Raw, &r); err != nil {
			return bad(err)
		}
		out.Refunds = append(out.Refunds, refundEvent(&r))
	}
	return out, nil
}

func refundEvent(r *stripe.Refund) billing.RefundEvent {
	re := billing.RefundEvent{ID: r.ID, Amount: r.Amount, Status: string(r.Status), Metadata: r.Metadata}
	if r.PaymentIntent != nil {
		re.PaymentIntent = r.PaymentIntent.ID
	}
	return re
}
