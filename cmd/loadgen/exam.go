package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

type examFlags struct {
	url, adminEmail, adminPassword string
	students                       int
	ramp, saveEvery, duration      time.Duration
	jsonOut                        bool
	raw                            bool
	mongoURI, db                   string
	acks                           string
	items                          int
}

// result is the one JSON line loadgen prints.
type result struct {
	Mode         string  `json:"mode"`
	Students     int     `json:"students"`
	Starts       int64   `json:"starts"`
	Saves        int64   `json:"saves"`
	Errors       int64   `json:"errors"`
	StartP50     float64 `json:"startP50ms"`
	StartP95     float64 `json:"startP95ms"`
	StartP99     float64 `json:"startP99ms"`
	SaveP50      float64 `json:"saveP50ms"`
	SaveP95      float64 `json:"saveP95ms"`
	SaveP99      float64 `json:"saveP99ms"`
	SavesPerSec  float64 `json:"savesPerSec"`
	AckedSaves   int64   `json:"ackedSaves"`
	Verified     int64   `json:"verified"`
	Lost         int64   `json:"lost"`
	ProvisionSec float64 `json:"provisionSec"`
	FirstError   string  `json:"firstError,omitempty"`
}

type latencies struct {
	mu sync.Mutex
	ms []float64
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.ms = append(l.ms, float64(d.Microseconds())/1000)
	l.mu.Unlock()
}

func (l *latencies) pct(p float64) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ms) == 0 {
		return 0
	}
	s := append([]float64(nil), l.ms...)
	sort.Float64s(s)
	i := int(p / 100 * float64(len(s)-1))
	return float64(int(s[i]*10)) / 10
}

func parseExamFlags(args []string, stderr io.Writer) (examFlags, error) {
	var f examFlags
	fs := flag.NewFlagSet("loadgen exam", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.url, "url", "http://127.0.0.1:8080", "server base URL")
	fs.StringVar(&f.adminEmail, "admin-email", "admin@lakeside.example", "admin account")
	fs.StringVar(&f.adminPassword, "admin-password", "demo-password-2026", "admin password")
	fs.IntVar(&f.students, "students", 50, "students to simulate")
	fs.DurationVar(&f.ramp, "ramp", 10*time.Second, "students start spread over this time")
	fs.DurationVar(&f.saveEvery, "save-every", 15*time.Second, "each student saves an answer this often")
	fs.DurationVar(&f.duration, "duration", time.Minute, "how long students keep saving after the ramp")
	fs.BoolVar(&f.jsonOut, "json", true, "print one JSON line (the only output format)")
	fs.BoolVar(&f.raw, "raw", false, "perform the same writes straight through the driver (needs --mongodb-uri)")
	fs.StringVar(&f.mongoURI, "mongodb-uri", "", "store URI for --raw (the server logs the embedded store's URI at start)")
	fs.StringVar(&f.db, "db", "chartroom", "database for --raw")
	fs.StringVar(&f.acks, "acks", "", "write every acknowledged save to this file, for `loadgen verify`")
	fs.IntVar(&f.items, "items", 20, "questions on the generated exam")
	err := fs.Parse(args)
	return f, err
}

