package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/layerwise/layerwise/history"
	"github.com/layerwise/layerwise/internal/testengine"
)

// buildBinary compiles layerwise for the process-level tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "layerwise")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func slowFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Dockerfile":       "FROM busybox:1.36\nWORKDIR /app\nCOPY . .\nRUN sleep 3 && cat requirements.txt > /installed\n",
		"requirements.txt": "x==1\n",
		"app.py":           "print(1)\n",
	}
	for p, c := range files {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func countBuilds(t *testing.T, db string) int {
	s, err := history.Open(db, history.ReadWrite)
	if err != nil {
		return 0
	}
	defer s.Close()
	bs, err := s.List(context.Background(), history.Query{})
	if err != nil {
		return 0
	}
	return len(bs)
}

// startMeasure runs `layerwise measure` in its own process group with a
// private TMPDIR and waits until one build is recorded and the next one is
// under way.
func startMeasure(t *testing.T, bin, repo, db, tmp string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "measure", repo, "--history", db, "--scenario", "cold,source-change", "-n", "3", "--touch", "app.py")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for countBuilds(t, db) < 1 {
		if time.Now().After(deadline) {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatal("no build recorded in 90 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // the next build is running now
	return cmd
}

func checkStore(t *testing.T, db string) int {
	t.Helper()
	s, err := history.Open(db, history.ReadWrite)
	if err != nil {
		t.Fatalf("the history does not open after the kill: %v", err)
	}
	defer s.Close()
	if err := s.Check(context.Background()); err != nil {
		t.Errorf("history damaged: %v", err)
	}
	bs, err := s.List(context.Background(), history.Query{WithSteps: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if len(b.Result.Steps) == 0 || b.Result.Wall == 0 {
			t.Errorf("half-written record: %+v", b)
		}
	}
	return len(bs)
}

// TestKillMidBuildKeepsHistory: SIGKILL in the middle of a build leaves a
// store that opens, passes SQLite's integrity check and holds only whole
// records.
func TestKillMidBuildKeepsHistory(t *testing.T) {
	testengine.Require(t)
	bin := buildBinary(t)
	repo, tmp := slowFixture(t), t.TempDir()
	db := filepath.Join(t.TempDir(), "history.db")
	cmd := startMeasure(t, bin, repo, db, tmp)
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
	if n := checkStore(t, db); n < 1 || n >= 6 {
		t.Errorf("%d builds recorded", n)
	}
}

// TestSigtermCancelsCleanly: SIGTERM cancels the running build, removes the
// temporary copy of the context and keeps the history.
func TestSigtermCancelsCleanly(t *testing.T) {
	testengine.Require(t)
	bin := buildBinary(t)
	repo, tmp := slowFixture(t), t.TempDir()
	db := filepath.Join(t.TempDir(), "history.db")
	cmd := startMeasure(t, bin, repo, db, tmp)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if err == nil {
		t.Errorf("an interrupted measure must not exit 0")
	}
	if waited := time.Since(start); waited > 20*time.Second {
		t.Errorf("took %v to stop", waited)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "layerwise-*"))
	if len(left) != 0 {
		t.Errorf("temporary copies left behind: %v", left)
	}
	checkStore(t, db)
	// the user's tree is as it was
	if data, _ := os.ReadFile(filepath.Join(repo, "app.py")); !strings.HasPrefix(string(data), "print(1)\n") || len(data) != 9 {
		t.Errorf("app.py changed: %q", data)
	}
}
