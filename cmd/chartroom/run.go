package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

var (
	// version is set at build time with -ldflags "-X main.version=...".
	version = ""

	errUsage  = errors.New("usage")
	errFailed = errors.New("failed") // the command already printed why
)

const usage = `chartroom — education and certification-exam platform for Health Information Management

Usage:
  chartroom serve [flags]              run the web server (see chartroom serve --help)
  chartroom seed [flags]               load the demo data in seed/ (idempotent)
  chartroom user create --email E --name N --role R [--role R2]
                                       create a user; password from stdin, else generated
  chartroom content validate DIR       check content files, print file:line problems
  chartroom content stats [--json] [DIR]
                                       items by exam, domain, type, level and status, and
                                       how many full-length forms each blueprint can fill
  chartroom version                    print the version

Every flag can also be set as an environment variable CHARTROOM_<FLAG> (e.g. CHARTROOM_ADDR).
With no --mongodb-uri, Chartroom starts its embedded store under --data.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := Env{Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], env)
	case "seed":
		return cmdSeed(ctx, args[1:], env)
	case "user":
		if len(args) < 2 || args[1] != "create" {
			fmt.Fprint(stderr, "usage: chartroom user create --email E --name N --role R\n")
			return errUsage
		}
		return cmdUserCreate(ctx, args[2:], env)
	case "content":
		return cmdContent(ctx, args[1:], env)
	case "version", "--version":
		fmt.Fprintln(stdout, "chartroom", versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "chartroom: unknown command %q\n\n%s", args[0], usage)
	return errUsage
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = "+dirty"
				}
			}
		}
		if rev != "" {
			return "dev-" + rev[:min(12, len(rev))] + modified
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

func joinLines(lines []string) string { return strings.Join(lines, "\n") }
