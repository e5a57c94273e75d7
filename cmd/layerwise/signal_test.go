package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestSignalsStopAuditAndFix: SIGTERM and SIGINT stop a long audit and a
// long fix --write; the exit code is 143 or 130, and every Dockerfile is
// either as it was or fully rewritten.
func TestSignalsStopAuditAndFix(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "layerwise")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	const orig = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\nCOPY . /app\n"
	repo := t.TempDir()
	for i := 0; i < 4000; i++ {
		d := filepath.Join(repo, fmt.Sprintf("svc%04d", i))
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "Dockerfile"), []byte(orig), 0o644)
	}
	for _, tc := range []struct {
		args []string
		sig  os.Signal
		code int
	}{
		{[]string{"audit", "--fail-on", "none", repo}, syscall.SIGTERM, 143},
		{[]string{"audit", "--fail-on", "none", repo}, os.Interrupt, 130},
		{[]string{"fix", "--write", "--rule", "LW104", repo}, syscall.SIGTERM, 143},
	} {
		cmd := exec.Command(bin, tc.args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(700 * time.Millisecond)
		cmd.Process.Signal(tc.sig)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.code {
				t.Errorf("%v after %v: %v, want exit %d", tc.args, tc.sig, err, tc.code)
			}
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%v did not stop on %v", tc.args, tc.sig)
		}
	}
	// every file is whole: the original or the complete rewrite
	want := "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nCOPY . /app\n"
	ents, _ := os.ReadDir(repo)
	for _, e := range ents {
		data, _ := os.ReadFile(filepath.Join(repo, e.Name(), "Dockerfile"))
		if s := string(data); s != orig && s != want {
			t.Fatalf("%s half-written:\n%s", e.Name(), s)
		}
		if m, _ := filepath.Glob(filepath.Join(repo, e.Name(), ".Dockerfile.layerwise-*")); len(m) > 0 {
			t.Fatalf("temp file left: %v", m)
		}
	}
}
