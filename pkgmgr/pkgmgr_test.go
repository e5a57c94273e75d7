package pkgmgr

import (
	"slices"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/dockerfile"
)

// run parses a Dockerfile and returns the commands and state of its last
// RUN, as the rules see them.
func run(t *testing.T, src string) ([]dockerfile.Command, *dockerfile.State, string) {
	t.Helper()
	f, err := dockerfile.Parse("Dockerfile", []byte(src), dockerfile.Options{})
	if err != nil {
		t.Fatalf("%q: %v", src, err)
	}
	s := f.Stages[len(f.Stages)-1]
	for i := len(s.Instructions) - 1; i >= 0; i-- {
		if x := s.Instructions[i]; x.Run != nil {
			return x.Run.Commands, x.State, s.Base
		}
	}
	t.Fatalf("%q: no RUN", src)
	return nil, nil, ""
}

// TestClassify: which commands install from manifests, which install named
// packages, which compile, and which are none of those.
func TestClassify(t *testing.T) {
	cases := []struct {
		run                   string
		tool                  string // "" for none
		fromManifest, compile bool
	}{
		{"npm ci", "npm", true, false},
		{"npm install -g pm2", "npm", false, false},
		{"npm --prefix web ci", "npm", true, false},
		{"npm run build", "", false, false},
		{"yarn", "yarn", true, false},
		{"yarn add left-pad", "yarn", false, false},
		{"yarn build", "", false, false},
		{"pnpm install --frozen-lockfile", "pnpm", true, false},
		{"pnpm fetch", "pnpm", true, false},
		{"pip install -r requirements.txt", "pip", true, false},
		{"pip install flask==3.0", "pip", false, false},
		{"python -m pip install -r requirements.txt", "pip", true, false},
		{"go mod download", "go", true, false},
		{"go build -o /app .", "go", true, true},
		{"go version", "", false, false},
		{"mvn -B package", "maven", true, true},
		{"mvn -q clean", "", false, false}, // the clean plugin only (review 22)
		{"mvn -q clean package", "maven", true, true},
		{"./gradlew dependencies", "gradle", true, false},
		{"./gradlew build", "gradle", true, true},
		{"dotnet restore", "dotnet", true, false},
		{"dotnet publish -c Release -o /out", "dotnet", true, true},
		{"dotnet --info", "", false, false},
		{"bundle install", "bundler", true, false},
		{"bundle --version", "", false, false},
		{"composer install --no-dev", "composer", true, false},
		{"cargo build --release", "cargo", true, true},
		{"apt-get install -y curl", "apt", false, false},
		{"echo hi", "", false, false},
		// runners (review 27: the maven image's entrypoint script)
		{"/usr/local/bin/mvn-entrypoint.sh mvn package --fail-never", "maven", true, true},
		{"env CGO_ENABLED=0 go build -o /app .", "go", true, true},
		{"nice -n 10 npm ci", "npm", true, false},
		{"exec pnpm deploy --prod /out", "pnpm", false, false},
		{"env", "", false, false},
	}
	for _, tc := range cases {
		cmds, _, _ := run(t, "FROM debian:12\nRUN "+tc.run+"\n")
		i := Classify(cmds[0])
		switch {
		case tc.tool == "" && i != nil:
			t.Errorf("%q: classified as %s", tc.run, i.Tool.Name)
		case tc.tool != "" && i == nil:
			t.Errorf("%q: not classified, want %s", tc.run, tc.tool)
		case tc.tool != "" && (i.Tool.Name != tc.tool || i.FromManifest != tc.fromManifest || i.Compile != tc.compile):
			t.Errorf("%q: %s manifest=%v compile=%v, want %s %v %v", tc.run, i.Tool.Name, i.FromManifest, i.Compile, tc.tool, tc.fromManifest, tc.compile)
		}
	}
}

// TestCacheDirs: where each tool keeps its cache, as the build state and
// the official base image set it.
func TestCacheDirs(t *testing.T) {
	cases := []struct {
		src  string
		want string // the first cache directory
	}{
		{"FROM node:20\nRUN npm ci\n", "/root/.npm"},
		{"FROM node:20\nENV NPM_CONFIG_CACHE=/cache/npm\nRUN npm ci\n", "/cache/npm"},
		{"FROM node:20\nUSER node\nRUN npm ci\n", "/home/node/.npm"},
		{"FROM python:3.12\nRUN pip install -r requirements.txt\n", "/root/.cache/pip"},
		{"FROM python:3.12\nENV XDG_CACHE_HOME=/xdg\nRUN pip install -r requirements.txt\n", "/xdg/pip"},
		{"FROM golang:1.23\nRUN go mod download\n", "/go/pkg/mod"},
		{"FROM maven:3\nRUN mvn package\n", "/root/.m2/repository"},
		{"FROM php:8.3-cli\nRUN composer install\n", "/root/.composer/cache"},
		{"FROM composer:2\nRUN composer install\n", "/tmp/cache"},
		{"FROM php:8.3-cli\nENV COMPOSER_CACHE_DIR=/cc\nRUN composer install\n", "/cc"},
		{"FROM mcr.microsoft.com/dotnet/sdk:8.0\nRUN dotnet restore\n", "/root/.nuget/packages"},
	}
	for _, tc := range cases {
		cmds, st, base := run(t, tc.src)
		i := Classify(cmds[0])
		if i == nil {
			t.Fatalf("%q: not classified", tc.src)
		}
		dirs := i.Tool.CacheDirs(st, base)
		if len(dirs) == 0 || dirs[0] != tc.want {
			t.Errorf("%q: cache dirs %v, want %s first", tc.src, dirs, tc.want)
		}
	}
	// a store lives where the tool keeps its packages: go's module cache,
	// not its build cache
	cmds, st, base := run(t, "FROM golang:1.23\nRUN go build -o /app .\n")
	if d := Classify(cmds[0]).Tool.StoreDir(st, base); d != "/go/pkg/mod" {
		t.Errorf("go's store: %q", d)
	}
	if dirs := Classify(cmds[0]).Tool.CacheDirs(st, base); !slices.Contains(dirs, "/root/.cache/go-build") {
		t.Errorf("go's caches %v lack the build cache", dirs)
	}
}

