package discover

import (
	"context"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/internal/testfs"
)

// TestPublishedNames: TeaStore's services build FROM
// descartesresearch/teastore-base:latest, which its workflow
// (docker/build-push-action's tags, the branch as the tag) and
// tools/build_docker.sh (${registry}teastore-base) build first.
func TestPublishedNames(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		".github/workflows/dev.yml": "jobs:\n  b:\n    steps:\n      - uses: docker/build-push-action@v5\n        with:\n          context: ./base\n          tags: descartesresearch/teastore-base:${{env.GIT_BRANCH}}\n          build-args: |\n            GIT_COMMIT=${{ github.sha }}\n" +
			"      - uses: docker/build-push-action@v5\n        with:\n          tags: |\n            ghcr.io/acme/web:${{ github.sha }}\n          push: true\n" +
			"      # - run: docker build -t commented/out .\n",
		"tools/build_docker.sh": "registry='descartesresearch/'\ndocker buildx build -t \"${registry}teastore-auth\" ../services/auth/ --load\ndocker build --tag=$REGISTRY/$NAME:1 --build-arg FROM=${FROM} .\n",
		"Makefile":              "build:\n\tdocker build -t acme/tool:$(VERSION) -f tool/Dockerfile .\n",
		"base/Dockerfile":       "FROM debian:12\n",
		"svc/Dockerfile":        "FROM descartesresearch/teastore-base:latest\n",
		"svc/Makefile":          "build:\n\tdocker build --build-arg AGENT_VERSION=$(AGENT_VERSION) -t svc .\n",
	}
	testfs.Write(t, root, files)
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"*/teastore-auth", "acme/tool", "descartesresearch/teastore-base", "ghcr.io/acme/web"}
	if !slices.Equal(disc.Published, want) {
		t.Errorf("published %q, want %q", disc.Published, want)
	}
	for _, im := range disc.Images {
		if !im.SuppliedArgs["FROM"] || !im.SuppliedArgs["GIT_COMMIT"] || im.SuppliedArgs["NAME"] {
			t.Errorf("%s: supplied args %v", im.Name, im.SuppliedArgs)
		}
		// the Makefile beside a Dockerfile passes its args to it alone
		if beside := im.Dockerfile == "svc/Dockerfile"; im.SuppliedArgs["AGENT_VERSION"] != beside {
			t.Errorf("%s: AGENT_VERSION supplied %v", im.Dockerfile, im.SuppliedArgs["AGENT_VERSION"])
		}
	}
	for ref, want := range map[string]bool{
		"descartesresearch/teastore-base:latest": true, "docker.io/descartesresearch/teastore-base": true,
		"other/teastore-auth:latest": true, "ghcr.io/acme/web": true, "acme/tool:2": true,
		"teastore-auth": false, "node:latest": false, "commented/out": false, "descartesresearch/teastore-db": false, "$BASE": false,
	} {
		if got := disc.Publishes(ref); got != want {
			t.Errorf("Publishes(%q) = %v, want %v", ref, got, want)
		}
	}
}

// TestUnreferenced: kuard's Dockerfile.nomultistage is named by nothing
// (its Makefile builds Dockerfile.build and Dockerfile.kuard): nothing
// builds it. A Dockerfile called Dockerfile is always taken as built, and
// one that a file beside it, a workflow or a devcontainer names is too.
func TestUnreferenced(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"Makefile":                        "build:\n\tdocker build -f Dockerfile.build .\n",
		"Dockerfile":                      "FROM alpine:3.20\n",
		"Dockerfile.build":                "FROM alpine:3.20\n",
		"Dockerfile.nomultistage":         "FROM alpine:3.20\n",
		"svc/api.Dockerfile":              "FROM alpine:3.20\n",
		"svc/README.md":                   "docker build -f api.Dockerfile .\n",
		"tools/dev/Dockerfile.dev":        "FROM alpine:3.20\n",
		".devcontainer/devcontainer.json": `{"build": {"dockerfile": "../tools/dev/Dockerfile.dev"}}`,
	}
	testfs.Write(t, root, files)
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, im := range disc.Images {
		got[im.Dockerfile] = im.Unreferenced
	}
	want := map[string]bool{"Dockerfile": false, "Dockerfile.build": false, "Dockerfile.nomultistage": true, "svc/api.Dockerfile": false, "tools/dev/Dockerfile.dev": false}
	for df, w := range want {
		if v, ok := got[df]; !ok || v != w {
			t.Errorf("%s: unreferenced %v (found %v), want %v", df, v, ok, w)
		}
	}
}

// TestCICacheAndLocalBuild: bitwarden's services are built only by a
// workflow with no cache-from/cache-to (CIUncached, no LocalBuild); a
// service a script also builds, or one compose declares, is built locally
// too; a workflow with a cache is not uncached.
func TestCICacheAndLocalBuild(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		".github/workflows/build.yml": "jobs:\n  build:\n    steps:\n      - uses: actions/checkout@v4\n      - name: Build\n        uses: docker/build-push-action@v6\n        with:\n          context: .\n          file: src/Api/Dockerfile\n" +
			"      - run: docker build -f src/Admin/Dockerfile .\n      - run: docker build -f src/Sso/Dockerfile .\n",
		".github/workflows/cached.yml": "jobs:\n  b:\n    steps:\n      - run: docker buildx build --cache-from type=gha --cache-to type=gha,mode=max -f src/Events/Dockerfile .\n",
		"src/Api/Dockerfile":           "FROM alpine:3.20\n",
		"src/Admin/Dockerfile":         "FROM alpine:3.20\n",
		"src/Events/Dockerfile":        "FROM alpine:3.20\n",
		"src/Sso/Dockerfile":           "FROM alpine:3.20\n",
		"dev/build.sh":                 "docker build -t admin -f src/Admin/Dockerfile .\n",
		// a script beside it that only tests and copies files builds nothing
		"src/Api/entrypoint.sh": "if [ -f /etc/app/krb5.conf ]; then cp -f /etc/app/krb5.conf /etc/krb5.conf; fi\n",
		"src/Sso/README.md":     "Build it:\n\n    docker build -t sso .\n",
	}
	testfs.Write(t, root, files)
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		ci       string
		line     int
		uncached bool
		local    bool
	}
	wants := map[string]want{
		"src/Api/Dockerfile":    {".github/workflows/build.yml", 6, true, false},
		"src/Sso/Dockerfile":    {".github/workflows/build.yml", 6, true, true},
		"src/Admin/Dockerfile":  {".github/workflows/build.yml", 6, true, true},
		"src/Events/Dockerfile": {".github/workflows/cached.yml", 4, false, false},
	}
	for _, im := range disc.Images {
		w, ok := wants[im.Dockerfile]
		if !ok {
			continue
		}
		if im.CI != w.ci || im.CILine != w.line || im.CIUncached != w.uncached || im.LocalBuild != w.local {
			t.Errorf("%s: ci %q line %d uncached %v local %v, want %+v", im.Dockerfile, im.CI, im.CILine, im.CIUncached, im.LocalBuild, w)
		}
	}
}

