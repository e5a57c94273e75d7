package audit

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
)

// FuzzAudit runs the whole audit — discovery, the model, every rule,
// BuildKit's checks and the context rules — on one random Dockerfile next
// to a good one: it must never panic, and the good image is still audited
// (one bad file used to take the whole audit down).
func FuzzAudit(f *testing.F) {
	for _, s := range []string{
		"ARG X=1\n",
		"RUN echo first\nFROM debian:12\n",
		"\x00\x01garbage",
		"FROM debian:12\nRUN --mount=type=bind,source=.,target=/s,rw make\n",
		"FROM node:20\nCOPY . .\nRUN npm ci && npm run build\n",
		"FROM a AS 1bad\n",
		"# escape=`\nFROM x\nRUN a `\n b\n",
	} {
		f.Add(s)
	}
	// the seed corpus of the parser's fuzz target too
	if ents, err := os.ReadDir(filepath.Join("..", "dockerfile", "testdata", "fuzz", "FuzzParse")); err == nil {
		for _, e := range ents {
			if data, err := os.ReadFile(filepath.Join("..", "dockerfile", "testdata", "fuzz", "FuzzParse", e.Name())); err == nil {
				f.Add(string(data))
			}
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		root := t.TempDir()
		os.MkdirAll(filepath.Join(root, "bad"), 0o755)
		os.MkdirAll(filepath.Join(root, "good"), 0o755)
		os.WriteFile(filepath.Join(root, "bad", "Dockerfile"), []byte(src), 0o644)
		os.WriteFile(filepath.Join(root, "good", "Dockerfile"), []byte("FROM node:20\nCOPY . .\nRUN npm ci\n"), 0o644)
		os.WriteFile(filepath.Join(root, "good", "package.json"), []byte("{}"), 0o644)
		disc, err := discover.Discover(context.Background(), root, discover.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), disc, Options{Config: config.Default(), WithFixes: true})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range res.Findings {
			found = found || (f.Image == "good" && f.RuleID == "LW101")
		}
		if !found {
			t.Fatalf("the good image was not audited next to %q", src)
		}
	})
}
