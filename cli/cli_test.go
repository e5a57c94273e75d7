package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/internal/testfs"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Execute(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	good := testfs.Tree(t, map[string]string{"Dockerfile": "FROM scratch\n"})
	empty := t.TempDir()
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"ok", []string{"ls", good}, 0, ""},
		{"unknown-flag", []string{"ls", "--bogus", good}, 2, "unknown flag: --bogus"},
		{"unknown-format", []string{"ls", "-o", "xml", good}, 2, `unknown format "xml"`},
		{"unknown-command", []string{"frobnicate"}, 2, "unknown command"},
		{"too-many-args", []string{"ls", good, good}, 2, "accepts at most 1 arg"},
		{"no-dockerfile", []string{"ls", empty}, 2, "no Dockerfile or compose build found"},
		{"missing-path", []string{"context", filepath.Join(empty, "nope")}, 2, "no such file or directory"},
		{"unknown-image", []string{"context", "--image", "nope", good}, 2, `no image named "nope"`},
		{"bad-config", []string{"ls", "--config", filepath.Join(empty, "missing.yaml"), good}, 2, "missing.yaml"},
		{"version", []string{"version"}, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tc.code, stderr, tc.stderr)
			}
		})
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	root := NewRoot(&bytes.Buffer{}, &bytes.Buffer{})
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		code, out, _ := run(t, c.Name(), "--help")
		if code != 0 || !strings.Contains(out, "Usage:") || !strings.Contains(out, "--format") {
			t.Errorf("%s --help: exit %d\n%s", c.Name(), code, out)
		}
	}
}

func TestConfigErrorsHavePositions(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"Dockerfile":      "FROM scratch\n",
		".layerwise.yaml": "offline: true\nrules:\n  - not a map\n",
	})
	code, _, stderr := run(t, "ls", root)
	if code != 2 || !strings.Contains(stderr, ".layerwise.yaml") || !strings.Contains(stderr, "line 3") {
		t.Errorf("exit %d stderr %q", code, stderr)
	}
}

func TestMalformedDockerfileExitsOneAfterTheRest(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"good/Dockerfile": "FROM debian:12\nCOPY . /src\n",
		"bad/Dockerfile":  "FROM debian:12\nRUN --mount=type=cache,target=/x echo\nCOPY --form=x a b\n",
	})
	code, out, stderr := run(t, "context", root)
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(stderr, "bad/Dockerfile:3:1: unknown flag: --form") {
		t.Errorf("stderr lacks file:line:col: %q", stderr)
	}
	if !strings.Contains(out, "good\n") || !strings.Contains(out, "bad\n") {
		t.Errorf("both images should be reported:\n%s", out)
	}
}

