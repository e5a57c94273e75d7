package corpus

import (
	"context"
	"testing"

	"github.com/layerwise/layerwise/internal/testfs"
)

// TestCheckOnDefectShapes runs the whole pipeline on a repository written
// in the shapes that broke fixes on real code: a RUN whose last continued
// line a fix removes, a COPY that names build/, a certificate carried by
// COPY --from. It must write fixes and keep every promise.
func TestCheckOnDefectShapes(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"api/Dockerfile":        "FROM debian:12\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update \\\n    && apt-get install -y --no-install-recommends jq \\\n    && apt-get clean\nENTRYPOINT [\"jq\"]\n",
		"web/Dockerfile":        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCOPY ./client/build/ public/\nCMD [\"node\", \"server.js\"]\n",
		"web/package.json":      "{}",
		"web/server.js":         "",
		"web/client/build/a.js": "",
		"web/.env":              "API_KEY=k3y",
		"svc/Dockerfile":        "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nFROM debian:12\nCOPY --from=build /app /app\nCOPY --from=build /src/certs/dev.pfx /etc/dev.pfx\nCMD [\"/app\"]\n",
		"svc/go.mod":            "module x\n",
		"svc/main.go":           "package main\n",
		"svc/certs/dev.pfx":     "cert",
	})
	r, err := Check(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if r.Written == 0 {
		t.Fatalf("no fix written: %+v", r)
	}
	for name, list := range map[string][]string{"violations": r.Violations, "new findings": r.NewFindings, "lost sources": r.LostSources, "reparse": r.Reparse, "not idempotent": r.NotIdempotent} {
		if len(list) > 0 {
			t.Errorf("%s: %q", name, list)
		}
	}
}
