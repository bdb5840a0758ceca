package accounts_test

import (
	"context"
	"testing"

	"github.com/chartroom-him/chartroom/internal/accounts"
)

// BenchmarkAuthenticate measures resolving a bearer token against the store, the work on
// every authenticated request.
func BenchmarkAuthenticate(b *testing.B) {
	svc, _, _ := newServiceTB(b)
	secret := loginTB(b, svc)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := svc.Authenticate(ctx, secret); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashPassword measures one argon2id hash with the production parameters
// (19 MiB, 2 passes): the cost of a sign-in, by design.
func BenchmarkHashPassword(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := accounts.HashPassword("correct horse battery staple", accounts.DefaultHashParams); err != nil {
			b.Fatal(err)
		}
	}
}
