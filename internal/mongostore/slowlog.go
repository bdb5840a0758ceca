package mongostore

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/event"
)

// SlowCommandThreshold is how long a store command may take before it is logged at
// warn level with its collection and the field names of its filter (never the values).
// It is how scans on the embedded store, which indexes only _id, get noticed.
var SlowCommandThreshold = 250 * time.Millisecond

// slowMonitor logs commands slower than SlowCommandThreshold.
func slowMonitor(log *slog.Logger) *event.CommandMonitor {
	var started sync.Map // request id -> summary
	return &event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			switch e.CommandName {
			case "find", "update", "delete", "aggregate", "count", "findAndModify":
			default:
				return
			}
			started.Store(e.RequestID, summarize(e.CommandName, e.Command))
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			v, ok := started.LoadAndDelete(e.RequestID)
			if ok && e.Duration >= SlowCommandThreshold {
				log.Warn("slow store command", "command", v, "ms", e.Duration.Milliseconds())
			}
		},
		Failed: func(_ context.Context, e *event.CommandFailedEvent) {
			started.Delete(e.RequestID)
		},
	}
}

// summarize names a command's collection and filter keys, e.g. "find attempts {status deadline}".
func summarize(name string, cmd bson.Raw) string {
	coll, _ := cmd.Lookup(name).StringValueOK()
	s := name + " " + coll
	var filter bson.Raw
	switch name {
	case "find", "count", "findAndModify":
		filter, _ = cmd.Lookup("filter").DocumentOK()
		if filter == nil {
			filter, _ = cmd.Lookup("query").DocumentOK()
		}
	case "update", "delete":
		key := "q"
		arr, _ := cmd.Lookup(name + "s").ArrayOK()
		if arr != nil {
			if first, err := arr.IndexErr(0); err == nil {
				if d, ok := first.Value().DocumentOK(); ok {
					filter, _ = d.Lookup(key).DocumentOK()
				}
			}
		}
	}
	if filter != nil {
		s += " {"
		els, _ := filter.Elements()
		for i, el := range els {
			if i > 0 {
				s += " "
			}
			s += el.Key()
		}
		s += "}"
	}
	return s
}
