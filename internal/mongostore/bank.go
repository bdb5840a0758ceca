package mongostore

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/bank"
)

var _ bank.Store = (*Store)(nil)

type optionDoc struct {
	ID        string `bson:"id"`
	Text      string `bson:"text"`
	Correct   bool   `bson:"correct"`
	Rationale string `bson:"rationale"`
}

type questionDoc struct {
	ID         string      `bson:"id"`
	Type       string      `bson:"type"`
	Stem       string      `bson:"stem"`
	Choose     int         `bson:"choose"`
	Options    []optionDoc `bson:"options"`
	Level      string      `bson:"level"`
	Bloom      string      `bson:"bloom"`
	Difficulty float64     `bson:"difficulty"`
	Angoff     *float64    `bson:"angoff,omitempty"`
	References []string    `bson:"references,omitempty"`
}

type itemDoc struct {
	ID         string            `bson:"_id"` // id, or id@version in item_versions
	ItemID     string            `bson:"itemId"`
	Version    int               `bson:"version"`
	Hash       string            `bson:"hash"`
	Bank       string            `bson:"bank"`
	Type       string            `bson:"type"`
	Status     string            `bson:"status"`
	Exams      []string          `bson:"exams"`
	Blueprint  map[string]string `bson:"blueprint"`
	Domains    []string          `bson:"domains"` // "RHIT:4" per exam, for filtering
	Topic      string            `bson:"topic"`
	Competency string            `bson:"competency"`
	Scenario   string            `bson:"scenario,omitempty"`
	Questions  []questionDoc     `bson:"questions"`
	References []string          `bson:"references,omitempty"`
	Author     string            `bson:"author"`
	Reviewer   string            `bson:"reviewer"`
	Responses  int               `bson:"responses"`
	UpdatedAt  time.Time         `bson:"updatedAt"`
}

func toItemDoc(it bank.Item) itemDoc {
	d := itemDoc{ID: it.ID, ItemID: it.ID, Version: it.Version, Hash: it.Hash, Bank: it.Bank, Type: it.Type, Status: it.Status,
		Exams: it.Exams, Blueprint: it.Blueprint, Topic: it.Topic, Competency: it.Competency, Scenario: it.Scenario,
		References: it.References, Author: it.Author, Reviewer: it.Reviewer, Responses: it.Responses, UpdatedAt: it.UpdatedAt}
	for exam, sub := range it.Blueprint {
		dom := sub
		for i := range sub {
			if sub[i] == '.' {
				dom = sub[:i]
				break
			}
		}
		d.Domains = append(d.Domains, exam+":"+dom)
	}
	for _, q := range it.Questions {
		qd := questionDoc{ID: q.ID, Type: q.Type, Stem: q.Stem, Choose: q.Choose, Level: q.Level, Bloom: q.Bloom, Difficulty: q.Difficulty, Angoff: q.Angoff, References: q.References}
		for _, o := range q.Options {
			qd.Options = append(qd.Options, optionDoc(o))
		}
		d.Questions = append(d.Questions, qd)
	}
	return d
}

func (d itemDoc) item() bank.Item {
	it := bank.Item{ID: d.ItemID, Version: d.Version, Hash: d.Hash, Bank: d.Bank, Type: d.Type, Status: d.Status,
		Exams: d.Exams, Blueprint: d.Blueprint, Topic: d.Topic, Competency: d.Competency, Scenario: d.Scenario,
		References: d.References, Author: d.Author, Reviewer: d.Reviewer, Responses: d.Responses, UpdatedAt: d.UpdatedAt.UTC()}
	for _, q := range d.Questions {
		bq := bank.Question{ID: q.ID, Type: q.Type, Stem: q.Stem, Choose: q.Choose, Level: q.Level, Bloom: q.Bloom, Difficulty: q.Difficulty, Angoff: q.Angoff, References: q.References}
		for _, o := range q.Options {
			bq.Options = append(bq.Options, bank.Option(o))
		}
		it.Questions = append(it.Questions, bq)
	}
	return it
}