// TestOfflineAndVendored: the commands that read only what an earlier step
// put in the store (whose store can never be a cache mount), and the go
// builds that read ./vendor.
func TestOfflineAndVendored(t *testing.T) {
	cases := []struct {
		src               string
		offline, vendored bool
	}{
		{"FROM golang:1.23\nRUN GOPROXY=off go build .\n", true, false},
		{"FROM golang:1.23\nENV GOPROXY=off\nRUN go build .\n", true, false},
		{"FROM golang:1.23\nRUN go build .\n", false, false},
		{"FROM golang:1.23\nRUN go build -mod=vendor .\n", false, true},
		{"FROM golang:1.23\nRUN CGO_ENABLED=0 go build -a -mod vendor -o app .\n", false, true},
		{"FROM golang:1.23\nRUN go build -mod mod .\n", false, false},
		{"FROM golang:1.23\nENV GOFLAGS=-mod=vendor\nRUN go build .\n", false, true},
		{"FROM maven:3\nRUN mvn -o package\n", true, false},
		{"FROM rust:1\nRUN cargo build --frozen\n", true, false},
		{"FROM rust:1\nENV CARGO_NET_OFFLINE=true\nRUN cargo build\n", true, false},
		{"FROM mcr.microsoft.com/dotnet/sdk:8.0\nRUN dotnet publish --no-restore -o /out\n", true, false},
		{"FROM node:20\nRUN pnpm install --offline\n", true, false},
		{"FROM node:20\nRUN npm ci\n", false, false},
	}
	for _, tc := range cases {
		cmds, st, _ := run(t, tc.src)
		i := Classify(cmds[0])
		if i == nil {
			t.Fatalf("%q: not classified", tc.src)
		}
		if got := Offline(i, st); got != tc.offline {
			t.Errorf("%q: offline %v, want %v", tc.src, got, tc.offline)
		}
		if got := Vendored(i, st); got != tc.vendored {
			t.Errorf("%q: vendored %v, want %v", tc.src, got, tc.vendored)
		}
	}
}

// TestBundlerCacheFollowsBundlePath: with BUNDLE_PATH set (Rails'
// generated Dockerfile), bundler keeps the downloaded gems under
// BUNDLE_PATH/ruby/<ABI>/cache, the ABI read from the ruby tag; without a
// tag that says it, no gem cache is guessed (review 20).
func TestBundlerCacheFollowsBundlePath(t *testing.T) {
	m, err := dockerfile.Parse("Dockerfile", []byte("FROM ruby:3.4.1-slim\nENV BUNDLE_PATH=/usr/local/bundle\nRUN bundle install\n"), dockerfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := m.Stages[0].Instructions[len(m.Stages[0].Instructions)-1].State
	if got := Bundler.CacheDirs(st, "ruby:3.4.1-slim"); len(got) == 0 || got[0] != "/usr/local/bundle/ruby/3.4.0/cache" {
		t.Errorf("ruby:3.4.1-slim: %v", got)
	}
	for _, d := range Bundler.CacheDirs(st, "myorg/ruby-base") {
		if strings.HasPrefix(d, "/usr/local/bundle") {
			t.Errorf("an unknown Ruby: %v", d)
		}
	}
}

// TestUnwrapKeepsTheRunnersAssignments: `env A=1 cmd` runs cmd with A set;
// a runner that changes the user is not seen through (its HOME and caches
// are another user's).
func TestUnwrapKeepsTheRunnersAssignments(t *testing.T) {
	cmds, _, _ := run(t, "FROM debian:12\nRUN X=1 env -u HOME CGO_ENABLED=0 \"GOFLAGS=-tags=a b\" go build .\n")
	inner, ok := Unwrap(cmds[0])
	if !ok || inner.Name != "go" || !slices.Equal(inner.Env, []string{"X=1", "CGO_ENABLED=0", "GOFLAGS=-tags=a b"}) || !slices.Equal(inner.SpelledEnv(), []string{"X=1", "CGO_ENABLED=0", `GOFLAGS='-tags=a b'`}) || inner.SpelledArg(0) != "build" {
		t.Errorf("%+v %v", inner, ok)
	}
	for _, src := range []string{"sudo apt-get install -y curl", "gosu app npm ci", "su-exec app npm ci"} {
		cmds, _, _ := run(t, "FROM debian:12\nRUN "+src+"\n")
		if _, ok := Unwrap(cmds[0]); ok {
			t.Errorf("%q: seen through", src)
		}
	}
}

// A RUN that repeats a runner a hundred thousand times (`env env env …
// npm ci`, a hostile repository's) is read a few runners deep, not once
// per word (each level copies the arguments: quadratic before).
func TestUnwrapIsBounded(t *testing.T) {
	args := append(slices.Repeat([]string{"env"}, 100000), "npm", "ci")
	if i := Classify(dockerfile.Command{Name: "env", Args: args}); i != nil {
		t.Errorf("classified %s past the depth bound", i.Tool.Name)
	}
	if i := Classify(dockerfile.Command{Name: "env", Args: []string{"nice", "-n", "5", "npm", "ci"}}); i == nil || i.Tool != Npm {
		t.Errorf("two runners deep: %+v", i)
	}
}
