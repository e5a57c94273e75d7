package discover

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/internal/testfs"
)

func byName(res *Repo) map[string]*Image {
	m := map[string]*Image{}
	for _, im := range res.Images {
		m[im.Name] = im
	}
	return m
}

func names(res *Repo) []string {
	var out []string
	for _, im := range res.Images {
		out = append(out, im.Name)
	}
	sort.Strings(out)
	return out
}

func TestDockerfileNames(t *testing.T) {
	yes := []string{"Dockerfile", "Containerfile", "dockerfile", "Dockerfile.dev", "api.Dockerfile", "web.dockerfile", "Containerfile.ci", "Dockerfile-debug", "Dockerfile_prod", "Dockerfile.alpine", "Dockerfile.tmpl"}
	no := []string{"Dockerfile.dockerignore", "README.md", "Dockerfiles", "docker-compose.yml", "x.Dockerfile.dockerignore", "Makefile", "Dockerfile_Tips.md", "Dockerfile.sh", "Dockerfile.orig", "Dockerfile-notes.txt"}
	for _, n := range yes {
		if !IsDockerfileName(n) {
			t.Errorf("%s should be a Dockerfile", n)
		}
	}
	for _, n := range no {
		if IsDockerfileName(n) {
			t.Errorf("%s should not be a Dockerfile", n)
		}
	}
}

func TestDiscoverByNameSkipsDependencyTrees(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"Dockerfile":                             "FROM scratch\nCOPY a /a\n",
		"a":                                      "x",
		"tools/Dockerfile.dev":                   "FROM debian:12\n",
		"tools/lint.Dockerfile":                  "FROM debian:12\n",
		"tools/Dockerfile-debug":                 "FROM debian:12\n",
		"node_modules/pkg/Dockerfile":            "FROM node\n",
		"vendor/x/Dockerfile":                    "FROM golang\n",
		".git/Dockerfile":                        "FROM x\n",
		"deep/a/b/c/Containerfile":               "FROM fedora:40\n",
		"tools/Dockerfile.dev.dockerignore":      "*\n",
		"services/web/frontend/.venv/Dockerfile": "FROM python\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rootName := filepath.Base(root)
	want := []string{rootName, "deep/a/b/c", "tools:debug", "tools:dev", "tools:lint"}
	sort.Strings(want)
	if got := names(res); !reflect.DeepEqual(got, want) {
		t.Errorf("images = %q, want %q", got, want)
	}
	im := byName(res)[rootName]
	if im.Source != SourceDockerfile || !im.ContextInferred || im.Context != "." || len(im.Stages) != 1 || im.Stages[0].Base != "scratch" {
		t.Errorf("root image: %+v", im)
	}
}

func TestInferContext(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		// sources live at the repo root: the context is the root
		"go.mod":               "module x\n",
		"go.sum":               "",
		"cmd/api/main.go":      "package main\n",
		"build/api/Dockerfile": "FROM golang:1.22\nCOPY go.mod go.sum ./\nCOPY cmd/ cmd/\n",
		// sources beside the Dockerfile
		"services/web/package.json": "{}",
		"services/web/src/index.js": "",
		"services/web/Dockerfile":   "FROM node:20\nCOPY package.json ./\nCOPY src src\n",
		// globs count as existing when they match
		"services/py/requirements.txt": "",
		"services/py/Dockerfile":       "FROM python:3.12\nCOPY requirements*.txt ./\n",
		// a source that exists nowhere: fall back, with a note
		"services/broken/Dockerfile": "FROM debian:12\nCOPY does-not-exist /x\n",
		// only COPY --from and URLs: nothing to satisfy
		"services/tool/Dockerfile": "FROM debian:12 AS a\nFROM scratch\nCOPY --from=a /bin/sh /sh\nADD https://example.com/x /x\n",
		// variables are build-time choices: skipped
		"services/var/Dockerfile": "FROM debian:12\nARG APP\nCOPY apps/${APP} /app\nCOPY local.txt /\n",
		"services/var/local.txt":  "",
		// a file the build makes first (hoppscotch's backend copies an
		// uncommitted .env): the directory holding the most sources
		"pnpm-lock.yaml":                "",
		"packages/backend/package.json": "{}",
		"packages/backend/Dockerfile":   "FROM node:20\nCOPY .env .\nCOPY pnpm-lock.yaml .\nCOPY ./packages/backend .\n",
		// the whole context, then a WORKDIR into the Dockerfile's own
		// directory inside it (review 27: reddog's RedDog.UI): the
		// repository is the context; a WORKDIR that makes its directory
		// (dist) leaves the context where the Dockerfile is
		"RedDog.UI/package.json": "{}",
		"RedDog.UI/Dockerfile":   "FROM node:14\nWORKDIR /usr/src/app\nCOPY . .\nWORKDIR \"/usr/src/app/RedDog.UI\"\nRUN npm ci\n",
		"spa/package.json":       "{}",
		"spa/Dockerfile":         "FROM node:20\nWORKDIR /app\nCOPY . .\nWORKDIR /app/dist\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ims := byName(res)
	cases := map[string]string{
		"build/api": ".", "services/web": "services/web", "services/py": "services/py",
		"services/broken": "services/broken", "services/tool": "services/tool", "services/var": "services/var",
		"packages/backend": ".", "RedDog.UI": ".", "spa": "spa",
	}
	for name, want := range cases {
		im := ims[name]
		if im == nil {
			t.Errorf("%s not found; have %q", name, names(res))
			continue
		}
		if im.Context != want || !im.ContextInferred {
			t.Errorf("%s: context %q (inferred %v), want %q; note %q", name, im.Context, im.ContextInferred, want, im.ContextNote)
		}
	}
	if n := ims["services/broken"].ContextNote; !strings.Contains(n, "does-not-exist") {
		t.Errorf("broken note = %q", n)
	}
	if n := ims["packages/backend"].ContextNote; !strings.Contains(n, "most exist here, missing: .env") {
		t.Errorf("backend note = %q", n)
	}
	if n := ims["build/api"].ContextNote; !strings.Contains(n, "not in the Dockerfile's own directory") {
		t.Errorf("api note = %q", n)
	}
}