// TestBuiltOnce: review 18's samples. A tutorial whose only build line is
// its README's (knative's `docker buildx build -t "{username}/x" --push .`)
// is built once by each reader; the same directory with a compose file
// that builds it, or a script, is rebuilt per change. Among five or more
// sample Dockerfiles one that nothing builds (dapr's samples, run on the
// host with `dapr run`) is built by hand once; in a repository of two it
// may be a service some hosted builder picks up by name.
func TestBuiltOnce(t *testing.T) {
	files := map[string]string{
		"code-samples/hello/Dockerfile":     "FROM golang:1.22\n",
		"code-samples/hello/README.md":      "Build it:\n\n    docker buildx build --platform linux/arm64,linux/amd64 -t \"{username}/hello\" --push .\n",
		"code-samples/compose/Dockerfile":   "FROM node:20\n",
		"code-samples/compose/README.md":    "    docker build -t x .\n",
		"code-samples/compose/compose.yaml": "services:\n  web:\n    build: .\n",
		"code-samples/script/Dockerfile":    "FROM node:20\n",
		"code-samples/script/build.sh":      "docker build -t x .\n",
		"code-samples/none/Dockerfile":      "FROM python:3.12\n",
		"code-samples/none/README.md":       "Run it: `dapr run --app-id x python3 app.py`\n",
		"code-samples/other/Dockerfile":     "FROM python:3.12\n",
		"code-samples/more/Dockerfile":      "FROM python:3.12\n",
		"Dockerfile":                        "FROM alpine:3.20\n",
		// a tutorial a workflow also builds, on hosted runners without a cache
		"code-samples/ci/Dockerfile":    "FROM node:20\n",
		"code-samples/ci/README.md":     "    docker build -t frontend .\n",
		".github/workflows/images.yaml": "jobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: code-samples/ci\n          push: true\n",
		// the site's own image, built by a script through its own
		// directory: it names hack/docker/Dockerfile, not every sample
		"hack/docker/Dockerfile": "FROM nginx:1.27\n",
		// a sample's Makefile builds its own apps through a variable:
		// those, not the other samples, may be built by it
		"code-samples/loop/makefile":       "DOCKER:=docker\ndefine gen\n\t$(DOCKER) build -f $(1)/Dockerfile $(1)/. -t registry.example.com/x-$(1)\nendef\n",
		"code-samples/loop/app/Dockerfile": "FROM node:20\n",
		"hack/docker/build-image.sh":       "#!/bin/sh\nSCRIPT_DIR=$(cd $(dirname \"$0\"); pwd -P)\ndocker buildx build -t \"ghcr.io/x/docs:latest\" --push -f $SCRIPT_DIR/Dockerfile $SCRIPT_DIR/../..\n",
	}
	wants := map[string]string{
		"code-samples/hello/Dockerfile":    "only code-samples/hello/README.md builds this image",
		"code-samples/compose/Dockerfile":  "",
		"code-samples/script/Dockerfile":   "",
		"code-samples/none/Dockerfile":     "nothing in the repository builds this image (one of its 8 Dockerfiles below the root)",
		"code-samples/loop/app/Dockerfile": "",
		"hack/docker/Dockerfile":           "",
		"Dockerfile":                       "", // the root's: nothing names it, but it is no sample
		"code-samples/ci/Dockerfile":       "only code-samples/ci/README.md (a build each reader runs once) and .github/workflows/images.yaml",
	}
	check := func(files map[string]string, wants map[string]string) {
		t.Helper()
		root := t.TempDir()
		testfs.Write(t, root, files)
		disc, err := Discover(context.Background(), root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range disc.Images {
			w, ok := wants[im.Dockerfile]
			if !ok {
				continue
			}
			if (w == "") != (im.BuiltOnce == "") || !strings.HasPrefix(im.BuiltOnce, w) {
				t.Errorf("%s: built once %q, want %q", im.Dockerfile, im.BuiltOnce, w)
			}
			delete(wants, im.Dockerfile)
		}
		if len(wants) > 0 {
			t.Errorf("not discovered: %v", wants)
		}
	}
	check(files, wants)
	// two samples: the one nothing builds may be a hosted builder's
	delete(files, "code-samples/compose/Dockerfile")
	delete(files, "code-samples/script/Dockerfile")
	delete(files, "code-samples/other/Dockerfile")
	delete(files, "code-samples/more/Dockerfile")
	delete(files, "code-samples/loop/app/Dockerfile")
	delete(files, "hack/docker/Dockerfile")
	check(files, map[string]string{"code-samples/none/Dockerfile": "", "code-samples/hello/Dockerfile": "only code-samples/hello/README.md"})
}

// TestMentionsStayLinear: a word longer than maxToken is no path a build
// names: it adds no tokens (its directories would cost its length
// squared: a 1 MiB README of a/a/a/... took minutes); a Dockerfile name
// built from a variable names every Dockerfile; GitLab's runner tags and
// a workflow's tag patterns are no image names; a workflow whose only
// build is commented out builds nothing; a self-hosted runner may keep its
// cache.
func TestMentionsStayLinear(t *testing.T) {
	long := strings.Repeat("a/", 5000) + "Dockerfile.dev"
	root := t.TempDir()
	files := map[string]string{
		"README.md":                    long + "\n",
		"app/Dockerfile.dev":           "FROM alpine:3.20\n",
		"web/Dockerfile.prod":          "FROM alpine:3.20\n",
		".gitlab-ci.yml":               "build:\n  tags: [docker, node]\n  script:\n    - docker build -t registry.example.com/app .\n",
		".github/workflows/old.yml":    "on:\n  push:\n    tags:\n      - 'v*'\njobs:\n  b:\n    steps:\n      # - run: docker build -f web/Dockerfile.prod .\n      - run: echo\n",
		".github/workflows/runner.yml": "jobs:\n  b:\n    runs-on: self-hosted\n    steps:\n      - run: docker build -f app/Dockerfile.dev .\n",
	}
	testfs.Write(t, root, files)
	c := newBuildConfigs(root)
	tk := c.tokens(filepath.Join(root, "README.md"))
	if tk == nil || len(tk.all) != 0 {
		t.Errorf("a %d-byte word gave %d tokens", len(long), len(tk.all))
	}
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(disc.Published, "docker") || slices.Contains(disc.Published, "node") || !slices.Contains(disc.Published, "registry.example.com/app") {
		t.Errorf("published %q", disc.Published)
	}
	for _, im := range disc.Images {
		switch im.Dockerfile {
		case "web/Dockerfile.prod":
			if im.CI != "" || !im.Unreferenced {
				t.Errorf("commented-out build: CI %q, unreferenced %v", im.CI, im.Unreferenced)
			}
		case "app/Dockerfile.dev":
			if im.CI != ".github/workflows/runner.yml" || im.CIUncached {
				t.Errorf("self-hosted: CI %q, uncached %v", im.CI, im.CIUncached)
			}
		}
	}
	// docker build -f docker/Dockerfile.$(ENV): any Dockerfile may be it
	testfs.Write(t, root, map[string]string{"Makefile": "image:\n\tdocker build -f web/Dockerfile.$(ENV) .\n"})
	disc, err = Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range disc.Images {
		if im.Unreferenced {
			t.Errorf("%s unreferenced although a Makefile builds Dockerfile.$(ENV)", im.Dockerfile)
		}
	}
}

// TestUnreferencedBesideLargeFiles: a root package-lock.json or a binary
// over the read cap names no build, so Dockerfiles nothing names stay
// unreferenced beside them; a large text file that could name one (a
// README) leaves every mention unknown, and nothing is unreferenced.
func TestUnreferencedBesideLargeFiles(t *testing.T) {
	big := strings.Repeat("x", 2<<20)
	for _, tc := range []struct {
		name, file, content string
		want                bool
	}{
		{"lock file", "package-lock.json", "{\"a\": \"" + big + "\"}", true},
		{"binary", "tool", "\x7fELF\x00" + big, true},
		{"change log", "CHANGELOG.md", big, true},
		{"large README", "README.md", big, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			testfs.Write(t, root, map[string]string{
				"Dockerfile":              "FROM alpine:3.20\n",
				"Dockerfile.nomultistage": "FROM alpine:3.20\n",
				tc.file:                   tc.content,
			})
			disc, err := Discover(context.Background(), root, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, im := range disc.Images {
				if im.Dockerfile == "Dockerfile.nomultistage" && im.Unreferenced != tc.want {
					t.Errorf("beside %s: unreferenced %v, want %v", tc.file, im.Unreferenced, tc.want)
				}
			}
		})
	}
}

// TestCIPublishesAndPerRunArgs: AppFlowy's web workflow pushes and passes
// VERSION from its dispatch input (a value per run); a sample's check
// workflow runs a plain docker build and pushes nothing; a matrix entry or
// a secret is no per-run value.
func TestCIPublishesAndPerRunArgs(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		".github/workflows/web.yml": "on: workflow_dispatch\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: docker/setup-buildx-action@v3\n      - uses: docker/build-push-action@v6\n        with:\n          context: web\n          build-args: VERSION=${{ github.event.inputs.version }}\n          push: true\n" +
			"      - uses: docker/build-push-action@v6\n        with:\n          context: api\n          build-args: |\n            GO_VERSION=${{ matrix.go }}\n            TOKEN=${{ secrets.TOKEN }}\n            SHA=${{ github.sha }}\n          tags: registry.example.com/api:latest\n",
		".github/workflows/sample.yml": "on:\n  pull_request:\n    paths: ['sample/**']\njobs:\n  job:\n    runs-on: ubuntu-22.04\n    steps:\n      - run: |\n          cd sample\n          docker build --build-arg STAGE=prod --build-arg REV=$(git rev-parse HEAD) --tag sample .\n",
		"web/Dockerfile":               "FROM alpine:3.20\n",
		"api/Dockerfile":               "FROM alpine:3.20\n",
		"sample/Dockerfile":            "FROM alpine:3.20\n",
	})
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	byDir := map[string]*Image{}
	for _, im := range disc.Images {
		byDir[path.Dir(filepath.ToSlash(im.Dockerfile))] = im
	}
	web, sample := byDir["web"], byDir["sample"]
	if web == nil || sample == nil {
		t.Fatalf("images: %v", byDir)
	}
	if !web.CIPublishes || web.CIPlainDocker || !slices.Equal(web.CIPerRunArgs, []string{"VERSION", "SHA"}) {
		t.Errorf("web: publishes %v, plain %v, per-run %v", web.CIPublishes, web.CIPlainDocker, web.CIPerRunArgs)
	}
	if sample.CI == "" || sample.CIPublishes || !sample.CIPlainDocker || !slices.Equal(sample.CIPerRunArgs, []string{"REV"}) {
		t.Errorf("sample: CI %q, publishes %v, plain %v, per-run %v", sample.CI, sample.CIPublishes, sample.CIPlainDocker, sample.CIPerRunArgs)
	}
}

