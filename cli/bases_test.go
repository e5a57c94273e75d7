package cli

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/baseimage"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

// TestFixCheckAgreesWithoutTheBaseImage: a base image only the developer's
// engine holds (USER 1001, npm's cache set by env) decides where the fix
// mounts npm's cache; fix --write records its config in .layerwise/bases.json,
// and from then on fix --check --no-inspect (a fresh CI runner) finds the
// same fix pending on the original Dockerfile — without the file it does not.
func TestFixCheckAgreesWithoutTheBaseImage(t *testing.T) {
	testengine.RequireExampleBaseImages(t)
	b := make([]byte, 4)
	rand.Read(b)
	tag := "layerwise-test/known-base:" + hex.EncodeToString(b)
	baseDir := testfs.Tree(t, map[string]string{"Dockerfile": "FROM busybox:1.36\nENV HOME=/home/app npm_config_cache=/home/app/.cache/npm API_TOKEN=hunter2\nUSER 1001\n"})
	if out, err := exec.Command("docker", "build", "-q", "-t", tag, baseDir).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	defer exec.Command("docker", "rmi", "-f", tag).Run()

	df := "FROM " + tag + "\nRUN npm install -g pm2\n"
	repo := testfs.Tree(t, map[string]string{"Dockerfile": df})
	fixed := func(args ...string) (int, string) {
		code, out, errs := run(t, append([]string{"fix", "--rule", "LW102"}, append(args, repo)...)...)
		return code, out + errs
	}
	if code, out := fixed("--check", "--no-inspect"); code != 0 {
		t.Fatalf("without the base image nothing is known, so nothing is pending: exit %d\n%s", code, out)
	}
	if code, out := fixed("--check"); code != 1 || !strings.Contains(out, "target=/home/app/.cache/npm,uid=1001") {
		t.Fatalf("with the engine's config the fix is pending: exit %d\n%s", code, out)
	}
	if code, out := fixed("--write"); code != 0 || !strings.Contains(out, "wrote "+baseimage.KnownFile) {
		t.Fatalf("fix --write: exit %d\n%s", code, out)
	}
	data, err := os.ReadFile(filepath.Join(repo, baseimage.KnownFile))
	if err != nil || !strings.Contains(string(data), tag) || !strings.Contains(string(data), "npm_config_cache=/home/app/.cache/npm") {
		t.Fatalf("%s: %v\n%s", baseimage.KnownFile, err, data)
	}
	if strings.Contains(string(data), "hunter2") {
		t.Errorf("a credential reached %s:\n%s", baseimage.KnownFile, data)
	}
	// the original Dockerfile again: CI without the image now agrees
	if err := os.WriteFile(filepath.Join(repo, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := fixed("--check", "--no-inspect"); code != 1 || !strings.Contains(out, "target=/home/app/.cache/npm,uid=1001") {
		t.Errorf("with %s, fix --check --no-inspect: exit %d\n%s", baseimage.KnownFile, code, out)
	}
	// a broken record is an error naming it, not another answer
	if err := os.WriteFile(filepath.Join(repo, baseimage.KnownFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := fixed("--check", "--no-inspect"); code != 2 || !strings.Contains(out, baseimage.KnownFile) {
		t.Errorf("broken %s: exit %d\n%s", baseimage.KnownFile, code, out)
	}
}
