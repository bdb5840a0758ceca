// Command loadgen puts load on a running Chartroom server and prints one JSON line of figures.
//
//	loadgen exam --url http://127.0.0.1:8080 --admin-email admin@lakeside.example \
//	    --admin-password demo-password-2026 --students 500 --ramp 10s --save-every 15s --duration 5m
//
// It provisions its own cohort, students, items and exam through the API, has every student
// start within the ramp and save an answer at the interval, then re-reads every attempt and
// checks that each save that got a 2xx is there. With --acks FILE it also writes each
// acknowledged save to FILE, and `loadgen verify --acks FILE` checks them later (for
// example after the server was killed and restarted).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: loadgen exam [flags] | loadgen verify --url URL --acks FILE --admin-email E --admin-password P")
	}
	switch args[0] {
	case "exam":
		return runExam(ctx, args[1:], stdout, stderr)
	case "verify":
		return runVerify(ctx, args[1:], stdout, stderr)
	case "classroom":
		return runClassroom(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown command %q", args[0])
}
