package mongostore

import (
	"context"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
)

var _ accounts.Store = (*Store)(nil)

type userDoc struct {
	ID           string    `bson:"_id"`
	Email        string    `bson:"email"`
	Name         string    `bson:"name"`
	Roles        []string  `bson:"roles"`
	PasswordHash string    `bson:"passwordHash"`
	CreatedAt    time.Time `bson:"createdAt"`
	UpdatedAt    time.Time `bson:"updatedAt"`
}

func toUserDoc(u accounts.User) userDoc {
	d := userDoc{ID: u.ID, Email: u.Email, Name: u.Name, PasswordHash: u.PasswordHash, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	for _, r := range u.Roles {
		d.Roles = append(d.Roles, string(r))
	}
	return d
}

func (d userDoc) user() accounts.User {
	u := accounts.User{ID: d.ID, Email: d.Email, Name: d.Name, PasswordHash: d.PasswordHash, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	for _, r := range d.Roles {
		u.Roles = append(u.Roles, accounts.Role(r))
	}
	return u
}

// CreateUser inserts u and sets its ID.
func (s *Store) CreateUser(ctx context.Context, u *accounts.User) error {
	if u.ID == "" {
		u.ID = newID()
	}
	_, err := s.db.Collection("users").InsertOne(ctx, toUserDoc(*u))
	return mapErr(err, "user")
}

// UserByID returns the user with id.
func (s *Store) UserByID(ctx context.Context, id string) (accounts.User, error) {
	var d userDoc
	err := s.db.Collection("users").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	return d.user(), mapErr(err, "user")
}

// UserByEmail returns the user with the (normalized) email.
func (s *Store) UserByEmail(ctx context.Context, email string) (accounts.User, error) {
	var d userDoc
	err := s.db.Collection("users").FindOne(ctx, bson.M{"email": accounts.NormalizeEmail(email)}).Decode(&d)
	return d.user(), mapErr(err, "user")
}

// UsersByIDs returns the users among ids that exist.
func (s *Store) UsersByIDs(ctx context.Context, ids []string) ([]accounts.User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cur, err := s.db.Collection("users").Find(ctx, bson.M{"_id": bson.M{"$in": ids}})
	if err != nil {
		return nil, mapErr(err, "users")
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "users")
	}
	out := make([]accounts.User, len(docs))
	for i, d := range docs {
		out[i] = d.user()
	}
	return out, nil
}

// UpdatePassword replaces a user's password hash.
func (s *Store) UpdatePassword(ctx context.Context, id, hash string, at time.Time) error {
	r, err := s.db.Collection("users").UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"passwordHash": hash, "updatedAt": at}})
	if err != nil {
		return mapErr(err, "user")
	}
	if r.MatchedCount == 0 {
		return apperr.New(apperr.NotFound, "No such user.")
	}
	return nil
}

// DeleteUser removes a user.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	_, err := s.db.Collection("users").DeleteOne(ctx, bson.M{"_id": id})
	return mapErr(err, "user")
}

// ListUsers returns a page of users matching f.
func (s *Store) ListUsers(ctx context.Context, f accounts.UserFilter) ([]accounts.User, string, error) {
	filter := bson.M{}
	if f.Query != "" {
		q := regexp.QuoteMeta(f.Query)
		filter["$or"] = bson.A{
			bson.M{"email": bson.M{"$regex": q, "$options": "i"}},
			bson.M{"name": bson.M{"$regex": q, "$options": "i"}},
		}
	}
	if f.Role != "" {
		filter["roles"] = string(f.Role)
	}
	if f.IDs != nil {
		filter["_id"] = bson.M{"$in": f.IDs}
	}
	filter, opts := pageAnd(filter, f.Cursor, f.Limit)
	cur, err := s.db.Collection("users").Find(ctx, filter, opts)
	if err != nil {
		return nil, "", mapErr(err, "users")
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, "", mapErr(err, "users")
	}
	docs, next := nextCursor(docs, f.Limit, func(d userDoc) string { return d.ID })
	out := make([]accounts.User, len(docs))
	for i, d := range docs {
		out[i] = d.user()
	}
	return out, next, nil
}
