package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/billing"
)

var _ billing.Store = (*Store)(nil)

// Billing collections:
//
//	fees             fee items
//	billing_accounts one document per student: charges and the append-only ledger, so every
//	                 money movement is one conditional write and a balance one _id read
//	checkouts        Checkout Sessions under Chartroom's derived checkout id
//	stripe_events    webhook events under their Stripe event id
type unlockDoc struct {
	Kind string `bson:"kind"`
	Ref  string `bson:"ref"`
}

type feeDoc struct {
	ID             string      `bson:"_id"`
	ProgramID      string      `bson:"programId"`
	Kind           string      `bson:"kind"`
	Name           string      `bson:"name"`
	Amount         int64       `bson:"amount"`
	Currency       string      `bson:"currency"`
	DueDate        time.Time   `bson:"dueDate"`
	Unlocks        []unlockDoc `bson:"unlocks"`
	RefundPolicy   string      `bson:"refundPolicy"`
	RevokeOnRefund bool        `bson:"revokeOnRefund"`
	CreatedBy      string      `bson:"createdBy"`
	CreatedAt      time.Time   `bson:"createdAt"`
}

func unlockDocs(us []billing.Unlock) []unlockDoc {
	out := make([]unlockDoc, len(us))
	for i, u := range us {
		out[i] = unlockDoc{Kind: string(u.Kind), Ref: u.Ref}
	}
	return out
}

func unlocks(ds []unlockDoc) []billing.Unlock {
	out := make([]billing.Unlock, len(ds))
	for i, d := range ds {
		out[i] = billing.Unlock{Kind: billing.UnlockKind(d.Kind), Ref: d.Ref}
	}
	return out
}

func (d feeDoc) fee() billing.FeeItem {
	return billing.FeeItem{ID: d.ID, ProgramID: d.ProgramID, Kind: billing.FeeKind(d.Kind), Name: d.Name, Amount: d.Amount, Currency: d.Currency,
		DueDate: d.DueDate.UTC(), Unlocks: unlocks(d.Unlocks), RefundPolicy: d.RefundPolicy, RevokeOnRefund: d.RevokeOnRefund,
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC()}
}

type chargeDoc struct {
	ID             string      `bson:"id"`
	FeeID          string      `bson:"feeId"`
	ProgramID      string      `bson:"programId"`
	CohortID       string      `bson:"cohortId"`
	Kind           string      `bson:"kind"`
	Name           string      `bson:"name"`
	Amount         int64       `bson:"amount"`
	Currency       string      `bson:"currency"`
	DueDate        time.Time   `bson:"dueDate"`
	Unlocks        []unlockDoc `bson:"unlocks"`
	RefundPolicy   string      `bson:"refundPolicy"`
	RevokeOnRefund bool        `bson:"revokeOnRefund"`
	AssignedBy     string      `bson:"assignedBy"`
	AssignedAt     time.Time   `bson:"assignedAt"`
}

type entryDoc struct {
	ID        string    `bson:"id"`
	ProgramID string    `bson:"programId"`
	ChargeID  string    `bson:"chargeId"`
	Kind      string    `bson:"kind"`
	Amount    int64     `bson:"amount"`
	Currency  string    `bson:"currency"`
	Method    string    `bson:"method,omitempty"`
	Reference string    `bson:"reference,omitempty"`
	Reason    string    `bson:"reason,omitempty"`
	PaymentID string    `bson:"paymentId,omitempty"`
	RefundID  string    `bson:"refundId,omitempty"`
	ReceiptID string    `bson:"receiptId,omitempty"`
	ActorID   string    `bson:"actorId"`
	At        time.Time `bson:"at"`
}

type accountDoc struct {
	ID         string      `bson:"_id"` // student id
	Version    int64       `bson:"version"`
	ProgramIDs []string    `bson:"programIds"`
	Charges    []chargeDoc `bson:"charges"`
	Entries    []entryDoc  `bson:"entries"`
}

func (d accountDoc) account() billing.Account {
	a := billing.Account{StudentID: d.ID, Version: d.Version}
	for _, c := range d.Charges {
		a.Charges = append(a.Charges, billing.Charge{ID: c.ID, FeeID: c.FeeID, ProgramID: c.ProgramID, CohortID: c.CohortID, StudentID: d.ID,
			Kind: billing.FeeKind(c.Kind), Name: c.Name, Amount: c.Amount, Currency: c.Currency, DueDate: c.DueDate.UTC(), Unlocks: unlocks(c.Unlocks),
			RefundPolicy: c.RefundPolicy, RevokeOnRefund: c.RevokeOnRefund, AssignedBy: c.AssignedBy, AssignedAt: c.AssignedAt.UTC()})
	}
	for _, e := range d.Entries {
		a.Entries = append(a.Entries, billing.Entry{ID: e.ID, StudentID: d.ID, ProgramID: e.ProgramID, ChargeID: e.ChargeID, Kind: billing.EntryKind(e.Kind),
			Amount: e.Amount, Currency: e.Currency, Method: billing.Method(e.Method), Reference: e.Reference, Reason: e.Reason, PaymentID: e.PaymentID,
			RefundID: e.RefundID, ReceiptID: e.ReceiptID, ActorID: e.ActorID, At: e.At.UTC()})
	}
	return a
}

