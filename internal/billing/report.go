package billing

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
)

// Receipt lists the payment entries made in one payment: one checkout, or one offline
// payment.
type Receipt struct {
	ID           string
	StudentID    string
	StudentName  string
	StudentEmail string
	ProgramID    string
	ProgramName  string
	Method       Method
	Reference    string
	At           time.Time
	Currency     string
	Items        []ReceiptItem
	Total        int64
	Refunded     int64
}

// ReceiptItem is one charge a receipt's payment went to.
type ReceiptItem struct {
	ChargeID string
	Name     string
	Amount   int64
	EntryID  string // the ledger reference
}

// Receipt returns a receipt to its student or to a coordinator of its program.
func (s *Service) Receipt(ctx context.Context, p accounts.Principal, id string) (Receipt, error) {
	notFound := apperr.New(apperr.NotFound, "No such receipt.")
	studentID, ok := StudentOfReceipt(id)
	if !ok {
		return Receipt{}, notFound
	}
	acc, err := s.store.Account(ctx, studentID)
	if err != nil {
		return Receipt{}, err
	}
	r := Receipt{ID: id, StudentID: studentID}
	for _, e := range acc.Entries {
		if e.ReceiptID != id || e.Kind != EntryPayment {
			continue
		}
		name := e.ChargeID
		if c, ok := acc.Charge(e.ChargeID); ok {
			name = c.Name
		}
		r.Items = append(r.Items, ReceiptItem{ChargeID: e.ChargeID, Name: name, Amount: -e.Amount, EntryID: e.ID})
		r.Total += -e.Amount
		r.Refunded += -e.Amount - acc.Refundable(e.ID)
		r.ProgramID, r.Method, r.Reference, r.At, r.Currency = e.ProgramID, e.Method, e.Reference, e.At, e.Currency
	}
	if len(r.Items) == 0 {
		return Receipt{}, notFound
	}
	if p.UserID != studentID {
		if _, err := s.managed(ctx, p, r.ProgramID); err != nil {
			return Receipt{}, notFound
		}
	}
	if pr, err := s.programs.Program(ctx, accounts.SystemPrincipal, r.ProgramID); err == nil {
		r.ProgramName = pr.Name
	}
	if us, err := s.users.UsersByIDs(ctx, []string{studentID}); err == nil && len(us) == 1 {
		r.StudentName, r.StudentEmail = us[0].Name, us[0].Email
	}
	return r, nil
}

// ReportRow sums one fee item over one cohort.
type ReportRow struct {
	FeeID       string
	FeeName     string
	CohortID    string
	CohortName  string
	Currency    string
	Students    int
	Charged     int64 // fees less refunded parts
	Collected   int64 // payments less refunds
	Waived      int64
	Refunded    int64
	Outstanding int64
}

// StudentBalance is one student's balance in a program.
type StudentBalance struct {
	StudentID string
	Name      string
	Email     string
	Currency  string
	Balance   int64
}

// Report is the coordinator's view of a program's money.
type Report struct {
	ProgramID   string
	Rows        []ReportRow
	Outstanding []StudentBalance // students who owe something, largest first
	Refunds     []Entry          // refund entries, newest first
	Totals      ReportRow
}

// Report sums a program's charges by fee item and cohort, lists outstanding balances and
// refunds. Coordinators of the program and admins only.
func (s *Service) Report(ctx context.Context, p accounts.Principal, programID string) (Report, error) {
	if _, err := s.managed(ctx, p, programID); err != nil {
		return Report{}, err
	}
	accs, err := s.store.AccountsByProgram(ctx, programID)
	if err != nil {
		return Report{}, err
	}
	cohortNames := map[string]string{}
	if cs, err := s.programs.Cohorts(ctx, p, programID); err == nil {
		for _, c := range cs {
			cohortNames[c.ID] = c.Name
		}
	}
	rep := Report{ProgramID: programID, Rows: []ReportRow{}, Outstanding: []StudentBalance{}, Refunds: []Entry{}}
	rows := map[string]*ReportRow{}
	var ids []string
	for _, a := range accs {
		var bal int64
		currency := ""
		for _, st := range a.States() {
			if st.ProgramID != programID {
				continue
			}
			key := st.FeeID + "|" + st.CohortID
			r := rows[key]
			if r == nil {
				r = &ReportRow{FeeID: st.FeeID, FeeName: st.Name, CohortID: st.CohortID, CohortName: cohortNames[st.CohortID], Currency: st.Currency}
				rows[key] = r
			}
			r.Students++
			r.Charged += st.Charged
			r.Collected += st.Paid
			r.Waived += st.Waived
			r.Refunded += st.Refunded
			r.Outstanding += max(st.Outstanding, 0)
			currency = st.Currency
		}
		for _, e := range a.Entries {
			if e.ProgramID != programID {
				continue
			}
			bal += e.Amount
			if e.Kind == EntryRefund {
				rep.Refunds = append(rep.Refunds, e)
			}
		}
		if bal > 0 {
			rep.Outstanding = append(rep.Outstanding, StudentBalance{StudentID: a.StudentID, Currency: currency, Balance: bal})
			ids = append(ids, a.StudentID)
		}
	}
	for _, r := range rows {
		rep.Rows = append(rep.Rows, *r)
		rep.Totals.Students += r.Students
		rep.Totals.Charged += r.Charged
		rep.Totals.Collected += r.Collected
		rep.Totals.Waived += r.Waived
		rep.Totals.Refunded += r.Refunded
		rep.Totals.Outstanding += r.Outstanding
	}
	slices.SortFunc(rep.Rows, func(a, b ReportRow) int {
		return strings.Compare(a.FeeName+"|"+a.CohortName, b.FeeName+"|"+b.CohortName)
	})
	slices.SortFunc(rep.Outstanding, func(a, b StudentBalance) int {
		if a.Balance != b.Balance {
			return int(b.Balance - a.Balance)
		}
		return strings.Compare(a.StudentID, b.StudentID)
	})
	slices.SortFunc(rep.Refunds, func(a, b Entry) int { return b.At.Compare(a.At) })
	if len(ids) > 0 {
		if us, err := s.users.UsersByIDs(ctx, ids); err == nil {
			byID := map[string]accounts.User{}
			for _, u := range us {
				byID[u.ID] = u
			}
			for i := range rep.Outstanding {
				u := byID[rep.Outstanding[i].StudentID]
				rep.Outstanding[i].Name, rep.Outstanding[i].Email = u.Name, u.Email
			}
		}
	}
	return rep, nil
}

// ReportCSV renders the report's rows as CSV (amounts in major units).
func (s *Service) ReportCSV(ctx context.Context, p accounts.Principal, programID string) ([]byte, error) {
	rep, err := s.Report(ctx, p, programID)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"fee", "cohort", "currency", "students", "charged", "collected", "waived", "refunded", "outstanding"})
	major := func(v int64) string { return fmt.Sprintf("%.2f", float64(v)/100) }
	for _, r := range rep.Rows {
		_ = w.Write([]string{csvSafe(r.FeeName), csvSafe(r.CohortName), r.Currency, fmt.Sprint(r.Students), major(r.Charged), major(r.Collected), major(r.Waived), major(r.Refunded), major(r.Outstanding)})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
