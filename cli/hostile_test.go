package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/layerwise/layerwise/internal/testfs"
)

// Issue 27: a pull request's repository is hostile input. Each test builds
// the probe in a fresh temp directory: top/repo, and top/outside beside it
// holding what the repository must never make layerwise read or write.

func hostile(t *testing.T, files map[string]string, links map[string]string) (root, outside string) {
	t.Helper()
	top := t.TempDir()
	root, outside = filepath.Join(top, "repo"), filepath.Join(top, "outside")
	testfs.Write(t, outside, map[string]string{
		"Dockerfile":   "FROM node:20\nLABEL leak=SECRET-OUTSIDE-42\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
		"package.json": "{}",
		"secret.txt":   "SECRET-OUTSIDE-42\n",
	})
	testfs.Write(t, root, files)
	for l, target := range links {
		os.MkdirAll(filepath.Dir(filepath.Join(root, l)), 0o755)
		if err := os.Symlink(target, filepath.Join(root, l)); err != nil {
			t.Fatal(err)
		}
	}
	return root, outside
}

// runBounded runs the CLI and fails the test if it does not end promptly
// (a FIFO that blocks a read, /dev/zero read without bound).
func runBounded(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	type result struct {
		code        int
		out, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, out, stderr := run(t, args...)
		done <- result{code, out, stderr}
	}()
	select {
	case r := <-done:
		return r.code, r.out, r.stderr
	case <-time.After(30 * time.Second):
		t.Fatalf("%v did not end within 30 s", args)
		return 0, "", ""
	}
}

// TestUnitHostileComposeReadsNothingOutside: item 1. A compose file naming
// /proc/self/environ, ../../etc/passwd or a Dockerfile and context beside
// the repository: audit (SARIF, which CI uploads) prints none of it, and
// says which service points where.
func TestUnitHostileComposeReadsNothingOutside(t *testing.T) {
	t.Setenv("LW27_PROBE", "SECRET-ENV-42")
	root, _ := hostile(t, map[string]string{
		"docker-compose.yml": "services:\n" +
			"  environ:\n    build:\n      context: .\n      dockerfile: /proc/self/environ\n" +
			"  passwd:\n    build:\n      context: .\n      dockerfile: ../../../../../../../../etc/passwd\n" +
			"  beside:\n    build:\n      context: ../outside\n" +
			"  linked:\n    build:\n      context: ext\n",
		"Dockerfile": "FROM scratch\n",
	}, map[string]string{"ext": "../outside"})
	for _, format := range []string{"sarif", "json", "text"} {
		code, out, stderr := runBounded(t, "audit", "-o", format, root)
		all := out + stderr
		for _, leak := range []string{"SECRET-ENV-42", "SECRET-OUTSIDE-42", "root:x:0"} {
			if strings.Contains(all, leak) {
				t.Errorf("%s: the output holds %q from outside the repository", format, leak)
			}
		}
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", format, code)
		}
		for _, want := range []string{"services.environ.build.dockerfile", "services.passwd.build.dockerfile", "services.beside.build.context", "services.linked.build.context", "outside the repository"} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: the output does not say %q:\n%s", format, want, all)
			}
		}
	}
}