// TestRootDockerfileBuiltOnlyByCI: the root's Dockerfile that only a
// workflow builds is not taken as built locally (gogs, vikunja: review 15);
// a README at the root with a build line builds it.
func TestRootDockerfileBuiltOnlyByCI(t *testing.T) {
	files := map[string]string{
		".github/workflows/docker.yml": "jobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          push: true\n          tags: registry.example.com/app:latest\n",
		"Dockerfile":                   "FROM alpine:3.20\n",
		"README.md":                    "# app\n\nRun it with `docker run registry.example.com/app`.\n",
		// no build lines: a Go snippet's "context:" (vikunja's)
		"CONTRIBUTING.md": "- Wrap errors with `fmt.Errorf(\"context: %w\", err)`\n",
		// an installer of the Docker packages (pds's installer.sh)
		"installer.sh": "apt-get install -y docker-ce docker-ce-cli docker-compose-plugin\nExecStart=/usr/bin/docker compose --file /pds/compose.yaml up --detach\n",
	}
	for _, tc := range []struct {
		readme, script string
		want           bool
	}{
		{"# app\n\nRun it with `docker run registry.example.com/app`.\n", "", false},
		{"# app\n\n    docker build -t app .\n", "", true},
		// a script that builds it is a local build too
		{"# app\n", "docker build -f Dockerfile -t app .\n", true},
	} {
		files["README.md"] = tc.readme
		delete(files, "scripts/build.sh")
		if tc.script != "" {
			files["scripts/build.sh"] = tc.script
		}
		root := t.TempDir()
		testfs.Write(t, root, files)
		disc, err := Discover(context.Background(), root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(disc.Images) != 1 || disc.Images[0].CI == "" || !disc.Images[0].CIFresh || disc.Images[0].LocalBuild != tc.want {
			t.Errorf("README %q: %+v, want local build %v", tc.readme, disc.Images[0], tc.want)
		}
	}
}

// TestCIActionReferencesNameNoDirectory: lago's processors workflow uses
// docker/build-push-action@v6 on ./events-processor: it does not build
// docker/Dockerfile (the action's owner is no directory); a workflow on
// build-push-action@v1 builds with the classic builder: no cache mounts
// for what it builds (the sock shop's front-end).
func TestCIActionReferencesNameNoDirectory(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		".github/workflows/processors.yml": "jobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/login-action@v3\n      - uses: docker/build-push-action@v6\n        with:\n          context: ./events-processor\n          push: true\n",
		".github/workflows/front.yml":      "jobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Test image\n        env:\n          DOCKER_BUILDKIT: 1\n        run: make test\n      - uses: docker/build-push-action@v1\n        with:\n          path: front\n          repository: org/front\n",
		"docker/Dockerfile":                "FROM alpine:3.20\n",
		"events-processor/Dockerfile":      "FROM alpine:3.20\n",
		"front/Dockerfile":                 "FROM alpine:3.20\n",
	})
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range disc.Images {
		switch filepath.ToSlash(im.Dockerfile) {
		case "docker/Dockerfile":
			if im.CI != "" {
				t.Errorf("docker/Dockerfile attributed to %s", im.CI)
			}
		case "events-processor/Dockerfile":
			if im.CI != ".github/workflows/processors.yml" || im.NoMounts != "" {
				t.Errorf("events-processor: CI %q, no mounts %q", im.CI, im.NoMounts)
			}
		case "front/Dockerfile":
			if im.CI != ".github/workflows/front.yml" || !strings.Contains(im.NoMounts, "build-push-action@v1") {
				t.Errorf("front: CI %q, no mounts %q", im.CI, im.NoMounts)
			}
		}
	}
}

