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

// Room events live in "room_events" with _id "room/<seq as 16 digits>". The unique _id is
// what numbers the events of every instance: an insert that collides means another
// publisher took the number. Reading events after a number is a run of _id lookups (the
// embedded store only serves _id equality without a scan). "rooms" ({_id: room, seq}) keeps
// a hint of the last number so a fresh instance does not probe from 1.

type roomEventDoc struct {
	ID    string `bson:"_id"`
	Room  string `bson:"room"`
	Seq   int64  `bson:"seq"`
	Staff bool   `bson:"staff"`
	Body  string `bson:"body"`
}

// hintEvery is how often AppendEvent writes the last-sequence hint.
const hintEvery = 32

func roomEventID(room string, seq int64) string { return fmt.Sprintf("%s/%016d", room, seq) }

// LastSeq returns the room's last sequence number, 0 for a room without events.
func (s *Store) LastSeq(ctx context.Context, room string) (int64, error) {
	var d struct {
		Seq int64 `bson:"seq"`
	}
	err := s.db.Collection("rooms").FindOne(ctx, bson.M{"_id": room}).Decode(&d)
	if err != nil && err != mongo.ErrNoDocuments {
		return 0, mapErr(err, "room")
	}
	// The hint may lag (it is written after the event); probe forward to the real end.
	seq := d.Seq
	for {
		err := s.db.Collection("room_events").FindOne(ctx, bson.M{"_id": roomEventID(room, seq+1)}, options.FindOne().SetProjection(bson.M{"_id": 1})).Err()
		if err == mongo.ErrNoDocuments {
			return seq, nil
		}
		if err != nil {
			return 0, mapErr(err, "room event")
		}
		seq++
	}
}

// AppendEvent stores an event; a taken sequence number is realtime.ErrSeqTaken.
func (s *Store) AppendEvent(ctx context.Context, e realtime.Event) error {
	_, err := s.db.Collection("room_events").InsertOne(ctx, roomEventDoc{ID: roomEventID(e.Room, e.Seq), Room: e.Room, Seq: e.Seq, Staff: e.Staff, Body: string(e.Body)})
	if mongo.IsDuplicateKeyError(err) {
		return realtime.ErrSeqTaken
	}
	if err != nil {
		return mapErr(err, "room event")
	}
	// The hint is best effort, written every hintEvery events: a stale or lost hint only
	// makes LastSeq probe a little further.
	if e.Seq%hintEvery != 1 {
		return nil
	}
	unlock := s.lockDoc("rooms/" + e.Room)
	defer unlock()
	_, err = s.db.Collection("rooms").UpdateOne(ctx, bson.M{"_id": e.Room}, bson.M{"$max": bson.M{"seq": e.Seq}}, options.Update().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		return nil // two instances created the hint at once
	}
	return mapErr(err, "room")
}

// EventsAfter returns up to limit of the room's events after seq, in order, stopping at
// the first number that has no event.
func (s *Store) EventsAfter(ctx context.Context, room string, after int64, limit int) ([]realtime.Event, error) {
	var out []realtime.Event
	for seq := after + 1; len(out) < limit; seq++ {
		var d roomEventDoc
		err := s.db.Collection("room_events").FindOne(ctx, bson.M{"_id": roomEventID(room, seq)}).Decode(&d)
		if err == mongo.ErrNoDocuments {
			break
		}
		if err != nil {
			return out, mapErr(err, "room event")
		}
		out = append(out, realtime.Event{Room: d.Room, Seq: d.Seq, Staff: d.Staff, Body: []byte(d.Body)})
	}
	return out, nil
}
