package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/billing"
	"github.com/chartroom-him/chartroom/internal/programs"
	"github.com/chartroom-him/chartroom/internal/receiptpdf"
)

// registerBillingRoutes adds fees, payments, refunds, receipts, reports and the webhook.
func (s *Server) registerBillingRoutes(v1 string) {
	s.handle(fiber.MethodGet, v1+"/billing", Authenticated, s.myBilling)
	s.handle(fiber.MethodPost, v1+"/billing/checkout", Authenticated, s.checkout)
	s.handle(fiber.MethodGet, v1+"/receipts/:receiptId.pdf", Authenticated, s.receiptPDF)
	s.handle(fiber.MethodGet, v1+"/receipts/:receiptId", Authenticated, s.receipt)
	s.handle(fiber.MethodGet, v1+"/programs/:id/fees", Authenticated, s.listFees)
	s.handle(fiber.MethodPost, v1+"/programs/:id/fees", Authenticated, s.createFee)
	s.handle(fiber.MethodPost, v1+"/programs/:id/fees/:feeId/assign", Authenticated, s.assignFee)
	s.handle(fiber.MethodPost, v1+"/programs/:id/payments", Authenticated, s.recordPayment)
	s.handle(fiber.MethodPost, v1+"/programs/:id/refunds", Authenticated, s.refund)
	s.handle(fiber.MethodGet, v1+"/programs/:id/billing", Authenticated, s.billingReport)
	s.handle(fiber.MethodGet, v1+"/programs/:id/billing.csv", Authenticated, s.billingCSV)
	s.handle(fiber.MethodGet, v1+"/programs/:id/billing/students/:studentId", Authenticated, s.studentBilling)
	s.handle(fiber.MethodPost, v1+"/webhooks/stripe", Public, s.stripeWebhook)
}

// billingSvc returns the billing service or a problem when the server runs without one.
func (s *Server) billingSvc() (*billing.Service, error) {
	if s.deps.Billing == nil {
		return nil, apperr.New(apperr.Unavailable, "Billing is not configured on this server.")
	}
	return s.deps.Billing, nil
}

// requirePaid answers 402 payment-required when the caller has an unpaid fee that unlocks
// the exam or course.
func (s *Server) requirePaid(c *fiber.Ctx, kind billing.UnlockKind, ref string) error {
	if s.deps.Billing == nil {
		return nil
	}
	return s.deps.Billing.CheckAccess(c.UserContext(), mustPrincipal(c), kind, ref)
}

// feeProgram checks, before any body is read, that billing is on and the caller manages
// program :id.
func (s *Server) feeProgram(c *fiber.Ctx) (*billing.Service, programs.Program, error) {
	b, err := s.billingSvc()
	if err != nil {
		return nil, programs.Program{}, err
	}
	pr, err := s.managedProgram(c)
	return b, pr, err
}

type unlockView struct {
	Kind string `json:"kind" validate:"required,oneof=exam course"`
	Ref  string `json:"ref" validate:"required,max=100"`
}

type feeView struct {
	ID             string       `json:"id"`
	ProgramID      string       `json:"programId"`
	Kind           string       `json:"kind"`
	Name           string       `json:"name"`
	Amount         int64        `json:"amount"`
	Currency       string       `json:"currency"`
	DueDate        string       `json:"dueDate"`
	Unlocks        []unlockView `json:"unlocks"`
	RefundPolicy   string       `json:"refundPolicy"`
	RevokeOnRefund bool         `json:"revokeOnRefund"`
}

func unlockViews(us []billing.Unlock) []unlockView {
	out := make([]unlockView, len(us))
	for i, u := range us {
		out[i] = unlockView{Kind: string(u.Kind), Ref: u.Ref}
	}
	return out
}

func feeJSON(f billing.FeeItem) feeView {
	return feeView{ID: f.ID, ProgramID: f.ProgramID, Kind: string(f.Kind), Name: f.Name, Amount: f.Amount, Currency: f.Currency,
		DueDate: f.DueDate.Format("2006-01-02"), Unlocks: unlockViews(f.Unlocks), RefundPolicy: f.RefundPolicy, RevokeOnRefund: f.RevokeOnRefund}
}

