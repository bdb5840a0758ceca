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
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"
)

// Key is the secret key the tests use with stripe-mock.
const Key = "sk_test_123"

// Secret is the webhook signing secret the tests use.
const Secret = "whsec_test_chartroom"

// build compiles stripe-mock into dir (the go build cache makes repeats quick).
func build(dir string) (string, error) {
	bin := filepath.Join(dir, "stripe-mock")
	var out bytes.Buffer
	cmd := exec.Command("go", "build", "-o", bin, "github.com/stripe/stripe-mock")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building stripe-mock: %v: %s", err, out.String())
	}
	return bin, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// mock is a running stripe-mock.
type mock struct {
	url    string
	cancel context.CancelFunc
	exited chan struct{}
}

func (m *mock) stop() { m.cancel(); <-m.exited }

func (m *mock) hasExited() bool {
	select {
	case <-m.exited:
		return true
	default:
		return false
	}
}

// waitReady waits until addr accepts connections and the process is still running a moment
// later (it listens on HTTP before HTTPS and exits if the second fails).
func (m *mock) waitReady(addr string, limit time.Duration) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline) && !m.hasExited(); time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			_ = c.Close()
			time.Sleep(300 * time.Millisecond)
			return !m.hasExited()
		}
	}
	return false
}

// spawn starts stripe-mock from bin and waits until it answers. The process is started
// and waited for on one locked OS thread with a parent-death signal, so it dies with the
// test binary even when nothing stops it (a shared instance, a crash, a timeout).
func spawn(bin string) (*mock, error) {
	var last string
	for try := 0; try < 3; try++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		ctx, cancel := context.WithCancel(context.Background())
		// HTTPS on a port the system picks: its default (12112) may be taken by another run.
		cmd := exec.CommandContext(ctx, bin, "-http-addr", addr, "-https-addr", "127.0.0.1:")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		m := &mock{url: "http://" + addr, cancel: cancel, exited: make(chan struct{})}
		started := make(chan error, 1)
		go func() {
			// Pdeathsig fires when the thread that started the child exits: keep it.
			runtime.LockOSThread()
			defer close(m.exited)
			if err := cmd.Start(); err != nil {
				started <- err
				return
			}
			started <- nil
			_ = cmd.Wait()
		}()
		if err := <-started; err != nil {
			cancel()
			return nil, fmt.Errorf("starting stripe-mock: %w", err)
		}
		if m.waitReady(addr, 20*time.Second) {
			return m, nil
		}
		m.stop()
		last = out.String()
	}
	return nil, fmt.Errorf("stripe-mock did not start: %s", last)
}

// Start runs stripe-mock on a free loopback port until the test ends and returns its base
// URL (for stripepay.NewGateway's apiBase).
func Start(tb testing.TB) string {
	tb.Helper()
	bin, err := build(tb.TempDir())
	if err != nil {
		tb.Fatalf("stripetest: %v", err)
	}
	m, err := spawn(bin)
	if err != nil {
		tb.Fatalf("stripetest: %v", err)
	}
	tb.Cleanup(m.stop)
	return m.url
}

var (
	sharedOnce sync.Once
	sharedURL  string
	sharedErr  error
)

// Shared returns the URL of one stripe-mock for the whole test binary, started on first
// use. It is not stopped by any test: it dies with the test binary.
func Shared(tb testing.TB) string {
	tb.Helper()
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stripe-mock-*")
		if err != nil {
			sharedErr = err
			return
		}
		// The running process keeps its executable; the directory can go at once.
		defer os.RemoveAll(dir)
		bin, err := build(dir)
		if err != nil {
			sharedErr = err
			return
		}
		m, err := spawn(bin)
		if err != nil {
			sharedErr = err
			return
		}
		sharedURL = m.url
	})
	if sharedErr != nil {
		tb.Fatalf("stripetest: %v", sharedErr)
	}
	return sharedURL
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