func chargeDocs(cs []billing.Charge) ([]chargeDoc, []string) {
	out := make([]chargeDoc, len(cs))
	var progs []string
	seen := map[string]bool{}
	for i, c := range cs {
		out[i] = chargeDoc{ID: c.ID, FeeID: c.FeeID, ProgramID: c.ProgramID, CohortID: c.CohortID, Kind: string(c.Kind), Name: c.Name, Amount: c.Amount,
			Currency: c.Currency, DueDate: c.DueDate, Unlocks: unlockDocs(c.Unlocks), RefundPolicy: c.RefundPolicy, RevokeOnRefund: c.RevokeOnRefund,
			AssignedBy: c.AssignedBy, AssignedAt: c.AssignedAt}
		if !seen[c.ProgramID] {
			seen[c.ProgramID] = true
			progs = append(progs, c.ProgramID)
		}
	}
	return out, progs
}

func entryDocs(es []billing.Entry) []entryDoc {
	out := make([]entryDoc, len(es))
	for i, e := range es {
		out[i] = entryDoc{ID: e.ID, ProgramID: e.ProgramID, ChargeID: e.ChargeID, Kind: string(e.Kind), Amount: e.Amount, Currency: e.Currency,
			Method: string(e.Method), Reference: e.Reference, Reason: e.Reason, PaymentID: e.PaymentID, RefundID: e.RefundID, ReceiptID: e.ReceiptID,
			ActorID: e.ActorID, At: e.At}
	}
	return out
}

// CreateFee inserts a fee item and sets its ID.
func (s *Store) CreateFee(ctx context.Context, f *billing.FeeItem) error {
	if f.ID == "" {
		f.ID = newID()
	}
	_, err := s.db.Collection("fees").InsertOne(ctx, feeDoc{ID: f.ID, ProgramID: f.ProgramID, Kind: string(f.Kind), Name: f.Name, Amount: f.Amount,
		Currency: f.Currency, DueDate: f.DueDate, Unlocks: unlockDocs(f.Unlocks), RefundPolicy: f.RefundPolicy, RevokeOnRefund: f.RevokeOnRefund,
		CreatedBy: f.CreatedBy, CreatedAt: f.CreatedAt})
	return mapErr(err, "fee")
}

// FeeByID returns one fee item.
func (s *Store) FeeByID(ctx context.Context, id string) (billing.FeeItem, error) {
	var d feeDoc
	err := s.db.Collection("fees").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	return d.fee(), mapErr(err, "fee")
}

// FeesByProgram returns a program's fee items by due date.
func (s *Store) FeesByProgram(ctx context.Context, programID string) ([]billing.FeeItem, error) {
	cur, err := s.db.Collection("fees").Find(ctx, bson.M{"programId": programID}, options.Find().SetSort(bson.D{{Key: "dueDate", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "fees")
	}
	var docs []feeDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "fees")
	}
	out := make([]billing.FeeItem, len(docs))
	for i, d := range docs {
		out[i] = d.fee()
	}
	return out, nil
}

// Account returns a student's billing account, empty with Version 0 when there is none.
func (s *Store) Account(ctx context.Context, studentID string) (billing.Account, error) {
	var d accountDoc
	err := s.db.Collection("billing_accounts").FindOne(ctx, bson.M{"_id": studentID}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return billing.Account{StudentID: studentID}, nil
	}
	if err != nil {
		return billing.Account{}, mapErr(err, "billing account")
	}
	return d.account(), nil
}

// SaveAccount appends entries to a's ledger (and writes its charges when they changed) if
// the stored version is still a.Version. Entries are only ever pushed, never rewritten.
func (s *Store) SaveAccount(ctx context.Context, a billing.Account, appended []billing.Entry, chargesChanged bool) error {
	coll := s.db.Collection("billing_accounts")
	charges, progs := chargeDocs(a.Charges)
	if a.Version == 0 {
		_, err := coll.InsertOne(ctx, accountDoc{ID: a.StudentID, Version: 1, ProgramIDs: progs, Charges: charges, Entries: entryDocs(appended)})
		return mapErr(err, "billing account")
	}
	set := bson.M{"version": a.Version + 1}
	if chargesChanged {
		set["charges"], set["programIds"] = charges, progs
	}
	update := bson.M{"$set": set}
	if len(appended) > 0 {
		update["$push"] = bson.M{"entries": bson.M{"$each": entryDocs(appended)}}
	}
	r, err := coll.UpdateOne(ctx, bson.M{"_id": a.StudentID, "version": a.Version}, update)
	if err != nil {
		return mapErr(err, "billing account")
	}
	if r.MatchedCount == 0 {
		return apperr.New(apperr.Conflict, "The billing account changed meanwhile.")
	}
	return nil
}

