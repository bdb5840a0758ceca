// Command chartroom runs the Chartroom platform and its administrative tasks.
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
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if err != errUsage && err != errFailed {
			fmt.Fprintln(os.Stderr, "chartroom:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if err == errUsage {
		return 2
	}
	return 1
}

// Env carries the process environment into run, so tests can drive the command in-process.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}
