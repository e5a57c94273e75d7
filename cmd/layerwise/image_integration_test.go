package main

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/cli"
	"github.com/layerwise/layerwise/internal/testengine"
)

// TestOwnImage builds layerwise's own image from the repository's
// Dockerfile (the golang image this machine mirrors, the toolchain go.mod
// names downloaded by it), then checks what it promises: layerwise's audit
// finds nothing in it at --fail-on info, it runs as a non-root user, it
// answers version with the stamped version, `docker run IMAGE audit /repo`
// over a mounted repository gives the findings the binary gives, and the
// arm64 image builds on this amd64 machine without emulation (no RUN runs
// on the target platform: nothing here could emulate one).
func TestOwnImage(t *testing.T) {
	testengine.Require(t)
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	t.Chdir(root) // the Dockerfile as a file of the repository at the working directory
	code, out, errOut := runCLI(t, "audit", "Dockerfile", "--fail-on", "info", "--no-inspect")
	if code != 0 {
		t.Fatalf("layerwise's own Dockerfile has findings (exit %d):\n%s%s", code, out, errOut)
	}
	const image = "layerwise-test/self:test"
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", image, image+"-arm64").Run() })
	docker := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "docker", args...)
		cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=1")
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		if err := cmd.Run(); err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, e.String())
		}
		return o.String()
	}
	docker("build", "-q", "-t", image, "--build-arg", "GO_VERSION=1.23", "--build-arg", "VERSION=v0.0.0-test", root)
	if user := strings.TrimSpace(docker("image", "inspect", "-f", "{{.Config.User}}", image)); user != "65532:65532" {
		t.Errorf("the image runs as %q", user)
	}
	if v := docker("run", "--rm", image, "version"); !strings.Contains(v, "layerwise v0.0.0-test") {
		t.Errorf("version: %s", v)
	}

	// the same findings from the image as from the binary, over a copy of
	// the examples the image's user can read
	repo := filepath.Join(t.TempDir(), "repo")
	if err := os.CopyFS(repo, os.DirFS(filepath.Join(root, "examples"))); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(filepath.Dir(repo), func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			mode := os.FileMode(0o644)
			if d.IsDir() {
				mode = 0o755
			}
			os.Chmod(p, mode)
		}
		return nil
	})
	fromImage := docker("run", "--rm", "-v", repo+":/repo:ro", image, "audit", "/repo", "-o", "json", "--no-inspect", "--fail-on", "none")
	_, fromBinary, _ := runCLI(t, "audit", repo, "-o", "json", "--no-inspect", "--fail-on", "none")
	a, b := findingKeys(t, fromImage), findingKeys(t, fromBinary)
	if len(b) == 0 || strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("the image's findings differ from the binary's:\nimage:  %v\nbinary: %v", a, b)
	}

	// arm64, cross-compiled: the binary in the image is an arm64 ELF
	docker("build", "-q", "--platform", "linux/arm64", "-t", image+"-arm64", "--build-arg", "GO_VERSION=1.23", root)
	id := strings.TrimSpace(docker("create", "--platform", "linux/arm64", image+"-arm64"))
	defer exec.Command("docker", "rm", id).Run()
	bin := filepath.Join(t.TempDir(), "layerwise")
	docker("cp", id+":/usr/local/bin/layerwise", bin)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 {
		t.Errorf("the arm64 image holds a %v binary", f.Machine)
	}
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Execute(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// findingKeys are the findings of an audit's JSON as rule, file and line.
func findingKeys(t *testing.T, s string) []string {
	t.Helper()
	var rep struct {
		Findings []struct {
			RuleID string `json:"ruleId"`
			File   string `json:"file"`
			Range  struct {
				Start struct{ Line int } `json:"start"`
			} `json:"range"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(s), &rep); err != nil {
		t.Fatalf("not an audit: %v\n%s", err, s)
	}
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.RuleID+" "+f.File+":"+itoa(f.Range.Start.Line))
	}
	sort.Strings(out)
	return out
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
