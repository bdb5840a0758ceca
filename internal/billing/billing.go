// Package billing holds program fees, the charges assigned to students, the append-only
// ledger every money movement is written to, refunds, receipts and the rule that content
// or exams tied to a fee stay locked until the fee is paid or waived.
//
// Money is in integer minor units (cents). A student's ledger lives in one Account
// document together with the charges it refers to, so every movement is a single atomic
// write (guarded by the account's version) and a balance is always the sum of ledger
// entries computed in Go. Entries that come from outside (Stripe) carry deterministic ids,
// so a repeated delivery finds its entry already posted and changes nothing.
package billing

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/apperr"
)

// FeeKind says what a fee item is for.
type FeeKind string

// The fee kinds.
const (
	Application  FeeKind = "application"
	Tuition      FeeKind = "tuition"
	CourseAccess FeeKind = "course-access"
	ExamAccess   FeeKind = "exam-access"
	Voucher      FeeKind = "voucher"
)

// FeeKinds lists the fee kinds.
var FeeKinds = []FeeKind{Application, Tuition, CourseAccess, ExamAccess, Voucher}

// UnlockKind names what kind of thing paying a fee opens.
type UnlockKind string

// The unlock kinds.
const (
	UnlockExam   UnlockKind = "exam"   // Ref is an exam id
	UnlockCourse UnlockKind = "course" // Ref is a course slug
)

// Unlock is one exam or course that paying (or waiving) a fee opens.
type Unlock struct {
	Kind UnlockKind
	Ref  string
}

// FeeItem is a fee a program charges.
type FeeItem struct {
	ID           string
	ProgramID    string
	Kind         FeeKind
	Name         string
	Amount       int64  // minor units
	Currency     string // ISO 4217, lower case
	DueDate      time.Time
	Unlocks      []Unlock
	RefundPolicy string // shown to students
	// RevokeOnRefund locks what the fee unlocks again once any part of it is refunded.
	RevokeOnRefund bool
	CreatedBy      string
	CreatedAt      time.Time
}

var currencyRe = regexp.MustCompile(`^[a-z]{3}$`)

// MaxAmount bounds a single fee (one million in major units).
const MaxAmount = 100_000_000

// Validate checks the fee item's invariants.
func (f FeeItem) Validate() error {
	var fs apperr.Fields
	if !slices.Contains(FeeKinds, f.Kind) {
		fs.Add("kind", "must be one of application, tuition, course-access, exam-access, voucher")
	}
	if strings.TrimSpace(f.Name) == "" || len(f.Name) > 120 {
		fs.Add("name", "is required (at most 120 characters)")
	}
	if f.Amount <= 0 || f.Amount > MaxAmount {
		fs.Add("amount", "must be a positive amount in cents, at most 100000000")
	}
	if !currencyRe.MatchString(f.Currency) {
		fs.Add("currency", "must be a three-letter ISO 4217 code such as usd")
	}
	if f.DueDate.IsZero() {
		fs.Add("dueDate", "is required (YYYY-MM-DD)")
	}
	if len(f.RefundPolicy) > 2000 {
		fs.Add("refundPolicy", "at most 2000 characters")
	}
	if len(f.Unlocks) > 20 {
		fs.Add("unlocks", "at most 20 entries")
	}
	for i, u := range f.Unlocks {
		if u.Kind != UnlockExam && u.Kind != UnlockCourse {
			fs.Add(fmt.Sprintf("unlocks[%d].kind", i), "must be exam or course")
		}
		if strings.TrimSpace(u.Ref) == "" || len(u.Ref) > 100 {
			fs.Add(fmt.Sprintf("unlocks[%d].ref", i), "is required (at most 100 characters)")
		}
	}
	return fs.Err()
}

// Charge is a fee assigned to one student. Its state (paid, waived, refunded) is never
// stored: it is derived from the ledger entries that name it.
type Charge struct {
	ID             string // "<feeId>/<studentId>": a fee is charged to a student once
	FeeID          string
	ProgramID      string
	CohortID       string
	StudentID      string
	Kind           FeeKind
	Name           string
	Amount         int64
	Currency       string
	DueDate        time.Time
	Unlocks        []Unlock
	RefundPolicy   string
	RevokeOnRefund bool
	AssignedBy     string
	AssignedAt     time.Time
}

// ChargeID returns the id of fee feeID charged to studentID.
func ChargeID(feeID, studentID string) string { return feeID + "/" + studentID }

// EntryKind classifies a ledger entry. The sign of Amount follows from the kind: what
// raises what the student owes is positive, what lowers it is negative.
type EntryKind string

// The ledger entry kinds.
const (
	EntryCharge     EntryKind = "charge"      // +: a fee assigned
	EntryPayment    EntryKind = "payment"     // -: money received
	EntryWaiver     EntryKind = "waiver"      // -: an amount forgiven
	EntryRefund     EntryKind = "refund"      // +: money returned to the student
	EntryFeeReduced EntryKind = "fee-reduced" // -: the part of a fee a refund gives back
	EntryReversal   EntryKind = "reversal"    // -: a refund that failed at the payment network
)

// Method is how money moved.
type Method string

// The payment methods. Card is online (Stripe); the rest are recorded by coordinators.
const (
	Card        Method = "card"
	Check       Method = "check"
	Bursar      Method = "bursar"
	Scholarship Method = "scholarship"
	Waiver      Method = "waiver"
)

