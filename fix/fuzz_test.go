package fix

import (
	"context"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
)

// fuzzSeeds are shapes that broke fixes on real repositories (written
// from scratch in the shape described, not copied).
var fuzzSeeds = []string{
	"FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl && apt install git\n",
	"FROM node:20 AS a\nCOPY . .\nRUN npm ci\nFROM a\nRUN npm ci\n",
	"FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y jq \\\n    && apt-get clean\nENTRYPOINT [\"jq\"]\n",
	"FROM alpine:3.19\nRUN apk add g++ linux-headers \\\n    && rm -rf /var/cache/apk/*\nCOPY requirements.txt .\n",
	"FROM debian:12\nRUN apt-get update && \\\n    apt-get install -y curl && \\\n    apt-get clean && \\\n    rm -rf /var/lib/apt/lists/*\nWORKDIR /app\n",
	"FROM debian:12\nRUN DEBIAN_FRONTEND=noninteractive apt-get update\nRUN DEBIAN_FRONTEND=noninteractive apt-get install -y curl\n",
	"FROM python:3.12\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt \\\n    && pip cache purge\nCMD [\"python\"]\n",
	"FROM node:20\nCOPY . .\nRUN npm ci && npm cache clean --force\nENV A=1\n",
}

// FuzzFix: random or mutated Dockerfiles through the fixer must not panic,
// must re-parse, and must be idempotent.
func FuzzFix(f *testing.F) {
	for _, tc := range dockerfileCases {
		f.Add(tc.files["Dockerfile"])
	}
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		m, err := dockerfile.Parse("Dockerfile", []byte(src), dockerfile.Options{})
		if err != nil {
			return
		}
		im := &discover.Image{Name: "fuzz", Dockerfile: "Dockerfile", Context: ".", Model: m, Root: t.TempDir()}
		opt := Options{Config: config.Default()}
		once, _, notes, _ := fixText(context.Background(), im, nil, []byte(src), opt)
		for _, n := range notes {
			if strings.HasPrefix(n.Reason, "refused:") {
				// the fixer kept the file safe, but a rule's fix wrote
				// something it did not declare: a bug in that fix
				t.Fatalf("%s %s\n--- in\n%s", n.Rule, n.Reason, src)
			}
		}
		m2, err := dockerfile.Parse("Dockerfile", once, dockerfile.Options{})
		if err != nil || len(m2.Errors) > len(m.Errors) {
			t.Fatalf("fix output does not parse: %v\n--- in\n%s\n--- out\n%s", err, src, once)
		}
		im.Model = m2
		twice, _, _, _ := fixText(context.Background(), im, nil, once, opt)
		if string(twice) != string(once) {
			t.Fatalf("not idempotent\n--- in\n%s\n--- once\n%s\n--- twice\n%s", src, once, twice)
		}
		if strings.Count(string(once), "\n") > strings.Count(src, "\n")+200 {
			t.Fatalf("runaway growth")
		}
	})
}
