package classroom

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chartroom-him/chartroom/internal/accounts"
	"github.com/chartroom-him/chartroom/internal/apperr"
	"github.com/chartroom-him/chartroom/internal/bank"
)

// PollStatus is where a poll stands.
type PollStatus string

// The poll statuses.
const (
	PollOpen     PollStatus = "open"
	PollClosed   PollStatus = "closed"
	PollRevealed PollStatus = "revealed"
)

// PollOption is one choice of a poll.
type PollOption struct {
	ID      string
	Text    string
	Correct bool
}

// Poll is a live question put to the room, from the bank or typed on the spot.
type Poll struct {
	ID        string
	SessionID string
	ItemID    string // bank item, when it came from the bank
	Stem      string
	Options   []PollOption
	Choose    int // how many options to pick
	Rationale string
	Status    PollStatus
	OpenedAt  time.Time
	ClosesAt  time.Time // zero: no timer
	ClosedAt  time.Time
	Counts    map[string]int // answers per option id
	Answered  int
	CreatedBy string
}

// Validate checks the poll's invariants.
func (p Poll) Validate() error {
	var f apperr.Fields
	if t := strings.TrimSpace(p.Stem); t == "" || len(t) > 2000 {
		f.Add("stem", "is required (at most 2000 characters)")
	}
	if len(p.Options) < 2 || len(p.Options) > 8 {
		f.Add("options", "between 2 and 8 options")
	}
	seen := map[string]bool{}
	for i, o := range p.Options {
		if o.ID == "" || len(o.ID) > 8 || seen[o.ID] || strings.ContainsAny(o.ID, ".$") {
			f.Add("options["+strconv.Itoa(i)+"].id", "is required, unique, at most 8 characters, without . or $")
		}
		seen[o.ID] = true
		if strings.TrimSpace(o.Text) == "" || len(o.Text) > 500 {
			f.Add("options["+strconv.Itoa(i)+"].text", "is required (at most 500 characters)")
		}
	}
	if p.Choose < 1 || p.Choose > len(p.Options) {
		f.Add("choose", "must be between 1 and the number of options")
	}
	if len(p.Rationale) > 4000 {
		f.Add("rationale", "at most 4000 characters")
	}
	return f.Err()
}

// StatusAt is the poll's status at now: an open poll past its timer is closed.
func (p Poll) StatusAt(now time.Time) PollStatus {
	if p.Status == PollOpen && !p.ClosesAt.IsZero() && !now.Before(p.ClosesAt) {
		return PollClosed
	}
	return p.Status
}

// PollResponse is one student's answer to a poll. Its ID is "pollID/studentID".
type PollResponse struct {
	ID        string
	PollID    string
	SessionID string
	StudentID string
	Choices   []string
	Correct   bool
	At        time.Time
}

// NewPoll is what an instructor opens: a bank item (ItemID and optionally QuestionID), or
// a question typed on the spot.
type NewPoll struct {
	ItemID     string
	QuestionID string
	Stem       string
	Options    []PollOption
	Choose     int
	Rationale  string
	Seconds    int // timer; 0 for none
}

// PollOptionView is an option as shown; Correct only once revealed (or to staff).
type PollOptionView struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	Correct *bool  `json:"correct,omitempty"`
}

// PollView is a poll as sent to a client.
type PollView struct {
	ID        string           `json:"id"`
	ItemID    string           `json:"itemId,omitempty"`
	Stem      string           `json:"stem"`
	Options   []PollOptionView `json:"options"`
	Choose    int              `json:"choose"`
	Status    PollStatus       `json:"status"`
	OpenedAt  time.Time        `json:"openedAt"`
	ClosesAt  *time.Time       `json:"closesAt,omitempty"`
	Counts    map[string]int   `json:"counts,omitempty"`
	Answered  *int             `json:"answered,omitempty"`
	Rationale string           `json:"rationale,omitempty"`
}

func pollView(p Poll, staff bool, now time.Time) PollView {
	st := p.StatusAt(now)
	v := PollView{ID: p.ID, ItemID: p.ItemID, Stem: p.Stem, Choose: p.Choose, Status: st, OpenedAt: p.OpenedAt}
	if !p.ClosesAt.IsZero() {
		t := p.ClosesAt
		v.ClosesAt = &t
	}
	show := staff || st == PollRevealed
	for _, o := range p.Options {
		ov := PollOptionView{ID: o.ID, Text: o.Text}
		if show {
			c := o.Correct
			ov.Correct = &c
		}
		v.Options = append(v.Options, ov)
	}
	if show {
		v.Counts = map[string]int{}
		for _, o := range p.Options {
			v.Counts[o.ID] = p.Counts[o.ID]
		}
		n := p.Answered
		v.Answered = &n
		v.Rationale = p.Rationale
	}
	return v
}