// ItemByID returns the current version of an item.
func (s *Store) ItemByID(ctx context.Context, id string) (bank.Item, error) {
	var d itemDoc
	err := s.db.Collection("items").FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	return d.item(), mapErr(err, "item")
}

// ItemVersion returns a version of an item, current or archived.
func (s *Store) ItemVersion(ctx context.Context, id string, version int) (bank.Item, error) {
	cur, err := s.ItemByID(ctx, id)
	if err == nil && cur.Version == version {
		return cur, nil
	}
	var d itemDoc
	err = s.db.Collection("item_versions").FindOne(ctx, bson.M{"_id": fmt.Sprintf("%s@%d", id, version)}).Decode(&d)
	return d.item(), mapErr(err, "item version")
}

// SaveItem inserts or replaces the current version of an item.
func (s *Store) SaveItem(ctx context.Context, it bank.Item) error {
	_, err := s.db.Collection("items").ReplaceOne(ctx, bson.M{"_id": it.ID}, toItemDoc(it), options.Replace().SetUpsert(true))
	return mapErr(err, "item")
}

// ArchiveItem keeps a copy of a version under id@version; archiving twice is harmless.
func (s *Store) ArchiveItem(ctx context.Context, it bank.Item) error {
	d := toItemDoc(it)
	d.ID = fmt.Sprintf("%s@%d", it.ID, it.Version)
	_, err := s.db.Collection("item_versions").ReplaceOne(ctx, bson.M{"_id": d.ID}, d, options.Replace().SetUpsert(true))
	return mapErr(err, "item version")
}

// AddResponses adds n to the response count of one version, atomically.
func (s *Store) AddResponses(ctx context.Context, id string, version, n int) error {
	matched, err := s.updateIf(ctx, "items", id, bson.M{"version": version},
		func(doc bson.Raw) bool { v, ok := doc.Lookup("version").AsInt64OK(); return ok && v == int64(version) },
		bson.M{"$inc": bson.M{"responses": n}})
	if err != nil {
		return mapErr(err, "item")
	}
	if !matched {
		r, err := s.db.Collection("item_versions").UpdateOne(ctx, bson.M{"_id": fmt.Sprintf("%s@%d", id, version)}, bson.M{"$inc": bson.M{"responses": n}})
		if err != nil {
			return mapErr(err, "item version")
		}
		if r.MatchedCount == 0 {
			return apperr.New(apperr.NotFound, "No such item version.")
		}
	}
	return nil
}

// ListItems returns a page of current items matching f.
func (s *Store) ListItems(ctx context.Context, f bank.Filter) ([]bank.Item, string, error) {
	filter := bson.M{}
	if f.Exam != "" {
		filter["exams"] = f.Exam
		if f.Domain != "" {
			filter["domains"] = f.Exam + ":" + f.Domain
		}
	}
	if f.Status != "" {
		filter["status"] = f.Status
	}
	if f.Type != "" {
		filter["type"] = f.Type
	}
	if f.Bank != "" {
		filter["bank"] = f.Bank
	}
	if f.Level != "" {
		filter["questions.level"] = f.Level
	}
	if f.Query != "" {
		q := bson.M{"$regex": regexp.QuoteMeta(f.Query), "$options": "i"}
		filter["$or"] = bson.A{bson.M{"_id": q}, bson.M{"topic": q}, bson.M{"scenario": q}, bson.M{"questions.stem": q}}
	}
	filter, opts := pageAnd(filter, f.Cursor, f.Limit)
	cur, err := s.db.Collection("items").Find(ctx, filter, opts)
	if err != nil {
		return nil, "", mapErr(err, "items")
	}
	var docs []itemDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, "", mapErr(err, "items")
	}
	docs, next := nextCursor(docs, f.Limit, func(d itemDoc) string { return d.ID })
	out := make([]bank.Item, len(docs))
	for i, d := range docs {
		out[i] = d.item()
	}
	return out, next, nil
}
