package mongostore

import (
	"context"
	"errors"
	"maps"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

// updateIf applies update to the document with _id id when it also matches filter, and
// reports whether it matched. On MongoDB (and FerretDB on PostgreSQL) that is one
// conditional UpdateOne, atomic in the server.
//
// FerretDB 1.24 on SQLite pushes a filter down to SQL only when it is exactly {_id: v};
// {_id: v, status: "open"} makes it read and decode every document of the collection.
// The embedded store lives in this process and nothing else writes to it, so there the
// same guarantee comes from a lock per document held around a read by _id, the check
// (cond, which must say the same as filter) and an update by _id.
func (s *Store) updateIf(ctx context.Context, coll, id string, filter bson.M, cond func(doc bson.Raw) bool, update bson.M) (bool, error) {
	c := s.db.Collection(coll)
	if coll == "attempts" {
		defer s.attemptChanged(id)
	}
	if !s.Embedded {
		f := bson.M{"_id": id}
		maps.Copy(f, filter)
		r, err := c.UpdateOne(ctx, f, update)
		if err != nil {
			return false, err
		}
		return r.MatchedCount > 0, nil
	}
	defer s.lockDoc(coll + "/" + id)()
	doc, err := c.FindOne(ctx, bson.M{"_id": id}).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !cond(doc) {
		return false, nil
	}
	r, err := c.UpdateOne(ctx, bson.M{"_id": id}, update)
	if err != nil {
		return false, err
	}
	return r.MatchedCount > 0, nil
}

// stringField returns a top-level string field of doc ("" when missing).
func stringField(doc bson.Raw, key string) string {
	v, _ := doc.Lookup(key).StringValueOK()
	return v
}
