package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKill9KeepsAcknowledgedSaves runs students against a real chartroom process, kills
// it with SIGKILL in the middle of the run, restarts it on the same data directory, and
// checks that every save that got a 2xx before, during or after is in the store.
func TestKill9KeepsAcknowledgedSaves(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "chartroom")
	build := exec.Command("go", "build", "-o", bin, "../chartroom")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building chartroom: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	url := "http://" + addr
	data := filepath.Join(dir, "data")

	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--demo", "--data", data, "--addr", addr, "--log-level", "warn")
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if r, err := http.Get(url + "/readyz"); err == nil {
				r.Body.Close()
				if r.StatusCode == 200 {
					return cmd
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatal("server did not become ready")
		return nil
	}
	server := start()
	t.Cleanup(func() { _ = server.Process.Kill(); _, _ = server.Process.Wait() })

	acks := filepath.Join(dir, "acks.txt")
	pr, pw := io.Pipe()
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"exam", "--url", url, "--students", "20", "--ramp", "1s",
			"--save-every", "200ms", "--duration", "8s", "--items", "10", "--acks", acks}, &out, pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "provisioned") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	time.Sleep(3 * time.Second)
	if err := server.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = server.Process.Wait()
	time.Sleep(500 * time.Millisecond)
	server = start()

	if err := <-done; err != nil {
		t.Fatalf("loadgen: %v", err)
	}
	var res result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("loadgen output %q: %v", out.String(), err)
	}
	t.Logf("run: %+v", res)
	if res.AckedSaves == 0 || res.Errors == 0 {
		t.Fatalf("acked %d, errors %d: the kill did not land in the middle of the run", res.AckedSaves, res.Errors)
	}
	if res.Lost != 0 || res.Verified != res.AckedSaves {
		t.Errorf("after kill -9 and restart: %d of %d acknowledged saves found, %d lost", res.Verified, res.AckedSaves, res.Lost)
	}
	var vout bytes.Buffer
	if err := run(context.Background(), []string{"verify", "--url", url, "--acks", acks}, &vout, io.Discard); err != nil {
		t.Errorf("verify from the acks file: %v (%s)", err, vout.String())
	}
	fmt.Fprintln(os.Stderr, "durability:", strings.TrimSpace(vout.String()))
}