// TestClassicActionStep: build-push-action@v1 builds with the classic
// builder unless its own step sets DOCKER_BUILDKIT.
func TestClassicActionStep(t *testing.T) {
	for text, want := range map[string]bool{
		"steps:\n  - uses: docker/build-push-action@v1\n    with:\n      push: false\n":                           true,
		"steps:\n  - uses: docker/build-push-action@v1\n    env:\n      DOCKER_BUILDKIT: 1\n  - run: make\n":      false,
		"steps:\n  - env:\n      DOCKER_BUILDKIT: 1\n    run: make test\n  - uses: docker/build-push-action@v1\n": true,
		"steps:\n  - uses: docker/build-push-action@v6\n":                                                         false,
	} {
		if got := classicActionStep([]byte(text)); got != want {
			t.Errorf("%q: %v, want %v", text, got, want)
		}
	}
}

// TestCIRunsBuildScript: esphome's ci-docker.yml runs docker/build.py,
// which calls docker buildx build on docker/Dockerfile: that workflow
// builds it (on fresh runners); a workflow running a script that builds
// nothing does not.
func TestCIRunsBuildScript(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   bool
	}{
		{"import subprocess\ncmd = [\n    \"docker\",\n    \"buildx\",\n    \"build\",\n    \"--file\",\n    \"docker/Dockerfile\",\n]\n", true},
		{"print('lint only')\n", false},
	} {
		root := t.TempDir()
		testfs.Write(t, root, map[string]string{
			".github/workflows/ci-docker.yml": "jobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/setup-buildx-action@v3\n      - name: Run build\n        run: |\n          docker/build.py \\\n            --arch amd64 build\n",
			"docker/build.py":                 tc.script,
			"docker/Dockerfile":               "FROM alpine:3.20\n",
		})
		disc, err := Discover(context.Background(), root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		im := disc.Images[0]
		if got := im.CI != "" && im.CIFresh && im.CILine == 8; got != tc.want {
			t.Errorf("script %q: CI %q fresh %v line %d, want built %v", tc.script, im.CI, im.CIFresh, im.CILine, tc.want)
		}
	}
}

// TestClassicActionStepEnv: DOCKER_BUILDKIT set in the step before its
// uses:, or in the workflow's env, makes build-push-action@v1 use BuildKit.
func TestClassicActionStepEnv(t *testing.T) {
	for _, text := range []string{
		"steps:\n  - name: Build\n    env:\n      DOCKER_BUILDKIT: 1\n    uses: docker/build-push-action@v1\n",
		"env:\n  DOCKER_BUILDKIT: 1\njobs:\n  b:\n    steps:\n      - uses: docker/build-push-action@v1\n",
	} {
		if classicActionStep([]byte(text)) {
			t.Errorf("%q: classic", text)
		}
	}
}

