package fix

import (
	"strings"
	"testing"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
)

// FuzzFix: random or mutated Dockerfiles through the fixer must not panic,
// must re-parse, and must be idempotent.
func FuzzFix(f *testing.F) {
	for _, tc := range dockerfileCases {
		f.Add(tc.files["Dockerfile"])
	}
	f.Add("FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl && apt install git\n")
	f.Add("FROM node:20 AS a\nCOPY . .\nRUN npm ci\nFROM a\nRUN npm ci\n")
	f.Fuzz(func(t *testing.T, src string) {
		m, err := dockerfile.Parse("Dockerfile", []byte(src), dockerfile.Options{})
		if err != nil {
			return
		}
		im := &discover.Image{Name: "fuzz", Dockerfile: "Dockerfile", Context: ".", Model: m, Root: t.TempDir()}
		opt := Options{Config: config.Default()}
		once, _, _ := fixText(im, nil, []byte(src), opt)
		m2, err := dockerfile.Parse("Dockerfile", once, dockerfile.Options{})
		if err != nil || len(m2.Errors) > len(m.Errors) {
			t.Fatalf("fix output does not parse: %v\n--- in\n%s\n--- out\n%s", err, src, once)
		}
		im.Model = m2
		twice, _, _ := fixText(im, nil, once, opt)
		if string(twice) != string(once) {
			t.Fatalf("not idempotent\n--- in\n%s\n--- once\n%s\n--- twice\n%s", src, once, twice)
		}
		if strings.Count(string(once), "\n") > strings.Count(src, "\n")+200 {
			t.Fatalf("runaway growth")
		}
	})
}
