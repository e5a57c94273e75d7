package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

func TestBuildUsageErrors(t *testing.T) {
	repo := testfs.Tree(t, map[string]string{"Dockerfile": "FROM busybox:1.36\n"})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"build", "-j", "-1", repo}, "-j must be at least 1"},
		{[]string{"build", "--backend", "buildkit", "--builder", "a", "--builder", "b", repo}, "several --builder values need --backend buildx"},
		{[]string{"build", "-o", "csv", repo}, `unknown format "csv"`},
		{[]string{"build", "--push", "--load", repo}, "--push and --load: choose one"},
		{[]string{"build", "--image", "nope", repo}, `no image named "nope"`},
		{[]string{"build", "--backend", "buildkit", "--buildkit-addr", "unix:///nonexistent/bk.sock", repo}, "/nonexistent/bk.sock"},
	} {
		code, _, stderr := run(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d stderr %q (want 2 and %q)", tc.args, code, stderr, tc.want)
		}
	}
}

// TestBuildCommand builds a small repository for real: the table, the
// JSON, and exit code 1 when an image fails.
func TestBuildCommand(t *testing.T) {
	testengine.Require(t)
	repo := testfs.Tree(t, map[string]string{
		"compose.yaml":   "services:\n  ok: {build: ./ok}\n  bad: {build: ./bad}\n",
		"ok/Dockerfile":  "FROM busybox:1.36\nRUN true\n",
		"bad/Dockerfile": "FROM busybox:1.36\nRUN exit 4\n",
	})
	code, out, stderr := run(t, "build", "--no-history", "--image", "ok", repo)
	if code != 0 || !strings.Contains(out, "layerwise.local/ok:latest") || !strings.Contains(out, "1 images, 1 built, 0 not built") {
		t.Errorf("exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = run(t, "build", "--no-history", "-o", "json", repo)
	var rep struct {
		Outcomes []struct {
			Image, Status, Error string
		} `json:"outcomes"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	status := map[string]string{}
	for _, o := range rep.Outcomes {
		status[o.Image] = o.Status
	}
	if code != 1 || status["ok"] != "built" || status["bad"] != "failed" {
		t.Errorf("exit %d, %v", code, rep.Outcomes)
	}
}

// --dry-run needs no engine: the plan, and exit 1 for a dependency cycle.
func TestBuildDryRun(t *testing.T) {
	repo := testfs.Tree(t, map[string]string{
		"compose.yaml":    "services:\n  base: {image: \"x/base:1\", build: ./base}\n  app: {build: ./app}\n",
		"base/Dockerfile": "FROM busybox:1.36\n",
		"app/Dockerfile":  "FROM x/base:1\n",
	})
	code, out, stderr := run(t, "build", "--dry-run", "--builder", "b1", "--builder", "b2", repo)
	if code != 0 || !strings.Contains(out, "2 images planned, 0 cannot be built") || strings.Index(out, "base ") > strings.Index(out, "app ") {
		t.Errorf("exit %d\n%s\n%s", code, out, stderr)
	}
	cyc := testfs.Tree(t, map[string]string{
		"compose.yaml": "services:\n  a: {image: \"x/a:1\", build: ./a}\n  b: {image: \"x/b:1\", build: ./b}\n",
		"a/Dockerfile": "FROM x/b:1\n",
		"b/Dockerfile": "FROM x/a:1\n",
	})
	if code, _, stderr := run(t, "build", "--dry-run", cyc); code != 1 || !strings.Contains(stderr, "in a dependency cycle") {
		t.Errorf("cycle: exit %d %s", code, stderr)
	}
}