// TestCloudCodeSampleGetsNoMounts: a Cloud Code sample has no
// skaffold.yaml but an editor task that runs skaffold, whose default local
// builder is the classic one (review 18); the same directory without the
// task, or with its own skaffold.yaml (read as skaffold's), is not.
func TestCloudCodeSampleGetsNoMounts(t *testing.T) {
	files := map[string]string{
		"golang/hello/Dockerfile":         "FROM golang:1.22\n",
		"golang/hello/.vscode/tasks.json": `{"tasks": [{"label": "Build", "type": "process", "command": "skaffold", "args": ["build"]}]}`,
		"golang/plain/Dockerfile":         "FROM golang:1.22\n",
		"golang/plain/.vscode/tasks.json": `{"tasks": [{"label": "Build", "command": "go", "args": ["build"]}]}`,
		// its own skaffold.yaml says how skaffold builds: BuildKit here
		"golang/sk/Dockerfile":         "FROM golang:1.22\n",
		"golang/sk/.vscode/tasks.json": `{"tasks": [{"label": "Build", "command": "skaffold", "args": ["build"]}]}`,
		"golang/sk/skaffold.yaml":      "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n    - image: sk\n  local:\n    useBuildkit: true\n",
		// review 27: the Cloud Run samples ask the editors for Cloud Code
		// and carry no task
		"nodejs/run/Dockerfile":                   "FROM node:20\n",
		"nodejs/run/.vscode/extensions.json":      `{"recommendations": ["googlecloudtools.cloudcode"]}`,
		"java/run/Dockerfile":                     "FROM maven:3\n",
		"java/run/.idea/externalDependencies.xml": `<project version="4"><component name="ExternalDependencies"><plugin id="com.google.gct.core" /></component></project>`,
		"nodejs/other/Dockerfile":                 "FROM node:20\n",
		"nodejs/other/.vscode/extensions.json":    `{"recommendations": ["dbaeumer.vscode-eslint"]}`,
	}
	root := t.TempDir()
	testfs.Write(t, root, files)
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range disc.Images {
		want := im.Dockerfile == "golang/hello/Dockerfile" || im.Dockerfile == "nodejs/run/Dockerfile" || im.Dockerfile == "java/run/Dockerfile"
		if got := strings.Contains(im.NoMounts, "Cloud Code"); got != want {
			t.Errorf("%s: no mounts %q", im.Dockerfile, im.NoMounts)
		}
	}
}

// TestDynamicDockerfileNamesItsShape: a Makefile loop over
// storefront-versions/$$container/Dockerfile builds those Dockerfiles
// locally, not every Dockerfile of the repository (review 19).
func TestDynamicDockerfileNamesItsShape(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"Makefile":                         "build:\n\tfor container in a b; do docker build -f storefront-versions/$$container/Dockerfile . ; done\n",
		"storefront-versions/a/Dockerfile": "FROM alpine:3.20\n",
		"services/api/Dockerfile":          "FROM alpine:3.20\n",
		"services/api/README.md":           "An API.\n",
	})
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range disc.Images {
		want := im.Dockerfile == "storefront-versions/a/Dockerfile"
		if im.LocalBuild != want {
			t.Errorf("%s: local build %v", im.Dockerfile, im.LocalBuild)
		}
	}
}

// TestLoadedComposeNamesItsOwnDockerfiles: a compose file that loads says
// which Dockerfiles it builds; its `dockerfile: Dockerfile.dev` under the
// api's context leaves the other apps' Dockerfile.dev unreferenced (review
// 21: plane). One that does not load still counts by its words.
func TestLoadedComposeNamesItsOwnDockerfiles(t *testing.T) {
	files := map[string]string{
		"docker-compose-local.yml": "services:\n  api:\n    build:\n      context: ./apps/api\n      dockerfile: Dockerfile.dev\n",
		"apps/api/Dockerfile.dev":  "FROM python:3.12\n",
		"apps/web/Dockerfile.dev":  "FROM node:22\n",
	}
	check := func(want bool) {
		t.Helper()
		root := t.TempDir()
		testfs.Write(t, root, files)
		disc, _ := Discover(context.Background(), root, Options{})
		found := false
		for _, im := range disc.Images {
			if im.Dockerfile == "apps/web/Dockerfile.dev" {
				found = true
				if im.Unreferenced != want {
					t.Errorf("apps/web/Dockerfile.dev: unreferenced %v, want %v", im.Unreferenced, want)
				}
			}
		}
		if !found {
			t.Error("apps/web/Dockerfile.dev not discovered")
		}
	}
	check(true)
	// a variable it requires and nothing sets: read with a stand-in
	// (review 27), it still names only its own Dockerfiles
	files["docker-compose-local.yml"] = "services:\n  api:\n    image: ${REQUIRED:?set it}\n    build:\n      context: ./apps/api\n      dockerfile: Dockerfile.dev\n"
	check(true)
	// a volume it does not declare (another file of the project does):
	// loaded without the check of what its services refer to
	files["docker-compose-local.yml"] = "services:\n  api:\n    volumes:\n      - data:/x\n    build:\n      context: ./apps/api\n      dockerfile: Dockerfile.dev\n"
	check(true)
	// a compose file that does not load (a port that is no port) is read
	// by its words: it may build any Dockerfile.dev
	files["docker-compose-local.yml"] = "services:\n  api:\n    ports:\n      - {published: [1]}\n    build:\n      context: ./apps/api\n      dockerfile: Dockerfile.dev\n"
	check(false)
}

