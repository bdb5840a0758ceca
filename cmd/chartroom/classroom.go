package main

import (
	"log/slog"
	"os"

	"github.com/chartroom-him/chartroom/internal/classroom"
	"github.com/chartroom-him/chartroom/internal/config"
	"github.com/chartroom-him/chartroom/internal/realtime"
)

// liveClassroom is the classroom service with its WebSocket hub and broker.
type liveClassroom struct {
	service *classroom.Service
	hub     *realtime.Hub
	broker  realtime.Broker
}

// openClassroom wires the live classroom: the in-process broker, or NATS when nats-url
// (CHARTROOM_NATS_URL) is set so several instances share rooms.
func openClassroom(cfg *config.Config, svc *services, log *slog.Logger) (*liveClassroom, error) {
	var broker realtime.Broker = realtime.NewInProc()
	if cfg.NATSURL != "" {
		host, _ := os.Hostname()
		nb, err := realtime.DialNATS(cfg.NATSURL, "chartroom-"+host)
		if err != nil {
			return nil, err
		}
		broker = nb
		log.Info("realtime broker: NATS", "url", cfg.NATSURL)
	}
	hub, err := realtime.NewHub(svc.store, broker, realtime.Options{Logger: log})
	if err != nil {
		_ = broker.Close()
		return nil, err
	}
	cls := classroom.NewService(svc.store, svc.programs, svc.accounts, svc.bank, svc.courses, hub, svc.audit, classroom.Options{Logger: log})
	return &liveClassroom{service: cls, hub: hub, broker: broker}, nil
}

func (l *liveClassroom) close() {
	l.hub.Close()
	_ = l.broker.Close()
}