// AccountsByProgram returns the accounts with a charge of the program (a scan: reports only).
func (s *Store) AccountsByProgram(ctx context.Context, programID string) ([]billing.Account, error) {
	cur, err := s.db.Collection("billing_accounts").Find(ctx, bson.M{"programIds": programID})
	if err != nil {
		return nil, mapErr(err, "billing accounts")
	}
	var docs []accountDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "billing accounts")
	}
	out := make([]billing.Account, len(docs))
	for i, d := range docs {
		out[i] = d.account()
	}
	return out, nil
}

type checkoutItemDoc struct {
	ChargeID  string `bson:"chargeId"`
	ProgramID string `bson:"programId"`
	Name      string `bson:"name"`
	Amount    int64  `bson:"amount"`
}

type checkoutDoc struct {
	ID            string            `bson:"_id"`
	StudentID     string            `bson:"studentId"`
	Currency      string            `bson:"currency"`
	Items         []checkoutItemDoc `bson:"items"`
	Attempt       int               `bson:"attempt"`
	SessionID     string            `bson:"sessionId"`
	URL           string            `bson:"url"`
	Status        string            `bson:"status"`
	PaymentIntent string            `bson:"paymentIntent"`
	Version       int64             `bson:"version"`
	CreatedAt     time.Time         `bson:"createdAt"`
	UpdatedAt     time.Time         `bson:"updatedAt"`
}

// CheckoutByID returns one checkout.
func (s *Store) CheckoutByID(ctx context.Context, id string) (billing.Checkout, error) {
	var d checkoutDoc
	if err := s.db.Collection("checkouts").FindOne(ctx, bson.M{"_id": id}).Decode(&d); err != nil {
		return billing.Checkout{}, mapErr(err, "checkout")
	}
	c := billing.Checkout{ID: d.ID, StudentID: d.StudentID, Currency: d.Currency, Attempt: d.Attempt, SessionID: d.SessionID, URL: d.URL,
		Status: billing.CheckoutStatus(d.Status), PaymentIntent: d.PaymentIntent, Version: d.Version, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	for _, it := range d.Items {
		c.Items = append(c.Items, billing.CheckoutItem{ChargeID: it.ChargeID, ProgramID: it.ProgramID, Name: it.Name, Amount: it.Amount})
	}
	return c, nil
}

// SaveCheckout inserts a new checkout (Version 0) or replaces one whose stored version is
// still c.Version.
func (s *Store) SaveCheckout(ctx context.Context, c billing.Checkout) error {
	d := checkoutDoc{ID: c.ID, StudentID: c.StudentID, Currency: c.Currency, Attempt: c.Attempt, SessionID: c.SessionID, URL: c.URL,
		Status: string(c.Status), PaymentIntent: c.PaymentIntent, Version: c.Version + 1, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	for _, it := range c.Items {
		d.Items = append(d.Items, checkoutItemDoc{ChargeID: it.ChargeID, ProgramID: it.ProgramID, Name: it.Name, Amount: it.Amount})
	}
	coll := s.db.Collection("checkouts")
	if c.Version == 0 {
		_, err := coll.InsertOne(ctx, d)
		return mapErr(err, "checkout")
	}
	r, err := coll.ReplaceOne(ctx, bson.M{"_id": c.ID, "version": c.Version}, d)
	if err != nil {
		return mapErr(err, "checkout")
	}
	if r.MatchedCount == 0 {
		return apperr.New(apperr.Conflict, "The checkout changed meanwhile.")
	}
	return nil
}

type eventDoc struct {
	ID          string     `bson:"_id"`
	Type        string     `bson:"type"`
	ReceivedAt  time.Time  `bson:"receivedAt"`
	ProcessedAt *time.Time `bson:"processedAt,omitempty"`
	Deliveries  int        `bson:"deliveries"`
}

// BeginEvent inserts the event; a duplicate id reports done when it was processed.
func (s *Store) BeginEvent(ctx context.Context, id, typ string, at time.Time) (bool, error) {
	coll := s.db.Collection("stripe_events")
	_, err := coll.InsertOne(ctx, eventDoc{ID: id, Type: typ, ReceivedAt: at, Deliveries: 1})
	if err == nil {
		return false, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, mapErr(err, "webhook event")
	}
	var d eventDoc
	if err := coll.FindOneAndUpdate(ctx, bson.M{"_id": id}, bson.M{"$inc": bson.M{"deliveries": 1}}).Decode(&d); err != nil {
		return false, mapErr(err, "webhook event")
	}
	return d.ProcessedAt != nil, nil
}

// FinishEvent marks an event processed.
func (s *Store) FinishEvent(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.Collection("stripe_events").UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"processedAt": at}})
	return mapErr(err, "webhook event")
}
