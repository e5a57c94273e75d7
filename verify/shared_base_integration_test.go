package verify

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

// fix --shared-base on real builds: two services that repeat FROM debian
// and the same apt install are rewritten to build FROM a shared base image
// (built first, from the steps they repeated); verify builds the original
// and the rewritten service and finds the images the same.
func TestVerifySharedBase(t *testing.T) {
	testengine.Require(t)
	testengine.RequireExampleBaseImages(t)
	mark := fmt.Sprint(time.Now().UnixNano())
	install := "RUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates\n"
	root := testfs.Tree(t, map[string]string{
		"api/Dockerfile":    "FROM debian:bookworm-slim\n" + install + "ENV SERVICE=api\nCOPY api.txt /srv/\nCMD [\"cat\", \"/srv/api.txt\"]\n",
		"api/api.txt":       "api " + mark + "\n",
		"worker/Dockerfile": "FROM debian:bookworm-slim\n" + install + "ENV SERVICE=worker\nCOPY worker.txt /srv/\n",
		"worker/worker.txt": "worker " + mark + "\n",
	})
	res, err := Run(context.Background(), root, Options{Builder: buildx.New(""), NoRebuilds: true, SharedBase: true, Smoke: "cat /srv/*.txt && ls /etc/ssl/certs | head -1"})
	if err != nil {
		t.Fatal(err)
	}
	var base bool
	for _, f := range res.Files {
		base = base || strings.HasPrefix(f.Path, "base-images/")
	}
	if !base || len(res.Images) != 2 {
		t.Fatalf("files %v, images %+v, notes %+v", res.Files, res.Images, res.Notes)
	}
	for _, im := range res.Images {
		if im.Status != Verified {
			t.Errorf("%s: %s %s %+v", im.Image, im.Status, im.Reason, im.Comparison)
		}
	}
}
