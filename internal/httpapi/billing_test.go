package httpapi_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/billing"
	"github.com/chartroom-him/chartroom/internal/httpapi"
	"github.com/chartroom-him/chartroom/internal/stripepay"
	"github.com/chartroom-him/chartroom/internal/stripepay/stripetest"
)

var adminPrincipal = accounts.SystemPrincipal

// online rebuilds the fixture's server with online payment through stripe-mock.
func (f *fixture) online(t *testing.T) {
	t.Helper()
	f.billing = billing.NewService(f.store, f.progs, f.acc, audit.NewLog(f.store, nil), billing.Options{
		Gateway: stripepay.NewGateway(stripetest.Key, stripetest.Shared(t)), Verifier: stripepay.NewVerifier(stripetest.Secret), BaseURL: "http://127.0.0.1"})
	f.srv = httpapi.New(httpapi.Deps{Accounts: f.acc, Programs: f.progs, Audit: f.audit, Courses: f.courses, Bank: f.bank, Exams: f.exams,
		Billing: f.billing, BodyLimit: 64 << 10})
}

func TestLockedExamReturns402UntilPaid(t *testing.T) {
	f := newFixture(t)
	coord, student := f.token("coordinator"), f.token("student")
	base := "/api/v1/programs/" + f.program.ID
	res := f.do("POST", base+"/fees", coord, map[string]any{"kind": "exam-access", "name": "Mock exam pack", "amount": 4500, "currency": "usd",
		"dueDate": "2026-05-01", "unlocks": []map[string]string{{"kind": "exam", "ref": f.exam.ID}}, "refundPolicy": "No refunds after the first attempt."})
	if res.status != 201 {
		t.Fatalf("create fee: %d %s", res.status, res.body)
	}
	feeID := res.json["id"].(string)
	if res = f.do("POST", base+"/fees/"+feeID+"/assign", coord, map[string]any{"studentIds": []string{f.users["student"].ID}}); res.status != 200 || res.json["assigned"] != 1.0 {
		t.Fatalf("assign: %d %s", res.status, res.body)
	}
	res = f.do("POST", "/api/v1/exams/"+f.exam.ID+"/attempts", student, nil)
	if res.status != 402 || res.json["type"] != "/problems/payment-required" || !strings.Contains(res.json["detail"].(string), "Mock exam pack") {
		t.Fatalf("locked exam: %d %s, want 402 payment-required naming the fee", res.status, res.body)
	}
	// Other students and staff are not affected.
	if res = f.do("GET", "/api/v1/courses/test-course", student, nil); res.status != 200 {
		t.Errorf("an unlocked course: %d", res.status)
	}
	chargeID := billing.ChargeID(feeID, f.users["student"].ID)
	if res = f.do("POST", base+"/payments", coord, map[string]any{"chargeId": chargeID, "method": "bursar", "amount": 4500, "reference": "BUR-2026-17"}); res.status != 201 {
		t.Fatalf("record payment: %d %s", res.status, res.body)
	}
	if res = f.do("POST", "/api/v1/exams/"+f.exam.ID+"/attempts", student, nil); res.status != 200 && res.status != 201 {
		t.Fatalf("paid exam: %d %s, want it to open", res.status, res.body)
	}
}

