package mongostore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// FerretDB 1.24 on SQLite answers a filter that is exactly {_id: value} with
// `WHERE _ferretdb_sjson->'$._id' = ?`, but the _id index it creates is on a different
// expression (`_ferretdb_sjson->"_id"`), which SQLite does not match to the query. Every
// _id lookup therefore parses the JSON of every row of the table: a few milliseconds per
// thousand documents, and the store's main cost under load (docs/BENCHMARKS.md).
//
// indexEmbeddedIDs adds, next to FerretDB's own, an index on exactly the expression the
// queries use, on every collection table of the database. It works on the SQLite file
// directly (FerretDB keeps one file per database, <dir>/<db>.sqlite) and is idempotent;
// FerretDB does not know the index, and it goes away with its table when a collection is
// dropped. Collections created later get it on the next run.
func indexEmbeddedIDs(ctx context.Context, dir, db string) (int, error) {
	path := filepath.Join(dir, db+".sqlite")
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	rows, err := conn.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite!_%' ESCAPE '!' AND name NOT LIKE '!_ferretdb!_%' ESCAPE '!'`)
	if err != nil {
		return 0, err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return 0, err
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (_ferretdb_sjson->'$._id')`,
			quoteIdent(t+"_chartroom_id"), quoteIdent(t))
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("indexing %s: %w", t, err)
		}
	}
	return len(tables), nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// keepEmbeddedIndexed runs indexEmbeddedIDs now and then every interval until ctx ends, so
// collections created after start are covered too.
func (s *Store) keepEmbeddedIndexed(ctx context.Context, dir, db string, every time.Duration) {
	run := func() {
		if _, err := indexEmbeddedIDs(ctx, dir, db); err != nil && ctx.Err() == nil {
			s.log.Warn("embedded store: indexing _id lookups failed", "err", err)
		}
	}
	run()
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				run()
			}
		}
	}()
}
