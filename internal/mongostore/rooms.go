package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/realtime"
)

var _ realtime.Log = (*Store)(nil)

// Room sequence numbers live in "rooms" ({_id: room, seq}) and events in "room_events"
// with _id "room/<seq as 16 digits>", so reading a room's events after a number is a range
// on _id and never a collection scan.

type roomEventDoc struct {
	ID    string `bson:"_id"`
	Room  string `bson:"room"`
	Seq   int64  `bson:"seq"`
	Staff bool   `bson:"staff"`
	Body  string `bson:"body"`
}

func roomEventID(room string, seq int64) string { return fmt.Sprintf("%s/%016d", room, seq) }

// NextSeq increments the room's sequence number atomically and returns it.
func (s *Store) NextSeq(ctx context.Context, room string) (int64, error) {
	var d struct {
		Seq int64 `bson:"seq"`
	}
	err := s.db.Collection("rooms").FindOneAndUpdate(ctx, bson.M{"_id": room}, bson.M{"$inc": bson.M{"seq": int64(1)}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	return d.Seq, mapErr(err, "room")
}

// LastSeq returns the room's last sequence number, 0 for a room without events.
func (s *Store) LastSeq(ctx context.Context, room string) (int64, error) {
	var d struct {
		Seq int64 `bson:"seq"`
	}
	err := s.db.Collection("rooms").FindOne(ctx, bson.M{"_id": room}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return 0, nil
	}
	return d.Seq, mapErr(err, "room")
}

// AppendEvent stores an event.
func (s *Store) AppendEvent(ctx context.Context, e realtime.Event) error {
	_, err := s.db.Collection("room_events").InsertOne(ctx, roomEventDoc{ID: roomEventID(e.Room, e.Seq), Room: e.Room, Seq: e.Seq, Staff: e.Staff, Body: string(e.Body)})
	return mapErr(err, "room event")
}

// EventsAfter returns up to limit of the room's events after seq, in order.
func (s *Store) EventsAfter(ctx context.Context, room string, after int64, limit int) ([]realtime.Event, error) {
	filter := bson.M{"_id": bson.M{"$gt": roomEventID(room, after), "$lt": room + "/~"}}
	return findAll(ctx, s.db.Collection("room_events"), filter, "room events", func(d roomEventDoc) realtime.Event {
		return realtime.Event{Room: d.Room, Seq: d.Seq, Staff: d.Staff, Body: []byte(d.Body)}
	}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}
