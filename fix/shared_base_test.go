package fix

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/internal/testfs"
)

const sharedInstall = "RUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates\n"

func TestSharedBase(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"api/Dockerfile":    "FROM debian:bookworm-slim AS app\n" + sharedInstall + "ENV TZ=UTC\nCOPY api.txt /srv/\nCMD [\"cat\", \"/srv/api.txt\"]\n",
		"api/api.txt":       "api\n",
		"worker/Dockerfile": "FROM debian:bookworm-slim\n" + sharedInstall + "ENV TZ=UTC\nCOPY worker.txt /srv/\n",
		"worker/worker.txt": "worker\n",
		"other/Dockerfile":  "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nCOPY . /x\n",
	})
	repo, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), repo, Options{SharedBase: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 3 {
		t.Fatalf("files %v, notes %v", res.Files, res.Notes)
	}
	byPath := map[string]string{}
	var base string
	for _, f := range res.Files {
		byPath[f.Path] = string(f.After)
		if strings.HasPrefix(f.Path, SharedBaseDir+"/") {
			base = f.Path
		}
	}
	dir := strings.TrimSuffix(base, "/Dockerfile")
	if !strings.HasPrefix(dir, "base-images/debian-bookworm-slim-") || !strings.Contains(byPath[base], "FROM debian:bookworm-slim\n"+sharedInstall+"ENV TZ=UTC\n") {
		t.Errorf("base %s:\n%s", base, byPath[base])
	}
	tag := discover.LocalRef(dir)
	if got := byPath["api/Dockerfile"]; got != "FROM "+tag+" AS app\nCOPY api.txt /srv/\nCMD [\"cat\", \"/srv/api.txt\"]\n" {
		t.Errorf("api:\n%s", got)
	}
	if got := byPath["worker/Dockerfile"]; got != "FROM "+tag+"\nCOPY worker.txt /srv/\n" {
		t.Errorf("worker:\n%s", got)
	}
	// written out, the build graph has the base first
	for _, f := range res.Files {
		os.MkdirAll(filepath.Dir(f.Abs), 0o755)
		if err := os.WriteFile(f.Abs, f.After, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	after, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range after.Images {
		if im.Name == "api" || im.Name == "worker" {
			if deps := after.Deps(im); len(deps) != 1 || deps[0].Name != dir {
				t.Errorf("%s needs %v", im.Name, deps)
			}
		}
	}
	// nothing left to share: a second run writes nothing
	if res, err := Run(context.Background(), after, Options{SharedBase: true}); err != nil || len(res.Files) != 0 {
		t.Errorf("second run: %v %v", err, res.Files)
	}
}

// An ARG among the shared steps would not reach the images built FROM
// the base: refused, with the reason.
func TestSharedBaseRefusesArgs(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"a/Dockerfile": "FROM debian:bookworm-slim\nARG V=1\n" + sharedInstall + "COPY . /a\n",
		"b/Dockerfile": "FROM debian:bookworm-slim\nARG V=1\n" + sharedInstall + "COPY . /b\n",
	})
	repo, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), repo, Options{SharedBase: true})
	if err != nil || len(res.Files) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0].Reason, "ARG") {
		t.Errorf("files %v notes %+v %v", res.Files, res.Notes, err)
	}
}