// TestExamplesLsAndContext pins the answers on the shipped examples.
func TestExamplesLsAndContext(t *testing.T) {
	code, out, stderr := run(t, "ls", "-o", "json", "../examples")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Images []struct {
			Name, Dockerfile, Context, Source string
			ContextInferred                   bool
			Stages                            []struct{ Base string }
			Needs                             []string
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, im := range res.Images {
		got[im.Name] = im.Dockerfile + " " + im.Context + " " + im.Source + " " + im.Stages[0].Base + " needs:" + strings.Join(im.Needs, ",")
	}
	want := map[string]string{
		"orders":          "services/go/orders/Dockerfile services/go compose golang:1.23-bookworm needs:",
		"billing":         "services/go/billing/Dockerfile services/go compose golang:1.23-bookworm needs:",
		"gateway":         "services/node/gateway/Dockerfile services/node compose node:20-bookworm-slim needs:",
		"storefront":      "services/storefront/Dockerfile services/storefront compose node:20-bookworm-slim needs:",
		"services/worker": "services/worker/Dockerfile services/worker dockerfile example/base:dev needs:base",
		"report":          "services/report/Dockerfile services/report compose example/base:dev needs:base",
		"base":            "base/Dockerfile base compose python:3.11-slim-bookworm needs:",
	}
	if len(got) != len(want) {
		t.Errorf("images: %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}

	// context: the committed files of each service are all used (COPY . .)
	// and no ignore file exists; junk, when generated, is sent too.
	code, out, stderr = run(t, "context", "-o", "json", "--image", "storefront", "../examples")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var reps []struct {
		Image      string
		IgnoreFile struct{ Path string }
		Files      int64
		Usage      struct{ UnusedFiles int64 }
	}
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 || reps[0].Image != "storefront" || reps[0].IgnoreFile.Path != "" || reps[0].Files < 4 || reps[0].Usage.UnusedFiles != 0 {
		t.Errorf("storefront context: %+v", reps)
	}
}

func TestContextTextReport(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"Dockerfile":                 "FROM node:20\nCOPY package.json ./\nCOPY src/ src/\nCOPY nothing-here /x\n",
		"package.json":               "{}",
		"src/index.js":               "console.log(1)",
		"node_modules/left-pad/i.js": strings.Repeat("x", 4000),
		"docs/guide.md":              strings.Repeat("y", 2000),
		".env":                       "SECRET=s3cr3t",
		".dockerignore":              "docs\n",
	})
	code, out, _ := run(t, "context", root)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"ignore file: .dockerignore",
		"sent         6 files",
		"1 directory not read: docs",
		"unused       4 files, 4.1 kB",
		"no match     nothing-here (Dockerfile:4)",
		"heavy        node_modules: 4.0 kB in 1 files",
		"sensitive    .env: environment file",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

// TestContextNamedContexts: a local named context is reported after its
// image, with its own .dockerignore and what COPY --from=NAME uses of it;
// a service reference is not a directory and is left out.
func TestContextNamedContexts(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"compose.yaml":         "services:\n  base:\n    build: ./base\n  app:\n    build:\n      context: ./app\n      additional_contexts:\n        shared: ./shared\n        basectx: service:base\n",
		"base/Dockerfile":      "FROM busybox:1.36\n",
		"app/Dockerfile":       "FROM busybox:1.36\nCOPY --from=shared config/ /config/\nCOPY --from=basectx /bin/sh /sh\nCOPY main.txt /\n",
		"app/main.txt":         "m",
		"shared/config/a.yaml": "a: 1",
		"shared/unused.bin":    strings.Repeat("z", 3000),
		"shared/secret.txt":    "s",
		"shared/.dockerignore": "secret.txt\n",
	})
	code, out, stderr := run(t, "context", "-o", "json", "--image", "app", root)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res []struct {
		Image         string `json:"image"`
		NamedContexts []struct {
			Name    string `json:"name"`
			Context string `json:"context"`
			Files   int    `json:"files"`
			Usage   struct {
				UsedFiles   int   `json:"usedFiles"`
				UnusedBytes int64 `json:"unusedBytes"`
			} `json:"usage"`
		} `json:"namedContexts"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res) != 1 || len(res[0].NamedContexts) != 1 {
		t.Fatalf("named contexts: %s", out)
	}
	nc := res[0].NamedContexts[0]
	// sent: .dockerignore, config/a.yaml, unused.bin (secret.txt excluded)
	if nc.Name != "shared" || nc.Context != "shared" || nc.Files != 3 || nc.Usage.UsedFiles != 1 || nc.Usage.UnusedBytes < 3000 {
		t.Errorf("shared: %+v", nc)
	}
	code, out, _ = run(t, "context", "--image", "app", root)
	if code != 0 || !strings.Contains(out, "app, named context shared\n  context      shared   ignore file: shared/.dockerignore") {
		t.Errorf("text report:\n%s", out)
	}
}

// TestFixExitsOneWhenADockerfileDoesNotParse: the README's exit codes say
// an input that could not be processed is 1; fix still fixes the others.
func TestFixExitsOneWhenADockerfileDoesNotParse(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"bad/Dockerfile":  "FROM debian:12\nCOPY --chmown=1 a b\n",
		"good/Dockerfile": "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
	})
	for _, args := range [][]string{{"fix", root}, {"fix", "--check", root}} {
		code, out, stderr := run(t, args...)
		if code != 1 || !strings.Contains(stderr, "does not parse") || !strings.Contains(out, "good/Dockerfile") {
			t.Errorf("%v: exit %d\nstdout %s\nstderr %s", args, code, out, stderr)
		}
	}
}

// TestAuditAndFixTakeSeveralPaths: one report over several repositories,
// paths as given.
func TestAuditAndFixTakeSeveralPaths(t *testing.T) {
	a := testfs.Tree(t, map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm ci\n", "package.json": "{}"})
	b := testfs.Tree(t, map[string]string{"Dockerfile": "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n"})
	code, out, stderr := run(t, "audit", "-o", "json", "--fail-on", "none", a, b)
	if code != 0 {
		t.Fatalf("audit exit %d: %s", code, stderr)
	}
	var doc struct {
		Findings []struct {
			Rule string `json:"rule"`
			File string `json:"file"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range doc.Findings {
		seen[f.Rule+" "+f.File] = true
	}
	if !seen["LW101 "+filepath.ToSlash(filepath.Join(a, "Dockerfile"))] || !seen["LW104 "+filepath.ToSlash(filepath.Join(b, "Dockerfile"))] {
		t.Errorf("findings of both repositories, with their paths: %v", seen)
	}
	code, out, _ = run(t, "fix", a, b)
	if code != 0 || !strings.Contains(out, filepath.Join(a, "Dockerfile")) || !strings.Contains(out, filepath.Join(b, "Dockerfile")) {
		t.Errorf("fix of both: exit %d\n%s", code, out)
	}
}

func TestFixWithoutPendingFixesStillFailsOnAParseError(t *testing.T) {
	root := testfs.Tree(t, map[string]string{"bad/Dockerfile": "FROM debian:12\nCOPY --chmown=1 a b\n", "ok/Dockerfile": "FROM scratch\n"})
	code, _, stderr := run(t, "fix", "--check", root)
	if code != 1 || !strings.Contains(stderr, "could not be parsed") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
}

// TestBrokenComposeExitsOne: CI must not pass while a compose file's
// images are silently missing; the other images are still processed.
func TestBrokenComposeExitsOne(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"compose.yaml": "services:\n  api:\n    build: [not, a, mapping\n",
		"Dockerfile":   "FROM scratch\n",
	})
	for _, cmd := range []string{"ls", "audit", "fix"} {
		code, out, stderr := run(t, cmd, root)
		if code != 1 || !strings.Contains(stderr, "compose.yaml") {
			t.Errorf("%s: exit %d\n%s\n%s", cmd, code, out, stderr)
		}
	}
}

// TestLsMasksArgsFromEnvFiles: a build arg interpolated from .env (often a
// token) is not printed by ls -o json; a literal one is.
func TestLsMasksArgsFromEnvFiles(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		".env":         "NPM_TOKEN=npm_secret_value_123\n",
		"compose.yaml": "services:\n  web:\n    build:\n      context: .\n      args:\n        NPM_TOKEN: ${NPM_TOKEN}\n        MODE: production\n",
		"Dockerfile":   "FROM scratch\nARG NPM_TOKEN\nARG MODE\n",
	})
	code, out, stderr := run(t, "ls", "-o", "json", root)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(out, "npm_secret_value_123") || !strings.Contains(out, `"NPM_TOKEN": "***"`) || !strings.Contains(out, `"MODE": "production"`) {
		t.Errorf("ls -o json:\n%s", out)
	}
}
