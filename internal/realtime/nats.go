package realtime

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// subjectPrefix is the NATS subject space of room events: chartroom.room.<room id>.
const subjectPrefix = "chartroom.room."

// NATS is a Broker over a NATS server, for several app instances. The room sequence comes
// from the Log, not from NATS; each instance reorders by it.
type NATS struct {
	nc *nats.Conn
}

// DialNATS connects to the NATS server at url.
func DialNATS(url, name string) (*NATS, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("realtime: connecting to NATS: %w", err)
	}
	return &NATS{nc: nc}, nil
}

// Publish sends the event on its room's subject, with the sequence and audience in headers.
func (n *NATS) Publish(_ context.Context, e Event) error {
	if strings.ContainsAny(e.Room, ".*> \t\r\n") || e.Room == "" {
		return fmt.Errorf("realtime: room id %q cannot be a NATS subject token", e.Room)
	}
	m := nats.NewMsg(subjectPrefix + e.Room)
	m.Header.Set("Seq", strconv.FormatInt(e.Seq, 10))
	if e.Staff {
		m.Header.Set("Staff", "1")
	}
	m.Data = e.Body
	return n.nc.PublishMsg(m)
}

// Subscribe receives every room's events.
func (n *NATS) Subscribe(h func(Event)) (func(), error) {
	sub, err := n.nc.Subscribe(subjectPrefix+"*", func(m *nats.Msg) {
		seq, err := strconv.ParseInt(m.Header.Get("Seq"), 10, 64)
		if err != nil {
			return
		}
		h(Event{Room: strings.TrimPrefix(m.Subject, subjectPrefix), Seq: seq, Staff: m.Header.Get("Staff") == "1", Body: m.Data})
	})
	if err != nil {
		return nil, err
	}
	// Room events of a busy instance must not be dropped as a slow consumer by the client library.
	_ = sub.SetPendingLimits(-1, 256<<20)
	if err := n.nc.Flush(); err != nil {
		return nil, err
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// Close drains and closes the connection.
func (n *NATS) Close() error {
	n.nc.Close()
	return nil
}
