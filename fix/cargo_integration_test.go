package fix

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

// The cargo dependency step on a real build: the stand-in build compiles
// an empty main and lib first, and the real build after the sources must
// still compile the crate (the copied sources are older than the stand-in's
// artifacts: without the clean, cargo would ship the empty main), and
// again after a source change.
func TestCargoDependencyStepBuilds(t *testing.T) {
	testengine.Require(t)
	testengine.RequireExampleBaseImages(t)
	testengine.MakeFakeRust(t)
	ctx := context.Background()
	files := map[string]string{
		"Dockerfile":  "FROM " + testengine.FakeRustTag + "\nWORKDIR /usr/src/app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/app\"]\n",
		"Cargo.toml":  "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/lib.rs":  "pub fn greeting() -> &'static str { \"hello from the crate\" }\n",
		"src/main.rs": "fn main() { println!(\"{} 1\", app::greeting()); }\n",
	}
	naive := testfs.Tree(t, files)
	fixed := testfs.Tree(t, files)
	disc, err := discover.Discover(ctx, fixed, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, disc, Options{Rules: []string{"LW101"}})
	if err != nil || len(res.Files) != 1 {
		t.Fatalf("%v %+v %+v", err, res.Files, res.Notes)
	}
	if !strings.Contains(string(res.Files[0].After), "cargo clean --release -p app") {
		t.Fatalf("no dependency step:\n%s", res.Files[0].After)
	}
	if err := atomicfile.Write(res.Files[0].Abs, res.Files[0].After, 0o644); err != nil {
		t.Fatal(err)
	}
	buildImage(t, naive, "layerwise-test/cargo:naive")
	buildImage(t, fixed, "layerwise-test/cargo:fixed")
	defer exec.Command("docker", "rmi", "-f", "layerwise-test/cargo:naive", "layerwise-test/cargo:fixed").Run()
	if a, b := runOffline(t, "layerwise-test/cargo:naive"), runOffline(t, "layerwise-test/cargo:fixed"); a != "hello from the crate 1" || b != a {
		t.Fatalf("naive prints %q, fixed %q", a, b)
	}
	// a source change: the dependency step is cached, the crate rebuilt
	if err := os.WriteFile(filepath.Join(fixed, "src", "main.rs"), []byte("fn main() { println!(\"{} 2\", app::greeting()); }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("docker", "buildx", "build", "--progress=plain", "-t", "layerwise-test/cargo:fixed", fixed).CombinedOutput()
	if err != nil {
		t.Fatalf("rebuild: %v\n%s", err, out)
	}
	if !regexpCached(string(out), "cargo clean") {
		t.Errorf("the dependency step re-ran after a source change:\n%s", out)
	}
	if got := runOffline(t, "layerwise-test/cargo:fixed"); got != "hello from the crate 2" {
		t.Errorf("after the source change the fixed image prints %q", got)
	}
}

// runOffline runs the image's command with no network and returns what it
// printed.
func runOffline(t *testing.T, tag string) string {
	t.Helper()
	out, err := exec.Command("docker", "run", "--rm", "--network", "none", tag).CombinedOutput()
	if err != nil {
		t.Fatalf("run %s: %v %s", tag, err, out)
	}
	return strings.TrimSpace(string(out))
}

// regexpCached: the step whose text holds s was CACHED in a plain-progress
// build log ("#7 [3/5] RUN ..." then "#7 CACHED").
func regexpCached(log, s string) bool {
	lines := strings.Split(log, "\n")
	for _, l := range lines {
		id, rest, ok := strings.Cut(l, " ")
		if !ok || !strings.HasPrefix(id, "#") || !strings.Contains(rest, s) {
			continue
		}
		for _, m := range lines {
			if m == id+" CACHED" {
				return true
			}
		}
	}
	return false
}