// TestUnitHostileFixWritesNothingOutside: item 2. fix --write on a
// compose service whose context is a committed symlink out of the
// repository leaves the Dockerfile and .dockerignore there alone and
// exits 1; a read-only Dockerfile is refused, said, exit 1.
func TestUnitHostileFixWritesNothingOutside(t *testing.T) {
	root, outside := hostile(t, map[string]string{
		"docker-compose.yml": "services:\n  ext:\n    build:\n      context: ext\n",
	}, map[string]string{"ext": "../outside"})
	before, _ := os.ReadFile(filepath.Join(outside, "Dockerfile"))
	code, _, stderr := runBounded(t, "fix", "--write", root)
	if code != 1 {
		t.Errorf("fix --write: exit %d, want 1\n%s", code, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(outside, "Dockerfile")); string(after) != string(before) {
		t.Errorf("fix --write rewrote the Dockerfile outside:\n%s", after)
	}
	if _, err := os.Stat(filepath.Join(outside, ".dockerignore")); err == nil {
		t.Errorf("fix --write created a .dockerignore outside")
	}

	ro := testfs.Tree(t, map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", "package.json": "{}"})
	df := filepath.Join(ro, "Dockerfile")
	os.Chmod(df, 0o444)
	orig, _ := os.ReadFile(df)
	code, _, stderr = runBounded(t, "fix", "--write", ro)
	if code != 1 || !strings.Contains(stderr, "read-only") {
		t.Errorf("fix --write on a 0444 Dockerfile: exit %d\n%s", code, stderr)
	}
	if now, _ := os.ReadFile(df); string(now) != string(orig) {
		t.Errorf("a read-only Dockerfile was replaced")
	}
}

// TestUnitHostileGenerateWritesNothingOutside: item 2. generate monitoring
// and generate ci do not write through a committed monitoring/ or
// .github/workflows/ symlink out of the repository.
func TestUnitHostileGenerateWritesNothingOutside(t *testing.T) {
	for _, c := range []struct {
		args  []string
		links map[string]string
	}{
		{[]string{"generate", "monitoring"}, map[string]string{"monitoring": "../outside"}},
		{[]string{"generate", "ci", "--github"}, map[string]string{".github/workflows": "../../outside"}},
		{[]string{"generate", "ci", "--github"}, map[string]string{".github": "../outside"}}, // workflows/ would be created outside
		{[]string{"generate", "ci", "--gitlab"}, map[string]string{".gitlab-ci.yml": "../outside/secret.txt"}},
	} {
		root, outside := hostile(t, map[string]string{"Dockerfile": "FROM scratch\n"}, c.links)
		code, _, stderr := runBounded(t, append(c.args, root)...)
		if code == 0 || !strings.Contains(stderr, "outside") {
			t.Errorf("%v through %v: exit %d\n%s", c.args, c.links, code, stderr)
		}
		ents, _ := os.ReadDir(outside)
		if len(ents) != 3 {
			t.Errorf("%v wrote outside: %v", c.args, ents)
		}
		if data, _ := os.ReadFile(filepath.Join(outside, "secret.txt")); string(data) != "SECRET-OUTSIDE-42\n" {
			t.Errorf("%v overwrote a file outside", c.args)
		}
	}
}

// TestUnitHostileSpecialFiles: item 3. package.json, go.mod,
// requirements.txt or .layerwise.yaml committed as a symlink to /dev/zero
// or as a FIFO: audit and fix end promptly, and the config's is an error
// that says what the file is.
func TestUnitHostileSpecialFiles(t *testing.T) {
	dockerfiles := map[string]string{
		"package.json":     "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n",
		"go.mod":           "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n",
		"requirements.txt": "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n",
		// the runtime-package rule reads the service's Go sources
		"main.go": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN apt-get update && apt-get install -y git && go build -o /app .\nCMD [\"/app\"]\n",
	}
	for name, df := range dockerfiles {
		for _, kind := range []string{"dev-zero", "fifo"} {
			t.Run(name+"-"+kind, func(t *testing.T) {
				root := testfs.Tree(t, map[string]string{"Dockerfile": df, "main.txt": "x"})
				p := filepath.Join(root, name)
				if kind == "fifo" {
					if err := syscall.Mkfifo(p, 0o644); err != nil {
						t.Fatal(err)
					}
				} else if err := os.Symlink("/dev/zero", p); err != nil {
					t.Fatal(err)
				}
				runBounded(t, "audit", "--fail-on", "none", root)
				runBounded(t, "fix", root)
			})
		}
	}
	for _, kind := range []string{"dev-zero", "fifo"} {
		t.Run(".layerwise.yaml-"+kind, func(t *testing.T) {
			root := testfs.Tree(t, map[string]string{"Dockerfile": "FROM scratch\n"})
			p := filepath.Join(root, ".layerwise.yaml")
			if kind == "fifo" {
				if err := syscall.Mkfifo(p, 0o644); err != nil {
					t.Fatal(err)
				}
			} else if err := os.Symlink("/dev/zero", p); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runBounded(t, "audit", root)
			if code != 2 || !strings.Contains(stderr, ".layerwise.yaml") {
				t.Errorf("audit with a %s config: exit %d\n%s", kind, code, stderr)
			}
		})
	}
}

// TestPathArgumentErrorsAreTheirOwn: a symlink loop as PATH is reported as
// one (it was "no such file or directory").
func TestPathArgumentErrorsAreTheirOwn(t *testing.T) {
	dir := t.TempDir()
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "audit", loop)
	if code != 2 || !strings.Contains(stderr, "too many levels of symbolic links") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	code, _, stderr = run(t, "audit", filepath.Join(dir, "missing"))
	if code != 2 || !strings.Contains(stderr, "no such file or directory") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// TestFixSaysADockerfileDoesNotExist: a compose file naming a Dockerfile
// that is not there is not "a Dockerfile that could not be parsed".
func TestFixSaysADockerfileDoesNotExist(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      dockerfile: nope.Dockerfile\n",
		"Dockerfile":   "FROM debian:12\n",
	})
	code, _, stderr := run(t, "fix", root)
	if code != 1 || !strings.Contains(stderr, "1 Dockerfiles a compose or bake file names do not exist") || strings.Contains(stderr, "could not be parsed") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
