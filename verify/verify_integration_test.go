package verify

import (
	"context"
	"github.com/layerwise/layerwise/rules"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/baseimage"
	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

// service is a small image with an apt install whose last continued line a
// fix removes, a COPY of the whole context, an env file the fix stops
// sending, an ENV and an ENTRYPOINT.
var service = map[string]string{
	"Dockerfile": "FROM debian:bookworm-slim\n" +
		"RUN apt-get update \\\n    && apt-get install -y --no-install-recommends jq \\\n    && rm -rf /var/lib/apt/lists/*\n" +
		"COPY . /app\n" +
		"ENV APP_MODE=prod\n" +
		"RUN echo built > /built.txt\n" +
		"ENTRYPOINT [\"jq\"]\n",
	"data.json": "{\"a\": 1}\n",
	".env":      "SECRET=s3cr3t\n",
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
		// (the shipped image's stage keeps docker-clean: the fix mounts
		// apt's lists and cuts their rm; without the mount they stay)
		{"cache lands in the image", editFixed("Dockerfile", func(s string) string {
			return strings.Replace(s, "--mount=type=cache,target=/var/lib/apt/lists,sharing=locked ", "", 1)
		}), "/var/lib/apt/lists/"},
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
				if !rules["LW120"] {
					t.Errorf("intended differences should name LW120 (.env): %+v", im.Comparison.Intended)
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
	g, err := Bisect(context.Background(), root, Options{Builder: buildx.New(""), inject: inject, Rules: []string{"LW102", "LW104", "LW105"}})
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

// TestVerifyNonRootBaseAndSensitiveCopy: a stage on a base that runs as a
// non-root user and sets npm's cache by env (nothing of it in the
// Dockerfile), and a later stage that copies a file that looks sensitive
// out of it: the fix (cache mount where npm writes, owned by the user; the
// certificate left in the context) verifies.
func TestVerifyNonRootBaseAndSensitiveCopy(t *testing.T) {
	testengine.Require(t)
	testengine.RequireExampleBaseImages(t)
	base := testfs.Tree(t, map[string]string{"Dockerfile": "FROM node:20-bookworm-slim\n" +
		"RUN useradd -u 1001 -m -d /home/app app\n" +
		"ENV HOME=/home/app npm_config_cache=/home/app/.cache/npm\n" +
		"USER 1001\nWORKDIR /home/app\n"})
	if out, err := exec.Command("docker", "buildx", "build", "-t", "layerwise-test/verify-nonroot:1", base).CombinedOutput(); err != nil {
		t.Fatalf("base: %v\n%s", err, out)
	}
	root := testfs.Tree(t, map[string]string{
		"Dockerfile": "FROM layerwise-test/verify-nonroot:1 AS build\nCOPY package.json ./\nRUN npm install --no-audit --no-fund\nCOPY . .\n" +
			"FROM debian:bookworm-slim\nCOPY --from=build /home/app/node_modules /srv/node_modules\nCOPY --from=build /home/app/certs/dev.pem /srv/dev.pem\nCMD [\"ls\", \"/srv\"]\n",
		"package.json":  `{"name":"svc","version":"1.0.0","dependencies":{"is-number":"7.0.0"}}`,
		"certs/dev.pem": "-----BEGIN CERTIFICATE-----\n",
		".env":          "SECRET=s3cr3t\n",
	})
	res, err := Run(context.Background(), root, Options{Builder: buildx.New(""), NoRebuilds: true, BaseImages: baseimage.New("docker").Configs, Smoke: "ls /srv"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || res.Images[0].Status != Verified {
		t.Fatalf("%+v\n%+v", res.Images[0], res.Images[0].Comparison)
	}
	fixed := ""
	for _, f := range res.Files {
		if f.Path == "Dockerfile" {
			fixed = string(f.After)
		}
		if f.Path == ".dockerignore" && strings.Contains(string(f.After), "pem") {
			t.Errorf("the certificate a COPY --from carries was excluded:\n%s", f.After)
		}
	}
	if !strings.Contains(fixed, "--mount=type=cache,target=/home/app/.cache/npm,uid=1001,gid=1001") {
		t.Errorf("the npm cache mount should follow the base's user and env:\n%s", fixed)
	}
}

// TestVerifyExamples: the shipped examples' fixes verify — the Node gateway
// (an npm workspace member: every member's manifest first, npm cache mount,
// .dockerignore) and the Go orders service (manifests of it and of the
// module it replaces first, multi-stage split: the runtime base's files are
// the intended difference, the binary and the working directory are the
// same).
func TestVerifyExamples(t *testing.T) {
	testengine.Require(t)
	testengine.RequireExampleBaseImages(t)
	res, err := Run(context.Background(), filepath.Join("..", "examples"), Options{Builder: buildx.New(""), NoRebuilds: true, Images: []string{"gateway", "orders"},
		// LW111's runtime stage is applied on request only
		Rules: []string{"LW101", "LW102", "LW103", "LW104", "LW111", "LW112", "LW115", "LW117", "LW120", "LW122", "LW123", "LW124", "LW140"},
		Smoke: `node -e 'console.log(Object.keys(require("./package.json").dependencies ?? {}).map(d => { try { require.resolve(d); return d } catch { return "missing " + d } }).join())' 2>/dev/null || ls /src/orders`})
	if err != nil {
		t.Fatal(err)
	}
	pruned := rules.WithEffect(rules.EffectDevDependenciesPruned)
	for _, im := range res.Images {
		if im.Status != Verified {
			t.Errorf("%s: %s %s\n%+v", im.Image, im.Status, im.Reason, im.Comparison)
			continue
		}
		if im.Image != "gateway" {
			continue
		}
		// the development dependencies (typescript, @types/*) left the
		// runtime stage, and verify says which rule took them
		n := 0
		for _, g := range im.Comparison.Intended {
			if g.Rule == pruned && strings.Contains(g.Reason, "node_modules") {
				n += g.Count
			}
		}
		if n < 10 {
			t.Errorf("gateway: %d pruned paths attributed to %s: %+v", n, pruned, im.Comparison.Intended)
		}
	}
}
