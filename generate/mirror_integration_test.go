package generate

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/layerwise/layerwise/internal/testengine"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs a daemon for the test and stops it at the end; its output
// goes to log.
func start(t *testing.T, log string, name string, args ...string) {
	t.Helper()
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
	})
}

func waitFor(t *testing.T, what string, ok func() bool, logs ...string) {
	t.Helper()
	for i := 0; i < 120; i++ {
		if ok() {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	var tail string
	for _, l := range logs {
		data, _ := os.ReadFile(l)
		tail += string(data)
	}
	t.Fatalf("%s did not come up\n%s", what, tail)
}

// startBuildkitd runs a buildkitd of the test's own with config toml
// (state under dir) and returns its address.
func startBuildkitd(t *testing.T, dir string, toml []byte) string {
	t.Helper()
	cfg, log := filepath.Join(dir, "buildkitd.toml"), filepath.Join(dir, "buildkitd.log")
	if err := os.WriteFile(cfg, toml, 0o644); err != nil {
		t.Fatal(err)
	}
	// a unix socket path has a length limit the test's own directory exceeds
	sockDir, err := os.MkdirTemp("", "lwbk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := "unix://" + filepath.Join(sockDir, "bk.sock")
	start(t, log, "buildkitd", "--addr", sock, "--root", filepath.Join(dir, "bk"), "--config", cfg)
	waitFor(t, "buildkitd", func() bool { return exec.Command("buildctl", "--addr", sock, "debug", "workers").Run() == nil }, log)
	return sock
}

func registry(t *testing.T, dir, addr, proxy string) string {
	t.Helper()
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	if proxy != "" {
		cfg += "proxy:\n  remoteurl: " + proxy + "\n"
	}
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "config.yml"), []byte(cfg), 0o644)
	log := filepath.Join(dir, "log")
	start(t, log, "docker-registry", "serve", filepath.Join(dir, "config.yml"))
	waitFor(t, "registry "+addr, func() bool {
		r, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			r.Body.Close()
		}
		return err == nil && r.StatusCode == 200
	})
	return log
}

// Two real registries on loopback, one a pull-through cache of the other,
// and a buildkitd configured by the generated buildkitd.toml: a build FROM
// the upstream's image pulls it through the mirror (whose storage holds the
// blobs afterwards), and after the builder's cache is pruned, a rebuild
// gets them from the mirror again — the upstream served each blob once.
func TestMirrorWithRealRegistriesAndBuildkitd(t *testing.T) {
	testengine.RequireBuildkitd(t)
	for _, bin := range []string{"docker-registry", "buildkitd", "buildctl"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s: %v (make engine installs it)", bin, err)
		}
	}
	dir := t.TempDir()
	up, mirror := freeAddr(t), freeAddr(t)
	upLog := registry(t, filepath.Join(dir, "upstream"), up, "")
	// the upstream holds a base image (copied from the engine's registry)
	if err := crane.Copy("127.0.0.1:5000/busybox:1.36", up+"/library/busybox:1.36", crane.Insecure); err != nil {
		t.Fatal(err)
	}
	registry(t, filepath.Join(dir, "mirror"), mirror, "http://"+up)

	// the upstream itself is plain HTTP here too (loopback)
	toml, err := BuildkitdTOML(MirrorOptions{Mirrors: map[string][]string{up: {"http://" + mirror}}, Insecure: []string{up}})
	if err != nil {
		t.Fatal(err)
	}
	sock := startBuildkitd(t, dir, toml)

	ctxDir := filepath.Join(dir, "ctx")
	os.MkdirAll(ctxDir, 0o755)
	os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("FROM "+up+"/library/busybox:1.36\nRUN echo mirrored > /x\n"), 0o644)
	buildOnce := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "buildctl", "--addr", sock, "build", "--frontend", "dockerfile.v0",
			"--local", "context="+ctxDir, "--local", "dockerfile="+ctxDir, "--no-cache").CombinedOutput()
		if err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "buildkitd.log"))
			t.Fatalf("build: %v\n%s\n%s", err, out, log)
		}
	}
	buildOnce()
	blobs, _ := filepath.Glob(filepath.Join(dir, "mirror", "data", "docker", "registry", "v2", "blobs", "sha256", "*", "*"))
	if len(blobs) < 2 { // the layer and the config at least
		t.Fatalf("the mirror's storage holds %d blobs: the build did not pull through it", len(blobs))
	}
	blobGets := func(log string) int {
		n := 0
		re := regexp.MustCompile(`http\.request\.method=GET .*http\.request\.uri="/v2/library/busybox/blobs/sha256:[0-9a-f]+"`)
		for _, l := range strings.Split(log, "\n") {
			if strings.Contains(l, "response completed") && re.MatchString(l) {
				n++
			}
		}
		return n
	}
	first, err := os.ReadFile(upLog)
	if err != nil {
		t.Fatal(err)
	}
	if blobGets(string(first)) == 0 {
		t.Fatalf("the upstream served no blob for the first pull:\n%s", first)
	}
	if out, err := exec.Command("buildctl", "--addr", sock, "prune", "--all").CombinedOutput(); err != nil {
		t.Fatalf("prune: %v\n%s", err, out)
	}
	buildOnce()
	all, err := os.ReadFile(upLog)
	if err != nil {
		t.Fatal(err)
	}
	// the second pull (the builder's cache pruned) came from the mirror's
	// storage: the upstream served no blob again
	if n := blobGets(string(all[len(first):])); n != 0 {
		t.Errorf("the upstream served %d blobs again after the mirror had them:\n%s", n, all[len(first):])
	}
}