func TestBillingProblems(t *testing.T) {
	f := newFixture(t)
	coord, student := f.token("coordinator"), f.token("student")
	base := "/api/v1/programs/" + f.program.ID
	chargeID := billing.ChargeID(f.fee.ID, f.users["student"].ID)
	tests := []struct {
		name       string
		method     string
		path       string
		token      string
		body       any
		wantStatus int
		wantType   string
		wantField  string
	}{
		{"checkout without Stripe", "POST", "/api/v1/billing/checkout", student, map[string]any{"chargeIds": []string{chargeID}}, 503, "/problems/payment-unavailable", ""},
		{"checkout of nothing", "POST", "/api/v1/billing/checkout", student, map[string]any{"chargeIds": []string{}}, 400, "/problems/invalid", "chargeIds"},
		{"fee with a bad currency", "POST", base + "/fees", coord, map[string]any{"kind": "tuition", "name": "X", "amount": 100, "currency": "dollars", "dueDate": "2026-01-01"}, 400, "/problems/invalid", "currency"},
		{"fee with a bad date", "POST", base + "/fees", coord, map[string]any{"kind": "tuition", "name": "X", "amount": 100, "currency": "usd", "dueDate": "soon"}, 400, "/problems/invalid", "dueDate"},
		{"fee with a bad unlock", "POST", base + "/fees", coord, map[string]any{"kind": "tuition", "name": "X", "amount": 100, "currency": "usd", "dueDate": "2026-01-01", "unlocks": []map[string]string{{"kind": "lesson", "ref": "x"}}}, 400, "/problems/invalid", "unlocks[0].kind"},
		{"negative payment", "POST", base + "/payments", coord, map[string]any{"chargeId": chargeID, "method": "check", "amount": -5, "reference": "x"}, 400, "/problems/invalid", "amount"},
		{"check without reference", "POST", base + "/payments", coord, map[string]any{"chargeId": chargeID, "method": "check", "amount": 5}, 400, "/problems/invalid", "reference"},
		{"overpayment", "POST", base + "/payments", coord, map[string]any{"chargeId": chargeID, "method": "check", "amount": 100001, "reference": "x"}, 409, "/problems/conflict", "amount"},
		{"charge of another program", "POST", "/api/v1/programs/" + f.other.ID + "/payments", f.token("admin"), map[string]any{"chargeId": chargeID, "method": "check", "amount": 5, "reference": "x"}, 404, "/problems/not-found", ""},
		{"refund without reason", "POST", base + "/refunds", coord, map[string]any{"studentId": f.users["student"].ID, "paymentId": "x", "amount": 5}, 400, "/problems/invalid", "reason"},
		{"refund over the payment", "POST", base + "/refunds", coord, map[string]any{"studentId": f.users["student"].ID, "paymentId": f.paymentID(), "amount": 20001, "reason": "withdrew"}, 409, "/problems/conflict", "amount"},
		{"webhook with a bad signature", "POST", "/api/v1/webhooks/stripe", "", []byte(`{"id":"evt_1","object":"event","type":"checkout.session.completed","data":{"object":{}}}`), 400, "/problems/bad-signature", "Stripe-Signature"},
		{"receipt of nobody", "GET", "/api/v1/receipts/nobody-0123456789", student, nil, 404, "/problems/not-found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if strings.Contains(tt.path, "webhooks") {
				hdr = []string{"Stripe-Signature", "t=1,v1=00"}
			}
			res := f.do(tt.method, tt.path, tt.token, tt.body, hdr...)
			if res.status != tt.wantStatus || res.json["type"] != tt.wantType {
				t.Fatalf("got %d %v, want %d %s; body %s", res.status, res.json["type"], tt.wantStatus, tt.wantType, res.body)
			}
			if tt.wantField != "" && !hasFieldError(res.json, tt.wantField) {
				t.Errorf("errors = %v, want one for %q", res.json["errors"], tt.wantField)
			}
		})
	}
	// Without keys the student's account says online payment is unavailable; offline works.
	res := f.do("GET", "/api/v1/billing", student, nil)
	if res.status != 200 || res.json["onlineAvailable"] != false || res.json["balance"] != 100000.0 {
		t.Errorf("account: %d %s", res.status, res.body)
	}
}

// paymentID returns the id of the fixture's check payment.
func (f *fixture) paymentID() string {
	f.t.Helper()
	a, err := f.billing.AccountOf(f.t.(*testing.T).Context(), adminPrincipal, f.program.ID, f.users["student"].ID)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, e := range a.Entries {
		if e.Kind == billing.EntryPayment {
			return e.ID
		}
	}
	f.t.Fatal("no payment")
	return ""
}