type chargeView struct {
	ID             string       `json:"id"`
	FeeID          string       `json:"feeId"`
	ProgramID      string       `json:"programId"`
	CohortID       string       `json:"cohortId"`
	Kind           string       `json:"kind"`
	Name           string       `json:"name"`
	Amount         int64        `json:"amount"`
	Currency       string       `json:"currency"`
	DueDate        string       `json:"dueDate"`
	Unlocks        []unlockView `json:"unlocks"`
	RefundPolicy   string       `json:"refundPolicy"`
	RevokeOnRefund bool         `json:"revokeOnRefund"`
	Charged        int64        `json:"charged"`
	Paid           int64        `json:"paid"`
	Waived         int64        `json:"waived"`
	Refunded       int64        `json:"refunded"`
	Outstanding    int64        `json:"outstanding"`
	Status         string       `json:"status"`
}

type entryView struct {
	ID        string `json:"id"`
	ChargeID  string `json:"chargeId"`
	ProgramID string `json:"programId"`
	Kind      string `json:"kind"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	Method    string `json:"method,omitempty"`
	Reference string `json:"reference,omitempty"`
	Reason    string `json:"reason,omitempty"`
	PaymentID string `json:"paymentId,omitempty"`
	ReceiptID string `json:"receiptId,omitempty"`
	ActorID   string `json:"actorId"`
	At        string `json:"at"`
}

func entryJSON(e billing.Entry) entryView {
	return entryView{ID: e.ID, ChargeID: e.ChargeID, ProgramID: e.ProgramID, Kind: string(e.Kind), Amount: e.Amount, Currency: e.Currency,
		Method: string(e.Method), Reference: e.Reference, Reason: e.Reason, PaymentID: e.PaymentID, ReceiptID: e.ReceiptID, ActorID: e.ActorID,
		At: e.At.Format(time.RFC3339)}
}

type accountView struct {
	StudentID       string       `json:"studentId"`
	Balance         int64        `json:"balance"`
	OnlineAvailable bool         `json:"onlineAvailable"`
	Charges         []chargeView `json:"charges"`
	Entries         []entryView  `json:"entries"`
}

func accountJSON(a billing.StudentAccount) accountView {
	v := accountView{StudentID: a.StudentID, Balance: a.Balance, OnlineAvailable: a.OnlineAvailable, Charges: []chargeView{}, Entries: []entryView{}}
	for _, st := range a.Charges {
		v.Charges = append(v.Charges, chargeView{ID: st.ID, FeeID: st.FeeID, ProgramID: st.ProgramID, CohortID: st.CohortID, Kind: string(st.Kind),
			Name: st.Name, Amount: st.Amount, Currency: st.Currency, DueDate: st.DueDate.Format("2006-01-02"), Unlocks: unlockViews(st.Unlocks),
			RefundPolicy: st.RefundPolicy, RevokeOnRefund: st.RevokeOnRefund, Charged: st.Charged, Paid: st.Paid, Waived: st.Waived,
			Refunded: st.Refunded, Outstanding: st.Outstanding, Status: string(st.Status)})
	}
	// Newest first.
	for i := len(a.Entries) - 1; i >= 0; i-- {
		v.Entries = append(v.Entries, entryJSON(a.Entries[i]))
	}
	return v
}

func (s *Server) myBilling(c *fiber.Ctx) error {
	b, err := s.billingSvc()
	if err != nil {
		return err
	}
	a, err := b.MyAccount(c.UserContext(), mustPrincipal(c))
	if err != nil {
		return err
	}
	return c.JSON(accountJSON(a))
}

type checkoutRequest struct {
	ChargeIDs []string `json:"chargeIds" validate:"required,min=1,max=20,dive,required,max=200"`
}

func (s *Server) checkout(c *fiber.Ctx) error {
	b, err := s.billingSvc()
	if err != nil {
		return err
	}
	var req checkoutRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	co, err := b.Pay(c.UserContext(), mustPrincipal(c), req.ChargeIDs)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": co.ID, "url": co.URL, "status": co.Status, "amount": co.Total(), "currency": co.Currency})
}

type receiptView struct {
	ID           string            `json:"id"`
	StudentID    string            `json:"studentId"`
	StudentName  string            `json:"studentName"`
	StudentEmail string            `json:"studentEmail"`
	ProgramID    string            `json:"programId"`
	ProgramName  string            `json:"programName"`
	Method       string            `json:"method"`
	Reference    string            `json:"reference"`
	At           string            `json:"at"`
	Currency     string            `json:"currency"`
	Total        int64             `json:"total"`
	Refunded     int64             `json:"refunded"`
	Items        []receiptItemView `json:"items"`
}

type receiptItemView struct {
	ChargeID string `json:"chargeId"`
	Name     string `json:"name"`
	Amount   int64  `json:"amount"`
	EntryID  string `json:"entryId"`
}

func (s *Server) loadReceipt(c *fiber.Ctx) (billing.Receipt, error) {
	b, err := s.billingSvc()
	if err != nil {
		return billing.Receipt{}, err
	}
	return b.Receipt(c.UserContext(), mustPrincipal(c), c.Params("receiptId"))
}

func (s *Server) receipt(c *fiber.Ctx) error {
	r, err := s.loadReceipt(c)
	if err != nil {
		return err
	}
	v := receiptView{ID: r.ID, StudentID: r.StudentID, StudentName: r.StudentName, StudentEmail: r.StudentEmail, ProgramID: r.ProgramID,
		ProgramName: r.ProgramName, Method: string(r.Method), Reference: r.Reference, At: r.At.Format(time.RFC3339), Currency: r.Currency,
		Total: r.Total, Refunded: r.Refunded, Items: []receiptItemView{}}
	for _, it := range r.Items {
		v.Items = append(v.Items, receiptItemView(it))
	}
	return c.JSON(v)
}

func (s *Server) receiptPDF(c *fiber.Ctx) error {
	r, err := s.loadReceipt(c)
	if err != nil {
		return err
	}
	pdf, err := receiptpdf.Render(r)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="receipt-`+r.ID+`.pdf"`)
	return c.Send(pdf)
}