func TestCompose(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"deploy/compose.yaml": `
services:
  api:
    extends:
      file: common.yaml
      service: gobase
    image: registry.local/api:${TAG:-latest}
    build:
      context: ../services/api
      target: ${API_TARGET}
      args:
        VERSION: "${VERSION:-0.0.0}"
      cache_from:
        - type=registry,ref=registry.local/api:cache
      cache_to: [type=inline]
      additional_contexts:
        shared: ../shared
  web:
    build:
      context: ../services/web
      dockerfile: docker/web.Dockerfile
  db:
    image: postgres:16
  inline:
    build:
      context: ../services/web
      dockerfile_inline: |
        FROM nginx:1.27
        COPY static /usr/share/nginx/html
`,
		"deploy/common.yaml": `
services:
  gobase:
    build:
      args:
        GOFLAGS: -mod=readonly
`,
		"deploy/compose.override.yaml":       "services:\n  web:\n    build:\n      args:\n        NODE_ENV: production\n",
		"deploy/.env":                        "API_TARGET=runtime\nTAG=1.2.3\n",
		"services/api/Dockerfile":            "FROM golang:1.22 AS build\nARG VERSION\nFROM debian:12 AS runtime\n",
		"services/web/docker/web.Dockerfile": "FROM node:20\nCOPY . .\n",
		"services/web/static/index.html":     "",
		"services/other/Dockerfile":          "FROM scratch\n",
	})
	res, err := Discover(context.Background(), root, Options{Env: []string{"VERSION=9.9"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}
	want := []string{"api", "inline", "services/other", "web"}
	if got := names(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("images = %q, want %q", got, want)
	}
	ims := byName(res)
	api := ims["api"]
	if api.Source != SourceCompose || api.SourceFile != "deploy/compose.yaml" || api.Context != "services/api" || api.Dockerfile != "services/api/Dockerfile" || api.ContextInferred {
		t.Errorf("api: %+v", api)
	}
	if api.Target != "runtime" || api.Args["VERSION"] != "9.9" || api.Args["GOFLAGS"] != "-mod=readonly" {
		t.Errorf("api interpolation/extends: target %q args %v", api.Target, api.Args)
	}
	if !reflect.DeepEqual(api.Tags, []string{"registry.local/api:1.2.3"}) || len(api.CacheFrom) != 1 || len(api.CacheTo) != 1 || api.AdditionalContexts["shared"] != "shared" {
		t.Errorf("api build details: %+v", api)
	}
	if len(api.Stages) != 2 || api.Stages[1].Name != "runtime" {
		t.Errorf("api stages: %+v", api.Stages)
	}
	web := ims["web"]
	if web.Dockerfile != "services/web/docker/web.Dockerfile" || web.Args["NODE_ENV"] != "production" {
		t.Errorf("web (override file): %+v", web)
	}
	in := ims["inline"]
	if in.DockerfileInline == "" || in.Dockerfile != "" || len(in.Stages) != 1 || in.Stages[0].Base != "nginx:1.27" {
		t.Errorf("inline: %+v", in)
	}
	// Dockerfiles a compose service builds are not listed twice
	for _, im := range res.Images {
		if im.Dockerfile == "services/api/Dockerfile" && im.Source != SourceCompose {
			t.Errorf("api Dockerfile listed again: %+v", im)
		}
	}
}

func TestComposeWarningsAreCollected(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"compose.yaml": "services:\n  api:\n    build:\n      context: .\n      target: ${UNSET_FOR_LAYERWISE_TEST}\n",
		"Dockerfile":   "FROM scratch\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "UNSET_FOR_LAYERWISE_TEST") {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

// TestComposeRequiredVariables: review 27 (semaphore's, karakeep's and
// Tandoor's example compose files): `${PG_PASS:?database password
// required}` that nothing sets made compose refuse the whole file, and the
// audit exit 1. The file is read with stand-ins; a service whose build
// itself needs the variable is left out, named in a warning; no failure.
func TestComposeRequiredVariables(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"compose.yaml": "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${LW_TEST_PG_PASS:?database password required}\n    volumes:\n      - ${LW_TEST_DATA:?}:/var/lib/postgresql/data\n" +
			"  api:\n    build: .\n  web:\n    build:\n      context: ${LW_TEST_WEB_DIR:?set it}\n",
		"Dockerfile": "FROM scratch\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 0 {
		t.Errorf("failed = %q", res.Failed)
	}
	if ims := byName(res); ims["api"] == nil || ims["web"] != nil {
		t.Errorf("images = %q", names(res))
	}
	all := strings.Join(res.Warnings, "\n")
	for _, want := range []string{"LW_TEST_PG_PASS", "LW_TEST_DATA", "service web builds with a variable it requires and nothing here sets (LW_TEST_WEB_DIR)"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q: %q", want, res.Warnings)
		}
	}
}