func TestCoursePaidOnlineUnlocksAndReceipt(t *testing.T) {
	f := newFixture(t)
	f.online(t)
	coord, student := f.token("coordinator"), f.token("student")
	base := "/api/v1/programs/" + f.program.ID
	res := f.do("POST", base+"/fees", coord, map[string]any{"kind": "course-access", "name": "Course access", "amount": 15000, "currency": "usd",
		"dueDate": "2026-05-01", "unlocks": []map[string]string{{"kind": "course", "ref": "test-course"}}})
	if res.status != 201 {
		t.Fatalf("create fee: %d %s", res.status, res.body)
	}
	feeID := res.json["id"].(string)
	if res = f.do("POST", base+"/fees/"+feeID+"/assign", coord, map[string]any{"cohortId": f.cohort.ID}); res.status != 200 {
		t.Fatalf("assign: %d %s", res.status, res.body)
	}
	for _, p := range []string{"/api/v1/courses/test-course", "/api/v1/courses/test-course/lessons/test-course-m1-intro", "/api/v1/courses/test-course/modules/m1/quiz"} {
		if res = f.do("GET", p, student, nil); res.status != 402 {
			t.Errorf("GET %s before paying: %d, want 402", p, res.status)
		}
	}
	if res = f.do("GET", "/api/v1/courses/test-course", coord, nil); res.status != 200 {
		t.Errorf("coordinator reading the course: %d", res.status)
	}
	chargeID := billing.ChargeID(feeID, f.users["student"].ID)
	res = f.do("POST", "/api/v1/billing/checkout", student, map[string]any{"chargeIds": []string{chargeID}})
	if res.status != 200 || res.json["url"] == "" {
		t.Fatalf("checkout: %d %s", res.status, res.body)
	}
	again := f.do("POST", "/api/v1/billing/checkout", student, map[string]any{"chargeIds": []string{chargeID}})
	if again.json["id"] != res.json["id"] || again.json["url"] != res.json["url"] {
		t.Errorf("second click: %s, first %s; want the same session", again.body, res.body)
	}
	body := stripetest.Event("evt_http_1", billing.EventSessionCompleted, stripetest.Session("cs_test_1", res.json["id"].(string), "pi_http_1", "paid"))
	stale := f.do("POST", "/api/v1/webhooks/stripe", "", body, "Stripe-Signature", stripetest.Sign(body, time.Now().Add(-6*time.Minute)))
	if stale.status != 400 {
		t.Errorf("stale webhook: %d %s", stale.status, stale.body)
	}
	for i := range 3 {
		wh := f.do("POST", "/api/v1/webhooks/stripe", "", body, "Stripe-Signature", stripetest.Sign(body, time.Now()))
		if wh.status != 200 || wh.json["duplicate"] != (i > 0) {
			t.Errorf("webhook delivery %d: %d %s", i, wh.status, wh.body)
		}
	}
	if res = f.do("GET", "/api/v1/courses/test-course/lessons/test-course-m1-intro", student, nil); res.status != 200 {
		t.Errorf("lesson after paying: %d %s", res.status, res.body)
	}
	acct := f.do("GET", "/api/v1/billing", student, nil)
	var receipt string
	for _, e := range acct.json["entries"].([]any) {
		if m := e.(map[string]any); m["method"] == "card" {
			receipt = m["receiptId"].(string)
		}
	}
	if receipt == "" {
		t.Fatalf("no card payment in %s", acct.body)
	}
	r := f.do("GET", "/api/v1/receipts/"+receipt, student, nil)
	if r.status != 200 || r.json["total"] != 15000.0 || r.json["method"] != "card" || r.json["programName"] != "hit" {
		t.Errorf("receipt: %d %s", r.status, r.body)
	}
	pdf := f.do("GET", "/api/v1/receipts/"+receipt+".pdf", student, nil)
	if pdf.status != 200 || pdf.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf.body, []byte("%PDF-")) {
		t.Errorf("receipt PDF: %d %s %q", pdf.status, pdf.header.Get("Content-Type"), pdf.body[:min(20, len(pdf.body))])
	}
	// Coordinator report and CSV: the card payment and the fixture's check.
	rep := f.do("GET", base+"/billing", coord, nil)
	if tot := rep.json["totals"].(map[string]any); rep.status != 200 || tot["collected"] != 35000.0 || tot["outstanding"] != 100000.0 {
		t.Errorf("report: %d %s", rep.status, rep.body)
	}
	csv := f.do("GET", base+"/billing.csv", coord, nil)
	if csv.status != 200 || !strings.Contains(string(csv.body), "Course access,Fall 2025,usd,1,150.00,150.00,0.00,0.00,0.00") {
		t.Errorf("csv: %d %s", csv.status, csv.body)
	}
	// A full online refund goes through the Refund API (stripe-mock).
	pay := "stripe:pi_http_1:" + chargeID
	rf := f.do("POST", base+"/refunds", coord, map[string]any{"studentId": f.users["student"].ID, "paymentId": pay, "amount": 15000, "reason": "withdrew in week one"})
	if rf.status != 201 {
		t.Fatalf("refund: %d %s", rf.status, rf.body)
	}
	if r = f.do("GET", "/api/v1/receipts/"+receipt, student, nil); r.json["refunded"] != 15000.0 {
		t.Errorf("receipt after refund: %s", r.body)
	}
}