// OfflineMethods are the methods a coordinator may record.
var OfflineMethods = []Method{Check, Bursar, Scholarship, Waiver}

// Entry is one ledger entry. Entries are only ever appended.
type Entry struct {
	ID        string // deterministic for entries from outside, e.g. "stripe:<pi>:<chargeId>"
	StudentID string
	ProgramID string
	ChargeID  string
	Kind      EntryKind
	Amount    int64 // signed minor units
	Currency  string
	Method    Method
	Reference string // check number, bursar batch, Stripe payment intent or refund
	Reason    string
	PaymentID string // for refunds, fee reductions and reversals: the payment entry refunded
	RefundID  string // for fee reductions and reversals: the refund they belong to
	ReceiptID string // for payments: the receipt that lists them
	ActorID   string // user id, or "stripe"
	At        time.Time
}

// Account is a student's charges and ledger, stored as one document.
type Account struct {
	StudentID string
	Version   int64 // bumped by every write; writes are conditional on it
	Charges   []Charge
	Entries   []Entry
}

// Balance returns what the student owes: the sum of every ledger entry.
func (a Account) Balance() int64 {
	var b int64
	for _, e := range a.Entries {
		b += e.Amount
	}
	return b
}

// Charge returns the charge with id.
func (a Account) Charge(id string) (Charge, bool) {
	for _, c := range a.Charges {
		if c.ID == id {
			return c, true
		}
	}
	return Charge{}, false
}

// HasEntry reports whether an entry with id was posted.
func (a Account) HasEntry(id string) bool {
	return slices.ContainsFunc(a.Entries, func(e Entry) bool { return e.ID == id })
}

// ChargeStatus is where a charge stands.
type ChargeStatus string

// The charge statuses.
const (
	Due      ChargeStatus = "due"      // something is left to pay
	Paid     ChargeStatus = "paid"     // settled by payments (and waivers)
	Waived   ChargeStatus = "waived"   // settled by waivers alone
	Refunded ChargeStatus = "refunded" // refunded under a fee that revokes access on refund
)

// ChargeState is a charge with the totals its ledger entries give.
type ChargeState struct {
	Charge
	Charged     int64 // the fee less what refunds gave back
	Paid        int64 // payments less refunds (net of failed refunds)
	Waived      int64
	Refunded    int64 // refunds less reversals
	Outstanding int64 // Charged - Paid - Waived
	Status      ChargeStatus
}

// Settled reports whether what the charge unlocks is open.
func (s ChargeState) Settled() bool { return s.Status == Paid || s.Status == Waived }

// State derives a charge's totals and status from the account's ledger.
func (a Account) State(c Charge) ChargeState {
	st := ChargeState{Charge: c}
	for _, e := range a.Entries {
		if e.ChargeID != c.ID {
			continue
		}
		switch e.Kind {
		case EntryCharge, EntryFeeReduced:
			st.Charged += e.Amount
		case EntryPayment:
			st.Paid -= e.Amount
		case EntryWaiver:
			st.Waived -= e.Amount
		case EntryRefund:
			st.Paid -= e.Amount
			st.Refunded += e.Amount
		case EntryReversal:
			st.Paid -= e.Amount
			st.Refunded += e.Amount
		}
	}
	st.Outstanding = st.Charged - st.Paid - st.Waived
	switch {
	case st.Refunded > 0 && c.RevokeOnRefund:
		st.Status = Refunded
	case st.Outstanding > 0:
		st.Status = Due
	case st.Paid == 0 && st.Waived > 0:
		st.Status = Waived
	default:
		st.Status = Paid
	}
	return st
}

// States returns the state of every charge, in assignment order.
func (a Account) States() []ChargeState {
	out := make([]ChargeState, len(a.Charges))
	for i, c := range a.Charges {
		out[i] = a.State(c)
	}
	return out
}

// Refundable returns how much of payment entry paymentID may still be refunded.
func (a Account) Refundable(paymentID string) int64 {
	var left int64
	for _, e := range a.Entries {
		switch {
		case e.ID == paymentID && e.Kind == EntryPayment:
			left += -e.Amount
		case e.PaymentID == paymentID && e.Kind == EntryRefund:
			left -= e.Amount
		case e.PaymentID == paymentID && e.Kind == EntryReversal:
			left -= e.Amount // a reversal is negative: the failed refund is refundable again
		}
	}
	return left
}

// Entry returns the entry with id.
func (a Account) Entry(id string) (Entry, bool) {
	for _, e := range a.Entries {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}

// receiptID derives a receipt id from what identifies the payment (a payment intent or an
// offline entry), scoped by student so a receipt can be found from its id alone.
func receiptID(studentID, key string) string {
	h := sha256.Sum256([]byte(key))
	return studentID + "-" + strings.ToUpper(hex.EncodeToString(h[:5]))
}

// StudentOfReceipt returns the student id a receipt id belongs to.
func StudentOfReceipt(id string) (string, bool) {
	i := strings.LastIndexByte(id, '-')
	if i <= 0 || len(id)-i-1 != 10 {
		return "", false
	}
	return id[:i], true
}

// FormatAmount renders minor units as "USD 150.00".
func FormatAmount(amount int64, currency string) string {
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	return fmt.Sprintf("%s%s %d.%02d", sign, strings.ToUpper(currency), amount/100, amount%100)
}