// TestComposeUsedWithOtherFiles: a compose file whose services depend on
// or join what another file declares (the repository runs it with `-f
// docker-compose.yml -f docker-compose.infrastructure.yml`: review 35,
// eShopOnAbp) is read for its builds, with a warning, not failed.
func TestComposeUsedWithOtherFiles(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"compose.yaml": "services:\n  api:\n    build: .\n    depends_on: [rabbitmq]\n    networks: [e2e]\n",
		"Dockerfile":   "FROM scratch\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 0 {
		t.Errorf("failed = %q", res.Failed)
	}
	if ims := byName(res); ims["api"] == nil || ims["api"].Source != SourceCompose {
		t.Errorf("images = %q", names(res))
	}
	if all := strings.Join(res.Warnings, "\n"); !strings.Contains(all, "used with other compose files") {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

// TestComposeReadWithTheExampleEnv: a compose file valid only with the
// values users copy from .env.example (review 36: solidtime's extra_hosts
// "${NGINX_HOST_NAME}:…") is read with them where there is no .env.
func TestComposeReadWithTheExampleEnv(t *testing.T) {
	files := map[string]string{
		"compose.yaml": "services:\n  api:\n    build: .\n    extra_hosts:\n      - \"${LW_TEST_HOST}:10.0.0.1\"\n",
		"Dockerfile":   "FROM scratch\n",
	}
	for _, example := range []bool{false, true} {
		if example {
			files[".env.example"] = "LW_TEST_HOST=app.test\n"
		}
		root := t.TempDir()
		testfs.Write(t, root, files)
		res, err := Discover(context.Background(), root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := byName(res)["api"] != nil; got != example {
			t.Errorf("example env %v: api discovered %v (failed %q)", example, got, res.Failed)
		}
	}
}

// TestBrokenComposeIsAFailure: a compose file that does not load is a
// failure (its images are missing: commands exit 1), and the rest is still
// discovered.
func TestBrokenComposeIsAFailure(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"compose.yaml": "services:\n  api:\n    build: [not, a, mapping\n",
		"Dockerfile":   "FROM scratch\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 1 || !strings.Contains(res.Failed[0], "compose.yaml") || len(res.Warnings) != 0 {
		t.Errorf("failed = %q, warnings = %q", res.Failed, res.Warnings)
	}
	if len(res.Images) != 1 {
		t.Errorf("the Dockerfile should still be listed: %q", names(res))
	}
}

func TestMalformedDockerfileDoesNotStopOthers(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"a/Dockerfile": "FROM debian:12\nRUN echo ok\n",
		"b/Dockerfile": "FROM debian:12\nCOPY --frm=x a b\n",
		"c/Dockerfile": "",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ims := byName(res)
	if ims["a"].Error != nil {
		t.Errorf("a: %v", ims["a"].Error)
	}
	if e := ims["b"].Error; e == nil || e.File != "b/Dockerfile" || e.Line != 2 || e.Col != 1 {
		t.Errorf("b error: %+v", e)
	}
	if e := ims["c"].Error; e == nil || !strings.Contains(e.Error(), "c/Dockerfile") {
		t.Errorf("c error: %+v", e)
	}
	if len(res.Errors()) != 2 {
		t.Errorf("errors: %d", len(res.Errors()))
	}
}

func TestSingleDockerfilePath(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{"svc/Dockerfile.prod": "FROM scratch\nCOPY bin /bin\n", "svc/bin": ""})
	res, err := Discover(context.Background(), filepath.Join(root, "svc/Dockerfile.prod"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || res.Images[0].Name != "svc:prod" || res.Images[0].Context != "." {
		t.Errorf("images: %+v", res.Images[0])
	}
}

// TestExamples pins what `layerwise ls examples` must say.
func TestExamples(t *testing.T) {
	// examples/.layerwise.yaml excludes the hand-written baselines
	res, err := Discover(context.Background(), "../examples", Options{Exclude: []string{"**/Dockerfile.expert"}})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name, dockerfile, context, base, source string
		inferred                                bool
	}
	var got []row
	for _, im := range res.Images {
		if im.Error != nil {
			t.Errorf("%s: %v", im.Name, im.Error)
			continue
		}
		got = append(got, row{im.Name, im.Dockerfile, im.Context, im.Stages[0].Base, im.Source, im.ContextInferred})
	}
	want := []row{
		{"base", "base/Dockerfile", "base", "python:3.11-slim-bookworm", SourceCompose, false},
		{"billing", "services/go/billing/Dockerfile", "services/go", "golang:1.23-bookworm", SourceCompose, false},
		{"gateway", "services/node/gateway/Dockerfile", "services/node", "node:20-bookworm-slim", SourceCompose, false},
		{"orders", "services/go/orders/Dockerfile", "services/go", "golang:1.23-bookworm", SourceCompose, false},
		{"report", "services/report/Dockerfile", "services/report", "example/base:dev", SourceCompose, false},
		{"services/worker", "services/worker/Dockerfile", "services/worker", "example/base:dev", SourceDockerfile, true},
		{"storefront", "services/storefront/Dockerfile", "services/storefront", "node:20-bookworm-slim", SourceCompose, false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("examples:\n got %+v\nwant %+v", got, want)
	}
	// the worker and the report job build FROM the repository's base image
	ims := byName(res)
	for _, n := range []string{"report", "services/worker"} {
		if deps := res.Deps(ims[n]); len(deps) != 1 || deps[0].Name != "base" {
			t.Errorf("%s deps: %v", n, deps)
		}
	}
	order := res.BuildOrder([]*Image{ims["services/worker"], ims["report"], ims["storefront"]})
	if len(order) != 4 || order[0].Name != "base" {
		var names []string
		for _, o := range order {
			names = append(names, o.Name)
		}
		t.Errorf("build order: %v", names)
	}
}

// A compose target that names no stage of the Dockerfile is a warning
// naming the compose file, the image and the target; stage names match
// case-insensitively, as BuildKit matches them.
func TestMissingTarget(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"compose.yaml": "services:\n  api:\n    build:\n      context: .\n      target: prod\n  worker:\n    build:\n      context: .\n      target: BUILD\n",
		"Dockerfile":   "FROM busybox:1.36 AS build\nFROM build AS runtime\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `compose.yaml: api builds target "prod", which Dockerfile does not define`) {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

// TestSameServiceInSeveralComposeFilesIsOneImage: a repository that names
// one service in several compose files (a base file and variants) builds
// one image, not one per file; their warnings are listed once.
func TestSameServiceInSeveralComposeFilesIsOneImage(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{"app/Dockerfile": "FROM debian:12\n"}
	for _, d := range []string{"deploy/dev", "deploy/prod", "deploy/test"} {
		files[d+"/docker-compose.yml"] = "services:\n  app:\n    build:\n      context: ../../app\n    image: registry.example.com/app:" + filepath.Base(d) + "\n"
	}
	testfs.Write(t, root, files)
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 {
		t.Fatalf("images: %q", names(res))
	}
	if len(res.Images[0].Tags) != 3 {
		t.Errorf("tags merged: %q", res.Images[0].Tags)
	}
}

// TestRemoteComposeContexts: every remote context form BuildKit accepts is
// remote (a warning, not a local directory that does not exist).
func TestRemoteComposeContexts(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"compose.yaml": "services:\n" +
			"  a:\n    build: https://github.com/example/app.git#main\n" +
			"  b:\n    build:\n      context: git@github.com:example/app.git\n" +
			"  c:\n    build: https://example.com/ctx.tar.gz\n" +
			"  d:\n    build: ./local\n",
		"local/Dockerfile": "FROM scratch\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(res); !reflect.DeepEqual(got, []string{"d"}) {
		t.Errorf("images = %q (remote contexts must not be taken for local paths)", got)
	}
	remote := 0
	for _, w := range res.Warnings {
		if strings.Contains(w, "remote context") {
			remote++
		}
	}
	if remote != 3 {
		t.Errorf("warnings = %q", res.Warnings)
	}
	for _, c := range []string{"https://x/y.git", "/p/https:/github.com/x/y.git#main", "git@github.com:x/y.git", "/p/git@github.com:x/y.git", "github.com/x/y"} {
		if !isRemoteContext(c) {
			t.Errorf("%q should be remote", c)
		}
	}
	for _, c := range []string{"/p/app", "./svc", "/p/https-proxy/app"} {
		if isRemoteContext(c) {
			t.Errorf("%q should be local", c)
		}
	}
}

// Exclude drops Dockerfiles found by name; one a compose service builds is
// still an image of the repository.
func TestExclude(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"app/Dockerfile":        "FROM busybox:1.36\n",
		"app/Dockerfile.expert": "FROM busybox:1.36\n",
		"templates/Dockerfile":  "FROM busybox:1.36\n",
		"built/Dockerfile.ci":   "FROM busybox:1.36\n",
		"compose.yaml":          "services:\n  ci:\n    build:\n      context: built\n      dockerfile: Dockerfile.ci\n",
	})
	res, err := Discover(context.Background(), root, Options{Exclude: []string{"**/Dockerfile.expert", "templates", "built/Dockerfile.ci"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, im := range res.Images {
		got = append(got, im.Dockerfile)
	}
	sort.Strings(got)
	if want := []string{"app/Dockerfile", "built/Dockerfile.ci"}; !reflect.DeepEqual(got, want) {
		t.Errorf("images %v, want %v", got, want)
	}
	if _, err := Discover(context.Background(), root, Options{Exclude: []string{"["}}); err == nil {
		t.Error("a malformed pattern was accepted")
	}
}

// The concurrent scan finds what filepath.WalkDir finds, in WalkDir's
// order, whatever the scheduling.
func TestScanMatchesWalkDir(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{}
	for _, p := range []string{"a-b/Dockerfile", "a/Dockerfile", "a/x/Dockerfile", "a/x/y/Dockerfile.dev", "b.Dockerfile",
		"z/compose.yaml", "a/compose.yml", "a/node_modules/p/Dockerfile", "vendor/v/Dockerfile", "a.b/c/Containerfile", "aa/Dockerfile"} {
		files[p] = "FROM busybox:1.36\n"
	}
	testfs.Write(t, root, files)
	var want []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if d.IsDir() && p != root && skipDirs[d.Name()] {
			return filepath.SkipDir
		}
		if !d.IsDir() && IsDockerfileName(d.Name()) {
			want = append(want, p)
		}
		return nil
	})
	for i := 0; i < 20; i++ {
		s, err := scan(context.Background(), root, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s.dockerfiles, want) {
			t.Fatalf("scan %d:\n got %v\nwant %v", i, s.dockerfiles, want)
		}
		if len(s.composeDirs) != 2 || filepath.Base(s.composeDirs[0]) != "a" || filepath.Base(s.composeDirs[1]) != "z" {
			t.Fatalf("compose dirs %v", s.composeDirs)
		}
	}
}

// An image built FROM one of the repository's own images starts with what
// that image's Dockerfile leaves — not with whatever the engine holds under
// its tag (nothing, or an older build) — when that Dockerfile's own base is
// known.
func TestRepositoryBasesKnownFromTheirDockerfiles(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"compose.yaml":    "services:\n  base:\n    image: corp/base:dev\n    build: ./base\n  app:\n    build: ./app\n  tool:\n    build: ./tool\n",
		"base/Dockerfile": "FROM debian:bookworm-slim\nENV HOME=/home/app PIP_CACHE_DIR=/cache/pip\nUSER 1001\nWORKDIR /srv\n",
		"app/Dockerfile":  "FROM corp/base:dev\nRUN pip install -r requirements.txt\n",
		"tool/Dockerfile": "FROM registry.example.com/unknown:1\nRUN true\n",
	})
	asked := map[string]bool{}
	res, err := Discover(context.Background(), root, Options{BaseImages: func(_ context.Context, refs []string) map[string]dockerfile.ImageConfig {
		for _, r := range refs {
			asked[r] = true
		}
		return map[string]dockerfile.ImageConfig{
			"debian:bookworm-slim": {Env: []string{"PATH=/usr/bin"}},
			"corp/base:dev":        {User: "root"}, // a stale build the engine holds: the Dockerfile wins
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !asked["debian:bookworm-slim"] {
		t.Errorf("asked the engine for %v", asked)
	}
	app := byName(res)["app"]
	st := app.Model.Stages[0].Instructions[0].State
	if !st.BaseKnown || st.User != "1001" || st.Home != "/home/app" || st.Workdir != "/srv" || st.Environ()["PIP_CACHE_DIR"] != "/cache/pip" {
		t.Errorf("app starts with %+v", st)
	}
	if ts := byName(res)["tool"].Model.Stages[0].Instructions[0].State; ts.BaseKnown {
		t.Errorf("an unknown base is unknown: %+v", ts)
	}

	// no engine at all (a fresh CI runner, --no-inspect): debian is an
	// official image, known all the same, and so is the chain
	res, err = Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st := byName(res)["app"].Model.Stages[0].Instructions[0].State; !st.BaseKnown || st.User != "1001" || st.Home != "/home/app" {
		t.Errorf("without an engine: app starts with %+v", st)
	}

	// a repository base whose own root nothing knows: the engine's build
	// of its tag is the fallback
	testfs.Write(t, root, map[string]string{"base/Dockerfile": "FROM registry.example.com/os:1\nENV HOME=/home/app PIP_CACHE_DIR=/cache/pip\nUSER 1001\nWORKDIR /srv\n"})
	res, err = Discover(context.Background(), root, Options{BaseImages: func(_ context.Context, refs []string) map[string]dockerfile.ImageConfig {
		return map[string]dockerfile.ImageConfig{"corp/base:dev": {User: "2000", Env: []string{"HOME=/home/built"}}}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if st := byName(res)["app"].Model.Stages[0].Instructions[0].State; !st.BaseKnown || st.User != "2000" || st.Home != "/home/built" {
		t.Errorf("fallback: app starts with %+v", st)
	}
}

// A parser's golden fixture (a Dockerfile beside the `result` its AST must
// print, as BuildKit's parser testfiles are) is not an image.
func TestGoldenParserFixturesAreNotImages(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"parser/testfiles/nagios/Dockerfile": "FROM busybox\nENV A b\n",
		"parser/testfiles/nagios/result":     "(from \"busybox\")\n",
		"app/Dockerfile":                     "FROM busybox\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(res); len(got) != 1 || got[0] != "app" {
		t.Errorf("images = %q", got)
	}
}

// A compose service's healthcheck is carried to its image (the rules read
// it in place of a HEALTHCHECK); disable: true decides it too.
func TestComposeHealthcheck(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"compose.yaml": "services:\n  web:\n    build: ./web\n    user: \"1000\"\n    healthcheck:\n      test: [\"CMD\", \"wget\", \"-qO-\", \"http://localhost:80/\"]\n" +
			"  off:\n    build: ./web\n    healthcheck:\n      disable: true\n  plain:\n    build: ./web\n",
		"web/Dockerfile": "FROM alpine:3\nEXPOSE 80\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := byName(res)
	if m["web"] == nil || !m["web"].Healthcheck || m["off"] == nil || !m["off"].Healthcheck || m["plain"] == nil || m["plain"].Healthcheck {
		t.Errorf("healthchecks: web %+v, off %+v, plain %+v", m["web"], m["off"], m["plain"])
	}
	if m["web"].User != "1000" || m["plain"].User != "" {
		t.Errorf("users: web %q, plain %q", m["web"].User, m["plain"].User)
	}
}

// TestCIWorkflow: the first CI configuration that builds images is the
// repository's CIWorkflow; a workflows directory that links out of the
// repository gives nothing (its files are outside: neither listed nor read).
func TestCIWorkflow(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"Dockerfile":                    "FROM alpine:3.20\n",
		".github/workflows/lint.yml":    "jobs:\n  lint:\n    steps:\n    - run: go vet ./...\n",
		".github/workflows/publish.yml": "jobs:\n  push:\n    steps:\n    - uses: docker/build-push-action@v6\n",
	})
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil || disc.CIWorkflow != ".github/workflows/publish.yml" {
		t.Fatalf("CIWorkflow %q, %v", disc.CIWorkflow, err)
	}
	outside := testfs.Tree(t, map[string]string{"build.yml": "steps:\n- run: docker build .\n"})
	root = testfs.Tree(t, map[string]string{"Dockerfile": "FROM alpine:3.20\n"})
	if err := os.MkdirAll(filepath.Join(root, ".github"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, ".github", "workflows")); err != nil {
		t.Fatal(err)
	}
	if disc, err := Discover(context.Background(), root, Options{}); err != nil || disc.CIWorkflow != "" {
		t.Errorf("workflows outside the repository: CIWorkflow %q, %v", disc.CIWorkflow, err)
	}
	root = testfs.Tree(t, map[string]string{"Dockerfile": "FROM alpine:3.20\n", ".gitlab-ci.yml": "build:\n  script:\n  - docker buildx build -t x .\n"})
	if disc, _ := Discover(context.Background(), root, Options{}); disc.CIWorkflow != ".gitlab-ci.yml" {
		t.Errorf("gitlab: %q", disc.CIWorkflow)
	}
}

// TestKanikoInCI: a CI configuration that builds with kaniko's executor
// (whose parser rejects RUN --mount) gives every image its reason.
func TestKanikoInCI(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"api/Dockerfile": "FROM alpine:3.20\n",
		".gitlab-ci.yml": "build:\n  image:\n    name: gcr.io/kaniko-project/executor:v1.23.2-debug\n  script:\n  - /kaniko/executor --context $CI_PROJECT_DIR/api --destination registry.example.com/api\n",
	})
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil || len(disc.Images) != 1 || !strings.Contains(disc.Images[0].NoMounts, "kaniko") || disc.CIWorkflow != "" {
		t.Fatalf("images %+v, CIWorkflow %q, %v", disc.Images, disc.CIWorkflow, err)
	}
	// a comment does not count (review)
	root = testfs.Tree(t, map[string]string{
		"api/Dockerfile": "FROM alpine:3.20\n",
		".gitlab-ci.yml": "# we moved off gcr.io/kaniko-project/executor\nbuild:\n  script:\n  - docker buildx build api\n",
	})
	if disc, _ := Discover(context.Background(), root, Options{}); len(disc.Images) != 1 || disc.Images[0].NoMounts != "" {
		t.Errorf("a comment: %+v", disc.Images)
	}
}

// TestBuildConfigsReadOnce: the configs above many images are read and
// parsed once per discovery (a hostile repository's one huge skaffold.yaml
// above many Dockerfiles took minutes when each image parsed it again), and
// a config over maxConfig is not read at all.
func TestBuildConfigsReadOnce(t *testing.T) {
	files := map[string]string{"skaffold.yaml": "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n  - image: a\n    context: a\n"}
	for _, d := range []string{"a", "b", "c"} {
		files[d+"/Dockerfile"] = "FROM alpine:3.20\n"
	}
	root := testfs.Tree(t, files)
	c := newBuildConfigs(root)
	var got []string
	for _, d := range []string{"a", "b", "c"} {
		got = append(got, c.of(&Image{Root: root, Context: d, Dockerfile: d + "/Dockerfile"}).NoMounts)
	}
	if len(c.skaffold) != 1 || got[0] == "" || got[1] != "" || got[2] != "" {
		t.Errorf("parsed %d configs; NoMounts %q", len(c.skaffold), got)
	}
	big := filepath.Join(root, "big", "skaffold.yaml")
	os.MkdirAll(filepath.Dir(big), 0o755)
	os.WriteFile(big, append([]byte("build:\n  artifacts:\n  - image: x\n#"), bytes.Repeat([]byte("x"), maxConfig)...), 0o644)
	if c.read(big) != nil {
		t.Errorf("a config over %d bytes was read", maxConfig)
	}
}

// TestCloudBuildSteps: a step of the docker builder that builds without
// BuildKit, in YAML or JSON; not a docker step that only pushes after a
// step named build (review: `waitFor: [build]` matched a line regex).
func TestCloudBuildSteps(t *testing.T) {
	for cfg, want := range map[string]bool{
		"steps:\n- name: gcr.io/cloud-builders/docker\n  args: ['build', '-t', 'x', '.']\n":                                                                                   true,
		`{"steps": [{"name": "gcr.io/cloud-builders/docker", "args": ["build", "-t", "x", "."]}]}`:                                                                            true,
		"steps:\n- name: gcr.io/cloud-builders/docker\n  env: ['DOCKER_BUILDKIT=1']\n  args: ['build', '.']\n":                                                                false,
		"steps:\n- id: build\n  name: gcr.io/k8s-skaffold/pack\n  args: ['build', 'x']\n- name: gcr.io/cloud-builders/docker\n  waitFor:\n  - build\n  args: ['push', 'x']\n": false,
		"options:\n  env: ['DOCKER_BUILDKIT=1']\nsteps:\n- name: gcr.io/cloud-builders/docker\n  args: ['build', '.']\n":                                                      false,
	} {
		if got := classicDockerSteps([]byte(cfg)).direct; got != want {
			t.Errorf("%q: %v, want %v", cfg, got, want)
		}
	}
}

// TestCloudBuildScriptStep: wild-workouts' cloudbuild.yaml runs
// scripts/build-docker.sh in the docker builder, and the script builds
// docker/app-prod/Dockerfile with a plain docker build: no cache mount
// there (RUN --mount fails on that builder); a Dockerfile the script
// does not name, or a script that builds with buildx, keeps its mount.
func TestCloudBuildScriptStep(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   map[string]bool
	}{
		{"#!/bin/bash\ndocker build -t \"gcr.io/$2/$1\" ./internal -f ./docker/app-prod/Dockerfile\ndocker push x\n", map[string]bool{"docker/app-prod/Dockerfile": true, "docker/app/Dockerfile": false}},
		{"#!/bin/bash\ndocker buildx build -t x ./internal -f ./docker/app-prod/Dockerfile\n", map[string]bool{"docker/app-prod/Dockerfile": false}},
	} {
		root := testfs.Tree(t, map[string]string{
			"cloudbuild.yaml":            "steps:\n- id: trainer-docker\n  name: gcr.io/cloud-builders/docker\n  entrypoint: ./scripts/build-docker.sh\n  args: [\"trainer\", \"$PROJECT_ID\"]\n",
			"scripts/build-docker.sh":    tc.script,
			"internal/main.go":           "package main\n",
			"docker/app-prod/Dockerfile": "FROM golang:1.24\nCOPY . /src\nRUN go build ./...\n",
			"docker/app/Dockerfile":      "FROM golang:1.24\nCOPY . /src\nRUN go build ./...\n",
		})
		disc, err := Discover(context.Background(), root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range disc.Images {
			want, ok := tc.want[filepath.ToSlash(im.Dockerfile)]
			if ok && (im.NoMounts != "") != want {
				t.Errorf("%s with %q: NoMounts %q, want set %v", im.Dockerfile, tc.script, im.NoMounts, want)
			}
		}
	}
}

// TestImageCI: a CI configuration builds an image when its text names the
// Dockerfile (its directory for one called Dockerfile), runs compose for
// an image compose declares, or builds at all for the root's Dockerfile
// (review 10: hoppscotch's release workflow builds prod.Dockerfile only,
// and its packages' Dockerfiles were told they are built there).
func TestImageCI(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"Dockerfile":                    "FROM alpine:3.20\n",
		"prod.Dockerfile":               "FROM alpine:3.20\n",
		"packages/web/Dockerfile":       "FROM alpine:3.20\n",
		"packages/admin/Dockerfile":     "FROM alpine:3.20\n",
		".github/workflows/release.yml": "jobs:\n  push:\n    steps:\n    - uses: docker/build-push-action@v6\n      with:\n        file: prod.Dockerfile\n",
		".github/workflows/web.yml":     "jobs:\n  push:\n    steps:\n    # - run: docker build packages/admin\n    - run: docker build -t web packages/web\n",
	})
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, im := range disc.Images {
		got[im.Dockerfile] = im.CI
	}
	want := map[string]string{"Dockerfile": ".github/workflows/release.yml", "prod.Dockerfile": ".github/workflows/release.yml",
		"packages/web/Dockerfile": ".github/workflows/web.yml", "packages/admin/Dockerfile": ""}
	for df, w := range want {
		if got[df] != w {
			t.Errorf("%s: CI %q, want %q", df, got[df], w)
		}
	}
}

