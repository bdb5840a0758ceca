package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
)

type sessionDoc struct {
	ID              string    `bson:"_id"` // SHA-256 of the secret
	UserID          string    `bson:"userId"`
	Kind            string    `bson:"kind"`
	CSRFToken       string    `bson:"csrf"`
	CreatedAt       time.Time `bson:"createdAt"`
	LastSeenAt      time.Time `bson:"lastSeenAt"`
	IdleExpiresAt   time.Time `bson:"idleExpiresAt"`
	AbsoluteExpires time.Time `bson:"absoluteExpiresAt"`
	ExpiresAt       time.Time `bson:"expiresAt"` // the earlier of the two, for the sweeper
	IP              string    `bson:"ip"`
	UserAgent       string    `bson:"userAgent"`
}

// CreateSession stores a session under its hash.
func (s *Store) CreateSession(ctx context.Context, x accounts.Session) error {
	_, err := s.db.Collection("sessions").InsertOne(ctx, sessionDoc{
		ID: x.IDHash, UserID: x.UserID, Kind: string(x.Kind), CSRFToken: x.CSRFToken,
		CreatedAt: x.CreatedAt, LastSeenAt: x.LastSeenAt, IdleExpiresAt: x.IdleExpiresAt,
		AbsoluteExpires: x.AbsoluteExpires, ExpiresAt: x.ExpiresAt(), IP: x.IP, UserAgent: x.UserAgent,
	})
	return mapErr(err, "session")
}

// SessionByHash returns the session stored under hash.
func (s *Store) SessionByHash(ctx context.Context, hash string) (accounts.Session, error) {
	var d sessionDoc
	if err := s.db.Collection("sessions").FindOne(ctx, bson.M{"_id": hash}).Decode(&d); err != nil {
		return accounts.Session{}, mapErr(err, "session")
	}
	return accounts.Session{
		IDHash: d.ID, UserID: d.UserID, Kind: accounts.SessionKind(d.Kind), CSRFToken: d.CSRFToken,
		CreatedAt: d.CreatedAt.UTC(), LastSeenAt: d.LastSeenAt.UTC(), IdleExpiresAt: d.IdleExpiresAt.UTC(),
		AbsoluteExpires: d.AbsoluteExpires.UTC(), IP: d.IP, UserAgent: d.UserAgent,
	}, nil
}

// TouchSession records use and slides the idle expiry (never past the absolute one).
func (s *Store) TouchSession(ctx context.Context, hash string, lastSeen, idleExpires time.Time) error {
	coll := s.db.Collection("sessions")
	var d sessionDoc
	if err := coll.FindOne(ctx, bson.M{"_id": hash}).Decode(&d); err != nil {
		return mapErr(err, "session")
	}
	exp := idleExpires
	if d.AbsoluteExpires.Before(exp) {
		exp = d.AbsoluteExpires
	}
	_, err := coll.UpdateOne(ctx, bson.M{"_id": hash}, bson.M{"$set": bson.M{"lastSeenAt": lastSeen, "idleExpiresAt": idleExpires, "expiresAt": exp}})
	return mapErr(err, "session")
}

// DeleteSession revokes one session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	r, err := s.db.Collection("sessions").DeleteOne(ctx, bson.M{"_id": hash})
	if err != nil {
		return mapErr(err, "session")
	}
	if r.DeletedCount == 0 {
		return apperr.New(apperr.NotFound, "No such session.")
	}
	return nil
}

// DeleteUserSessions revokes every session of a user except exceptHash.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, exceptHash string) (int64, error) {
	f := bson.M{"userId": userID}
	if exceptHash != "" {
		f["_id"] = bson.M{"$ne": exceptHash}
	}
	r, err := s.db.Collection("sessions").DeleteMany(ctx, f)
	if err != nil {
		return 0, mapErr(err, "sessions")
	}
	return r.DeletedCount, nil
}

// DeleteExpiredSessions removes sessions expired at now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	r, err := s.db.Collection("sessions").DeleteMany(ctx, bson.M{"expiresAt": bson.M{"$lte": now}})
	if err != nil {
		return 0, mapErr(err, "sessions")
	}
	return r.DeletedCount, nil
}
