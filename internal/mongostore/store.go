// Package mongostore is Chartroom's MongoDB adapter. It talks MongoDB wire protocol through
// the official driver to either a real MongoDB given by URI or, when no URI is configured,
// an embedded FerretDB (SQLite backend) that it starts in-process on loopback.
//
// Everything here stays inside the subset both serve: no multi-document transactions, no
// change streams, no TTL or text indexes, no $lookup or $facet, $group with $sum only.
// Driver errors are translated to apperr kinds at this boundary.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"go.mongodb.org/mongo-driver/mongo/readpref"

	"github.com/chartroom-him/chartroom/internal/apperr"
)

// Options configure Open.
type Options struct {
	URI     string       // MongoDB URI; empty starts the embedded store
	DataDir string       // the embedded store keeps its files in <DataDir>/db
	DB      string       // database name
	Logger  *slog.Logger // nil: slog.Default()
}

// Store is an open connection to the database.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	log    *slog.Logger
	stop   func() // stops the embedded server, if any
	// Embedded reports whether the store runs the embedded FerretDB.
	Embedded    bool
	embeddedDir string
	attempts    *attemptCache // nil unless embedded
	// URI is the connection URI in use (the embedded one when Embedded).
	URI string
}

// Embedded is an in-process FerretDB serving MongoDB wire protocol on loopback.
type Embedded struct {
	URI  string
	stop func()
}

// StartEmbedded starts FerretDB with its SQLite files under dir and returns once it listens.
// Its log is routed to logger at warn level and above.
func StartEmbedded(dir string, logger *slog.Logger) (*Embedded, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("mongostore: creating %s: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:  "sqlite",
		// WAL with synchronous=NORMAL: a commit is in the WAL before it is acknowledged, so it
		// survives the process being killed (the kill -9 test checks this); only a power loss
		// or OS crash may drop the last commits. FULL would fsync every commit and cap the
		// store at a few dozen writes per second (docs/BENCHMARKS.md).
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(normal)",
		Logger:    slog.New(minLevel{h: logger.With("component", "ferretdb").Handler(), min: slog.LevelWarn}),
	})
	if err != nil {
		return nil, fmt.Errorf("mongostore: starting embedded store: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	// MongoDBURI blocks until the listener is bound.
	uri := f.MongoDBURI()
	return &Embedded{URI: uri, stop: func() { cancel(); <-done }}, nil
}

// Stop shuts the embedded server down and waits for it.
func (e *Embedded) Stop() { e.stop() }

// Open connects to the store, starting the embedded one when o.URI is empty, and applies
// index migrations.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Store{log: o.Logger, URI: o.URI, stop: func() {}}
	if o.URI == "" {
		dir := filepath.Join(o.DataDir, "db")
		e, err := StartEmbedded(dir, o.Logger)
		if err != nil {
			return nil, err
		}
		s.Embedded, s.URI, s.stop = true, e.URI, e.Stop
		s.embeddedDir = dir
		s.attempts = newAttemptCache(20000)
	}
	if err := s.connect(ctx, o.DB); err != nil {
		s.stop()
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		_ = s.Close(context.Background())
		return nil, err
	}
	if s.Embedded {
		// Every collection exists from the start, so the _id index below covers it.
		for _, name := range collections {
			if err := s.db.CreateCollection(ctx, name); err != nil && !isNamespaceExists(err) {
				_ = s.Close(context.Background())
				return nil, fmt.Errorf("mongostore: creating collection %s: %w", name, err)
			}
		}
		ictx, cancel := context.WithCancel(context.Background())
		stopEmbedded := s.stop
		s.stop = func() { cancel(); stopEmbedded() }
		s.keepEmbeddedIndexed(ictx, s.embeddedDir, o.DB, time.Minute)
	}
	return s, nil
}

// collections names every collection the store uses (TestCollectionsListed keeps it complete).
var collections = []string{
	"accommodations", "attempt_forms", "attempts", "attendance", "audit", "billing_accounts",
	"chat", "checkouts", "class_sessions", "cohorts", "courses", "enrollments", "exams", "fees",
	"hands", "institutions", "item_versions", "items", "meta", "mutes", "outcome_employment", "outcome_ledger",
	"outcome_results", "outcome_settings", "pep_goals", "poll_responses", "polls",
	"practice_responses", "presence", "programs", "progress", "responses", "room_events",
	"rooms", "sections", "sessions", "stripe_events", "student_enrollments", "survey_comments",
	"surveys", "users",
}

func isNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && (ce.Code == 48 || ce.Name == "NamespaceExists")
}

func (s *Store) connect(ctx context.Context, db string) error {
	opts := options.Client().ApplyURI(s.URI).
		SetServerSelectionTimeout(10 * time.Second).
		SetMaxPoolSize(64).
		SetAppName("chartroom").
		SetMonitor(slowMonitor(s.log))
	c, err := mongo.Connect(ctx, opts)
	if err != nil {
		return fmt.Errorf("mongostore: connect: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := c.Ping(pctx, readpref.Primary()); err != nil {
		_ = c.Disconnect(context.Background())
		return fmt.Errorf("mongostore: ping %s: %w", redact(s.URI), err)
	}
	s.client, s.db = c, c.Database(db)
	return nil
}

// Ping reports whether the store answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.client.Ping(ctx, readpref.Primary())
}

// Close disconnects and stops the embedded server, if any.
func (s *Store) Close(ctx context.Context) error {
	err := s.client.Disconnect(ctx)
	s.stop()
	return err
}

// DB returns the underlying database, for benchmarks that measure raw driver writes.
func (s *Store) DB() *mongo.Database { return s.db }

// Drop deletes the whole database (tests).
func (s *Store) Drop(ctx context.Context) error { return s.db.Drop(ctx) }

// WithDatabase returns a Store on another database of the same connection (tests).
func (s *Store) WithDatabase(name string) *Store {
	c := *s
	c.db = s.client.Database(name)
	if s.attempts != nil {
		c.attempts = newAttemptCache(20000)
	}
	c.stop = func() {}
	return &c
}

// newID returns a new string id that sorts by creation time.
func newID() string { return primitive.NewObjectID().Hex() }

// mapErr translates driver errors into apperr kinds.
func mapErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return apperr.Wrap(apperr.NotFound, err, "No such "+what+".")
	case mongo.IsDuplicateKeyError(err):
		return apperr.Wrap(apperr.Conflict, err, "The "+what+" already exists.")
	case errors.Is(err, context.DeadlineExceeded), mongo.IsTimeout(err), mongo.IsNetworkError(err):
		return apperr.Wrap(apperr.Unavailable, err, "The database is not answering. Try again shortly.")
	}
	return fmt.Errorf("mongostore: %s: %w", what, err)
}

// pageAnd applies cursor pagination on _id to filter: documents after cursor, sorted by
// _id, limit+1 of them so that nextCursor can tell whether there is more.
func pageAnd(filter bson.M, cursor string, limit int) (bson.M, *options.FindOptions) {
	if cursor != "" {
		filter = bson.M{"$and": bson.A{filter, bson.M{"_id": bson.M{"$gt": cursor}}}}
	}
	return filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit + 1))
}

// nextCursor trims a page to limit and returns the cursor for the next one.
func nextCursor[T any](items []T, limit int, id func(T) string) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, id(items[len(items)-1])
}

func redact(uri string) string {
	if i := len("mongodb://"); len(uri) > i {
		for j := i; j < len(uri); j++ {
			if uri[j] == '@' {
				return uri[:i] + "***" + uri[j:]
			}
		}
	}
	return uri
}

// minLevel drops records below min; FerretDB logs every connection at info.
type minLevel struct {
	h   slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.h.Enabled(ctx, l)
}
func (m minLevel) Handle(ctx context.Context, r slog.Record) error {
	// FerretDB dumps whole wire messages at warn when a driver command is unsupported
	// (endSessions on disconnect): protocol noise, not a problem of ours.
	if strings.HasPrefix(r.Message, "Response ") || strings.HasPrefix(r.Message, "Request ") {
		return nil
	}
	return m.h.Handle(ctx, r)
}
func (m minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h: m.h.WithAttrs(as), min: m.min}
}
func (m minLevel) WithGroup(n string) slog.Handler { return minLevel{h: m.h.WithGroup(n), min: m.min} }
