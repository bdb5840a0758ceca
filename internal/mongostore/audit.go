package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/audit"
)

var _ audit.Store = (*Store)(nil)

type auditDoc struct {
	ID      string            `bson:"_id"`
	At      time.Time         `bson:"at"`
	ActorID string            `bson:"actorId"`
	Action  string            `bson:"action"`
	Subject string            `bson:"subject"`
	IP      string            `bson:"ip,omitempty"`
	Details map[string]string `bson:"details,omitempty"`
}

// AppendAudit appends an audit entry.
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) error {
	if e.ID == "" {
		e.ID = newID()
	}
	_, err := s.db.Collection("audit").InsertOne(ctx, auditDoc{ID: e.ID, At: e.At, ActorID: e.ActorID, Action: e.Action, Subject: e.Subject, IP: e.IP, Details: e.Details})
	return mapErr(err, "audit entry")
}

// ListAudit returns entries matching f, newest first.
func (s *Store) ListAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	filter := bson.M{}
	if f.Subject != "" {
		filter["subject"] = f.Subject
	}
	if f.ActorID != "" {
		filter["actorId"] = f.ActorID
	}
	if f.Action != "" {
		filter["action"] = f.Action
	}
	cur, err := s.db.Collection("audit").Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(f.Limit)))
	if err != nil {
		return nil, mapErr(err, "audit")
	}
	var docs []auditDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "audit")
	}
	out := make([]audit.Entry, len(docs))
	for i, d := range docs {
		out[i] = audit.Entry{ID: d.ID, At: d.At.UTC(), ActorID: d.ActorID, Action: d.Action, Subject: d.Subject, IP: d.IP, Details: d.Details}
	}
	return out, nil
}