// TestKnownVariables: a variable the file fixes itself (its own
// directory, a literal path, assigned once) is written in; a loop's, one
// assigned from a command or twice differently stays; whole names only.
func TestKnownVariables(t *testing.T) {
	for in, want := range map[string]string{
		"D=$(cd $(dirname \"$0\"); pwd -P)\ndocker build -f $D/Dockerfile $D/../..\n": "D=$(cd $(dirname \"$0\"); pwd -P)\ndocker build -f ./Dockerfile ./../..\n",
		"HERE=\"$(dirname \"${BASH_SOURCE[0]}\")\"\ndocker build ${HERE}\n":           "HERE=\"$(dirname \"${BASH_SOURCE[0]}\")\"\ndocker build .\n",
		"DIR := $(CURDIR)\nbuild:\n\tdocker build -f $(DIR)/api/Dockerfile .\n":       "DIR := $(CURDIR)\nbuild:\n\tdocker build -f ./api/Dockerfile .\n",
		"export DF=docker/Dockerfile.prod\ndocker build -f $DF .\n":                   "export DF=docker/Dockerfile.prod\ndocker build -f docker/Dockerfile.prod .\n",
		"for svc in a b; do docker build -f $svc/Dockerfile .; done\n":                "for svc in a b; do docker build -f $svc/Dockerfile .; done\n",
		"V=$(git rev-parse HEAD)\ndocker build -f $V/Dockerfile .\n":                  "V=$(git rev-parse HEAD)\ndocker build -f $V/Dockerfile .\n",
		"D=a\nD=b\ndocker build -f $D/Dockerfile .\n":                                 "D=a\nD=b\ndocker build -f $D/Dockerfile .\n",
		"D=a\ndocker build -f $D_2/Dockerfile $D .\n":                                 "D=a\ndocker build -f $D_2/Dockerfile a .\n",
		// a command built from known values, plain references left in it
		"B=$(C) build --no-cache --network=$(NET)\nC=$(shell which docker)\n\t$(B) -f x/Dockerfile .\n": "B=docker build --no-cache --network=$(NET)\nC=$(shell which docker)\n\tdocker build --no-cache --network=$(NET) -f x/Dockerfile .\n",
		"A=$(git rev-parse HEAD)-$(V)\nV=1\ndocker build -t x:$A .\n":                                   "A=$(git rev-parse HEAD)-1\nV=1\ndocker build -t x:$A .\n",
	} {
		if got := string(knownVariables([]byte(in))); got != want {
			t.Errorf("knownVariables(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestComposeShortBuildOfAnyFileName: a compose file of another name
// (docker-compose-local.yml, which `make local-start` runs with up
// --build) builds `build: ./ads-service` locally; package.json's "build"
// script names no directory built (review 19).
func TestComposeShortBuildOfAnyFileName(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"docker-compose-local.yml": "services:\n  ads:\n    build: ./ads-service\n",
		"ads-service/Dockerfile":   "FROM python:3.12\n",
		"web/Dockerfile":           "FROM node:20\n",
		"package.json":             `{"scripts": {"build": "tsc -p web"}}`,
	})
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range disc.Images {
		if want := im.Dockerfile == "ads-service/Dockerfile"; im.LocalBuild != want {
			t.Errorf("%s: local build %v", im.Dockerfile, im.LocalBuild)
		}
	}
}

// TestTriggerPathsBuildNothing: a workflow's trigger filter names a
// directory it does not build (review 19: advertisements-errors.yml runs
// on changes to ads-service-fixed/** and builds ads-service-errors).
func TestTriggerPathsBuildNothing(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		".github/workflows/errors.yml":  "on:\n  push:\n    paths:\n      - 'ads-service-fixed/**'\n      - 'ads-service-errors/**'\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: ./ads-service-errors\n          push: true\n",
		"ads-service-fixed/Dockerfile":  "FROM python:3.12\n",
		"ads-service-errors/Dockerfile": "FROM python:3.12\n",
	})
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range disc.Images {
		want := ""
		if im.Dockerfile == "ads-service-errors/Dockerfile" {
			want = ".github/workflows/errors.yml"
		}
		if im.CI != want {
			t.Errorf("%s: CI %q, want %q", im.Dockerfile, im.CI, want)
		}
	}
}

// TestVariableBuildLoopKeepsSamplesBuilt: a Makefile loop that builds a
// directory named by a variable (`docker build $$svc`) may build any
// service, so none is taken as a sample nothing builds (review); a path
// written relative to the file (`../docker/Dockerfile.$ENV`) names
// Dockerfiles of its tail's shape.
func TestVariableBuildLoopKeepsSamplesBuilt(t *testing.T) {
	files := map[string]string{"Makefile": "images:\n\tfor svc in a b c d e; do docker build -t x/$$svc $$svc; done\n"}
	for _, d := range []string{"a", "b", "c", "d", "e"} {
		files[d+"/Dockerfile"] = "FROM alpine:3.20\n"
	}
	root := t.TempDir()
	testfs.Write(t, root, files)
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(disc.Images) != 5 {
		t.Fatalf("images: %d", len(disc.Images))
	}
	for _, im := range disc.Images {
		if im.BuiltOnce != "" {
			t.Errorf("%s: built once %q", im.Dockerfile, im.BuiltOnce)
		}
	}
	root = t.TempDir()
	testfs.Write(t, root, map[string]string{
		"scripts/build.sh":      "docker build -f ../docker/Dockerfile.$ENV ..\n",
		"docker/Dockerfile.dev": "FROM alpine:3.20\n",
		"other/Dockerfile.old":  "FROM alpine:3.20\n",
	})
	if disc, err = Discover(context.Background(), root, Options{}); err != nil {
		t.Fatal(err)
	}
	if len(disc.Images) != 2 {
		t.Fatalf("images: %d", len(disc.Images))
	}
	for _, im := range disc.Images {
		if want := im.Dockerfile == "other/Dockerfile.old"; im.Unreferenced != want {
			t.Errorf("%s: unreferenced %v", im.Dockerfile, im.Unreferenced)
		}
	}
}

