// Package mongotest gives tests a real MongoDB-protocol store: the embedded FerretDB, one
// per test binary, or the server named by MONGODB_URI when that is set. Each test gets a
// fresh database that is dropped when it ends.
package mongotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/chartroom-him/chartroom/internal/mongostore"
)

var (
	once    sync.Once
	base    *mongostore.Store
	baseErr error
	tmpDir  string
)

func shared() (*mongostore.Store, error) {
	once.Do(func() {
		uri := os.Getenv("MONGODB_URI")
		if uri == "" {
			tmpDir, baseErr = os.MkdirTemp("", "chartroom-test-*")
			if baseErr != nil {
				return
			}
		}
		logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		base, baseErr = mongostore.Open(context.Background(), mongostore.Options{URI: uri, DataDir: tmpDir, DB: "chartroom_test_base", Logger: logger})
	})
	return base, baseErr
}

// URI returns the MongoDB URI of the shared test server, starting it when needed.
func URI(tb testing.TB) string {
	tb.Helper()
	s, err := shared()
	if err != nil {
		tb.Fatalf("mongotest: %v", err)
	}
	return s.URI
}

// Open returns a migrated Store on a fresh database, dropped at the end of the test.
func Open(tb testing.TB) *mongostore.Store {
	tb.Helper()
	s, err := shared()
	if err != nil {
		tb.Fatalf("mongotest: %v", err)
	}
	st := s.WithDatabase(FreshName())
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatalf("mongotest: migrate: %v", err)
	}
	tb.Cleanup(func() { _ = st.Drop(context.Background()) })
	return st
}

// FreshName returns a new random database name.
func FreshName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "t_" + hex.EncodeToString(b)
}

// Main runs the tests and then stops the shared server and removes its files; call it
// from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if base != nil {
		_ = base.Drop(context.Background())
		_ = base.Close(context.Background())
	}
	if tmpDir != "" {
		_ = os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}