func runExam(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseExamFlags(args, stderr)
	if err != nil {
		return err
	}
	if f.raw {
		return runRaw(ctx, f, stdout)
	}
	c := newClient(f.url)
	t0 := time.Now()
	setup, err := provision(ctx, c, f, stderr)
	if err != nil {
		return err
	}
	res := result{Mode: "api", Students: f.students, ProvisionSec: float64(int(time.Since(t0).Seconds()*10)) / 10}

	var startLat, saveLat latencies
	var starts, saves, errs atomic.Int64
	var firstErr atomic.Value
	fail := func(err error) {
		errs.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}
	var ackMu sync.Mutex
	acked := map[string]map[string]int64{} // attempt -> question -> highest acked seq
	var ackLog *bufio.Writer
	if f.acks != "" {
		file, err := os.Create(f.acks)
		if err != nil {
			return err
		}
		defer file.Close()
		ackLog = bufio.NewWriter(file)
		defer ackLog.Flush()
	}

	runStart := time.Now()
	end := runStart.Add(f.ramp + f.duration)
	var wg sync.WaitGroup
	for i, tok := range setup.tokens {
		wg.Add(1)
		go func(i int, sc *client) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			select {
			case <-time.After(time.Duration(rng.Int64N(int64(f.ramp) + 1))):
			case <-ctx.Done():
				return
			}
			var att attemptView
			t := time.Now()
			if err := sc.do(ctx, "POST", "/api/v1/exams/"+setup.examID+"/attempts", nil, &att); err != nil {
				fail(err)
				return
			}
			startLat.add(time.Since(t))
			starts.Add(1)
			seq := map[string]int64{}
			tick := time.NewTicker(f.saveEvery)
			defer tick.Stop()
			// The first save right away, then one per interval (with a random offset).
			time.Sleep(time.Duration(rng.Int64N(int64(f.saveEvery)/4 + 1)))
			for {
				q := att.Items[rng.IntN(len(att.Items))]
				seq[q.ID]++
				choice := q.Options[rng.IntN(len(q.Options))].ID
				t := time.Now()
				err := sc.do(ctx, "PUT", "/api/v1/attempts/"+att.ID+"/responses/"+q.ID,
					map[string]any{"choices": []string{choice}, "flagged": false, "seq": seq[q.ID]}, nil)
				if err != nil {
					fail(err)
				} else {
					saveLat.add(time.Since(t))
					saves.Add(1)
					ackMu.Lock()
					if acked[att.ID] == nil {
						acked[att.ID] = map[string]int64{}
					}
					acked[att.ID][q.ID] = seq[q.ID]
					if ackLog != nil {
						fmt.Fprintf(ackLog, "%s %s %d\n", att.ID, q.ID, seq[q.ID])
					}
					ackMu.Unlock()
				}
				if time.Now().After(end) {
					return
				}
				select {
				case <-tick.C:
				case <-ctx.Done():
					return
				}
			}
		}(i, c.with(tok))
	}
	wg.Wait()
	elapsed := time.Since(runStart)

	res.Starts, res.Saves, res.Errors = starts.Load(), saves.Load(), errs.Load()
	res.StartP50, res.StartP95, res.StartP99 = startLat.pct(50), startLat.pct(95), startLat.pct(99)
	res.SaveP50, res.SaveP95, res.SaveP99 = saveLat.pct(50), saveLat.pct(95), saveLat.pct(99)
	res.SavesPerSec = float64(int(float64(res.Saves)/elapsed.Seconds()*10)) / 10
	if v, ok := firstErr.Load().(string); ok {
		res.FirstError = v
	}
	res.AckedSaves, res.Verified, res.Lost, err = verify(ctx, c.with(setup.adminToken), acked)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(res)
}

// verify re-reads every attempt and counts acknowledged saves whose sequence (or a newer
// one) the server holds.
func verify(ctx context.Context, admin *client, acked map[string]map[string]int64) (total, ok, lost int64, err error) {
	for attemptID, qs := range acked {
		var att attemptView
		if err := admin.do(ctx, "GET", "/api/v1/attempts/"+attemptID, nil, &att); err != nil {
			return 0, 0, 0, fmt.Errorf("verify %s: %w", attemptID, err)
		}
		for q, seq := range qs {
			total++
			if att.Responses[q].Seq >= seq {
				ok++
			} else {
				lost++
			}
		}
	}
	return total, ok, lost, nil
}

type attemptView struct {
	ID    string `json:"id"`
	Items []struct {
		ID      string `json:"id"`
		Options []struct {
			ID string `json:"id"`
		} `json:"options"`
	} `json:"items"`
	Responses map[string]struct {
		Seq int64 `json:"seq"`
	} `json:"responses"`
}

