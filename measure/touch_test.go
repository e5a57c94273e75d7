package measure

import (
	"context"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/internal/testfs"

	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTouchKeepsFilesValid(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct{ content, wantSuffix string }{
		"main.go":          {"package main\n", "// layerwise measure change 1 "},
		"go.mod":           {"module x\n\ngo 1.22\n", "// layerwise measure change 1 "},
		"requirements.txt": {"requests==2.0\n", "# layerwise measure change 1 "},
		"app.py":           {"print(1)", "# layerwise measure change 1 "},
		"pom.xml":          {"<project/>\n", "<!-- layerwise measure change 1 "},
	}
	for name, c := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(c.content), 0o640)
		if err := touch(p, 1); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(p)
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if !strings.HasPrefix(string(data), strings.TrimSuffix(c.content, "\n")+"\n") || !strings.HasPrefix(lines[len(lines)-1], c.wantSuffix) {
			t.Errorf("%s: %q", name, data)
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v", name, st.Mode())
		}
	}
	// JSON manifests stay JSON, with a changed description
	p := filepath.Join(dir, "package.json")
	os.WriteFile(p, []byte(`{"name":"web","dependencies":{"express":"4.21.2"}}`), 0o644)
	touch(p, 1)
	first, _ := os.ReadFile(p)
	touch(p, 2)
	second, _ := os.ReadFile(p)
	var doc map[string]any
	if err := json.Unmarshal(second, &doc); err != nil || doc["name"] != "web" || doc["dependencies"] == nil || string(first) == string(second) {
		t.Errorf("package.json: %s", second)
	}
	// two touches with the same count still differ (content-addressed caches)
	a := filepath.Join(dir, "a.txt")
	os.WriteFile(a, []byte("x\n"), 0o644)
	touch(a, 1)
	d1, _ := os.ReadFile(a)
	os.WriteFile(a, []byte("x\n"), 0o644)
	touch(a, 1)
	d2, _ := os.ReadFile(a)
	if string(d1) == string(d2) {
		t.Errorf("touch is not unique: %q", d1)
	}
}

func TestWorkCopyNeverWritesThroughToTheUser(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "sub", "f.go"), []byte("package sub\n"), 0o644)
	os.WriteFile(filepath.Join(src, "Dockerfile"), []byte("FROM scratch\n"), 0o644)
	os.Symlink("sub/f.go", filepath.Join(src, "link"))
	wc, err := newWorkCopy(src, filepath.Join(src, "Dockerfile"), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := touch(filepath.Join(wc.Context, "sub", "f.go"), 1); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(src, "sub", "f.go")); string(data) != "package sub\n" {
		t.Errorf("the user's file changed: %q", data)
	}
	if l, err := os.Readlink(filepath.Join(wc.Context, "link")); err != nil || l != "sub/f.go" {
		t.Errorf("symlink not kept: %q %v", l, err)
	}
	if wc.Dockerfile != filepath.Join(wc.Context, "Dockerfile") {
		t.Errorf("dockerfile %s", wc.Dockerfile)
	}
	wc.Remove()
	if _, err := os.Stat(wc.dir); !os.IsNotExist(err) {
		t.Errorf("work copy not removed")
	}
}

// In a context shared by several services, the scenarios edit the
// Dockerfile's own service: a change to a sibling says nothing about this
// image's rebuild (and an expert's build would not even see it).
func TestChooseFilesPrefersTheDockerfilesDirectory(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"billing/go.mod":            "module billing\n",
		"billing/main.go":           "package main\n",
		"shared/go.mod":             "module shared\n",
		"shared/lib.go":             "package shared\n",
		"orders/go.mod":             "module orders\n",
		"orders/cmd/orders/main.go": "package main\n",
		"orders/Dockerfile":         "FROM golang:1.23\nWORKDIR /src\nCOPY . .\nWORKDIR /src/orders\nRUN go build -o /app ./cmd/orders\n",
	})
	df := filepath.Join(root, "orders", "Dockerfile")
	data, err := os.ReadFile(df)
	if err != nil {
		t.Fatal(err)
	}
	m, err := dockerfile.Parse("orders/Dockerfile", data, dockerfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, mf, err := chooseFiles(context.Background(), root, df, m)
	if err != nil {
		t.Fatal(err)
	}
	if src != "orders/cmd/orders/main.go" || mf != "orders/go.mod" {
		t.Errorf("chose %q and %q, want orders/cmd/orders/main.go and orders/go.mod", src, mf)
	}
}
