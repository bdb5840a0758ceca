package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/chartroom-him/chartroom/internal/mongostore/mongotest"
	"github.com/chartroom-him/chartroom/internal/realtime"
)

func TestRoomLog(t *testing.T) {
	st := mongotest.Open(t)
	ctx := context.Background()
	if n, err := st.LastSeq(ctx, "r1"); err != nil || n != 0 {
		t.Fatalf("LastSeq of a new room = %d, %v; want 0", n, err)
	}
	for seq := int64(1); seq <= 40; seq++ {
		if err := st.AppendEvent(ctx, realtime.Event{Room: "r1", Seq: seq, Body: []byte(fmt.Sprintf(`{"n":%d}`, seq))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AppendEvent(ctx, realtime.Event{Room: "r1", Seq: 7}); !errors.Is(err, realtime.ErrSeqTaken) {
		t.Fatalf("second event 7: %v, want ErrSeqTaken", err)
	}
	if n, err := st.LastSeq(ctx, "r1"); err != nil || n != 40 {
		t.Fatalf("LastSeq = %d, %v; want 40 (the hint lags, the probe finds the end)", n, err)
	}
	evs, err := st.EventsAfter(ctx, "r1", 37, 10)
	if err != nil || len(evs) != 3 || evs[0].Seq != 38 || string(evs[2].Body) != `{"n":40}` {
		t.Fatalf("EventsAfter(37) = %+v, %v", evs, err)
	}
}

// TestRoomLogNumbersAreUnique: publishers racing for the same numbers each end up with a
// distinct one, as two app instances would.
func TestRoomLogNumbersAreUnique(t *testing.T) {
	st := mongotest.Open(t)
	ctx := context.Background()
	var mu sync.Mutex
	got := map[int64]int{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			seq := int64(1)
			for n := 0; n < 10; n++ {
				for {
					err := st.AppendEvent(ctx, realtime.Event{Room: "race", Seq: seq, Body: []byte("{}")})
					if errors.Is(err, realtime.ErrSeqTaken) {
						seq++
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					break
				}
				mu.Lock()
				got[seq]++
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	if len(got) != 40 {
		t.Fatalf("%d distinct numbers for 40 events, want 40", len(got))
	}
	for seq, n := range got {
		if n != 1 || seq < 1 || seq > 40 {
			t.Fatalf("number %d taken %d times", seq, n)
		}
	}
}
