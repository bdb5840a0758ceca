package mongostore

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/chartroom-him/chartroom/internal/outcomes"
	"github.com/chartroom-him/chartroom/internal/programs"
)

// The outcome ledger is a read model of each program's enrollments, certification results
// and follow-ups, packed so that a report reads a handful of documents instead of one per
// record: the embedded store spends its time per BSON value, not per byte (reading 10,000
// enrollments takes seconds; 10,000 packed strings in 16 documents about 0.1 s,
// docs/BENCHMARKS.md). Each program has ledgerChunks documents "outcome_ledger/<program>/<k>"
// whose entries map a student id to one string holding that student's lifecycle, results
// and follow-ups; a student always lands in the same chunk.
//
// The records themselves stay authoritative. Every write that touches them goes through
// ledgerWrite: it first marks the chunk pending, then writes the record, then updates the
// entry and clears the mark in one single-document update. A mark left behind by a crash
// (older than ledgerStale) makes the next read rebuild the program's ledger from the
// records, as does a program that has no ledger yet.
//
// A program whose outcomes were never read has no ledger, and its writes skip the ledger
// (one _id read to find that out): the first read builds it. A rebuild announces itself
// in the meta document and waits ledgerGrace before scanning, so that a write that found
// no ledger just before is in the records by the time they are read.
const (
	ledgerColl   = "outcome_ledger"
	ledgerChunks = 16
	ledgerStale  = time.Minute
	ledgerGrace  = 500 * time.Millisecond
)

// ledgerActiveCache remembers programs known to have a ledger (a ledger is never dropped).
var ledgerActiveCache sync.Map

// ledgerActive reports whether the program has a ledger (built or being built).
func (s *Store) ledgerActive(ctx context.Context, programID string) (bool, error) {
	key := s.db.Name() + "/" + programID
	if _, ok := ledgerActiveCache.Load(key); ok {
		return true, nil
	}
	err := s.db.Collection(ledgerColl).FindOne(ctx, bson.M{"_id": ledgerMetaID(programID)}).Err()
	if err == mongo.ErrNoDocuments {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err, "outcome ledger")
	}
	ledgerActiveCache.Store(key, true)
	return true, nil
}

func ledgerChunkID(programID, studentID string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(studentID))
	return fmt.Sprintf("%s/%d", programID, h.Sum32()%ledgerChunks)
}

func ledgerMetaID(programID string) string { return programID + "/meta" }

// ledgerEntry is one student's packed records.
type ledgerEntry struct {
	st  outcomes.Student
	res []outcomes.Result
	emp []outcomes.Employment
}

const dl = outcomes.DateLayout

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(dl)
}

