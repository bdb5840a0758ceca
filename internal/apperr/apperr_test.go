package apperr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/chartroom-him/chartroom/internal/apperr"
)

func TestKindOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want apperr.Kind
	}{
		{"plain error is internal", errors.New("boom"), apperr.Internal},
		{"direct", apperr.New(apperr.NotFound, "no user"), apperr.NotFound},
		{"wrapped", fmt.Errorf("loading: %w", apperr.New(apperr.Conflict, "dup")), apperr.Conflict},
		{"fields", func() error { var f apperr.Fields; f.Add("email", "required"); return f.Err() }(), apperr.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apperr.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFieldsErrNilWhenEmpty(t *testing.T) {
	var f apperr.Fields
	if err := f.Err(); err != nil {
		t.Fatalf("Err() = %v, want nil", err)
	}
}
