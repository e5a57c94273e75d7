package verify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

// service is a small image with an apt install whose last continued line a
// fix removes, a COPY of the whole context, an env file the fix stops
// sending, an ENV and an ENTRYPOINT.
var service = map[string]string{
	"Dockerfile": "FROM debian:bookworm-slim\n" +
		"RUN apt-get update \\\n    && apt-get install -y --no-install-recommends jq \\\n    && apt-get clean\n" +
		"COPY . /app\n" +
		"ENV APP_MODE=prod\n" +
		"RUN echo built > /built.txt\n" +
		"ENTRYPOINT [\"jq\"]\n",
	"data.json": "{\"a\": 1}\n",
	".env":      "SECRET=1\n",
}

func editFixed(name string, edit func(string) string) func(string) error {
	return func(root string) error {
		p := filepath.Join(root, name)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(p, []byte(edit(string(data))), 0o644)
	}
}

// TestVerifyCatchesBrokenRewrites: the fix as layerwise writes it verifies;
// each deliberately broken rewrite (test-only injection into the fixed
// copy) is caught, with the path or config field that shows it.
func TestVerifyCatchesBrokenRewrites(t *testing.T) {
	testengine.Require(t)
	testengine.RequireExampleBaseImages(t)
	root := testfs.Tree(t, service)
	cases := []struct {
		name   string
		inject func(string) error
		want   string // a failure path (or "" for verified)
	}{
		{"as fixed", nil, ""},
		{"swallowed instruction", editFixed("Dockerfile", func(s string) string {
			return strings.Replace(s, "RUN echo built > /built.txt\n", "RUN echo built > /built.txt \\\n", 1)
		}), "config.Entrypoint"},
		{"dropped COPY source", editFixed(".dockerignore", func(s string) string { return s + "/data.json\n" }), "/app/data.json"},
		{"changed ENV", editFixed("Dockerfile", func(s string) string { return strings.Replace(s, "APP_MODE=prod", "APP_MODE=dev", 1) }), "config.Env.APP_MODE"},
		{"cache lands in the image", editFixed("Dockerfile", func(s string) string {
			return strings.Replace(s, "--mount=type=cache,target=/var/cache/apt,sharing=locked ", "", 1)
		}), "/var/cache/apt/archives/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(context.Background(), root, Options{Builder: buildx.New(""), NoRebuilds: true, Smoke: "jq .a /app/data.json", inject: tc.inject})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Images) != 1 {
				t.Fatalf("images: %+v", res.Images)
			}
			im := res.Images[0]
			if tc.want == "" {
				if im.Status != Verified {
					t.Fatalf("the fix as written must verify: %s %s\n%+v", im.Status, im.Reason, im.Comparison)
				}
				rules := map[string]bool{}
				for _, g := range im.Comparison.Intended {
					rules[g.Rule] = true
				}
				if !rules["LW102"] || !rules["LW120"] {
					t.Errorf("intended differences should name LW102 (apt cache) and LW120 (.env): %+v", im.Comparison.Intended)
				}
				if im.Smoke == nil || !im.Smoke.Same {
					t.Errorf("smoke: %+v", im.Smoke)
				}
				return
			}
			if im.Status != Failed {
				t.Fatalf("the broken rewrite verified: %+v", im)
			}
			found := false
			if im.Comparison != nil {
				for _, d := range im.Comparison.Failures {
					found = found || strings.HasPrefix(d.Path, tc.want)
				}
			}
			if !found {
				t.Errorf("no failure at %s: %s\n%+v", tc.want, im.Reason, im.Comparison)
			}
		})
	}
}

// TestVerifyCannotVerifyWithoutTheBase: a base image the builder cannot get
// is said as such, not counted as a failure of the fix.
func TestVerifyCannotVerifyWithoutTheBase(t *testing.T) {
	testengine.Require(t)
	root := testfs.Tree(t, map[string]string{
		"Dockerfile": "FROM registry.example.com/nothing-here:1\nRUN apt-get update\nRUN apt-get install -y curl\n",
	})
	res, err := Run(context.Background(), root, Options{Builder: buildx.New(""), NoRebuilds: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || res.Images[0].Status != CannotVerify || !strings.Contains(res.Images[0].Reason, "base image registry.example.com/nothing-here:1 is not available to the builder") {
		t.Fatalf("%+v", res.Images[0])
	}
	if res.OK() {
		t.Error("an image that cannot be verified is not OK")
	}
}

// TestBisectFindsTheCulprit: a rewrite that breaks only while one rule's
// fix is in (here: whenever LW105's --no-install-recommends is there, the
// injection changes an ENV) is traced to that rule; the other rules' fixes
// stay.
func TestBisectFindsTheCulprit(t *testing.T) {
	testengine.Require(t)
	testengine.RequireExampleBaseImages(t)
	root := testfs.Tree(t, map[string]string{
		"Dockerfile": "FROM debian:bookworm-slim\nRUN apt-get update\nRUN apt-get install -y jq\nENV APP_MODE=prod\nENTRYPOINT [\"jq\"]\n",
	})
	inject := editFixed("Dockerfile", func(s string) string {
		if strings.Contains(s, "--no-install-recommends") {
			return strings.Replace(s, "APP_MODE=prod", "APP_MODE=broken", 1)
		}
		return s
	})
	g, err := Bisect(context.Background(), root, Options{Builder: buildx.New(""), inject: inject})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Culprits) != 1 || strings.Join(g.Culprits[0].Rules, ",") != "LW105" {
		t.Fatalf("culprits %+v", g.Culprits)
	}
	if got := g.Skip["Dockerfile"]; strings.Join(got, ",") != "LW105" {
		t.Errorf("skip %v", got)
	}
}