// TestComposeProfiles: a service behind a profile is built whenever
// compose runs with that profile (vaultwarden's playwright image): it is
// discovered as compose declares it, not as a Dockerfile nothing builds.
func TestComposeProfiles(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"compose.yaml":                "services:\n  web:\n    build: ./web\n  e2e:\n    profiles: [\"playwright\"]\n    build:\n      context: .\n      dockerfile: tests/playwright/Dockerfile\n",
		"web/Dockerfile":              "FROM alpine:3\n",
		"tests/playwright/Dockerfile": "FROM node:20\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := byName(res)
	if m["e2e"] == nil || m["e2e"].Source != SourceCompose || m["web"] == nil {
		t.Errorf("the profiled service: %+v (images %v)", m["e2e"], len(res.Images))
	}
}

// TestOtherComposeFiles: a compose file of another name is loaded on its
// own as `docker compose -f` does (lago's docker-compose.dev.yml builds
// Dockerfile.dev); one that is a fragment of another (no build or image of
// its own) adds nothing and warns nothing.
func TestOtherComposeFiles(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"docker-compose.yml":      "services:\n  api:\n    image: example/api:1\n",
		"docker-compose.dev.yml":  "services:\n  api:\n    build:\n      context: ./events\n      dockerfile: Dockerfile.dev\n",
		"docker-compose.prod.yml": "services:\n  api:\n    environment:\n      - MODE=${MODE:?set MODE}\n",
		// what layerwise generate writes: cache settings for another file's services
		"docker-compose.build.yml": "services:\n  api:\n    build:\n      cache_from:\n        - type=registry,ref=registry.example.com/api:cache\n",
		"Dockerfile":               "FROM alpine:3\n",
		// an example whose Dockerfile is not in the repository
		"assets/docker-compose-EXAMPLE.yml": "services:\n  web:\n    build: ./app\n",
		// a workflow that builds the dev service's directory by path
		".github/workflows/events.yml": "jobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: events\n          file: events/Dockerfile.dev\n",
		"events/Dockerfile":            "FROM golang:1.22\n",
		"events/Dockerfile.dev":        "FROM golang:1.22\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var dev *Image
	for _, im := range res.Images {
		if im.Dockerfile == "events/Dockerfile.dev" {
			dev = im
		}
	}
	if dev == nil || dev.Source != SourceCompose || dev.SourceFile != "docker-compose.dev.yml" || dev.CI != ".github/workflows/events.yml" {
		t.Errorf("the dev compose file's image: %+v", dev)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}
	for _, im := range res.Images {
		if im.SourceFile == "docker-compose.build.yml" || strings.HasSuffix(im.SourceFile, "EXAMPLE.yml") {
			t.Errorf("a fragment's service became an image: %+v", im)
		}
	}
}

