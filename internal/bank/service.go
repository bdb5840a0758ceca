package bank

import (
	"context"
	"fmt"
	"time"

	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
)

// Store is the persistence the bank needs.
type Store interface {
	// ItemByID returns the current version; apperr.NotFound when there is none.
	ItemByID(ctx context.Context, id string) (Item, error)
	// ItemVersion returns one stored version (current or archived).
	ItemVersion(ctx context.Context, id string, version int) (Item, error)
	// SaveItem inserts or replaces the current version of an item.
	SaveItem(ctx context.Context, it Item) error
	// ArchiveItem keeps a copy of a version that is about to be replaced.
	ArchiveItem(ctx context.Context, it Item) error
	// AddResponses adds n to the response count of one version (used by exams and quizzes).
	AddResponses(ctx context.Context, id string, version, n int) error
	ListItems(ctx context.Context, f Filter) ([]Item, string, error)
}

// Filter selects items for the bank browser.
type Filter struct {
	Exam, Domain, Status, Type, Bank string
	Level                            string
	Query                            string // text in the stem, scenario, topic or id
	Cursor                           string
	Limit                            int
}

// ImportResult counts what an import did.
type ImportResult struct {
	Added     int // new ids
	Updated   int // changed in place (the version had no responses)
	Versioned int // changed into a new version (the old one had responses)
	Retired   int // newly retired
	Unchanged int
}

// Service imports and reads bank items.
type Service struct {
	store Store
	audit *audit.Log
	now   func() time.Time
	rules Rules
}

// NewService returns a bank Service.
func NewService(store Store, log *audit.Log, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, audit: log, now: now}
}

// Import upserts items by id and content hash. progress, when not nil, is called after
// each item. An item whose hash is unchanged is left alone, so importing the same tree
// twice reports only unchanged items the second time.
func (s *Service) Import(ctx context.Context, actorID string, items []Item, progress func(done, total int)) (ImportResult, error) {
	var r ImportResult
	for i, it := range items {
		if err := s.importOne(ctx, it, &r); err != nil {
			return r, fmt.Errorf("item %s: %w", it.ID, err)
		}
		if progress != nil {
			progress(i+1, len(items))
		}
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: actorID, Action: "bank.import", Subject: "bank", Details: map[string]string{
		"added": fmt.Sprint(r.Added), "updated": fmt.Sprint(r.Updated), "versioned": fmt.Sprint(r.Versioned),
		"retired": fmt.Sprint(r.Retired), "unchanged": fmt.Sprint(r.Unchanged),
	}})
	return r, nil
}

func (s *Service) importOne(ctx context.Context, it Item, r *ImportResult) error {
	it.Hash = it.ContentHash()
	it.UpdatedAt = s.now().UTC()
	cur, err := s.store.ItemByID(ctx, it.ID)
	if apperr.Is(err, apperr.NotFound) {
		it.Version, it.Responses = 1, 0
		r.Added++
		return s.store.SaveItem(ctx, it)
	}
	if err != nil {
		return err
	}
	if cur.Hash == it.Hash {
		r.Unchanged++
		return nil
	}
	if it.Status == "retired" && cur.Status != "retired" {
		r.Retired++
	}
	if cur.Responses > 0 {
		// Students answered this version: keep it and start a new one.
		if err := s.store.ArchiveItem(ctx, cur); err != nil {
			return err
		}
		it.Version, it.Responses = cur.Version+1, 0
		if it.Status != "retired" || cur.Status == "retired" {
			r.Versioned++
		}
	} else {
		it.Version, it.Responses = cur.Version, 0
		if it.Status != "retired" || cur.Status == "retired" {
			r.Updated++
		}
	}
	return s.store.SaveItem(ctx, it)
}

// Item returns the current version of an item.
func (s *Service) Item(ctx context.Context, id string) (Item, error) {
	return s.store.ItemByID(ctx, id)
}

// Version returns a given version of an item, archived or current.
func (s *Service) Version(ctx context.Context, id string, v int) (Item, error) {
	return s.store.ItemVersion(ctx, id, v)
}

// RecordResponses counts n responses against a version, which freezes it: a later change
// becomes a new version.
func (s *Service) RecordResponses(ctx context.Context, id string, version, n int) error {
	return s.store.AddResponses(ctx, id, version, n)
}

// List returns a page of items.
func (s *Service) List(ctx context.Context, f Filter) ([]Item, string, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return s.store.ListItems(ctx, f)
}

// ActiveItems returns every active item serving exam (the pool forms are drawn from).
func (s *Service) ActiveItems(ctx context.Context, exam string) ([]Item, error) {
	var out []Item
	cursor := ""
	for {
		// Large pages: on the embedded store every page is a pass over the collection.
		page, next, err := s.store.ListItems(ctx, Filter{Exam: exam, Status: "active", Cursor: cursor, Limit: 2000})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}
