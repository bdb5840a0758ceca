package bank

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/audit"
	"github.com/chartroom-him/chartroom/internal/content"
)

// Rules are the blueprints and competencies an edited item is validated against, the same
// rules `chartroom content validate` applies to files.
type Rules struct {
	Blueprints   map[string]*content.Blueprint
	Competencies map[string]content.Competency
}

// WithRules sets the validation rules for edits made through the service.
func (s *Service) WithRules(r Rules) *Service {
	s.rules = r
	return s
}

// CanAuthor reports whether p may see keys and edit the bank: staff, not students.
func CanAuthor(p accounts.Principal) bool {
	return p.IsAdmin() || p.Has(accounts.Instructor) || p.Has(accounts.Coordinator)
}

func authorOnly(p accounts.Principal) error {
	if !CanAuthor(p) {
		return apperr.New(apperr.Forbidden, "Only instructors, coordinators and admins can open the question bank.")
	}
	return nil
}

// Browse lists items for an author.
func (s *Service) Browse(ctx context.Context, p accounts.Principal, f Filter) ([]Item, string, error) {
	if err := authorOnly(p); err != nil {
		return nil, "", err
	}
	return s.List(ctx, f)
}

// VersionInfo summarises one stored version of an item.
type VersionInfo struct {
	Version   int
	Status    string
	Reviewer  string
	Responses int
	Current   bool
}

// Get returns an item and the history of its versions, newest first.
func (s *Service) Get(ctx context.Context, p accounts.Principal, id string) (Item, []VersionInfo, error) {
	if err := authorOnly(p); err != nil {
		return Item{}, nil, err
	}
	it, err := s.store.ItemByID(ctx, id)
	if err != nil {
		return Item{}, nil, err
	}
	hist := []VersionInfo{{Version: it.Version, Status: it.Status, Reviewer: it.Reviewer, Responses: it.Responses, Current: true}}
	for v := it.Version - 1; v >= 1; v-- {
		old, err := s.store.ItemVersion(ctx, id, v)
		if apperr.Is(err, apperr.NotFound) {
			continue // edited in place before anyone answered it
		}
		if err != nil {
			return Item{}, nil, err
		}
		hist = append(hist, VersionInfo{Version: old.Version, Status: old.Status, Reviewer: old.Reviewer, Responses: old.Responses})
	}
	return it, hist, nil
}

// Validate checks an item with the same rules as content files and returns field errors.
func (s *Service) Validate(it Item) error {
	tree := &content.Tree{Blueprints: s.rules.Blueprints, Competencies: s.rules.Competencies, Items: []*content.Item{ToContent(it)}}
	var f apperr.Fields
	for _, p := range content.Validate(tree) {
		f.Add("item", p.Msg)
	}
	return f.Err()
}

// Save creates or edits an item from the editor. An edit to a version that has responses
// becomes a new version. Status and reviewer are not changed here: see SetStatus. A new
// item starts as a draft authored by the caller.
func (s *Service) Save(ctx context.Context, p accounts.Principal, it Item) (Item, error) {
	if err := authorOnly(p); err != nil {
		return Item{}, err
	}
	cur, err := s.store.ItemByID(ctx, it.ID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		it.Status, it.Reviewer, it.Author = "draft", "", p.Email
	case err != nil:
		return Item{}, err
	default:
		it.Status, it.Reviewer, it.Author, it.Bank = cur.Status, cur.Reviewer, cur.Author, cur.Bank
		if cur.Status == "active" {
			// A changed active item needs a fresh review.
			it.Status, it.Reviewer = "review", ""
		}
	}
	if it.Bank == "" {
		it.Bank = "authored"
	}
	if err := s.Validate(it); err != nil {
		return Item{}, err
	}
	var r ImportResult
	if err := s.importOne(ctx, it, &r); err != nil {
		return Item{}, err
	}
	saved, err := s.store.ItemByID(ctx, it.ID)
	if err != nil {
		return Item{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "bank.item_save", Subject: "item:" + it.ID, Details: map[string]string{"version": fmt.Sprint(saved.Version)}})
	return saved, nil
}