// runVerify checks an acks file written by an earlier run.
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadgen verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080", "server base URL")
	acks := fs.String("acks", "", "acks file")
	email := fs.String("admin-email", "admin@lakeside.example", "admin account")
	pw := fs.String("admin-password", "demo-password-2026", "admin password")
	if err := fs.Parse(args); err != nil {
		return err
	}
	file, err := os.Open(*acks)
	if err != nil {
		return err
	}
	defer file.Close()
	acked := map[string]map[string]int64{}
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		var a, q string
		var seq int64
		if _, err := fmt.Sscanf(sc.Text(), "%s %s %d", &a, &q, &seq); err != nil {
			return fmt.Errorf("acks line %q: %w", sc.Text(), err)
		}
		if acked[a] == nil {
			acked[a] = map[string]int64{}
		}
		if seq > acked[a][q] {
			acked[a][q] = seq
		}
	}
	c := newClient(*url)
	tok, err := c.login(ctx, *email, *pw)
	if err != nil {
		return err
	}
	total, ok, lost, err := verify(ctx, c.with(tok), acked)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(stdout).Encode(map[string]int64{"ackedSaves": total, "verified": ok, "lost": lost}); err != nil {
		return err
	}
	if lost > 0 {
		return errors.New("acknowledged saves are missing")
	}
	return nil
}

// runRaw performs the same store operations as the server's save, straight through the
// driver, so the difference is the app's cost: each student's responses document is
// inserted at its start, and each save reads that document by _id, checks the sequence
// number and sets the one response by _id (the embedded store's conditional-update path,
// see internal/mongostore/cas.go). The documents go into the server's own responses
// collection under ids that cannot clash with real attempts, and are removed at the end.
func runRaw(ctx context.Context, f examFlags, stdout io.Writer) error {
	if f.mongoURI == "" {
		return errors.New("--raw needs --mongodb-uri")
	}
	cl, err := mongo.Connect(ctx, options.Client().ApplyURI(f.mongoURI).SetMaxPoolSize(64))
	if err != nil {
		return err
	}
	defer cl.Disconnect(context.Background())
	coll := cl.Database(f.db).Collection("responses")
	prefix := fmt.Sprintf("loadgen-raw-%d-", time.Now().UnixNano())
	defer func() {
		for i := 0; i < f.students; i++ {
			_, _ = coll.DeleteOne(context.Background(), bson.M{"_id": fmt.Sprint(prefix, i)})
		}
	}()
	var saveLat latencies
	var saves, errs atomic.Int64
	runStart := time.Now()
	end := runStart.Add(f.ramp + f.duration)
	var wg sync.WaitGroup
	for i := 0; i < f.students; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			time.Sleep(time.Duration(rng.Int64N(int64(f.ramp) + 1)))
			id := fmt.Sprint(prefix, i)
			if _, err := coll.InsertOne(ctx, bson.M{"_id": id, "r": bson.M{}}); err != nil {
				errs.Add(1)
				return
			}
			seq := map[int]int64{}
			tick := time.NewTicker(f.saveEvery)
			defer tick.Stop()
			time.Sleep(time.Duration(rng.Int64N(int64(f.saveEvery)/4 + 1)))
			for {
				q := rng.IntN(f.items)
				seq[q]++
				t := time.Now()
				field := fmt.Sprintf("q%d", q)
				doc, err := coll.FindOne(ctx, bson.M{"_id": id}).Raw()
				if err == nil {
					old, lerr := doc.LookupErr("r", field, "seq")
					if v, ok := old.AsInt64OK(); lerr != nil || !ok || v < seq[q] {
						_, err = coll.UpdateOne(ctx, bson.M{"_id": id},
							bson.M{"$set": bson.M{"r." + field: bson.M{"choices": []string{"A"}, "flagged": false, "seq": seq[q], "savedAt": time.Now()}}})
					}
				}
				if err != nil {
					errs.Add(1)
				} else {
					saveLat.add(time.Since(t))
					saves.Add(1)
				}
				if time.Now().After(end) {
					return
				}
				select {
				case <-tick.C:
				case <-ctx.Done():
					return
				}
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(runStart)
	return json.NewEncoder(stdout).Encode(result{Mode: "raw", Students: f.students, Saves: saves.Load(), Errors: errs.Load(),
		SaveP50: saveLat.pct(50), SaveP95: saveLat.pct(95), SaveP99: saveLat.pct(99),
		SavesPerSec: float64(int(float64(saves.Load())/elapsed.Seconds()*10)) / 10})
}