func (s *Server) listFees(c *fiber.Ctx) error {
	b, err := s.billingSvc()
	if err != nil {
		return err
	}
	fees, err := b.Fees(c.UserContext(), mustPrincipal(c), c.Params("id"))
	if err != nil {
		return err
	}
	out := make([]feeView, len(fees))
	for i, f := range fees {
		out[i] = feeJSON(f)
	}
	return c.JSON(fiber.Map{"items": out, "onlineAvailable": b.OnlineAvailable()})
}

type createFeeRequest struct {
	Kind           string       `json:"kind" validate:"required,oneof=application tuition course-access exam-access voucher"`
	Name           string       `json:"name" validate:"required,max=120"`
	Amount         int64        `json:"amount" validate:"required,min=1,max=100000000"`
	Currency       string       `json:"currency" validate:"required,len=3"`
	DueDate        string       `json:"dueDate" validate:"required,datetime=2006-01-02"`
	Unlocks        []unlockView `json:"unlocks" validate:"max=20,dive"`
	RefundPolicy   string       `json:"refundPolicy" validate:"max=2000"`
	RevokeOnRefund bool         `json:"revokeOnRefund"`
}

func (s *Server) createFee(c *fiber.Ctx) error {
	b, pr, err := s.feeProgram(c)
	if err != nil {
		return err
	}
	var req createFeeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	due, _ := time.Parse("2006-01-02", req.DueDate)
	f := billing.FeeItem{ProgramID: pr.ID, Kind: billing.FeeKind(req.Kind), Name: req.Name, Amount: req.Amount, Currency: req.Currency,
		DueDate: due, RefundPolicy: req.RefundPolicy, RevokeOnRefund: req.RevokeOnRefund}
	for _, u := range req.Unlocks {
		f.Unlocks = append(f.Unlocks, billing.Unlock{Kind: billing.UnlockKind(u.Kind), Ref: u.Ref})
	}
	out, err := b.CreateFee(c.UserContext(), mustPrincipal(c), f)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(feeJSON(out))
}

type assignRequest struct {
	StudentIDs []string `json:"studentIds" validate:"max=500,dive,required,max=64"`
	CohortID   string   `json:"cohortId" validate:"max=64"`
}