// OpenPoll puts a question to a live session's room (staff only); the previous poll, if
// still open, is closed.
func (s *Service) OpenPoll(ctx context.Context, p accounts.Principal, sessionID string, n NewPoll) (Poll, error) {
	sa, err := s.staffSession(ctx, p, sessionID)
	if err != nil {
		return Poll{}, err
	}
	if sa.Session.Status != Live {
		return Poll{}, &apperr.Error{Kind: apperr.Conflict, Type: "session-not-live", Message: "The session is not live."}
	}
	if n.Seconds < 0 || n.Seconds > 3600 {
		return Poll{}, apperr.Field("seconds", "must be between 0 and 3600")
	}
	now := s.now()
	pl := Poll{SessionID: sessionID, Status: PollOpen, OpenedAt: now, Counts: map[string]int{}, CreatedBy: p.UserID}
	if n.Seconds > 0 {
		pl.ClosesAt = now.Add(time.Duration(n.Seconds) * time.Second)
	}
	if n.ItemID != "" {
		it, err := s.bank.Item(ctx, n.ItemID)
		if apperr.Is(err, apperr.NotFound) {
			return Poll{}, apperr.Field("itemId", "no such bank item")
		}
		if err != nil {
			return Poll{}, err
		}
		if len(it.Questions) == 0 {
			return Poll{}, apperr.Field("itemId", "the item has no question")
		}
		q := it.Questions[0]
		if n.QuestionID != "" {
			i := slices.IndexFunc(it.Questions, func(q bank.Question) bool { return q.ID == n.QuestionID })
			if i < 0 {
				return Poll{}, apperr.Field("questionId", "is not a question of the item")
			}
			q = it.Questions[i]
		}
		pl.ItemID, pl.Stem, pl.Choose = it.ID, q.Stem, max(q.Choose, 1)
		if it.Scenario != "" {
			pl.Stem = it.Scenario + "\n\n" + q.Stem
		}
		var why []string
		for _, o := range q.Options {
			pl.Options = append(pl.Options, PollOption{ID: o.ID, Text: o.Text, Correct: o.Correct})
			if o.Rationale != "" {
				why = append(why, o.ID+": "+o.Rationale)
			}
		}
		pl.Rationale = strings.Join(why, "\n")
	} else {
		pl.Stem, pl.Options, pl.Choose, pl.Rationale = strings.TrimSpace(n.Stem), n.Options, n.Choose, strings.TrimSpace(n.Rationale)
		if pl.Choose == 0 {
			pl.Choose = 1
		}
	}
	if err := pl.Validate(); err != nil {
		return Poll{}, err
	}
	if sa.Session.PollID != "" {
		if old, err := s.store.TransitionPoll(ctx, sa.Session.PollID, []PollStatus{PollOpen}, PollClosed, now); err == nil {
			s.emit(ctx, sessionID, false, "poll.closed", map[string]string{"pollId": old.ID})
		}
	}
	if err := s.store.CreatePoll(ctx, &pl); err != nil {
		return Poll{}, err
	}
	if err := s.store.SetCurrentPoll(ctx, sessionID, pl.ID); err != nil {
		return Poll{}, err
	}
	s.record(ctx, p, "poll.open", "session:"+sessionID, map[string]string{"pollId": pl.ID, "itemId": pl.ItemID})
	s.emit(ctx, sessionID, false, "poll.opened", pollView(pl, false, now))
	s.emit(ctx, sessionID, true, "poll.results", pollView(pl, true, now))
	return pl, nil
}

// Answer records a student's answer to an open poll; answering again while it is open
// replaces the answer. The result is kept per student in the store.
func (s *Service) Answer(ctx context.Context, p accounts.Principal, pollID string, choices []string) (PollResponse, error) {
	pl, err := s.store.PollByID(ctx, pollID)
	if err != nil {
		return PollResponse{}, apperr.New(apperr.NotFound, "No such poll.")
	}
	sa, err := s.Session(ctx, p, pl.SessionID)
	if err != nil {
		return PollResponse{}, apperr.New(apperr.NotFound, "No such poll.")
	}
	if !sa.Section.HasStudent(p.UserID) {
		return PollResponse{}, apperr.New(apperr.Forbidden, "Only the section's students answer polls.")
	}
	now := s.now()
	if pl.StatusAt(now) != PollOpen {
		return PollResponse{}, &apperr.Error{Kind: apperr.Conflict, Type: "poll-closed", Message: "The poll is closed."}
	}
	choices = dedup(choices)
	if len(choices) != pl.Choose {
		return PollResponse{}, apperr.Field("choices", "choose exactly "+strconv.Itoa(pl.Choose))
	}
	var correct []string
	for _, o := range pl.Options {
		if o.Correct {
			correct = append(correct, o.ID)
		}
	}
	for _, c := range choices {
		if !slices.ContainsFunc(pl.Options, func(o PollOption) bool { return o.ID == c }) {
			return PollResponse{}, apperr.Field("choices", "names an option the poll does not have")
		}
	}
	sort.Strings(choices)
	sort.Strings(correct)
	r := PollResponse{ID: pollID + "/" + p.UserID, PollID: pollID, SessionID: pl.SessionID, StudentID: p.UserID, Choices: choices,
		Correct: len(correct) > 0 && slices.Equal(choices, correct), At: now}
	prev, existed, err := s.store.SavePollResponse(ctx, r)
	if err != nil {
		return PollResponse{}, err
	}
	inc := map[string]int{}
	for _, c := range prev {
		inc[c]--
	}
	for _, c := range choices {
		inc[c]++
	}
	answered := 1
	if existed {
		answered = 0
	}
	pl, err = s.store.AddPollCounts(ctx, pollID, inc, answered)
	if err != nil {
		return PollResponse{}, err
	}
	s.emit(ctx, pl.SessionID, true, "poll.results", pollView(pl, true, now))
	return r, nil
}