// TestIncludedFragmentsAreNoImages: Dockerfiles that another one INCLUDEs
// through devthefuture/dockerfile-x are fragments, not images (review 26:
// manyfold); a Dockerfile nothing includes stays one.
func TestIncludedFragmentsAreNoImages(t *testing.T) {
	root := t.TempDir()
	testfs.Write(t, root, map[string]string{
		"docker/app.dockerfile":     "# syntax = devthefuture/dockerfile-x\nINCLUDE docker/base.dockerfile\nINCLUDE docker/runtime.dockerfile\n",
		"docker/base.dockerfile":    "FROM ruby:3.4-alpine AS base\n",
		"docker/runtime.dockerfile": "FROM base AS runtime\nCOPY . .\n",
		"tools/Dockerfile":          "FROM alpine:3.20\n",
	})
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, im := range disc.Images {
		got = append(got, filepath.ToSlash(im.Dockerfile))
	}
	slices.Sort(got)
	if strings.Join(got, ",") != "docker/app.dockerfile,tools/Dockerfile" {
		t.Errorf("images: %q", got)
	}
}

// TestComposeV1IsTheClassicBuilder: review 30 (ftgo): a CI script that
// installs docker-compose 1.25.4 builds the compose services with the
// classic builder; with COMPOSE_DOCKER_CLI_BUILD=1 it goes through the
// CLI's BuildKit, and a Dockerfile built alone is not compose's.
func TestComposeV1IsTheClassicBuilder(t *testing.T) {
	files := map[string]string{
		"compose.yaml":                        "services:\n  api:\n    build: ./api\n",
		"api/Dockerfile":                      "FROM alpine:3.20\n",
		"tools/Dockerfile":                    "FROM alpine:3.20\n",
		".circleci/upgrade-docker-compose.sh": "#! /bin/bash -e\ncurl -L https://github.com/docker/compose/releases/download/1.25.4/docker-compose-`uname -s`-`uname -m` > ~/docker-compose\n",
	}
	disc, err := Discover(context.Background(), testfs.Tree(t, files), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range disc.Images {
		want := im.Source == SourceCompose
		if got := strings.Contains(im.NoMounts, "docker-compose 1"); got != want {
			t.Errorf("%s (%s): %q", im.Name, im.Source, im.NoMounts)
		}
	}
	files[".circleci/upgrade-docker-compose.sh"] += "export COMPOSE_DOCKER_CLI_BUILD=1 DOCKER_BUILDKIT=1\n"
	if disc, err = Discover(context.Background(), testfs.Tree(t, files), Options{}); err != nil {
		t.Fatal(err)
	}
	for _, im := range disc.Images {
		if im.NoMounts != "" {
			t.Errorf("%s with the CLI build: %q", im.Name, im.NoMounts)
		}
	}
}

// TestReleaseOnlyTriggers: review 30 (Exceptionless): a workflow run on
// release tags alone.
func TestReleaseOnlyTriggers(t *testing.T) {
	for _, c := range []struct {
		on   string
		want bool
	}{
		{"on:\n  push:\n    tags:\n      - \"v*\"\n", true},
		{"on:\n  release:\n    types: [published]\n  workflow_dispatch:\n", true},
		{"on:\n  push:\n    branches: [main]\n    tags: [\"v*\"]\n", false},
		{"on:\n  push:\n    tags: [\"v*\"]\n  pull_request:\n", false},
		{"on: [push, pull_request]\n", false},
		{"on:\n  push:\n", false},
		{"on:\n  workflow_dispatch:\n", false},
		{"on:\n  push:\n    tags: [\"v*\"]\n  schedule:\n    - cron: \"0 3 * * *\"\n", false},
	} {
		if got := releaseOnly([]byte(c.on)); got != c.want {
			t.Errorf("%q: %v", c.on, got)
		}
	}
}

// TestComposeServiceRunsTests: a service whose command runs a test suite.
func TestComposeServiceRunsTests(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"compose.yaml":   "services:\n  web:\n    build: ./web\n  web-test:\n    build: ./web\n    command: [\"npm\", \"run\", \"test\"]\n  api:\n    build: ./api\n    command: node server.js\n",
		"web/Dockerfile": "FROM node:20\n",
		"api/Dockerfile": "FROM node:20\n",
	})
	disc, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, im := range disc.Images {
		got[im.Name] = im.RunsTests
	}
	if !got["web-test"] || got["web"] || got["api"] {
		t.Errorf("%v", got)
	}
}

