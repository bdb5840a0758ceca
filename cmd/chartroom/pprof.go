package main

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"
)

// startProfiler serves Go's profiling endpoints on addr (CHARTROOM_PPROF_ADDR, e.g.
// 127.0.0.1:6060) for load investigations. It is off unless the variable is set, and it
// should only ever listen on loopback.
func startProfiler(addr string, log *slog.Logger) {
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil {
			log.Warn("profiler stopped", "err", err)
		}
	}()
	log.Info("profiler listening", "addr", addr)
}