func (s *Server) assignFee(c *fiber.Ctx) error {
	b, pr, err := s.feeProgram(c)
	if err != nil {
		return err
	}
	var req assignRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	fee, err := b.Fees(c.UserContext(), mustPrincipal(c), pr.ID)
	if err != nil {
		return err
	}
	found := false
	for _, f := range fee {
		found = found || f.ID == c.Params("feeId")
	}
	if !found {
		return apperr.New(apperr.NotFound, "No such fee in this program.")
	}
	res, err := b.Assign(c.UserContext(), mustPrincipal(c), c.Params("feeId"), req.StudentIDs, req.CohortID)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

type offlinePaymentRequest struct {
	ChargeID  string `json:"chargeId" validate:"required,max=200"`
	Method    string `json:"method" validate:"required,oneof=check bursar scholarship waiver"`
	Amount    int64  `json:"amount" validate:"required,min=1,max=100000000"`
	Reference string `json:"reference" validate:"max=100"`
	Reason    string `json:"reason" validate:"max=500"`
}

func (s *Server) recordPayment(c *fiber.Ctx) error {
	b, pr, err := s.feeProgram(c)
	if err != nil {
		return err
	}
	var req offlinePaymentRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	e, err := b.RecordOffline(c.UserContext(), mustPrincipal(c), billing.OfflinePayment{ProgramID: pr.ID, ChargeID: req.ChargeID,
		Method: billing.Method(req.Method), Amount: req.Amount, Reference: req.Reference, Reason: req.Reason})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(entryJSON(e))
}

type refundRequest struct {
	StudentID string `json:"studentId" validate:"required,max=64"`
	PaymentID string `json:"paymentId" validate:"required,max=300"`
	Amount    int64  `json:"amount" validate:"required,min=1,max=100000000"`
	Reason    string `json:"reason" validate:"required,max=500"`
}

func (s *Server) refund(c *fiber.Ctx) error {
	b, pr, err := s.feeProgram(c)
	if err != nil {
		return err
	}
	var req refundRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	es, err := b.Refund(c.UserContext(), mustPrincipal(c), billing.RefundRequest{ProgramID: pr.ID, StudentID: req.StudentID,
		PaymentID: req.PaymentID, Amount: req.Amount, Reason: req.Reason})
	if err != nil {
		return err
	}
	out := make([]entryView, len(es))
	for i, e := range es {
		out[i] = entryJSON(e)
	}
	return c.Status(fiber.StatusCreated).JSON(list(out, ""))
}

type reportRowView struct {
	FeeID       string `json:"feeId"`
	FeeName     string `json:"feeName"`
	CohortID    string `json:"cohortId"`
	CohortName  string `json:"cohortName"`
	Currency    string `json:"currency"`
	Students    int    `json:"students"`
	Charged     int64  `json:"charged"`
	Collected   int64  `json:"collected"`
	Waived      int64  `json:"waived"`
	Refunded    int64  `json:"refunded"`
	Outstanding int64  `json:"outstanding"`
}

type balanceView struct {
	StudentID string `json:"studentId"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Currency  string `json:"currency"`
	Balance   int64  `json:"balance"`
}

func (s *Server) billingReport(c *fiber.Ctx) error {
	b, pr, err := s.feeProgram(c)
	if err != nil {
		return err
	}
	rep, err := b.Report(c.UserContext(), mustPrincipal(c), pr.ID)
	if err != nil {
		return err
	}
	rows := make([]reportRowView, len(rep.Rows))
	for i, r := range rep.Rows {
		rows[i] = reportRowView(r)
	}
	bals := make([]balanceView, len(rep.Outstanding))
	for i, o := range rep.Outstanding {
		bals[i] = balanceView(o)
	}
	refunds := make([]entryView, len(rep.Refunds))
	for i, e := range rep.Refunds {
		refunds[i] = entryJSON(e)
	}
	return c.JSON(fiber.Map{"programId": pr.ID, "rows": rows, "totals": reportRowView(rep.Totals), "outstanding": bals, "refunds": refunds,
		"onlineAvailable": b.OnlineAvailable()})
}

func (s *Server) billingCSV(c *fiber.Ctx) error {
	b, pr, err := s.feeProgram(c)
	if err != nil {
		return err
	}
	out, err := b.ReportCSV(c.UserContext(), mustPrincipal(c), pr.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="fees-`+pr.Slug+`.csv"`)
	return c.Send(out)
}

func (s *Server) studentBilling(c *fiber.Ctx) error {
	b, pr, err := s.feeProgram(c)
	if err != nil {
		return err
	}
	a, err := b.AccountOf(c.UserContext(), mustPrincipal(c), pr.ID, c.Params("studentId"))
	if err != nil {
		return err
	}
	return c.JSON(accountJSON(a))
}

// stripeWebhook verifies the signature over the raw body, exactly as received, and
// acknowledges with 200 once the event is recorded and applied (or known).
func (s *Server) stripeWebhook(c *fiber.Ctx) error {
	b, err := s.billingSvc()
	if err != nil {
		return err
	}
	// The raw bytes (not c.Body(), which may decode a Content-Encoding), copied because
	// Fiber reuses the request buffer.
	payload := append([]byte(nil), c.Request().Body()...)
	res, err := b.HandleWebhook(c.UserContext(), payload, c.Get("Stripe-Signature"))
	if err != nil {
		return err
	}
	return c.JSON(res)
}