// TestPersistedMounts: the mounts a workflow carries itself (review 29).
func TestPersistedMounts(t *testing.T) {
	dance := []byte("steps:\n  - uses: actions/cache/restore@v4\n  - run: |\n      cat > inject.Dockerfile <<'EOF'\n      FROM busybox:1.37\n      RUN --mount=type=cache,target=/root/.cache/go-build \\\n          --mount=type=cache,target=/go/pkg/mod \\\n          tar -xf /r/a.tar -C /go/pkg/mod\n      EOF\n")
	if got := persistedMounts(dance); !slices.Equal(got, []string{"/root/.cache/go-build", "/go/pkg/mod"}) {
		t.Errorf("inline: %q", got)
	}
	action := []byte("- uses: reproducible-containers/buildkit-cache-dance@v3\n  with:\n    cache-map: |\n      {\n        \"go-mod\": \"/go/pkg/mod\"\n      }\n")
	if got := persistedMounts(action); !slices.Equal(got, []string{"/go/pkg/mod"}) {
		t.Errorf("cache-dance: %q", got)
	}
	if got := persistedMounts([]byte("- run: docker build --mount=type=cache,target=/x .\n")); len(got) != 0 {
		t.Errorf("no actions/cache: %q", got)
	}
}

// TestPersistentBuilderCI: reviews 31, 32 (pocket-id, trigger.dev): a
// workflow that builds on Depot keeps its builders' state, cache mounts
// included: not fresh, not uncached.
func TestPersistentBuilderCI(t *testing.T) {
	wf := "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: depot/setup-action@v1\n      - uses: depot/build-push-action@v1\n        with:\n          context: .\n          push: true\n          tags: registry.example.com/app:latest\n"
	disc, err := Discover(context.Background(), testfs.Tree(t, map[string]string{"Dockerfile": "FROM alpine:3.20\n", ".github/workflows/docker.yml": wf}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(disc.Images) != 1 {
		t.Fatalf("%d images", len(disc.Images))
	}
	im := disc.Images[0]
	if im.CI == "" || !im.CIPersistentBuilder || im.CIFresh || im.CIUncached {
		t.Errorf("ci %q persistent %v fresh %v uncached %v", im.CI, im.CIPersistentBuilder, im.CIFresh, im.CIUncached)
	}
}

// TestComposeServiceMountsItsSources: a service that bind-mounts its build
// context is a development image (review 37: openstreetmap's `.:/app`).
func TestComposeServiceMountsItsSources(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"compose.yaml":   "services:\n  web:\n    build: .\n    volumes:\n      - .:/app\n  api:\n    build: ./api\n    volumes:\n      - data:/var/lib/data\n      - ./api/config:/etc/app\nvolumes:\n  data: {}\n",
		"Dockerfile":     "FROM ruby:3.3\n",
		"api/Dockerfile": "FROM golang:1.23\n",
	})
	res, err := Discover(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ims := byName(res)
	if ims["web"] == nil || !ims["web"].MountsSources || ims["api"] == nil || ims["api"].MountsSources {
		t.Errorf("web %+v, api %+v", ims["web"], ims["api"])
	}
}