func parseDate(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(dl, s)
	return t
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// encode packs the entry as
// enrollment|cohort|start|expected|status|status@date;...|exam@attempt@date@passed@verified@scaled;...|status@date;...
func (e ledgerEntry) encode() string {
	var b strings.Builder
	b.WriteString(e.st.EnrollmentID + "|" + e.st.CohortID + "|" + fmtDate(e.st.Start) + "|" + fmtDate(e.st.Expected) + "|" + string(e.st.Status) + "|")
	for i, c := range e.st.Changes {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(string(c.Status) + "@" + fmtDate(c.On))
	}
	b.WriteByte('|')
	for i, r := range e.res {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(r.Exam + "@" + strconv.Itoa(r.Attempt) + "@" + fmtDate(r.Date) + "@" + flag(r.Passed) + "@" + flag(r.Verified) + "@" + strconv.Itoa(r.Scaled))
	}
	b.WriteByte('|')
	for i, x := range e.emp {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(string(x.Status) + "@" + fmtDate(x.Date))
	}
	return b.String()
}

func decodeEntry(programID, studentID, s string) ledgerEntry {
	f := strings.Split(s, "|")
	for len(f) < 8 {
		f = append(f, "")
	}
	e := ledgerEntry{st: outcomes.Student{EnrollmentID: f[0], StudentID: studentID, CohortID: f[1], Start: parseDate(f[2]), Expected: parseDate(f[3]), Status: programs.Status(f[4])}}
	for _, c := range split(f[5]) {
		st, on, _ := strings.Cut(c, "@")
		e.st.Changes = append(e.st.Changes, outcomes.Change{Status: programs.Status(st), On: parseDate(on)})
	}
	for _, r := range split(f[6]) {
		p := strings.Split(r, "@")
		if len(p) < 6 {
			continue
		}
		attempt, _ := strconv.Atoi(p[1])
		scaled, _ := strconv.Atoi(p[5])
		e.res = append(e.res, outcomes.Result{ID: outcomes.ResultID(programID, studentID, p[0], attempt), ProgramID: programID, StudentID: studentID, Exam: p[0],
			Attempt: attempt, Date: parseDate(p[2]), Passed: p[3] == "1", Verified: p[4] == "1", Scaled: scaled})
	}
	for _, x := range split(f[7]) {
		st, on, _ := strings.Cut(x, "@")
		d := parseDate(on)
		e.emp = append(e.emp, outcomes.Employment{ID: outcomes.EmploymentID(programID, studentID, d), ProgramID: programID, StudentID: studentID, Status: outcomes.EmploymentStatus(st), Date: d})
	}
	return e
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}

// ledgerChange computes a student's new entry from the current one (nil when the student
// has none); returning nil removes the entry.
type ledgerChange func(*ledgerEntry) *ledgerEntry

// ledgerWrite runs write (the authoritative record write) under a pending mark on the
// chunks of the students in changes, then applies each change to its student's entry and
// clears the marks, one conditional single-document update per chunk (optimistic
// concurrency on the chunk's version v).
func (s *Store) ledgerWrite(ctx context.Context, programID string, changes map[string]ledgerChange, write func() error) error {
	if active, err := s.ledgerActive(ctx, programID); err != nil {
		return err
	} else if !active {
		return write()
	}
	coll := s.db.Collection(ledgerColl)
	byChunk := map[string][]string{}
	for id := range changes {
		c := ledgerChunkID(programID, id)
		byChunk[c] = append(byChunk[c], id)
	}
	op := "pending." + newID()
	for chunk := range byChunk {
		unlock := s.lockDoc(chunk)
		_, err := coll.UpdateOne(ctx, bson.M{"_id": chunk}, bson.M{"$set": bson.M{op: time.Now().UTC()}, "$setOnInsert": bson.M{"programId": programID, "v": 0}},
			options.Update().SetUpsert(true))
		unlock()
		if err != nil {
			return mapErr(err, "outcome ledger")
		}
	}
	if err := write(); err != nil {
		for chunk := range byChunk {
			unlock := s.lockDoc(chunk)
			_, _ = coll.UpdateOne(context.WithoutCancel(ctx), bson.M{"_id": chunk}, bson.M{"$unset": bson.M{op: ""}})
			unlock()
		}
		return err
	}
	for chunk, ids := range byChunk {
		if err := s.applyLedger(ctx, programID, chunk, op, ids, changes); err != nil {
			// The record is written; the pending mark stays, and the next read after
			// ledgerStale rebuilds the ledger from the records.
			s.log.Warn("outcome ledger update failed: it will be rebuilt", "programId", programID, "chunk", chunk, "err", err)
		}
	}
	return nil
}

func (s *Store) applyLedger(ctx context.Context, programID, chunk, op string, ids []string, changes map[string]ledgerChange) error {
	defer s.lockDoc(chunk)()
	coll := s.db.Collection(ledgerColl)
	proj := bson.M{"v": 1}
	for _, id := range ids {
		proj["entries."+id] = 1
	}
	for try := 0; try < 20; try++ {
		var d struct {
			V       int               `bson:"v"`
			Entries map[string]string `bson:"entries"`
		}
		if err := coll.FindOne(ctx, bson.M{"_id": chunk}, options.FindOne().SetProjection(proj)).Decode(&d); err != nil {
			return mapErr(err, "outcome ledger")
		}
		set, unset := bson.M{}, bson.M{op: ""}
		for _, id := range ids {
			var cur *ledgerEntry
			if old, ok := d.Entries[id]; ok {
				e := decodeEntry(programID, id, old)
				cur = &e
			}
			if next := changes[id](cur); next != nil {
				set["entries."+id] = next.encode()
			} else {
				unset["entries."+id] = ""
			}
		}
		update := bson.M{"$unset": unset, "$inc": bson.M{"v": 1}}
		if len(set) > 0 {
			update["$set"] = set
		}
		r, err := coll.UpdateOne(ctx, bson.M{"_id": chunk, "v": d.V}, update)
		if err != nil {
			return mapErr(err, "outcome ledger")
		}
		if r.MatchedCount == 1 {
			return nil
		}
		// Another write changed the chunk meanwhile: read it again after a short pause.
		time.Sleep(time.Duration(1+rand.IntN(5*(try+1))) * time.Millisecond)
	}
	return fmt.Errorf("mongostore: outcome ledger chunk %s stays contended", chunk)
}

// ledgerRecords reads a program's ledger, rebuilding it first when it is missing or a
// pending mark is stale.
func (s *Store) ledgerRecords(ctx context.Context, programID string) ([]ledgerEntry, error) {
	coll := s.db.Collection(ledgerColl)
	err := coll.FindOne(ctx, bson.M{"_id": ledgerMetaID(programID)}).Err()
	if err == mongo.ErrNoDocuments {
		if err := s.RebuildLedger(ctx, programID); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, mapErr(err, "outcome ledger")
	}
	for attempt := 0; attempt < 2; attempt++ {
		var out []ledgerEntry
		stale := false
		err := stream(ctx, coll, bson.M{"programId": programID, "entries": bson.M{"$exists": true}}, nil, "outcome ledger", func(d struct {
			Entries map[string]string    `bson:"entries"`
			Pending map[string]time.Time `bson:"pending"`
		}) error {
			for _, at := range d.Pending {
				if time.Since(at) > ledgerStale {
					stale = true
				}
			}
			for id, v := range d.Entries {
				out = append(out, decodeEntry(programID, id, v))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if !stale || attempt == 1 {
			return out, nil
		}
		s.log.Warn("outcome ledger has a stale pending write: rebuilding", "programId", programID)
		if err := s.RebuildLedger(ctx, programID); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// RebuildLedger recomputes a program's outcome ledger from its enrollments, results and
// follow-ups (a full scan of each: seconds for a large program).
func (s *Store) RebuildLedger(ctx context.Context, programID string) error {
	return s.rebuildLedger(ctx, programID, ledgerGrace)
}

func (s *Store) rebuildLedger(ctx context.Context, programID string, grace time.Duration) error {
	meta := ledgerMetaID(programID)
	if _, err := s.db.Collection(ledgerColl).UpdateOne(ctx, bson.M{"_id": meta}, bson.M{"$set": bson.M{"rebuildingAt": time.Now().UTC()}},
		options.Update().SetUpsert(true)); err != nil {
		return mapErr(err, "outcome ledger")
	}
	ledgerActiveCache.Store(s.db.Name()+"/"+programID, true)
	time.Sleep(grace)
	entries := map[string]*ledgerEntry{}
	err := s.streamEnrollmentLifecycles(ctx, programID, func(st outcomes.Student) error {
		entries[st.StudentID] = &ledgerEntry{st: st}
		return nil
	})
	if err != nil {
		return err
	}
	err = stream(ctx, s.db.Collection("outcome_results"), bson.M{"programId": programID}, nil, "certification results", func(d resultDoc) error {
		if e := entries[d.StudentID]; e != nil {
			e.res = append(e.res, d.result())
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = stream(ctx, s.db.Collection("outcome_employment"), bson.M{"programId": programID}, nil, "employment records", func(d employmentDoc) error {
		if e := entries[d.StudentID]; e != nil {
			e.emp = append(e.emp, d.employment())
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.writeLedger(ctx, programID, entries)
}

// writeLedger replaces a program's ledger chunks with entries and marks it built.
func (s *Store) writeLedger(ctx context.Context, programID string, entries map[string]*ledgerEntry) error {
	chunks := map[string]bson.M{}
	for k := 0; k < ledgerChunks; k++ {
		chunks[fmt.Sprintf("%s/%d", programID, k)] = bson.M{}
	}
	for id, e := range entries {
		chunks[ledgerChunkID(programID, id)][id] = e.encode()
	}
	coll := s.db.Collection(ledgerColl)
	for id, m := range chunks {
		unlock := s.lockDoc(id)
		_, err := coll.ReplaceOne(ctx, bson.M{"_id": id}, bson.M{"_id": id, "programId": programID, "entries": m, "pending": bson.M{}, "v": time.Now().UnixNano()}, options.Replace().SetUpsert(true))
		unlock()
		if err != nil {
			return mapErr(err, "outcome ledger")
		}
	}
	_, err := coll.ReplaceOne(ctx, bson.M{"_id": ledgerMetaID(programID)}, bson.M{"_id": ledgerMetaID(programID), "builtAt": time.Now().UTC()}, options.Replace().SetUpsert(true))
	ledgerActiveCache.Store(s.db.Name()+"/"+programID, true)
	return mapErr(err, "outcome ledger")
}

// ledgerEnroll is the ledger side of CreateEnrollment.
func ledgerEnroll(d enrollmentDoc) ledgerChange {
	return func(*ledgerEntry) *ledgerEntry {
		st := outcomes.Student{EnrollmentID: d.ID, StudentID: d.StudentID, CohortID: d.CohortID, Start: d.StartDate.UTC(), Status: programs.Status(d.Status)}
		for i, h := range d.History {
			if i == 0 && h.Status == string(programs.Active) {
				continue
			}
			st.Changes = append(st.Changes, outcomes.Change{Status: programs.Status(h.Status), On: h.On.UTC()})
		}
		return &ledgerEntry{st: st}
	}
}

// forgetEnrollments deletes the enrollments filter selects together with their ledger
// entries (import compensation).
func (s *Store) forgetEnrollments(ctx context.Context, filter bson.M) error {
	var docs []enrollmentDoc
	if err := stream(ctx, s.db.Collection("enrollments"), filter, bson.M{"programId": 1, "studentId": 1}, "enrollments", func(d enrollmentDoc) error {
		docs = append(docs, d)
		return nil
	}); err != nil {
		return err
	}
	byProgram := map[string]map[string]ledgerChange{}
	var ids []string
	for _, d := range docs {
		if byProgram[d.ProgramID] == nil {
			byProgram[d.ProgramID] = map[string]ledgerChange{}
		}
		byProgram[d.ProgramID][d.StudentID] = func(*ledgerEntry) *ledgerEntry { return nil }
		ids = append(ids, d.ID)
	}
	for pid, changes := range byProgram {
		err := s.ledgerWrite(ctx, pid, changes, func() error {
			_, err := s.db.Collection("enrollments").DeleteMany(ctx, bson.M{"_id": bson.M{"$in": ids}, "programId": pid})
			return mapErr(err, "enrollments")
		})
		if err != nil {
			return err
		}
	}
	return nil
}