// transitions lists the review workflow: draft -> review -> active, with sending back,
// retiring, and reviving a retired item as a draft.
var transitions = map[string][]string{
	"draft":   {"review", "retired"},
	"review":  {"active", "draft", "retired"},
	"active":  {"retired", "review"},
	"retired": {"draft"},
}

// SetStatus moves an item through the review workflow. Activating needs a reviewer other
// than the author, who is recorded on the item. Errors: apperr.Conflict for a move the
// workflow does not allow, apperr.Forbidden for an author approving their own item.
func (s *Service) SetStatus(ctx context.Context, p accounts.Principal, id, status string) (Item, error) {
	if err := authorOnly(p); err != nil {
		return Item{}, err
	}
	it, err := s.store.ItemByID(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if !slices.Contains(transitions[it.Status], status) {
		return Item{}, &apperr.Error{Kind: apperr.Conflict, Message: fmt.Sprintf("An item in %s cannot move to %s.", it.Status, status),
			Fields: []apperr.FieldError{{Field: "status", Message: "allowed from " + it.Status + ": " + strings.Join(transitions[it.Status], ", ")}}}
	}
	next := it
	next.Status = status
	switch status {
	case "active":
		if strings.EqualFold(it.Author, p.Email) || it.Author == p.UserID {
			return Item{}, apperr.New(apperr.Forbidden, "A second reader must approve an item: its author cannot.")
		}
		next.Reviewer = p.Email
		if err := s.Validate(next); err != nil {
			return Item{}, err
		}
	case "draft", "review":
		next.Reviewer = ""
	}
	var r ImportResult
	if err := s.importOne(ctx, next, &r); err != nil {
		return Item{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Action: "bank.item_status", Subject: "item:" + id, Details: map[string]string{"from": it.Status, "to": status}})
	return s.store.ItemByID(ctx, id)
}

// ToContent converts a stored item back to the content format (for export and validation).
func ToContent(it Item) *content.Item {
	c := &content.Item{ID: it.ID, Version: max(it.Version, 1), Type: it.Type, Status: it.Status, Exams: it.Exams, Blueprint: it.Blueprint,
		Topic: it.Topic, Competency: it.Competency, Scenario: it.Scenario, References: it.References, Author: it.Author, Reviewer: it.Reviewer, Bank: it.Bank}
	toQ := func(q Question) content.Item {
		ci := content.Item{ID: q.ID, Type: q.Type, Stem: q.Stem, Level: q.Level, Bloom: q.Bloom, Difficulty: q.Difficulty, Angoff: q.Angoff, References: q.References}
		if q.Type == "multiple" {
			ci.Choose = q.Choose
		}
		for _, o := range q.Options {
			ci.Options = append(ci.Options, content.Option{ID: o.ID, Text: o.Text, Correct: o.Correct, Rationale: o.Rationale})
		}
		return ci
	}
	if it.Type == "scenario" {
		for _, q := range it.Questions {
			c.Items = append(c.Items, toQ(q))
		}
		return c
	}
	if len(it.Questions) > 0 {
		q := toQ(it.Questions[0])
		c.Stem, c.Choose, c.Options, c.Level, c.Bloom, c.Difficulty, c.Angoff = q.Stem, q.Choose, q.Options, q.Level, q.Bloom, q.Difficulty, q.Angoff
	}
	return c
}

// Export returns the items of one bank (all banks when bank is empty) as content YAML that
// `chartroom content import` reads back with no change.
func (s *Service) Export(ctx context.Context, p accounts.Principal, bankName string) ([]byte, error) {
	if err := authorOnly(p); err != nil {
		return nil, err
	}
	var all []*content.Item
	cursor := ""
	for {
		page, next, err := s.store.ListItems(ctx, Filter{Bank: bankName, Cursor: cursor, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, it := range page {
			all = append(all, ToContent(it))
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return content.MarshalItems(all)
}