// TestNoCacheOnly: review 18 (harbor): a Makefile whose build command is
// `$(DOCKERCMD) build --no-cache` builds its images without their layer
// cache; a build line of another file without --no-cache, or one in the
// same file naming the image, keeps it cached.
func TestNoCacheOnly(t *testing.T) {
	mk := "DOCKERCMD=$(shell which docker)\nDOCKERBUILD=$(DOCKERCMD) build --no-cache --network=$(NET)\nEXPORTER=exporter\n\nexporter:\n\t$(DOCKERBUILD) -f make/photon/$(EXPORTER)/Dockerfile -t x/exporter .\n\ncore:\n\t$(DOCKERCMD) build -f make/photon/core/Dockerfile -t x/core .\n"
	files := map[string]string{
		"Makefile":                          mk,
		"make/photon/exporter/Dockerfile":   "FROM golang:1.22\n",
		"make/photon/core/Dockerfile":       "FROM golang:1.22\n",
		"make/photon/jobservice/Dockerfile": "FROM golang:1.22\n",
	}
	want := map[string]string{"make/photon/exporter/Dockerfile": "Makefile", "make/photon/core/Dockerfile": ""}
	check := func() {
		t.Helper()
		root := t.TempDir()
		testfs.Write(t, root, files)
		disc, err := Discover(context.Background(), root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range disc.Images {
			if w, ok := want[im.Dockerfile]; ok && im.NoLayerCache != w {
				t.Errorf("%s: no layer cache %q, want %q", im.Dockerfile, im.NoLayerCache, w)
			}
		}
	}
	check()
	// a README that builds it with its cache too
	files["make/photon/exporter/README.md"] = "    docker build -f make/photon/exporter/Dockerfile .\n"
	want["make/photon/exporter/Dockerfile"] = ""
	check()
}

// TestCIRefresh: a workflow whose triggers are a cron schedule, besides at
// most pushes limited to some paths, is a scheduled refresh (review 22:
// wger); one that also builds every push is not.
func TestCIRefresh(t *testing.T) {
	wf := func(on string) string {
		return "on:\n" + on + "jobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: base\n          push: true\n"
	}
	for on, want := range map[string]bool{
		"  schedule:\n    - cron: '0 5 1 * *'\n":                                                 true,
		"  push:\n    paths:\n      - 'base/Dockerfile'\n  schedule:\n    - cron: '0 5 1 * *'\n": true,
		"  push:\n    branches: [main]\n  schedule:\n    - cron: '0 5 1 * *'\n":                  false,
		"  push:\n    branches: [main]\n":                                                        false,
	} {
		root := t.TempDir()
		testfs.Write(t, root, map[string]string{"base/Dockerfile": "FROM debian:12\n", ".github/workflows/base.yml": wf(on)})
		disc, err := Discover(context.Background(), root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range disc.Images {
			if im.Dockerfile == "base/Dockerfile" && (im.CI == "" || im.CIRefresh != want) {
				t.Errorf("%q: ci %q refresh %v, want %v", on, im.CI, im.CIRefresh, want)
			}
		}
	}
}

// TestCIOnDemand: a build job gated by the commit message's text
// (review 24: microservices-design-patterns) builds on demand only.
func TestCIOnDemand(t *testing.T) {
	for gate, want := range map[string]bool{
		"    if: contains(toJson(github), 'build dotnet-service')\n":                  true,
		"    if: \"contains(github.event.head_commit.message, '[build]')\"\n":         true,
		"    if: github.ref == 'refs/heads/main'\n":                                   false,
		"    if: \"!contains(github.event.head_commit.message, '[skip ci]')\"\n":      false,
		"    if: ${{ contains(github.event.head_commit.message, 'build api') }}\n":    true,
		"    if: ${{ !contains(github.event.pull_request.labels.*.name, 'skip') }}\n": false,
	} {
		root := t.TempDir()
		testfs.Write(t, root, map[string]string{"svc/Dockerfile": "FROM debian:12\n",
			".github/workflows/svc.yml": "on: [push]\njobs:\n  b:\n" + gate + "    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: svc\n          push: true\n"})
		disc, err := Discover(context.Background(), root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range disc.Images {
			if im.CI == "" || im.CIOnDemand != want {
				t.Errorf("%q: ci %q on demand %v, want %v", gate, im.CI, im.CIOnDemand, want)
			}
		}
	}
}

// TestRemoteImageWorkflow: a job calling another repository's reusable
// workflow named for images (shlink's docker-publish-image.yml: review 23)
// builds the root Dockerfile on hosted runners; whether it keeps a layer
// cache is not known here. A called workflow of the same repository, or
// one named for something else, builds nothing that is known.
func TestRemoteImageWorkflow(t *testing.T) {
	for _, tc := range []struct {
		uses  string
		built bool
	}{
		{"shlinkio/github-actions/.github/workflows/docker-publish-image.yml@main", true},
		{"org/shared/.github/workflows/build-image.yaml@v2", true},
		{"org/shared/.github/workflows/build.yml@v2", false}, // binaries, perhaps
		{"./.github/workflows/docker-publish-image.yml", false},
		{"org/shared/.github/workflows/lint.yml@v1", false},
	} {
		root := t.TempDir()
		testfs.Write(t, root, map[string]string{
			".github/workflows/publish.yml": "on:\n  push:\n    tags: ['v*']\njobs:\n  build-image:\n    uses: " + tc.uses + "\n    with:\n      image-name: org/app\n",
			"Dockerfile":                    "FROM alpine:3.20\n",
		})
		disc, err := Discover(context.Background(), root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		im := disc.Images[0]
		if got := im.CI != "" && im.CIFresh && !im.CIUncached; got != tc.built {
			t.Errorf("%s: CI %q fresh %v uncached %v, want built %v", tc.uses, im.CI, im.CIFresh, im.CIUncached, tc.built)
		}
	}
}

// TestWorkflowPathsIgnoreNamesNoBuild: the Dockerfiles a workflow's
// paths-ignore lists are the ones it does not build (review 25: coolify);
// its build step's own context is.
func TestWorkflowPathsIgnoreNamesNoBuild(t *testing.T) {
	for _, list := range []string{
		"    paths-ignore:\n      - docker/realtime/Dockerfile\n      - docker/testing-host/Dockerfile\n",
		"    paths-ignore:\n    - docker/realtime/Dockerfile\n    - docker/testing-host/Dockerfile\n",
	} {
		root := t.TempDir()
		testfs.Write(t, root, map[string]string{
			"docker/production/Dockerfile":   "FROM debian:12\n",
			"docker/realtime/Dockerfile":     "FROM debian:12\n",
			"docker/testing-host/Dockerfile": "FROM debian:12\n",
			".github/workflows/build.yml":    "on:\n  push:\n" + list + "jobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          file: docker/production/Dockerfile\n          push: true\n",
		})
		disc, err := Discover(context.Background(), root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range disc.Images {
			if want := im.Dockerfile == "docker/production/Dockerfile"; (im.CI != "") != want {
				t.Errorf("%q: %s: CI %q", list, im.Dockerfile, im.CI)
			}
		}
	}
}

// TestPrefixedDirImages: review 28 (bank-of-sirius): a Makefile recipe
// tags each base-images/DIR as "$(IMAGE_NAME_PREFIX)DIR" through a
// variable (`$(DOCKER_BUILD) --tag "$${SHORTNAME}"`), and the services
// build FROM bos-python: the repository's own image. A bare official name,
// or a prefix on a directory that holds no Dockerfile, is not; nor is any
// name where nothing tags from a variable.
func TestPrefixedDirImages(t *testing.T) {
	files := map[string]string{
		"build/docker.mk":               "docker-image-build/%:\n\t$(DOCKER_BUILD) --tag \"$${SHORTNAME}\" .\n",
		"base-images/python/Dockerfile": "FROM python:3.12-slim\n",
		"src/app/Dockerfile":            "FROM bos-python\nCOPY . /app\n",
		"src/other/Dockerfile":          "FROM node\n",
	}
	root := t.TempDir()
	testfs.Write(t, root, files)
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]bool{"bos-python": true, "bos_python": true, "python": false, "node": false, "bos-ruby": false} {
		if got := disc.Publishes(ref); got != want {
			t.Errorf("Publishes(%q) = %v, want %v", ref, got, want)
		}
	}
	delete(files, "build/docker.mk")
	root = t.TempDir()
	testfs.Write(t, root, files)
	if disc, _ = Discover(context.Background(), root, Options{}); disc.Publishes("bos-python") {
		t.Error("nothing tags from a variable: bos-python is not known")
	}
}

// TestComposeExampleCollectionsAreBuiltOnce: review 28 (newrelic's
// examples): five or more example projects, each with a compose file of
// its own, and no CI that builds images: each reader builds one once. With
// fewer, or with a CI building images, compose's builds are rebuild loops.
func TestComposeExampleCollectionsAreBuiltOnce(t *testing.T) {
	files := map[string]string{}
	for _, d := range []string{"a", "b", "c", "d", "e"} {
		files["examples/"+d+"/compose.yaml"] = "services:\n  app:\n    build: .\n"
		files["examples/"+d+"/Dockerfile"] = "FROM node:20\nCOPY . .\n"
	}
	discover := func(files map[string]string) *Repo {
		root := t.TempDir()
		testfs.Write(t, root, files)
		disc, err := Discover(context.Background(), root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return disc
	}
	for _, im := range discover(files).Images {
		if !strings.Contains(im.BuiltOnce, "one of 5 example projects") {
			t.Errorf("%s: built once %q", im.SourceFile, im.BuiltOnce)
		}
	}
	files["examples/e/compose.yaml"] = "services: {}\n"
	for _, im := range discover(files).Images {
		if im.Source == SourceCompose && im.BuiltOnce != "" {
			t.Errorf("four examples: %s built once %q", im.SourceFile, im.BuiltOnce)
		}
	}
	files["examples/e/compose.yaml"] = "services:\n  app:\n    build: .\n"
	files[".github/workflows/ci.yml"] = "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker compose build\n"
	for _, im := range discover(files).Images {
		if im.Source == SourceCompose && im.BuiltOnce != "" {
			t.Errorf("a CI builds images: %s built once %q", im.SourceFile, im.BuiltOnce)
		}
	}
}

// TestFinalStageCacheOnly: a layer cache exported inline or without
// mode=max keeps the final image's layers alone (review 36: onyx's CLI).
func TestFinalStageCacheOnly(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"- uses: docker/build-push-action@v6\n  with:\n    cache-from: type=registry,ref=x\n    cache-to: type=inline\n", true},
		{"- uses: docker/build-push-action@v6\n  with:\n    cache-from: type=gha\n    cache-to: type=gha\n", true},
		{"- uses: docker/build-push-action@v6\n  with:\n    cache-from: type=gha\n    cache-to: type=gha,mode=max\n", false},
		{"- run: docker buildx build --cache-to type=registry,ref=x,mode=max --cache-to type=inline .\n", false},
		{"- run: docker build --build-arg BUILDKIT_INLINE_CACHE=1 --cache-from x .\n", true},
		{"- uses: docker/build-push-action@v6\n  with:\n    cache-to: ${{ env.CACHE_TO }}\n", false},
		{"- uses: docker/build-push-action@v6\n  with:\n    cache-to: |\n      type=gha,mode=max\n", false},
		{"- uses: docker/build-push-action@v6\n  with:\n    cache-to: >-\n      type=gha,mode=max\n", false},
		{"- run: layerwise build . --build-cache registry=x\n", false},
		{"- uses: docker/build-push-action@v6\n", false},
	} {
		if got := finalStageCacheOnly([]byte(c.text)); got != c.want {
			t.Errorf("%q: %v, want %v", c.text, got, c.want)
		}
	}
}

// TestCIOfNamesTheDockerfile: a workflow that names the Dockerfile's path
// builds it, before one that only filters on its directory (reviews 35 and
// 36: onyx's integration tests, `paths: cli/**`, and its CLI's release
// workflow with an inline cache).
func TestCIOfNamesTheDockerfile(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		".github/workflows/a-tests.yml": "on:\n  pull_request:\n    paths:\n      - 'cli/**'\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: ./backend\n",
		".github/workflows/release.yml": "on:\n  push:\n    tags: ['v*']\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: ./cli\n          file: ./cli/Dockerfile\n          cache-from: type=registry,ref=x\n          cache-to: type=inline\n",
		"cli/Dockerfile":                "FROM golang:1.23 AS b\nCOPY . .\nRUN go build -o /a .\nFROM scratch\nCOPY --from=b /a /a\n",
		"backend/Dockerfile":            "FROM python:3.12\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cli := byName(res)["cli"]
	if cli == nil || cli.CI != ".github/workflows/release.yml" || !cli.CIFinalStageCache {
		t.Errorf("cli: %+v", cli)
	}
}

// TestCINoCache: a workflow that builds with no-cache on some runs.
func TestCINoCache(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"    with:\n      no-cache: ${{ github.event_name == 'release' }}\n", true},
		{"    with:\n      no-cache: true\n", true},
		{"    with:\n      no-cache: false\n", false},
		{"  - run: docker build --no-cache -t x .\n", true},
		{"  - run: docker build -t x .\n", false},
		{"    with:\n      no-cache: 'false'\n", false},
		{"    with:\n      no-cache: False\n", false},
		{"  - run: apk add --no-cache git\n", false},
		{"  - run: poetry install --no-cache\n", false},
		{"  - run: docker buildx bake --no-cache app\n", true},
	} {
		if got := ciNoCacheMatch([]byte(c.text)); got != c.want {
			t.Errorf("%q: %v, want %v", c.text, got, c.want)
		}
	}
}
