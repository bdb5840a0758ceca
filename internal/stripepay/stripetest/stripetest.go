// Package stripetest runs stripe-mock (a Go tool of this module) for tests and signs
// webhook payloads locally, so every Stripe call in the tests goes over HTTP to a real
// Stripe API double and every webhook goes through real signature verification.
package stripetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"
)

// Key is the secret key the tests use with stripe-mock.
const Key = "sk_test_123"

// Secret is the webhook signing secret the tests use.
const Secret = "whsec_test_chartroom"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// build compiles stripe-mock once per test binary into a temporary directory.
func build() (string, error) {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stripe-mock-*")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "stripe-mock")
		var out bytes.Buffer
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/stripe/stripe-mock")
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("building stripe-mock: %v: %s", err, out.String())
		}
	})
	return binPath, buildErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start runs stripe-mock on a free loopback port until the test ends and returns its base
// URL (for stripepay.NewGateway's apiBase).
func Start(tb testing.TB) string {
	tb.Helper()
	bin, err := build()
	if err != nil {
		tb.Fatalf("stripetest: %v", err)
	}
	for try := 0; try < 3; try++ {
		port, err := freePort()
		if err != nil {
			tb.Fatalf("stripetest: %v", err)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		ctx, cancel := context.WithCancel(context.Background())
		// HTTPS on a port the system picks: its default (12112) may be taken by another run.
		cmd := exec.CommandContext(ctx, bin, "-http-addr", addr, "-https-addr", "127.0.0.1:")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			cancel()
			tb.Fatalf("stripetest: starting stripe-mock: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				deadline = time.Time{}
				continue
			default:
			}
			if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
				_ = c.Close()
				// It listens on HTTP before HTTPS; make sure it did not exit on the second.
				select {
				case <-exited:
					deadline = time.Time{}
					continue
				case <-time.After(300 * time.Millisecond):
				}
				tb.Cleanup(func() { cancel(); <-exited })
				return "http://" + addr
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		<-exited
		tb.Logf("stripetest: stripe-mock on %s did not start: %s", addr, out.String())
	}
	tb.Fatalf("stripetest: stripe-mock did not start")
	return ""
}

// Event builds a webhook event body of type typ whose data.object is object.
func Event(id, typ string, object any) []byte {
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "type": typ, "created": time.Now().Unix(), "livemode": false,
		"api_version": "2023-10-16", "data": map[string]any{"object": object},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// Sign returns the Stripe-Signature header for payload signed with Secret at time at.
func Sign(payload []byte, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: Secret, Timestamp: at}).Header
}

// Session returns a checkout.session object for events.
func Session(sessionID, clientReference, paymentIntent, paymentStatus string) map[string]any {
	return map[string]any{"id": sessionID, "object": "checkout.session", "client_reference_id": clientReference,
		"payment_intent": paymentIntent, "payment_status": paymentStatus, "mode": "payment", "metadata": map[string]string{}}
}

// Refund returns a refund object for events.
func Refund(id, paymentIntent string, amount int64, status string, metadata map[string]string) map[string]any {
	return map[string]any{"id": id, "object": "refund", "payment_intent": paymentIntent, "amount": amount, "status": status, "metadata": metadata}
}