// ClosePoll stops a poll taking answers (staff only).
func (s *Service) ClosePoll(ctx context.Context, p accounts.Principal, pollID string) (Poll, error) {
	return s.movePoll(ctx, p, pollID, []PollStatus{PollOpen}, PollClosed, "poll.close", "poll.closed")
}

// RevealPoll closes a poll if needed and shows everyone the answer, rationale and results.
func (s *Service) RevealPoll(ctx context.Context, p accounts.Principal, pollID string) (Poll, error) {
	return s.movePoll(ctx, p, pollID, []PollStatus{PollOpen, PollClosed}, PollRevealed, "poll.reveal", "poll.revealed")
}

func (s *Service) movePoll(ctx context.Context, p accounts.Principal, pollID string, from []PollStatus, to PollStatus, action, event string) (Poll, error) {
	pl, err := s.store.PollByID(ctx, pollID)
	if err != nil {
		return Poll{}, apperr.New(apperr.NotFound, "No such poll.")
	}
	sa, err := s.staffSession(ctx, p, pl.SessionID)
	if err != nil {
		return Poll{}, err
	}
	pl, err = s.store.TransitionPoll(ctx, pollID, from, to, s.now())
	if apperr.Is(err, apperr.Conflict) {
		return Poll{}, &apperr.Error{Kind: apperr.Conflict, Type: "poll-state", Message: "The poll is already " + string(to) + "."}
	}
	if err != nil {
		return Poll{}, err
	}
	// The live counters are a running tally; the result is recounted from the students'
	// response records, so no lost counter update can change it.
	counts, answered, err := s.store.CountResponses(ctx, pollID, sa.Section.StudentIDs)
	if err != nil {
		return Poll{}, err
	}
	if pl, err = s.store.SetPollCounts(ctx, pollID, counts, answered); err != nil {
		return Poll{}, err
	}
	s.record(ctx, p, action, "session:"+pl.SessionID, map[string]string{"pollId": pollID, "answered": strconv.Itoa(pl.Answered)})
	if to == PollRevealed {
		s.emit(ctx, pl.SessionID, false, event, pollView(pl, true, s.now()))
	} else {
		s.emit(ctx, pl.SessionID, false, event, map[string]string{"pollId": pollID})
	}
	return pl, nil
}

// PollResults is a poll with every student's answer, for staff.
type PollResults struct {
	Poll      Poll
	Responses []PollResponse
}

// Polls lists a session's polls: staff get every response, a student only their own.
func (s *Service) Polls(ctx context.Context, p accounts.Principal, sessionID string) ([]PollResults, error) {
	sa, err := s.Session(ctx, p, sessionID)
	if err != nil {
		return nil, err
	}
	ps, err := s.store.PollsBySession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	rs, err := s.store.ResponsesBySession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	by := map[string][]PollResponse{}
	for _, r := range rs {
		if sa.Staff || r.StudentID == p.UserID {
			by[r.PollID] = append(by[r.PollID], r)
		}
	}
	out := make([]PollResults, 0, len(ps))
	for _, pl := range ps {
		if !sa.Staff && pl.StatusAt(s.now()) != PollRevealed {
			// Students do not see the key before the reveal.
			for i := range pl.Options {
				pl.Options[i].Correct = false
			}
			pl.Rationale, pl.Counts, pl.Answered = "", nil, 0
			for i := range by[pl.ID] {
				by[pl.ID][i].Correct = false
			}
		}
		out = append(out, PollResults{Poll: pl, Responses: by[pl.ID]})
	}
	return out, nil
}

// PollViewFor renders a poll for a client (staff see counts and the key).
func (s *Service) PollViewFor(pl Poll, staff bool) PollView { return pollView(pl, staff, s.now()) }

// Poll returns a poll of a session p may see, with that session.
func (s *Service) Poll(ctx context.Context, p accounts.Principal, pollID string) (Poll, SessionAccess, error) {
	pl, err := s.store.PollByID(ctx, pollID)
	if err != nil {
		return Poll{}, SessionAccess{}, apperr.New(apperr.NotFound, "No such poll.")
	}
	sa, err := s.Session(ctx, p, pl.SessionID)
	if err != nil {
		return Poll{}, SessionAccess{}, apperr.New(apperr.NotFound, "No such poll.")
	}
	return pl, sa, nil
}
