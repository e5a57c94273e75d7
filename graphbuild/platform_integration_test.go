package graphbuild

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/fix"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

// A two-platform image of a Go service without emulation: on this machine
// no QEMU is installed, so the Dockerfile as written (its compile stage on
// the target platform) cannot build linux/arm64; after `fix --rule LW115`
// the compile runs on the builder's platform and cross-compiles, and the
// index in the loopback registry holds both images, each with a binary
// of its own architecture.
func TestTwoPlatformsWithoutEmulation(t *testing.T) {
	testengine.Require(t)
	testengine.RequireBuildkitd(t)
	testengine.RequireExampleBaseImages(t)
	emulated, _ := filepath.Glob("/proc/sys/fs/binfmt_misc/qemu-*")
	ctx := context.Background()
	// buildkitd reads base images from a registry: the engine's golang
	// image, once
	golang := "127.0.0.1:5000/golang:1.23-bookworm"
	if _, err := crane.Head(golang, crane.Insecure); err != nil {
		for _, args := range [][]string{{"tag", "golang:1.23-bookworm", golang}, {"push", golang}} {
			if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
				t.Fatalf("docker %v: %v\n%s", args, err, out)
			}
		}
	}
	mark := nonce()
	root := testfs.Tree(t, map[string]string{
		".layerwise.yaml": "platforms: [linux/amd64, linux/arm64]\n",
		"go.mod":          "module example.com/xplat\n\ngo 1.23\n",
		"main.go":         "package main\n\nimport (\n\t\"fmt\"\n\t\"runtime\"\n)\n\nfunc main() { fmt.Println(\"" + mark + "\", runtime.GOARCH) }\n",
		"Dockerfile":      "FROM " + golang + " AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\n\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
	})
	cfg, err := config.Load(filepath.Join(root, config.FileName), true)
	if err != nil {
		t.Fatal(err)
	}
	platforms := []string{"linux/amd64", "linux/arm64"}
	b := []engine.Builder{buildx.New("layerwise-remote")}
	build := func(tag string) *Report {
		t.Helper()
		repo, err := discover.Discover(ctx, root, discover.Options{})
		if err != nil {
			t.Fatal(err)
		}
		repo.Images[0].Tags = []string{tag}
		rep, err := Run(ctx, repo, repo.Images, Options{Builders: b, Platforms: platforms, Push: true})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	machineOf := func(tag, arch string) elf.Machine {
		t.Helper()
		img, err := crane.Pull(tag, crane.Insecure, crane.WithPlatform(&v1.Platform{OS: "linux", Architecture: arch}))
		if err != nil {
			t.Fatal(err)
		}
		f, err := elf.NewFile(bytes.NewReader(fileIn(t, img, "app")))
		if err != nil {
			t.Fatalf("%s: /app is not ELF: %v", arch, err)
		}
		return f.Machine
	}
	// as written, the arm64 image's compile needs an emulator: without
	// one the build fails, or — the golang image here being amd64 only,
	// which BuildKit then runs as it is — it silently ships an amd64
	// binary in the arm64 image
	if len(emulated) == 0 {
		naive := "127.0.0.1:5000/layerwise-test/xplat:naive-" + mark
		if rep := build(naive); rep.Failed() == 0 {
			if m := machineOf(naive, "arm64"); m == elf.EM_AARCH64 {
				t.Error("without an emulator, the naive Dockerfile built a right arm64 binary: the test proves nothing")
			}
		}
	}
	repo, err := discover.Discover(ctx, root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fr, err := fix.Run(ctx, repo, fix.Options{Config: cfg, Rules: []string{"LW115"}})
	if err != nil || len(fr.Files) != 1 {
		t.Fatalf("fix --rule LW115: %v %+v %+v", err, fr, fr.Notes)
	}
	if err := os.WriteFile(fr.Files[0].Abs, fr.Files[0].After, 0o644); err != nil {
		t.Fatal(err)
	}
	tag := "127.0.0.1:5000/layerwise-test/xplat:" + mark
	if rep := build(tag); rep.Failed() != 0 {
		t.Fatalf("the fixed Dockerfile: %s\n%s", rep.Outcomes[0].Error, fr.Files[0].After)
	}
	idx, err := crane.Manifest(tag, crane.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	m, err := v1.ParseIndexManifest(bytes.NewReader(idx))
	if err != nil {
		t.Fatalf("not an index: %v\n%s", err, idx)
	}
	seen := map[string]bool{}
	for _, d := range m.Manifests {
		if d.Platform != nil && d.Platform.OS == "linux" {
			seen[d.Platform.Architecture] = true
		}
	}
	if !seen["amd64"] || !seen["arm64"] {
		t.Fatalf("the index lists %v", seen)
	}
	for arch, machine := range map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64} {
		if m := machineOf(tag, arch); m != machine {
			t.Errorf("%s image: a %v binary", arch, m)
		}
	}
}

// fileIn reads a file from an image's layers.
func fileIn(t *testing.T, img v1.Image, name string) []byte {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			if strings.TrimPrefix(h.Name, "./") == name {
				data, err := io.ReadAll(tr)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				return data
			}
		}
		rc.Close()
	}
	t.Fatalf("no %s in the image", name)
	return nil
}
