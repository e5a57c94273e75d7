package fix

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/internal/testfs"
)

// TestUnitFixProposesNothingOutside: issue 27 item 2. An image whose
// Dockerfile and context sit under a committed symlink out of the
// repository (ext -> ../outside), however it was found: the fixer proposes
// no edit of a file there — neither the Dockerfile nor a .dockerignore —
// and notes why.
func TestUnitFixProposesNothingOutside(t *testing.T) {
	top := t.TempDir()
	root, outside := filepath.Join(top, "repo"), filepath.Join(top, "outside")
	src := "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
	testfs.Write(t, outside, map[string]string{"Dockerfile": src, "package.json": "{}", ".env": "API_KEY=k3y"})
	os.MkdirAll(root, 0o755)
	if err := os.Symlink("../outside", filepath.Join(root, "ext")); err != nil {
		t.Fatal(err)
	}
	m, err := dockerfile.Parse("ext/Dockerfile", []byte(src), dockerfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	im := &discover.Image{Name: "ext", Dockerfile: "ext/Dockerfile", Context: "ext", Source: discover.SourceDockerfile, Root: root, Model: m}
	res, err := Run(context.Background(), &discover.Repo{Root: root, Images: []*discover.Image{im}}, Options{Config: config.Default()})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Files {
		t.Errorf("proposes an edit of %s (%s)", f.Path, f.Abs)
	}
	found := false
	for _, n := range res.Notes {
		found = found || strings.Contains(n.Reason, "outside")
	}
	if !found {
		t.Errorf("no note says why: %+v", res.Notes)
	}
}
