package demo

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/billing"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// Fees is the shape of seed/fees.yaml.
type Fees struct {
	Program     string `yaml:"program"`
	Coordinator string `yaml:"coordinator"`
	Fees        []struct {
		Name           string   `yaml:"name"`
		Kind           string   `yaml:"kind"`
		Amount         int64    `yaml:"amount"`
		Currency       string   `yaml:"currency"`
		Due            string   `yaml:"due"`
		Cohort         string   `yaml:"cohort"`
		RefundPolicy   string   `yaml:"refund_policy"`
		RevokeOnRefund bool     `yaml:"revoke_on_refund"`
		UnlocksExam    string   `yaml:"unlocks_exam"`
		UnlocksCourse  string   `yaml:"unlocks_course"`
		PaidByBursar   []string `yaml:"paid_by_bursar"` // student emails, paid in full by bursar
		Payments       []struct {
			Student   string `yaml:"student"`
			Method    string `yaml:"method"`
			Amount    int64  `yaml:"amount"`
			Reference string `yaml:"reference"`
			Reason    string `yaml:"reason"`
		} `yaml:"payments"`
	} `yaml:"fees"`
}

// LoadFees reads fees.yaml from fsys and creates the fees it lists that the program does
// not have yet, assigns them to their cohorts and records their offline payments, all as
// the program's coordinator. Run it after Load.
func LoadFees(ctx context.Context, fsys fs.FS, acc *accounts.Service, progs *programs.Service, ex Exams, bill *billing.Service) (Summary, error) {
	var sum Summary
	b, err := fs.ReadFile(fsys, "fees.yaml")
	if err != nil {
		return sum, err
	}
	var d Fees
	if err := yaml.Unmarshal(b, &d); err != nil {
		return sum, fmt.Errorf("fees.yaml: %w", err)
	}
	pr, err := progs.ProgramBySlug(ctx, d.Program)
	if err != nil {
		return sum, fmt.Errorf("fees.yaml: program %s: %w", d.Program, err)
	}
	cu, err := acc.UserByEmail(ctx, d.Coordinator)
	if err != nil {
		return sum, fmt.Errorf("fees.yaml: coordinator %s: %w", d.Coordinator, err)
	}
	coord := accounts.Principal{UserID: cu.ID, Email: cu.Email, Name: cu.Name, Roles: cu.Roles}
	cohorts, err := progs.Cohorts(ctx, coord, pr.ID)
	if err != nil {
		return sum, err
	}
	existing, err := bill.Fees(ctx, coord, pr.ID)
	if err != nil {
		return sum, err
	}
	staffExams, err := ex.StaffExams(ctx, accounts.SystemPrincipal, pr.ID)
	if err != nil {
		return sum, err
	}
	for _, f := range d.Fees {
		if slices.ContainsFunc(existing, func(x billing.FeeItem) bool { return x.Name == f.Name }) {
			sum.Unchanged++
			continue
		}
		due, err := time.Parse("2006-01-02", f.Due)
		if err != nil {
			return sum, fmt.Errorf("fees.yaml: %s: due: %w", f.Name, err)
		}
		fee := billing.FeeItem{ProgramID: pr.ID, Kind: billing.FeeKind(f.Kind), Name: f.Name, Amount: f.Amount, Currency: f.Currency,
			DueDate: due, RefundPolicy: f.RefundPolicy, RevokeOnRefund: f.RevokeOnRefund}
		if f.UnlocksExam != "" {
			for _, e := range staffExams {
				if e.Title == f.UnlocksExam {
					fee.Unlocks = append(fee.Unlocks, billing.Unlock{Kind: billing.UnlockExam, Ref: e.ID})
				}
			}
			if len(fee.Unlocks) == 0 {
				return sum, fmt.Errorf("fees.yaml: %s: no exam titled %q", f.Name, f.UnlocksExam)
			}
		}
		if f.UnlocksCourse != "" {
			fee.Unlocks = append(fee.Unlocks, billing.Unlock{Kind: billing.UnlockCourse, Ref: f.UnlocksCourse})
		}
		fee, err = bill.CreateFee(ctx, coord, fee)
		if err != nil {
			return sum, fmt.Errorf("fees.yaml: %s: %w", f.Name, err)
		}
		sum.Created++
		ci := slices.IndexFunc(cohorts, func(c programs.Cohort) bool { return c.Name == f.Cohort })
		if ci < 0 {
			return sum, fmt.Errorf("fees.yaml: %s: unknown cohort %q", f.Name, f.Cohort)
		}
		res, err := bill.Assign(ctx, coord, fee.ID, nil, cohorts[ci].ID)
		if err != nil {
			return sum, fmt.Errorf("fees.yaml: %s: assigning: %w", f.Name, err)
		}
		sum.Created += res.Assigned
		pay := func(email string, method billing.Method, amount int64, reference, reason string) error {
			u, err := acc.UserByEmail(ctx, email)
			if err != nil {
				return fmt.Errorf("fees.yaml: %s: %s: %w", f.Name, email, err)
			}
			if _, err := bill.RecordOffline(ctx, coord, billing.OfflinePayment{ChargeID: billing.ChargeID(fee.ID, u.ID), Method: method,
				Amount: amount, Reference: reference, Reason: reason}); err != nil {
				return fmt.Errorf("fees.yaml: %s: %s: %w", f.Name, email, err)
			}
			sum.Created++
			return nil
		}
		for _, p := range f.Payments {
			if err := pay(p.Student, billing.Method(p.Method), p.Amount, p.Reference, p.Reason); err != nil {
				return sum, err
			}
		}
		for i, email := range f.PaidByBursar {
			if err := pay(email, billing.Bursar, f.Amount, fmt.Sprintf("BUR-DEMO-%03d", i+1), ""); err != nil {
				return sum, err
			}
		}
	}
	return sum, nil
}
