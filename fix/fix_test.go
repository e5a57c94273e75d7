package fix

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/internal/testfs"
)

// fixRepo fixes the repository and returns the new Dockerfile text, the
// new .dockerignore text ("" when none is written) and the notes.
func fixRepo(t *testing.T, files map[string]string, rules ...string) (string, string, []Note) {
	t.Helper()
	root := testfs.Tree(t, files)
	disc, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	if _, ok := files[".layerwise.yaml"]; ok {
		if cfg, err = config.Load(config.Find(root), false); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Run(context.Background(), disc, Options{Config: cfg, Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	df, ign := files["Dockerfile"], ""
	for _, f := range res.Files {
		switch filepath.Base(f.Path) {
		case "Dockerfile":
			df = string(f.After)
		case ".dockerignore":
			ign = string(f.After)
		}
	}
	return df, ign, res.Notes
}

var dockerfileCases = []struct {
	name  string
	files map[string]string
	rules []string
	want  string // the Dockerfile after the fix ("" = unchanged)
	note  string // a note that must be printed
}{
	{
		name:  "npm-manifest-first",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\n# sources\nCOPY --chown=1000:1000 . .\nRUN npm ci\nRUN npm run build\n", "package.json": "{}", "package-lock.json": "{}", "src/a.js": ""},
		rules: []string{"LW101"},
		// the comment over the source COPY stays with it
		want: "FROM node:20\nWORKDIR /app\nCOPY --chown=1000:1000 package-lock.json package.json ./\nRUN npm ci\n# sources\nCOPY --chown=1000:1000 . .\nRUN npm run build\n",
	},
	{
		// what is written over the sources' COPY stays over it, below
		// the inserted step
		name:  "go-download-inserted-above-comments",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\n\n# the sources\n# (all of them)\nCOPY . /src\nRUN go build -o /app .\n", "go.mod": "module x\n", "go.sum": "", "main.go": "package main\n"},
		rules: []string{"LW101"},
		want:  "FROM golang:1.22\nWORKDIR /src\n\nCOPY go.mod go.sum /src/\nRUN go mod download\n# the sources\n# (all of them)\nCOPY . /src\nRUN go build -o /app .\n",
	},
	{
		name:  "go-download-inserted",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . /src\nRUN go build -o /app .\n", "go.mod": "module x\n", "go.sum": "", "main.go": "package main\n"},
		rules: []string{"LW101"},
		want:  "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum /src/\nRUN go mod download\nCOPY . /src\nRUN go build -o /app .\n",
	},
	{
		name:  "pip-subdirectory-source",
		files: map[string]string{"Dockerfile": "FROM python:3.12\nWORKDIR /app\nCOPY app/ .\nENV PIP_NO_COLOR=1\nRUN pip install -r requirements.txt\n", "app/requirements.txt": "x\n", "app/main.py": ""},
		rules: []string{"LW101"},
		want:  "FROM python:3.12\nWORKDIR /app\nCOPY app/requirements.txt ./\nENV PIP_NO_COLOR=1\nRUN pip install -r requirements.txt\nCOPY app/ .\n",
	},
	{
		name:  "apt-hygiene-and-mounts",
		files: map[string]string{"Dockerfile": "FROM debian:12\nRUN apt-get update\nRUN apt-get install curl \\\n      git\n"},
		// the shipped image's stage keeps docker-clean: its lists alone
		want: "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install curl \\\n      git\n",
		note: "not applied unless asked",
	},
	{
		// LW105 when named
		name:  "apt-recommends-on-request",
		files: map[string]string{"Dockerfile": "FROM debian:12\nRUN apt-get update && apt-get install curl \\\n      git\n"},
		rules: []string{"LW105"},
		want:  "FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends -y curl \\\n      git\n",
	},
	{
		// uid 1000 of node:20 is "node", whose HOME is /home/node, not
		// /home/1000: a mount there would sit where npm does not write
		name:  "npm-cache-mount-numeric-user-home-unknown",
		files: map[string]string{"Dockerfile": "FROM node:20\nUSER 1000\nRUN npm install -g pm2\n"},
		rules: []string{"LW102"},
		note:  "home directory of user 1000, which is not known here",
	},
	{
		name:  "npm-cache-mount-numeric-user-env-cache",
		files: map[string]string{"Dockerfile": "FROM node:20\nUSER 1000\nENV npm_config_cache=/tmp/npm\nRUN npm install -g pm2\n"},
		rules: []string{"LW102"},
		want:  "FROM node:20\nUSER 1000\nENV npm_config_cache=/tmp/npm\nRUN --mount=type=cache,target=/tmp/npm,uid=1000,gid=1000 npm install -g pm2\n",
	},
	{
		// the base image's user is not known (it may be jovyan): no mount
		// under /root, and --no-cache-dir stays
		name:  "inherited-user-unknown-base",
		files: map[string]string{"Dockerfile": "FROM registry.example.com/notebooks/base:2024\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n", "requirements.txt": "x\n"},
		note:  "not known here (it may not be root)",
	},
	{
		// what stood between the COPY and the install neither reads nor
		// writes the sources: it runs before them, unchanged
		name: "between-commuting-runs",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install -g pm2@5 @nestjs/cli\nRUN ls -la\nCOPY --from=registry.example.com/tools/jq:1 /usr/bin/jq /usr/bin/jq\nRUN python3 -m venv /venv && rm -rf /tmp/x && usermod -aG staff node\nRUN yarn global add serve\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n",
			"package.json": "{}", "package-lock.json": "{}", "index.js": ""},
		rules: []string{"LW101"},
		want:  "FROM node:20\nWORKDIR /app\nCOPY package-lock.json package.json ./\nRUN npm install -g pm2@5 @nestjs/cli\nRUN ls -la\nCOPY --from=registry.example.com/tools/jq:1 /usr/bin/jq /usr/bin/jq\nRUN python3 -m venv /venv && rm -rf /tmp/x && usermod -aG staff node\nRUN yarn global add serve\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"index.js\"]\n",
	},
	{
		// `corepack prepare --activate` reads package.json's
		// packageManager where it runs: the manifest COPY brings it there
		// (bluesky's pds); in another directory it stays a refusal
		name: "between-corepack-prepare",
		files: map[string]string{"Dockerfile": "FROM node:20-alpine\nWORKDIR /app\nCOPY ./service ./\nRUN corepack prepare --activate\nRUN pnpm install --production --frozen-lockfile\n",
			"service/package.json": `{"packageManager":"pnpm@9.1.0","dependencies":{"a":"1"}}`, "service/pnpm-lock.yaml": "lockfileVersion: '9.0'\n", "service/index.js": ""},
		rules: []string{"LW101"},
		want:  "FROM node:20-alpine\nWORKDIR /app\nCOPY service/package.json service/pnpm-lock.yaml ./\nRUN corepack prepare --activate\nRUN pnpm install --production --frozen-lockfile\nCOPY ./service ./\n",
	},
	{
		// a virtualenv activated by the image's own ENV path, outside the
		// sources (mealie's `. $VENV_PATH/bin/activate &&`), moves with
		// the install; through a build arg, whose value a build may
		// change, it does not
		name: "venv-activate-by-env",
		files: map[string]string{"Dockerfile": "FROM python:3.12-slim\nENV VENV_PATH=/opt/venv\nRUN python -m venv $VENV_PATH\nWORKDIR /app\nCOPY . .\nRUN . ${VENV_PATH}/bin/activate && pip install -r requirements.txt\n",
			"requirements.txt": "flask\n", "app.py": ""},
		rules: []string{"LW101"},
		want:  "FROM python:3.12-slim\nENV VENV_PATH=/opt/venv\nRUN python -m venv $VENV_PATH\nWORKDIR /app\nCOPY requirements.txt ./\nRUN . ${VENV_PATH}/bin/activate && pip install -r requirements.txt\nCOPY . .\n",
	},
	{
		name: "venv-activate-by-arg",
		files: map[string]string{"Dockerfile": "FROM python:3.12-slim\nARG VENV_PATH=/opt/venv\nRUN python -m venv $VENV_PATH\nWORKDIR /app\nCOPY . .\nRUN . $VENV_PATH/bin/activate && pip install -r requirements.txt\n",
			"requirements.txt": "flask\n", "app.py": ""},
		rules: []string{"LW101"},
		note:  "before the install",
	},
	{
		// the Next.js example's lockfile dispatch: its tests read only
		// the managers' manifests, which all come before it
		name: "lockfile-dispatch",
		files: map[string]string{"Dockerfile": "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN if [ -f yarn.lock ]; then yarn --frozen-lockfile; \\\n  elif [ -f package-lock.json ]; then npm ci; \\\n  elif [ -f pnpm-lock.yaml ]; then corepack enable pnpm && pnpm i --frozen-lockfile; \\\n  else echo \"Lockfile not found.\" && exit 1; \\\n  fi\nRUN npm run build\n",
			"package.json": `{"dependencies":{"a":"1"}}`, "package-lock.json": `{"lockfileVersion":3,"packages":{"":{},"node_modules/a":{}}}`, "yarn.lock": "", ".npmrc": "fund=false\n", "src/index.js": ""},
		rules: []string{"LW101"},
		want:  "FROM node:20-alpine\nWORKDIR /app\nCOPY .npmrc package-lock.json package.json yarn.lock ./\nRUN if [ -f yarn.lock ]; then yarn --frozen-lockfile; \\\n  elif [ -f package-lock.json ]; then npm ci; \\\n  elif [ -f pnpm-lock.yaml ]; then corepack enable pnpm && pnpm i --frozen-lockfile; \\\n  else echo \"Lockfile not found.\" && exit 1; \\\n  fi\nCOPY . .\nRUN npm run build\n",
	},
	{
		// a test of a source file is no manifest's
		name: "lockfile-dispatch-reads-a-source",
		files: map[string]string{"Dockerfile": "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN if [ -f src/index.js ]; then yarn install; else npm ci; fi\n",
			"package.json": `{"dependencies":{"a":"1"}}`, "package-lock.json": `{"lockfileVersion":3,"packages":{"":{},"node_modules/a":{}}}`, "src/index.js": ""},
		rules: []string{"LW101"},
		note:  "may need the sources",
	},
	{
		// review 25 (dependabot): with docker-clean gone, a later apt
		// install whose own mount is refused (`rm -rf ~/.npm` would remove
		// the npm mount's point) would keep its .debs in its layer: the
		// first apt RUN gets no mount either
		name: "apt-keep-cache-with-a-later-unmounted-install",
		files: map[string]string{"Dockerfile": "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential git curl ca-certificates\nRUN apt-get update && apt-get install -y nodejs npm && npm install -g corepack@0.31 pnpm@9 && rm -rf ~/.npm\nCOPY . /app\nFROM debian:12\nCOPY --from=build /app /app\nCMD [\"/app/run\"]\n",
			"run": ""},
		rules: []string{"LW102"},
		note:  "line 3 installs apt packages too and would keep them in its layer",
	},
	{
		name: "between-corepack-prepare-elsewhere",
		files: map[string]string{"Dockerfile": "FROM node:20-alpine\nWORKDIR /app\nCOPY ./service ./\nWORKDIR /\nRUN corepack prepare --activate\nWORKDIR /app\nRUN pnpm install --production --frozen-lockfile\n",
			"service/package.json": `{"packageManager":"pnpm@9.1.0","dependencies":{"a":"1"}}`, "service/pnpm-lock.yaml": "lockfileVersion: '9.0'\n"},
		rules: []string{"LW101"},
		note:  "may read the package.json of its working directory",
	},
	{
		// the system's package index and yarn's own cache are no
		// project files (the corpus's `apk update`, `yarn cache clean`)
		name: "between-system-index-and-yarn-cache",
		files: map[string]string{"Dockerfile": "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN apk update && apk upgrade\nRUN yarn cache clean\nRUN yarn install --frozen-lockfile\n",
			"package.json": "{}", "yarn.lock": "", "index.js": ""},
		rules: []string{"LW101"},
		want:  "FROM node:20-alpine\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN apk update && apk upgrade\nRUN yarn cache clean\nRUN yarn install --frozen-lockfile\nCOPY . .\n",
	},
	{
		// it removes what the COPY brought: before the sources it would
		// remove nothing
		name: "between-removes-a-source",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN rm -rf node_modules\nRUN npm ci\n",
			"package.json": "{}", "package-lock.json": "{}", "index.js": ""},
		rules: []string{"LW101"},
		note:  "names a relative path in the directory the sources go to",
	},
	{
		// it overwrites a file the COPY brought
		name: "between-copy-over-the-sources",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nCOPY --from=registry.example.com/cfg:1 /config.json /app/config.json\nRUN npm ci\n",
			"package.json": "{}", "package-lock.json": "{}", "index.js": ""},
		rules: []string{"LW101"},
		note:  "it writes /app/config.json, where the sources go too",
	},
	{
		// useradd -m app makes /home/app with its skeleton files, which
		// after a COPY to /home/app it did not
		name: "between-user-home-is-the-destination",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /home/app\nCOPY . .\nRUN useradd -m app\nRUN npm ci\n",
			"package.json": "{}", "package-lock.json": "{}", "index.js": ""},
		rules: []string{"LW101"},
		note:  "makes a home directory where the sources go",
	},
	{
		// yarn 2+ writes config set into the project's .yarnrc.yml, which
		// the COPY of the sources would put back (review finding)
		name: "between-yarn-config-set",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn config set nodeLinker node-modules\nRUN yarn install --immutable\n",
			"package.json": "{}", "yarn.lock": "", ".yarnrc.yml": "", "index.js": ""},
		rules: []string{"LW101"},
		note:  "may read or write the project's package.json or .yarnrc.yml",
	},
	{
		// a flag's value is a path too: /app/config is not there before
		// the sources (review finding)
		name: "between-flag-path",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN cp --target-directory=/app/config /etc/hostname\nRUN npm ci\n",
			"package.json": "{}", "package-lock.json": "{}", "config/a": ""},
		rules: []string{"LW101"},
		note:  "touches /app/config, where the sources go",
	},
	{
		// a package named by a local archive is read from the sources
		name: "between-local-archive",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install -g mytool-1.0.0.tar.gz\nRUN npm ci\n",
			"package.json": "{}", "package-lock.json": "{}", "mytool-1.0.0.tar.gz": ""},
		rules: []string{"LW101"},
		note:  "installs mytool-1.0.0.tar.gz, which may be a local path",
	},
	{
		// a redirection in the install's RUN may write where the sources
		// go: the RUN is not moved before them
		name: "install-run-with-redirection",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN echo '{}' > config.json && npm ci\n",
			"package.json": "{}", "package-lock.json": "{}", "config.json": "{\"a\":1}"},
		rules: []string{"LW101"},
		note:  "before the install, which may need the sources",
	},
	{
		// npm install -g without a name installs the project itself
		name: "between-global-install-of-the-project",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install -g\nRUN npm ci\n",
			"package.json": "{}", "package-lock.json": "{}", "index.js": ""},
		rules: []string{"LW101"},
		note:  "installs the project of its working directory",
	},
	{
		// a proxy set between the COPY and the compile would not reach
		// the dependency step inserted before the sources
		name: "between-go-proxy-for-the-compile",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nENV GOPROXY=https://proxy.example.com\nRUN go build -o /app .\n",
			"go.mod": "module x\n", "go.sum": "", "main.go": "package main\n"},
		rules: []string{"LW101"},
		note:  "sets GOPROXY for the compile",
	},
	{
		// a runtime without glibc: a cgo-linked binary would not start
		name: "go-runtime-static-needs-cgo-off",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api .\nCMD [\"api\"]\n",
			".layerwise.yaml": "fix:\n  go-runtime-image: registry.example.com/distroless/static:12\n", "go.mod": "module x\n", "main.go": "package main\n"},
		rules: []string{"LW112"},
		note:  "has no glibc, and the build does not set CGO_ENABLED=0",
	},
	{
		name: "go-runtime-static-cgo-off",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /usr/local/bin/api .\nCMD [\"api\"]\n",
			".layerwise.yaml": "fix:\n  go-runtime-image: registry.example.com/distroless/static:12\n", "go.mod": "module x\n", "main.go": "package main\n"},
		rules: []string{"LW112"},
		want: "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /usr/local/bin/api .\n\n" +
			"# runtime: the binary, the CA certificates and what the build stage's image held at run time, without the Go toolchain\n" +
			"FROM registry.example.com/distroless/static:12\nCOPY --from=build /etc/ssl/certs /etc/ssl/certs\nCOPY --from=build /usr/share/ca-certificates /usr/share/ca-certificates\n" +
			"WORKDIR /src\nCOPY --from=build /src /src\nCOPY --from=build /usr/local/bin/api /usr/local/bin/api\nCMD [\"api\"]\n",
	},
	{
		// a command in the install's RUN that neither reads nor writes
		// the sources goes with the install
		name: "commuting-command-in-the-install-run",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install -g pnpm@9 && pnpm config set store-dir /tmp/pnpm && pnpm install --frozen-lockfile && pnpm build\n",
			"package.json": "{}", "pnpm-lock.yaml": "", "index.js": ""},
		rules: []string{"LW101"},
		want:  "FROM node:20\nWORKDIR /app\nCOPY package.json pnpm-lock.yaml ./\nRUN npm install -g pnpm@9 && pnpm config set store-dir /tmp/pnpm && pnpm install --frozen-lockfile\nCOPY . .\nRUN pnpm build\n",
	},
	{
		// apt-get dist-clean empties what the mounts keep: cut with them
		name:  "apt-dist-clean-cut",
		files: map[string]string{"Dockerfile": "FROM debian:13 AS build\nRUN apt-get update && apt-get install -y curl && apt-get dist-clean\nFROM scratch\nCOPY --from=build /usr/bin/curl /curl\n"},
		rules: []string{"LW102"},
		want: "FROM debian:13 AS build\nRUN rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache\n" +
			"RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y curl\nFROM scratch\nCOPY --from=build /usr/bin/curl /curl\n",
	},
	{
		// -c is dotnet's configuration, not pip's constraints file
		name: "dotnet-restore-publish-configuration",
		files: map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY . .\nRUN dotnet restore && dotnet publish -c Release -o /app\n",
			"api.csproj": "<Project Sdk=\"Microsoft.NET.Sdk.Web\"></Project>\n", "Program.cs": ""},
		rules: []string{"LW101"},
		want:  "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY api.csproj ./\nRUN dotnet restore\nCOPY . .\nRUN dotnet publish -c Release -o /app\n",
	},
	{
		// apt needs no user: its cache paths do not depend on HOME, and a
		// RUN that runs apt-get itself runs as root in any build that
		// works; the same answer with and without the base's config
		name:  "apt-mounts-on-unknown-base",
		files: map[string]string{"Dockerfile": "FROM registry.example.com/team/base:1\nRUN apt-get update && apt-get install -y curl\n"},
		rules: []string{"LW102"},
		// (the shipped image's stage: docker-clean stays, the lists alone
		// are mounted: reviews 26-32)
		want: "FROM registry.example.com/team/base:1\nRUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y curl\n",
	},
	{
		// the base is not known, but apt-get install works only as root:
		// the RUN runs as root, so pip's cache under /root gets its mount
		// too (review 5: realtime's builder stage)
		name:  "apt-and-pip-on-unknown-base",
		files: map[string]string{"Dockerfile": "FROM registry.example.com/team/base:1\nRUN apt-get update && apt-get install -y gcc && pip install flask\n"},
		rules: []string{"LW102"},
		want:  "FROM registry.example.com/team/base:1\nRUN --mount=type=cache,target=/root/.cache/pip --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y gcc && pip install flask\n",
	},
	{
		// no system install as the base's user: its user stays unknown
		name:  "pip-on-unknown-base-alone",
		files: map[string]string{"Dockerfile": "FROM registry.example.com/team/base:1\nRUN pip install flask\n"},
		rules: []string{"LW102"},
		note:  "not known here",
	},
	{
		// sudo apt-get proves nothing of the user
		name:  "sudo-apt-on-unknown-base",
		files: map[string]string{"Dockerfile": "FROM registry.example.com/team/base:1\nRUN sudo apt-get install -y gcc\nRUN pip install flask\n"},
		rules: []string{"LW102"},
		note:  "not known here",
	},
	{
		// sudo apt-get under a user that is not known: not read as apt,
		// nothing mounted, no keep-cache RUN (it would need root)
		name:  "sudo-apt-on-unknown-base",
		files: map[string]string{"Dockerfile": "FROM registry.example.com/team/base:1\nRUN sudo apt-get update && sudo apt-get install -y curl\n"},
		rules: []string{"LW102"},
		want:  "FROM registry.example.com/team/base:1\nRUN sudo apt-get update && sudo apt-get install -y curl\n",
	},
	{
		// the last line of a continued RUN goes with the mount: the RUN
		// must still end before ENTRYPOINT
		name:  "mount-cuts-last-continued-line",
		files: map[string]string{"Dockerfile": "FROM debian:12 AS tools\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends jq \\\n    && apt-get clean\nENTRYPOINT [\"jq\"]\nFROM scratch\nCOPY --from=tools /usr/bin/jq /jq\n"},
		rules: []string{"LW102"},
		want: "FROM debian:12 AS tools\nRUN rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache\n" +
			"RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update \\\n    && apt-get install -y --no-install-recommends jq\nENTRYPOINT [\"jq\"]\nFROM scratch\nCOPY --from=tools /usr/bin/jq /jq\n",
	},
	{
		// an install in a subdirectory: that directory's manifests first,
		// the install split from the build, the build still in the
		// subdirectory
		name: "install-in-subdirectory-cd",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN cd client && npm i && npm run build\nCMD [\"node\", \"server.js\"]\n",
			"client/package.json": "{}", "client/package-lock.json": "{}", "client/src/a.js": "", "server.js": ""},
		rules: []string{"LW101"},
		want:  "FROM node:20\nWORKDIR /app\nCOPY client/package-lock.json client/package.json client/\nRUN cd client && npm i\nCOPY . .\nRUN cd client && npm run build\nCMD [\"node\", \"server.js\"]\n",
	},
	{
		name: "install-in-subdirectory-prefix",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm --prefix web ci && npm --prefix web run build\n",
			"web/package.json": "{}", "web/package-lock.json": "{}", "web/index.js": ""},
		rules: []string{"LW101"},
		want:  "FROM node:20\nWORKDIR /app\nCOPY web/package-lock.json web/package.json web/\nRUN npm --prefix web ci\nCOPY . .\nRUN npm --prefix web run build\n",
	},
	{
		// WORKDIR client before the install: the source COPY keeps the
		// destination it had (made absolute, as it now follows the WORKDIR)
		name: "install-in-subdirectory-workdir",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nWORKDIR /app/client\nRUN npm ci\nCMD [\"npm\", \"start\"]\n",
			"client/package.json": "{}", "client/package-lock.json": "{}", "client/index.js": ""},
		rules: []string{"LW101"},
		want:  "FROM node:20\nWORKDIR /app\nCOPY client/package-lock.json client/package.json client/\nWORKDIR /app/client\nRUN npm ci\nCOPY . /app\nCMD [\"npm\", \"start\"]\n",
	},
	{
		// the Maven wrapper is a manifest: mvnw and .mvn/ (a directory of
		// its own COPY) come before dependency:go-offline
		name: "maven-wrapper-manifests",
		files: map[string]string{"Dockerfile": "FROM eclipse-temurin:21\nWORKDIR /app\nCOPY . .\nRUN ./mvnw -B dependency:go-offline\nRUN ./mvnw -B -o package\n",
			"pom.xml": "<project/>", "mvnw": "#!/bin/sh\n", ".mvn/wrapper/maven-wrapper.properties": "x=1\n", "src/main/java/A.java": ""},
		rules: []string{"LW101"},
		want:  "FROM eclipse-temurin:21\nWORKDIR /app\nCOPY mvnw pom.xml ./\nCOPY .mvn .mvn/\nRUN ./mvnw -B dependency:go-offline\nCOPY . .\nRUN ./mvnw -B -o package\n",
	},
	{
		// Windows images: Linux cache paths and mounts would break them
		name:  "windows-image-left-alone",
		files: map[string]string{"Dockerfile": "# escape=`\nFROM mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-ltsc2022 AS build\nWORKDIR /source\nCOPY *.csproj .\nRUN dotnet restore\nCOPY . .\nRUN dotnet publish --no-restore -o /app\n", "app.csproj": "<Project/>"},
		note:  "a Windows image",
	},
	{
		// installs that read more than their manifests are left alone
		name:  "npm-postinstall-reads-sources",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", "package.json": `{"scripts":{"postinstall":"prisma generate"}}`, "prisma/schema.prisma": ""},
		rules: []string{"LW101"},
		note:  "postinstall script (prisma generate)",
	},
	{
		name:  "npm-postinstall-ignored-scripts",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci --ignore-scripts\n", "package.json": `{"scripts":{"postinstall":"prisma generate"}}`},
		rules: []string{"LW101"},
		want:  "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci --ignore-scripts\nCOPY . .\n",
	},
	{
		// monica's yarn stage: husky's hook setup reads nothing of the
		// sources, and with no .git sent it does nothing either way
		name:  "husky-postinstall-without-git",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n", "package.json": `{"scripts":{"postinstall":"husky install"}}`, "package-lock.json": "{}", ".dockerignore": ".git\n", ".git/HEAD": "ref: refs/heads/main\n"},
		rules: []string{"LW101"},
		want:  "FROM node:20\nWORKDIR /app\nCOPY package-lock.json package.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n",
	},
	{
		// with .git sent, the original wrote the hooks (.husky/_), the
		// moved install writes none: declared, and attributed by verify
		name:  "husky-prepare-with-git-sent",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", "package.json": `{"scripts":{"prepare":"is-ci || husky install"}}`, "package-lock.json": "{}", ".git/HEAD": "ref: refs/heads/main\n"},
		rules: []string{"LW101"},
		want:  "FROM node:20\nWORKDIR /app\nCOPY package-lock.json package.json ./\nRUN npm ci\nCOPY . .\n",
	},
	{
		name:  "husky-install-script-of-the-sources",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", "package.json": `{"scripts":{"prepare":"node .husky/install.mjs"}}`, "package-lock.json": "{}", ".dockerignore": ".git\n"},
		rules: []string{"LW101"},
		note:  "prepare script (node .husky/install.mjs)",
	},
	{
		// train-ticket's ts-avatar-service: ADD . /app/ puts the sources
		// in /app, where WORKDIR /app installs
		name:  "dest-with-trailing-slash",
		files: map[string]string{"Dockerfile": "FROM python:3.12\nRUN mkdir -p /app\nADD . /app/\nWORKDIR /app\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n", "requirements.txt": "flask\n", "app.py": ""},
		rules: []string{"LW101"},
		want:  "FROM python:3.12\nRUN mkdir -p /app\nADD requirements.txt /app/\nWORKDIR /app\nRUN pip install -r requirements.txt\nADD . /app/\nCMD [\"python\", \"app.py\"]\n",
	},
	{
		// bitwarden's admin: the manifests are copied already, the sources
		// come before the install: the install only moves up
		name:  "manifests-copied-already",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY src/Admin/package*.json ./\nCOPY /src/Admin/ .\nRUN npm ci\nRUN npm run build\n", "src/Admin/package.json": "{}", "src/Admin/package-lock.json": "{}", "src/Admin/index.js": ""},
		rules: []string{"LW101"},
		want:  "FROM node:20\nWORKDIR /app\nCOPY src/Admin/package*.json ./\nRUN npm ci\nCOPY /src/Admin/ .\nRUN npm run build\n",
	},
	{
		// bitwarden: `. /tmp/rid.txt` reads a file an earlier RUN wrote,
		// outside the sources: it moves with the install
		name:  "source-a-file-outside-the-sources",
		files: map[string]string{"Dockerfile": "FROM node:20\nRUN echo NODE_ENV=production > /tmp/env\nWORKDIR /app\nCOPY . .\nRUN . /tmp/env && npm ci\n", "package.json": "{}", "package-lock.json": "{}", "index.js": ""},
		rules: []string{"LW101"},
		want:  "FROM node:20\nRUN echo NODE_ENV=production > /tmp/env\nWORKDIR /app\nCOPY package-lock.json package.json ./\nRUN . /tmp/env && npm ci\nCOPY . .\n",
	},
	{
		name:  "source-a-file-of-the-sources",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN . ./build.env && npm ci\n", "package.json": "{}", "package-lock.json": "{}", "build.env": "X=1\n"},
		rules: []string{"LW101"},
		note:  "before the install, which may need the sources",
	},
	{
		// each tool's own -f: npm's --force, not a file
		name:  "force-flags-are-not-files",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci -f\n", "package.json": "{}", "package-lock.json": "{}", "index.js": ""},
		rules: []string{"LW101"},
		want:  "FROM node:20\nWORKDIR /app\nCOPY package-lock.json package.json ./\nRUN npm ci -f\nCOPY . .\n",
	},
	{
		// maven's -f names the pom elsewhere
		name:  "maven-file-flag",
		files: map[string]string{"Dockerfile": "FROM maven:3-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN mvn -B -f server/pom.xml package\n", "server/pom.xml": "<project/>", "pom.xml": "<project/>"},
		rules: []string{"LW101"},
		note:  "reads its manifests from elsewhere (-f)",
	},
	{
		name:  "pip-install-dot",
		files: map[string]string{"Dockerfile": "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install .\n", "pyproject.toml": "[project]\n", "app/__init__.py": ""},
		rules: []string{"LW101"},
		note:  "builds a local project from its sources",
	},
	{
		name:  "pip-requirements-include-local",
		files: map[string]string{"Dockerfile": "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", "requirements.txt": "flask\n-e ./libs/common\n", "libs/common/setup.py": ""},
		rules: []string{"LW101"},
		note:  "installs a local path",
	},
	{
		// go mod download reads the go.mod of a module replaced by a local
		// directory: it comes with the manifests, to its own directory
		name:  "go-local-replace",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app ./cmd/api\n", "go.mod": "module x\n\nreplace example.com/shared => ./shared\n", "go.sum": "", "cmd/api/main.go": "package main\n", "shared/go.mod": "module example.com/shared\n"},
		rules: []string{"LW101"},
		want:  "FROM golang:1.22\nWORKDIR /src\nCOPY shared/go.mod shared/\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app ./cmd/api\n",
	},
	{
		// a service next to the module it replaces (../shared), the
		// compile in its own directory by `cd`: both modules' manifests,
		// transitively, and the download where the compile runs
		name: "go-sibling-replace-cd-compile",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN cd svc && go build -o /app ./cmd/svc\n",
			"svc/go.mod": "module svc\n\nreplace example.com/shared => ../shared\n", "svc/go.sum": "", "svc/cmd/svc/main.go": "package main\n",
			"shared/go.mod": "module example.com/shared\n\nreplace example.com/util => ../util\n", "shared/go.sum": "", "util/go.mod": "module example.com/util\n"},
		rules: []string{"LW101"},
		want:  "FROM golang:1.22\nWORKDIR /src\nCOPY shared/go.mod shared/go.sum shared/\nCOPY util/go.mod util/\nCOPY svc/go.mod svc/go.sum svc/\nRUN cd svc && go mod download\nCOPY . .\nRUN cd svc && go build -o /app ./cmd/svc\n",
	},
	{
		// a WORKDIR between the COPY and the compile: the inserted
		// download changes to it
		name: "go-compile-after-workdir",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nWORKDIR /src/svc\nRUN go build -o /app .\n",
			"svc/go.mod": "module svc\n", "svc/go.sum": "", "svc/main.go": "package main\n"},
		rules: []string{"LW101"},
		want:  "FROM golang:1.22\nWORKDIR /src\nCOPY svc/go.mod svc/go.sum svc/\nRUN cd svc && go mod download\nCOPY . .\nWORKDIR /src/svc\nRUN go build -o /app .\n",
	},
	{
		// a compile in a package directory of a module at the root: the
		// download runs where go.mod is
		name: "go-compile-in-package-dir",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN cd cmd/api && go build -o /app .\n",
			"go.mod": "module x\n", "go.sum": "", "cmd/api/main.go": "package main\n"},
		rules: []string{"LW101"},
		want:  "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN cd cmd/api && go build -o /app .\n",
	},
	{
		name: "go-compile-in-package-dir-workdir",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nWORKDIR /src/svc/cmd/api\nRUN go build -o /app .\n",
			"svc/go.mod": "module svc\n", "svc/go.sum": "", "svc/cmd/api/main.go": "package main\n"},
		rules: []string{"LW101"},
		want:  "FROM golang:1.22\nWORKDIR /src\nCOPY svc/go.mod svc/go.sum svc/\nRUN cd svc && go mod download\nCOPY . .\nWORKDIR /src/svc/cmd/api\nRUN go build -o /app .\n",
	},
	{
		name:  "go-replace-outside-the-context",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n", "go.mod": "module x\n\nreplace example.com/shared => ../shared\n", "main.go": "package main\n"},
		rules: []string{"LW101"},
		note:  "outside the build context",
	},
	{
		name:  "go-replace-without-go-mod",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n", "go.mod": "module x\n\nreplace example.com/shared => ./shared\n", "main.go": "package main\n", "shared/x.go": "package shared\n"},
		rules: []string{"LW101"},
		note:  "has no go.mod",
	},
	{
		// the replaced module is not under what the COPY copies
		name:  "go-replace-outside-the-copy",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY svc/ .\nRUN go build -o /app .\n", "svc/go.mod": "module x\n\nreplace example.com/shared => ../shared\n", "svc/main.go": "package main\n", "shared/go.mod": "module example.com/shared\n"},
		rules: []string{"LW101"},
		note:  "does not copy",
	},
	{
		// a reference outside the context: the original build could not
		// read it either, and there is nowhere to copy it from
		name:  "dotnet-project-reference-outside",
		files: map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -o /out\n", "Api.csproj": "<Project><ItemGroup><ProjectReference Include=\"../Lib/Lib.csproj\" /></ItemGroup></Project>", "Program.cs": ""},
		rules: []string{"LW101"},
		note:  "outside the build context",
	},
	{
		// Visual Studio's layout: the restore names a project that
		// references another (with Windows separators); each project file
		// goes to its own directory, the files MSBuild and NuGet look for
		// above them with the main manifest COPY (eShop-style services)
		name: "dotnet-project-references-followed",
		files: map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY . .\nRUN dotnet restore \"Api/Api.csproj\"\nRUN dotnet publish \"Api/Api.csproj\" -c Release -o /app --no-restore\n",
			"Api/Api.csproj":         "<Project Sdk=\"Microsoft.NET.Sdk.Web\"><ItemGroup><ProjectReference Include=\"..\\Lib\\Lib.csproj\" /></ItemGroup></Project>",
			"Api/packages.lock.json": "{}", "Api/Program.cs": "", "Lib/Lib.csproj": "<Project Sdk=\"Microsoft.NET.Sdk\"/>", "Lib/X.cs": "",
			"Directory.Build.props": "<Project><Import Project=\"$([MSBuild]::GetPathOfFileAbove('Directory.Build.props', '$(MSBuildThisFileDirectory)../'))\" /><Import Project=\"build/common.props\" /></Project>",
			"build/common.props":    "<Project/>", "build/tool.sh": "", "NuGet.config": "<configuration/>", "README.md": ""},
		rules: []string{"LW101"},
		want:  "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY Api/Api.csproj Api/packages.lock.json Api/\nCOPY Lib/Lib.csproj Lib/\nCOPY build/common.props build/\nCOPY Directory.Build.props NuGet.config ./\nRUN dotnet restore \"Api/Api.csproj\"\nCOPY . .\nRUN dotnet publish \"Api/Api.csproj\" -c Release -o /app --no-restore\n",
	},
	{
		// a solution restores every project it lists (solution folders
		// are names, not files); the compile gets its dependency step
		name: "dotnet-solution-projects-followed",
		files: map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -c Release -o /app\n",
			"App.sln":            "Microsoft Visual Studio Solution File, Format Version 12.00\nProject(\"{2150E333-8FDC-42A3-9474-1A3956D46DE8}\") = \"src\", \"src\", \"{1}\"\nEndProject\nProject(\"{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}\") = \"Api\", \"src\\Api\\Api.csproj\", \"{2}\"\nEndProject\n",
			"src/Api/Api.csproj": "<Project Sdk=\"Microsoft.NET.Sdk.Web\"/>", "src/Api/Program.cs": "", "src/Directory.Packages.props": "<Project/>", "global.json": "{}"},
		rules: []string{"LW101"},
		want:  "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY src/Directory.Packages.props src/\nCOPY src/Api/Api.csproj src/Api/\nCOPY App.sln global.json ./\nRUN dotnet restore\nCOPY . .\nRUN dotnet publish -c Release -o /app\n",
	},
	{
		// Laravel's shape: the install moves with --no-scripts
		// --no-autoloader; the autoloader (whose post-autoload-dump runs
		// artisan) and post-install-cmd run after the sources, with the
		// install's --no-dev and optimisation
		name: "composer-autoload-split",
		files: map[string]string{"Dockerfile": "FROM php:8.3-cli\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/composer\nWORKDIR /app\nCOPY . .\nRUN COMPOSER_ALLOW_SUPERUSER=1 composer install --no-dev -o\nCMD [\"php\", \"artisan\", \"serve\"]\n",
			"composer.json": `{"autoload": {"psr-4": {"App\\": "app/"}}, "scripts": {"post-autoload-dump": ["@php artisan package:discover"], "post-install-cmd": ["@php -r 1;"]}}`,
			"composer.lock": "{}", "app/A.php": "", "artisan": ""},
		rules: []string{"LW101"},
		want:  "FROM php:8.3-cli\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/composer\nWORKDIR /app\nCOPY composer.json composer.lock ./\nRUN COMPOSER_ALLOW_SUPERUSER=1 composer install --no-dev -o --no-autoloader --no-scripts\nCOPY . .\nRUN COMPOSER_ALLOW_SUPERUSER=1 composer dump-autoload --no-dev --optimize && COMPOSER_ALLOW_SUPERUSER=1 composer run-script --no-dev post-install-cmd\nCMD [\"php\", \"artisan\", \"serve\"]\n",
	},
	{
		// the rest of the RUN stays after the sources, behind the
		// autoloader
		name: "composer-autoload-split-in-a-chain",
		files: map[string]string{"Dockerfile": "FROM php:8.3-cli\nWORKDIR /app\nCOPY . .\nRUN composer install && php artisan config:cache\n",
			"composer.json": `{"autoload": {"classmap": ["src/"]}}`, "composer.lock": "{}", "src/A.php": ""},
		rules: []string{"LW101"},
		want:  "FROM php:8.3-cli\nWORKDIR /app\nCOPY composer.json composer.lock ./\nRUN composer install --no-autoloader --no-scripts\nCOPY . .\nRUN composer dump-autoload\nRUN php artisan config:cache\n",
	},
	{
		// the official images' `set -ex; a; b` style (monica's yarn stage):
		// under errexit a ; list stops at the first failure as an && chain
		// does, so the install moves and the rest runs after the sources
		// under the same set
		name: "set-e-semicolon-chain",
		files: map[string]string{"Dockerfile": "FROM node:22 AS yarn\nWORKDIR /var/www/html\nCOPY . ./\nRUN set -ex; \\\n    \\\n    yarn install --immutable; \\\n    yarn run build\n",
			"package.json": `{"name":"x"}`, "yarn.lock": "", "src/a.js": ""},
		rules: []string{"LW101"},
		want:  "FROM node:22 AS yarn\nWORKDIR /var/www/html\nCOPY package.json yarn.lock ./\nRUN set -ex; \\\n    \\\n    yarn install --immutable\nCOPY . ./\nRUN set -ex; yarn run build\n",
	},
	{
		// without errexit a ; list runs on after a failure: not split
		name:  "semicolon-chain-without-errexit",
		files: map[string]string{"Dockerfile": "FROM node:22\nWORKDIR /app\nCOPY . ./\nRUN set -x; yarn install; yarn run build\n", "package.json": `{"name":"x"}`, "yarn.lock": "", "src/a.js": ""},
		rules: []string{"LW101"},
		note:  "cannot be split safely",
	},
	{
		// ; and && mixed: under errexit a failure inside an && list does
		// not stop the script, so the parts would not fail alike
		name:  "set-e-mixed-separators",
		files: map[string]string{"Dockerfile": "FROM node:22\nWORKDIR /app\nCOPY . ./\nRUN set -e; yarn install && yarn run build; echo done\n", "package.json": `{"name":"x"}`, "yarn.lock": "", "src/a.js": ""},
		rules: []string{"LW101"},
		note:  "cannot be split safely",
	},
	{
		// fix --rule LW101 alone: no .dockerignore rewrite follows, and the
		// sent node_modules would overwrite the installed one
		name:  "npm-node-modules-sent-without-the-ignore-fix",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", "package.json": `{"name":"x"}`, "package-lock.json": "{}", "node_modules/left-pad/index.js": "", "x.js": ""},
		rules: []string{"LW101"},
		note:  "the context sends node_modules",
	},
	{
		name:  "composer-pre-install-script",
		files: map[string]string{"Dockerfile": "FROM php:8.3-cli\nWORKDIR /app\nCOPY . .\nRUN composer install\n", "composer.json": `{"scripts": {"pre-install-cmd": "php tools/check.php"}}`, "composer.lock": "{}", "tools/check.php": ""},
		rules: []string{"LW101"},
		note:  "pre-install-cmd script runs during the install",
	},
	{
		// a vendor directory the context sends would be copied over
		// what the install made, once the install runs first: without
		// the .dockerignore fix, no move
		name:  "composer-vendor-sent",
		files: map[string]string{"Dockerfile": "FROM php:8.3-cli\nWORKDIR /app\nCOPY . .\nRUN composer install --no-scripts --no-autoloader\n", "composer.json": `{}`, "composer.lock": "{}", "vendor/autoload.php": "", "index.php": ""},
		rules: []string{"LW101"},
		note:  "the context sends vendor",
	},
	{
		// what the fixer cannot follow exactly, it names
		name:  "dotnet-project-reference-pattern",
		files: map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -o /out\n", "Api.csproj": "<Project><ItemGroup><ProjectReference Include=\"libs\\**\\*.csproj\" /></ItemGroup></Project>", "libs/a/a.csproj": "<Project/>"},
		rules: []string{"LW101"},
		note:  "by a pattern or property",
	},
	{
		name:  "dotnet-import-from-a-property",
		files: map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -o /out\n", "Api.csproj": "<Project><Import Project=\"$(SolutionDir)build.props\" /></Project>", "build.props": "<Project/>"},
		rules: []string{"LW101"},
		note:  "cannot resolve",
	},
	{
		// the solution lists a project the context lacks (.dockerignore'd
		// tests): the restore would fail on it before the sources come
		name:  "dotnet-solution-lists-a-missing-project",
		files: map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore App.sln\n", "App.sln": "Project(\"{F}\") = \"T\", \"tests\\T.csproj\", \"{3}\"\nEndProject\n", ".dockerignore": "tests\n", "tests/T.csproj": "<Project/>"},
		rules: []string{"LW101"},
		note:  "does not have",
	},
	{
		// the install runs outside the copied sources: left alone
		name:  "install-outside-the-copy",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY src/ /srv/\nRUN npm ci\n", "src/package.json": "{}", "src/x.js": ""},
		rules: []string{"LW101"},
		note:  "outside /srv",
	},
	{
		// the inserted dependency step leaves the package store in its
		// layer (a registry cache carries it to a fresh CI builder); the
		// compile's mount over the store would hide it, so it goes
		name:  "dotnet-restore-keeps-the-store-in-its-layer",
		files: map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /source\nCOPY . .\nRUN --mount=type=cache,target=/root/.nuget \\\n    dotnet publish -o /app api.csproj\n", "api.csproj": "<Project/>", "Program.cs": ""},
		rules: []string{"LW101"},
		want:  "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /source\nCOPY api.csproj ./\nRUN dotnet restore api.csproj\nCOPY . .\nRUN dotnet publish -o /app api.csproj\n",
	},
	{
		// node's USER node is uid 1000 with HOME /home/node
		name:  "npm-cache-mount-node-user",
		files: map[string]string{"Dockerfile": "FROM node:20\nUSER node\nRUN npm install -g pm2\n"},
		rules: []string{"LW102"},
		want:  "FROM node:20\nUSER node\nRUN --mount=type=cache,target=/home/node/.npm,uid=1000,gid=1000 npm install -g pm2\n",
	},
	{
		// apk's cache is a download cache: each RUN gets its own mount
		// (one fix each), the index refreshed in every add
		name:  "download-cache-mount-per-run",
		files: map[string]string{"Dockerfile": "FROM alpine:3.20\nRUN apk add gcc\nRUN apk add --no-cache a-dev; apk add --no-cache b-dev\n"},
		rules: []string{"LW102"},
		want:  "FROM alpine:3.20\nRUN --mount=type=cache,target=/etc/apk/cache,sharing=locked apk add --update-cache gcc\nRUN --mount=type=cache,target=/etc/apk/cache,sharing=locked apk add --update-cache a-dev; apk add --update-cache b-dev\n",
	},
	{
		// apk caches packages only in /etc/apk/cache; --no-cache would
		// bypass the mount and becomes --update-cache (a fresh index, as
		// before), in every apk add of the RUN
		name:  "apk-cache-mount-update-cache",
		files: map[string]string{"Dockerfile": "FROM alpine:3.20\nRUN apk add --no-cache --virtual .deps \\\n      gcc \\\n    && make \\\n    && apk del .deps \\\n    && apk add --no-cache curl\nCMD [\"sh\"]\n"},
		rules: []string{"LW102"},
		want:  "FROM alpine:3.20\nRUN --mount=type=cache,target=/etc/apk/cache,sharing=locked apk add --update-cache --virtual .deps \\\n      gcc \\\n    && make \\\n    && apk del .deps \\\n    && apk add --update-cache curl\nCMD [\"sh\"]\n",
	},
	{
		// a comment line above the cut clean-up (saleor's) stays, after
		// the RUN's end: the `\` before it would run on into WORKDIR
		name:  "mount-cuts-cleaning-after-comment-line",
		files: map[string]string{"Dockerfile": "FROM python:3.12 AS build\n\nRUN apt-get -y update \\\n  && apt-get install -y gettext \\\n  # Cleanup apt cache\n  && apt-get clean \\\n  && rm -rf /var/lib/apt/lists/*\n\nWORKDIR /app\nFROM python:3.12-slim\nCOPY --from=build /app /app\n"},
		rules: []string{"LW102"},
		want:  "FROM python:3.12 AS build\n\nRUN rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get -y update \\\n  && apt-get install -y gettext\n  # Cleanup apt cache\n\nWORKDIR /app\nFROM python:3.12-slim\nCOPY --from=build /app /app\n",
	},
	{
		name:  "mount-cuts-cleaning-trailing-operator",
		files: map[string]string{"Dockerfile": "FROM node:20\nCOPY package.json ./\nRUN npm ci && \\\n    npm cache clean --force\nCOPY . .\n", "package.json": "{}"},
		rules: []string{"LW102"},
		want:  "FROM node:20\nCOPY package.json ./\nRUN --mount=type=cache,target=/root/.npm npm ci\nCOPY . .\n",
	},
	{
		// rm of a mounted cache and of something else: the cache's path
		// leaves the rm, the rest stays (review 36: onyx's sandbox)
		name:  "mount-rm-of-more-keeps-the-rest",
		files: map[string]string{"Dockerfile": "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt && rm -rf /root/.cache/pip /tmp/build\n", "requirements.txt": "x\n"},
		rules: []string{"LW102"},
		want:  "FROM python:3.12\nCOPY requirements.txt .\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt && rm -rf /tmp/build\n",
	},
	{
		// go build reads the module cache: both RUNs get the module cache
		// mount (the same mount, or none), the build also the build cache
		// the modules are a store the build reads: they stay in the
		// download step's layer (a registry cache carries it to a fresh CI
		// builder, where every cache mount is empty); only the build cache,
		// which the compile alone reads, goes in a mount
		name:  "go-module-cache-on-download-and-build",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\n", "go.mod": "module x\n", "go.sum": "", "main.go": "package main\n"},
		rules: []string{"LW102"},
		want:  "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n",
	},
	{
		// a later RUN builds through make: the modules stay in the layer
		name:  "go-module-cache-opaque-build",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN make build\n", "go.mod": "module x\n", "go.sum": "", "Makefile": "build:\n\tgo build ./...\n"},
		rules: []string{"LW102"},
	},
	{
		name:  "go-module-cache-silenced-on-download",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\n# layerwise ignore=LW102\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\n", "go.mod": "module x\n", "go.sum": "", "main.go": "package main\n"},
		rules: []string{"LW102"},
		want:  "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\n# layerwise ignore=LW102\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n",
	},
	{
		// the build runs offline: on a fresh builder a mounted module
		// cache would be empty and the build would fail (issue 22)
		name:  "go-offline-build-keeps-modules-in-layer",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN GOPROXY=off go build -o /app .\n", "go.mod": "module x\n", "go.sum": "", "main.go": "package main\n"},
		rules: []string{"LW102"},
		want:  "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build GOPROXY=off go build -o /app .\n",
	},
	{
		// one RUN fills and reads the module cache: both caches are mounts
		name:  "go-single-build-mounts-both",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n", "go.mod": "module x\n", "go.sum": "", "main.go": "package main\n"},
		rules: []string{"LW102"},
		want:  "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n",
	},
	{
		// a development image runs `go run`: the modules are read at run time
		name:  "go-run-at-runtime-keeps-modules",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nCMD [\"go\", \"run\", \".\"]\n", "go.mod": "module x\n", "go.sum": "", "main.go": "package main\n"},
		rules: []string{"LW102"},
	},
	{
		// NuGet's packages before --no-restore are a store: no mount on
		// the restore; the publish reads no download at all
		name:  "dotnet-restore-then-no-restore",
		files: map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY app.csproj ./\nRUN dotnet restore\nCOPY . .\nRUN dotnet publish -c Release --no-restore -o /out\n", "app.csproj": "<Project/>\n", "Program.cs": "class P {}\n"},
		rules: []string{"LW102"},
	},
	{
		// a development image whose command runs the SDK
		name:  "dotnet-run-at-runtime",
		files: map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY app.csproj ./\nRUN dotnet restore\nCOPY . .\nCMD [\"dotnet\", \"run\"]\n", "app.csproj": "<Project/>\n", "Program.cs": "class P {}\n"},
		rules: []string{"LW102"},
	},
	{
		name:  "maven-offline-package",
		files: map[string]string{"Dockerfile": "FROM maven:3-eclipse-temurin-21\nWORKDIR /src\nCOPY pom.xml ./\nRUN mvn -B dependency:go-offline\nCOPY . .\nRUN mvn -B -o package\n", "pom.xml": "<project/>\n"},
		rules: []string{"LW102"},
	},
	{
		// an expert's Dockerfile with the modules in a mount on both steps:
		// on a fresh CI builder the build finds none (and fails offline);
		// the modules go to the download step's layer, the build keeps its
		// build cache mount
		name:  "store-moved-out-of-its-mount",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build GOPROXY=off go build -o /app .\n", "go.mod": "module x\n", "go.sum": "", "main.go": "package main\n"},
		rules: []string{"LW117"},
		want:  "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build GOPROXY=off go build -o /app .\n",
	},
	{
		// the store's mount on the download cannot be removed (not on the
		// RUN's first line): dropping the build's alone would leave the
		// offline build an empty module cache, so neither is touched
		name:  "store-mount-kept-when-the-filler-cannot-be-fixed",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN \\\n    --mount=type=cache,target=/go/pkg/mod \\\n    go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod GOPROXY=off go build -o /app .\n", "go.mod": "module x\n", "go.sum": "", "main.go": "package main\n"},
		rules: []string{"LW117"},
		note:  "not written plainly on its first line",
	},
	{
		// a vendored offline build reads no module cache: its build cache
		// mount is a cache, kept
		name:  "vendored-offline-build-keeps-its-build-cache",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nENV GOFLAGS=-mod=vendor GOPROXY=off\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n", "go.mod": "module x\n", "main.go": "package main\n", "vendor/modules.txt": ""},
		rules: []string{"LW117", "LW102"},
	},
	{
		// NuGet's packages before --no-restore
		name:  "nuget-store-moved-out-of-its-mount",
		files: map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY app.csproj ./\nRUN --mount=type=cache,target=/root/.nuget/packages dotnet restore\nCOPY . .\nRUN dotnet publish -c Release --no-restore -o /out\n", "app.csproj": "<Project/>\n", "Program.cs": ""},
		rules: []string{"LW117"},
		want:  "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY app.csproj ./\nRUN dotnet restore\nCOPY . .\nRUN dotnet publish -c Release --no-restore -o /out\n",
	},
	{
		// rm -rf /var/cache/* would remove the mount point /var/cache/apt:
		// "Device or resource busy" on every build
		name:  "apt-mount-point-removed",
		files: map[string]string{"Dockerfile": "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y curl && rm -rf /var/cache/*\nFROM scratch\nCOPY --from=build /usr/bin/curl /curl\n"},
		rules: []string{"LW102"},
		note:  "would remove the mount point /var/cache/apt",
	},
	{
		// the same rm with the lists in it, in the shipped image's stage
		// (the lists alone mounted): it empties the mount and more
		name:  "apt-lists-emptied-with-more",
		files: map[string]string{"Dockerfile": "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/cache/* /var/lib/apt/lists/*\n"},
		rules: []string{"LW102"},
		// the mounted path leaves the rm, the other stays (review 36:
		// kestra's `rm -rf /var/lib/apt/lists/* /var/tmp/* /tmp/*`)
		want: "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y curl && rm -rf /var/cache/*\n",
	},
	{
		// two mounted paths and another (code review): both go at once
		name:  "apt-two-mounted-paths-and-tmp",
		files: map[string]string{"Dockerfile": "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y gcc && rm -rf /var/cache/apt/archives/* /var/cache/apt/*.bin /tmp/*\nRUN gcc -o /a a.c\nFROM scratch\nCOPY --from=build /a /a\n"},
		rules: []string{"LW102"},
		want:  "FROM debian:12 AS build\nRUN rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get update && apt-get install -y gcc && rm -rf /tmp/*\nRUN gcc -o /a a.c\nFROM scratch\nCOPY --from=build /a /a\n",
	},
	{
		// a path through a variable beside it: not known, left alone
		name:  "apt-lists-emptied-with-a-variable",
		files: map[string]string{"Dockerfile": "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf $TMPDIR/* /var/lib/apt/lists/*\n"},
		rules: []string{"LW102"},
		note:  "which may be what a cache mount keeps",
	},
	{
		// a later RUN installs from the lists this one fetched: they stay
		// in the layer, only the downloaded packages go in a mount
		name:  "apt-lists-read-later",
		files: map[string]string{"Dockerfile": "FROM debian:12\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get install -y curl\nRUN apt-get install -y git\n"},
		rules: []string{"LW102"},
		want:  "FROM debian:12\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get update && apt-get install -y curl\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get install -y git\n",
	},
	{
		// a named user whose uid the image does not tell
		name:  "named-user-left-alone",
		files: map[string]string{"Dockerfile": "FROM python:3.12\nUSER app\nRUN pip install --user flask\n"},
		rules: []string{"LW102"},
		note:  "USER app is not root",
	},
	{
		name:  "install-and-build-split",
		files: map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm ci && npm run build\n", "package.json": "{}"},
		rules: []string{"LW101"},
		want:  "FROM node:20\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n",
	},
	{
		name:  "install-and-build-split-across-lines",
		files: map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN --mount=type=cache,target=/root/.npm npm ci \\\n    && npm run build \\\n    && npm prune --omit=dev\n", "package.json": "{}"},
		rules: []string{"LW101"},
		// the RUN's flags go on both parts (a secret or a cache the rest
		// reads: review 4's f1/f2)
		want: "FROM node:20\nCOPY package.json ./\nRUN --mount=type=cache,target=/root/.npm npm ci\nCOPY . .\nRUN --mount=type=cache,target=/root/.npm npm run build \\\n    && npm prune --omit=dev\n",
	},
	{
		// a secret the build reads stays with the build
		name:  "split-keeps-secret-mounts",
		files: map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN --mount=type=secret,id=sentry,env=SENTRY_AUTH_TOKEN npm ci && npm run build\n", "package.json": "{}"},
		rules: []string{"LW101"},
		want:  "FROM node:20\nCOPY package.json ./\nRUN --mount=type=secret,id=sentry,env=SENTRY_AUTH_TOKEN npm ci\nCOPY . .\nRUN --mount=type=secret,id=sentry,env=SENTRY_AUTH_TOKEN npm run build\n",
	},
	{
		// set -- sets positional parameters; a later set +e undoes errexit
		name:  "set-dashdash-is-no-errexit",
		files: map[string]string{"Dockerfile": "FROM node:22\nWORKDIR /app\nCOPY . ./\nRUN set -- -e; yarn install; yarn run build\n", "package.json": `{"name":"x"}`, "yarn.lock": ""},
		rules: []string{"LW101"},
		note:  "cannot be split safely",
	},
	{
		name:  "set-e-then-set-plus-e",
		files: map[string]string{"Dockerfile": "FROM node:22\nWORKDIR /app\nCOPY . ./\nRUN set -e; set +e; yarn install; yarn run build\n", "package.json": `{"name":"x"}`, "yarn.lock": ""},
		rules: []string{"LW101"},
		note:  "cannot be split safely",
	},
	{
		name:  "install-mixed-with-build-left-alone",
		files: map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm run build; npm ci\n", "package.json": "{}"},
		rules: []string{"LW101"},
		note:  "may need the sources",
	},
	{
		// npm workspaces: every member's package.json, each to its own
		// directory, before npm ci (which links and installs them all)
		name: "npm-workspaces",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /repo\nCOPY . .\nRUN npm ci\nRUN npm run build -w api\n",
			"package.json": `{"workspaces":["packages/*","api"]}`, "package-lock.json": "{}",
			"packages/a/package.json": "{}", "packages/a/index.js": "", "packages/b/package.json": "{}", "packages/notes.md": "",
			"api/package.json": "{}", "api/src/x.ts": "", "node_modules/c/package.json": "{}"},
		rules: []string{"LW101", "LW122"}, // the ignore fix stops sending node_modules
		want: "FROM node:20\nWORKDIR /repo\nCOPY api/package.json api/\nCOPY packages/a/package.json packages/a/\nCOPY packages/b/package.json packages/b/\n" +
			"COPY package-lock.json package.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build -w api\n",
	},
	{
		name: "npm-workspaces-object-form",
		files: map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm ci\n",
			"package.json": `{"workspaces":{"packages":["libs/*"]}}`, "libs/x/package.json": "{}"},
		rules: []string{"LW101"},
		want:  "FROM node:20\nCOPY libs/x/package.json libs/x/\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n",
	},
	{
		// a member's install script may read the member's sources
		name: "npm-workspace-member-script",
		files: map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm ci\n",
			"package.json": `{"workspaces":["a"]}`, "a/package.json": `{"scripts":{"prepare":"tsc"}}`},
		rules: []string{"LW101"},
		note:  "prepare script (tsc)",
	},
	{
		name:  "npm-workspaces-globstar-left-alone",
		files: map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm ci\n", "package.json": `{"workspaces":["packages/**"]}`, "packages/a/package.json": "{}"},
		rules: []string{"LW101"},
		note:  "the fixer can expand exactly",
	},
	{
		name:  "yarn-workspaces-left-alone",
		files: map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN yarn install --frozen-lockfile\n", "package.json": `{"workspaces":["a"]}`, "yarn.lock": "", "a/package.json": "{}"},
		rules: []string{"LW101"},
		note:  "yarn workspaces",
	},
	{
		// pnpm's own recipe for a workspace (hoppscotch's, Flowise's shape):
		// the lockfile and workspace file, `pnpm fetch` before the
		// sources, the install as written after them; a build stage
		name: "pnpm-workspace-fetch-first",
		files: map[string]string{"Dockerfile": "FROM node:20 AS build\nWORKDIR /app\nRUN corepack enable\nCOPY . .\nRUN pnpm install --frozen-lockfile --prod=false && pnpm -r build\n\nFROM nginx:1.27\nCOPY --from=build /app/packages/web/dist /usr/share/nginx/html\n",
			"package.json": `{"packageManager":"pnpm@9.15.0"}`, "pnpm-lock.yaml": "lockfileVersion: '9.0'\n", "pnpm-workspace.yaml": "packages:\n  - packages/*\n", ".npmrc": "node-linker=hoisted\n",
			"packages/web/package.json": `{"scripts":{"postinstall":"node gen.js"}}`, "packages/web/gen.js": ""},
		rules: []string{"LW101"},
		want:  "FROM node:20 AS build\nWORKDIR /app\nRUN corepack enable\nCOPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc package.json ./\nRUN pnpm fetch\nCOPY . .\nRUN pnpm install --frozen-lockfile --prod=false && pnpm -r build\n\nFROM nginx:1.27\nCOPY --from=build /app/packages/web/dist /usr/share/nginx/html\n",
	},
	{
		// pnpm set up in the install's own RUN, --prod, patches the
		// lockfile names: they come with it, and the setup goes with the fetch
		name: "pnpm-workspace-fetch-setup-and-patches",
		files: map[string]string{"Dockerfile": "FROM node:20 AS deps\nWORKDIR /app\nCOPY . .\nRUN npm install -g pnpm@9 && pnpm install --prod\nFROM node:20-slim\nCOPY --from=deps /app /app\n",
			"package.json": "{}", "pnpm-lock.yaml": "lockfileVersion: '9.0'\n\npatchedDependencies:\n  left-pad@1.3.0:\n    hash: abc\n    path: patches/left-pad@1.3.0.patch\n\nimporters: {}\n", "pnpm-workspace.yaml": "packages:\n  - a\n",
			"patches/left-pad@1.3.0.patch": "", "a/package.json": "{}"},
		rules: []string{"LW101"},
		want:  "FROM node:20 AS deps\nWORKDIR /app\nCOPY pnpm-lock.yaml pnpm-workspace.yaml ./\nCOPY patches patches/\nRUN npm install -g pnpm@9 && pnpm fetch --prod\nCOPY . .\nRUN npm install -g pnpm@9 && pnpm install --prod\nFROM node:20-slim\nCOPY --from=deps /app /app\n",
	},
	{
		// review 35 (docmost): pnpm 9+'s lockfile keeps the patch's hash
		// alone, its path is in pnpm-workspace.yaml: the patches come
		// with the fetch (without them: ENOENT on a fresh builder)
		name: "pnpm-workspace-patches-named-by-the-workspace-file",
		files: map[string]string{"Dockerfile": "FROM node:20 AS deps\nWORKDIR /app\nCOPY . .\nRUN pnpm install --prod\nFROM node:20-slim\nCOPY --from=deps /app /app\n",
			"package.json": "{}", "pnpm-lock.yaml": "lockfileVersion: '9.0'\n\npatchedDependencies:\n  scimmy@1.3.5: 775d80f8\n\nimporters: {}\n", "pnpm-workspace.yaml": "packages:\n  - a\npatchedDependencies:\n  scimmy@1.3.5: patches/scimmy@1.3.5.patch\n",
			"patches/scimmy@1.3.5.patch": "", "a/package.json": "{}"},
		rules: []string{"LW101"},
		want:  "FROM node:20 AS deps\nWORKDIR /app\nCOPY pnpm-lock.yaml pnpm-workspace.yaml ./\nCOPY patches patches/\nRUN pnpm fetch --prod\nCOPY . .\nRUN pnpm install --prod\nFROM node:20-slim\nCOPY --from=deps /app /app\n",
	},
	{
		// the patches named by package.json's pnpm field: package.json
		// comes with them (code review)
		name: "pnpm-workspace-patches-named-by-package-json",
		files: map[string]string{"Dockerfile": "FROM node:20 AS deps\nWORKDIR /app\nCOPY . .\nRUN pnpm install --prod\nFROM node:20-slim\nCOPY --from=deps /app /app\n",
			"package.json": `{"pnpm":{"patchedDependencies":{"scimmy@1.3.5":"patches/scimmy@1.3.5.patch"}}}`, "pnpm-lock.yaml": "lockfileVersion: '9.0'\n\npatchedDependencies:\n  scimmy@1.3.5: 775d80f8\n\nimporters: {}\n", "pnpm-workspace.yaml": "packages:\n  - a\n",
			"patches/scimmy@1.3.5.patch": "", "a/package.json": "{}"},
		rules: []string{"LW101"},
		want:  "FROM node:20 AS deps\nWORKDIR /app\nCOPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./\nCOPY patches patches/\nRUN pnpm fetch --prod\nCOPY . .\nRUN pnpm install --prod\nFROM node:20-slim\nCOPY --from=deps /app /app\n",
	},
	{
		// a hash alone and no file naming the patch: not known, refused
		name: "pnpm-workspace-patches-not-named",
		files: map[string]string{"Dockerfile": "FROM node:20 AS deps\nWORKDIR /app\nCOPY . .\nRUN pnpm install --prod\nFROM node:20-slim\nCOPY --from=deps /app /app\n",
			"package.json": "{}", "pnpm-lock.yaml": "lockfileVersion: '9.0'\n\npatchedDependencies:\n  scimmy@1.3.5: 775d80f8\n\nimporters: {}\n", "pnpm-workspace.yaml": "packages:\n  - a\n",
			"patches/scimmy@1.3.5.patch": "", "a/package.json": "{}"},
		rules: []string{"LW101"},
		note:  "does not name",
	},
	{
		// in the image's own stage too: pnpm fetch fills the store and
		// node_modules/.pnpm in its layer (one copy, hard-linked), and the
		// install after the sources finds them there and writes only its
		// links (measured: the install layer holds no package); the
		// context's own node_modules is kept out (LW122's ignore fix)
		name:  "pnpm-workspace-final-stage",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN pnpm install --frozen-lockfile\nCMD [\"node\", \"a/index.js\"]\n", "package.json": "{}", "pnpm-lock.yaml": "", "pnpm-workspace.yaml": "packages:\n  - a\n", "a/package.json": "{}"},
		rules: []string{"LW101"},
		want:  "FROM node:20\nWORKDIR /app\nCOPY pnpm-lock.yaml pnpm-workspace.yaml ./\nRUN pnpm fetch\nCOPY . .\nRUN pnpm install --frozen-lockfile\nCMD [\"node\", \"a/index.js\"]\n",
	},
	{
		// gogs: the root's manifests first, then a member's sources, then
		// the install in the root: the fetch goes right after the files it
		// reads, before every COPY of sources (their order kept)
		name: "pnpm-workspace-member-copied-before-the-root-install",
		files: map[string]string{"Dockerfile": "FROM node:24-alpine AS web\nRUN corepack enable\nWORKDIR /src\nCOPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./\nCOPY web ./web\nCOPY conf/locale ./conf/locale\nRUN pnpm install --frozen-lockfile\nRUN pnpm --filter web run build\nFROM alpine:3.23\nCOPY --from=web /src/public /public\n",
			"package.json": `{"packageManager":"pnpm@9.15.0"}`, "pnpm-lock.yaml": "", "pnpm-workspace.yaml": "packages:\n  - web\n", "web/package.json": "{}", "web/index.js": "", "conf/locale/en.ini": ""},
		rules: []string{"LW101"},
		want:  "FROM node:24-alpine AS web\nRUN corepack enable\nWORKDIR /src\nCOPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./\nRUN pnpm fetch\nCOPY conf/locale ./conf/locale\nCOPY web ./web\nRUN pnpm install --frozen-lockfile\nRUN pnpm --filter web run build\nFROM alpine:3.23\nCOPY --from=web /src/public /public\n",
	},
	{
		// the same with the root's manifests after the member's COPY
		name: "pnpm-workspace-member-copied-before-the-root-manifests",
		files: map[string]string{"Dockerfile": "FROM node:24-alpine AS web\nWORKDIR /src\nCOPY packages ./packages\nCOPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./\nRUN pnpm install --frozen-lockfile\n",
			"package.json": "{}", "pnpm-lock.yaml": "", "pnpm-workspace.yaml": "packages:\n  - packages/*\n", "packages/a/package.json": "{}"},
		rules: []string{"LW101"},
		want:  "FROM node:24-alpine AS web\nWORKDIR /src\nCOPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./\nRUN pnpm fetch\nCOPY packages ./packages\nRUN pnpm install --frozen-lockfile\n",
	},
	{
		// review: an install option that changes node_modules' layout makes
		// pnpm find the fetch's node_modules incompatible and link nothing
		name:  "pnpm-workspace-layout-option-refused",
		files: map[string]string{"Dockerfile": "FROM node:20 AS b\nWORKDIR /app\nCOPY . .\nRUN pnpm install --frozen-lockfile --no-optional\nFROM node:20\nCOPY --from=b /app /app\n", "package.json": "{}", "pnpm-lock.yaml": "", "pnpm-workspace.yaml": "packages:\n  - a\n", "a/package.json": "{}"},
		rules: []string{"LW101"},
		note:  "may want a node_modules layout",
	},
	{
		name:  "pnpm-workspace-install-env-refused",
		files: map[string]string{"Dockerfile": "FROM node:20 AS b\nWORKDIR /app\nCOPY . .\nRUN NODE_ENV=production pnpm install --frozen-lockfile\nFROM node:20\nCOPY --from=b /app /app\n", "package.json": "{}", "pnpm-lock.yaml": "", "pnpm-workspace.yaml": "packages:\n  - a\n", "a/package.json": "{}"},
		rules: []string{"LW101"},
		note:  "sets NODE_ENV in front of it",
	},
	{
		// review: a RUN that installs pnpm after a COPY of sources between
		// would come after the fetch (pnpm: not found)
		name:  "pnpm-workspace-setup-after-a-source-copy-refused",
		files: map[string]string{"Dockerfile": "FROM node:20 AS b\nWORKDIR /app\nCOPY . .\nCOPY conf/a.ini /etc/app/a.ini\nRUN npm install -g pnpm@9\nRUN pnpm install --frozen-lockfile\nFROM node:20\nCOPY --from=b /app /app\n", "package.json": "{}", "pnpm-lock.yaml": "", "pnpm-workspace.yaml": "packages:\n  - a\n", "a/package.json": "{}", "conf/a.ini": ""},
		rules: []string{"LW101"},
		note:  "RUN (line 5) comes after a COPY of sources",
	},
	{
		// review: an ADD of a local archive unpacks it, possibly over the
		// sources: it does not move above them
		name:  "pnpm-workspace-add-archive-stays",
		files: map[string]string{"Dockerfile": "FROM node:20 AS b\nWORKDIR /app\nCOPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./\nCOPY packages ./packages\nADD overlay.tar.gz ./\nRUN pnpm install --frozen-lockfile\n", "package.json": "{}", "pnpm-lock.yaml": "", "pnpm-workspace.yaml": "packages:\n  - packages/*\n", "packages/a/package.json": "{}", "overlay.tar.gz": "x"},
		rules: []string{"LW101"},
		note:  "between the COPY and the install would run before the sources",
	},
	{
		// review: in the workspace root the install read the lockfile the
		// Dockerfile put there, not the context's own
		name:  "pnpm-workspace-root-renamed-lockfile-refused",
		files: map[string]string{"Dockerfile": "FROM node:20 AS b\nWORKDIR /src\nCOPY package.json pnpm-workspace.yaml ./\nCOPY deploy/pnpm-lock.yaml ./pnpm-lock.yaml\nCOPY web ./web\nRUN pnpm install --frozen-lockfile\n", "package.json": "{}", "pnpm-lock.yaml": "", "deploy/pnpm-lock.yaml": "", "pnpm-workspace.yaml": "packages:\n  - web\n", "web/package.json": "{}"},
		rules: []string{"LW101"},
		note:  "does not copy pnpm-lock.yaml before the sources",
	},
	{
		// a patch the lockfile names outside the workspace, or missing
		name:  "pnpm-workspace-patch-outside-refused",
		files: map[string]string{"Dockerfile": "FROM node:20 AS b\nWORKDIR /app\nCOPY . .\nRUN pnpm install --frozen-lockfile\n", "package.json": "{}", "pnpm-lock.yaml": "lockfileVersion: '9.0'\n\npatchedDependencies:\n  x@1.0.0:\n    hash: abc\n    path: ../../x.patch\n", "pnpm-workspace.yaml": "packages:\n  - a\n", "a/package.json": "{}"},
		rules: []string{"LW101"},
		note:  "outside the workspace",
	},
	{
		name:  "pnpm-workspace-patch-missing-refused",
		files: map[string]string{"Dockerfile": "FROM node:20 AS b\nWORKDIR /app\nCOPY . .\nRUN pnpm install --frozen-lockfile\n", "package.json": "{}", "pnpm-lock.yaml": "lockfileVersion: '9.0'\n\npatchedDependencies:\n  x@1.0.0:\n    hash: abc\n    path: patches/x.patch\n", "pnpm-workspace.yaml": "packages:\n  - a\n", "a/package.json": "{}"},
		rules: []string{"LW101"},
		note:  "does not send as written",
	},
	{
		// a COPY of files between that writes where the sources go stays
		name:  "between-file-copy-over-the-sources-refused",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY src ./src\nCOPY index.js ./src/\nCOPY package.json package-lock.json ./\nRUN npm ci\n", "package.json": "{}", "package-lock.json": "{}", "index.js": "", "src/a.js": ""},
		rules: []string{"LW101"},
		note:  "where the sources go too",
	},
	{
		name:  "pnpm-workspace-sent-node-modules-refused",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN pnpm install --frozen-lockfile\n", "package.json": "{}", "pnpm-lock.yaml": "", "pnpm-workspace.yaml": "packages:\n  - a\n", "a/package.json": "{}", "node_modules/x/index.js": ""},
		rules: []string{"LW101"},
		note:  "exclude it in .dockerignore",
	},
	{
		name:  "pnpm-workspace-store-mount-refused",
		files: map[string]string{"Dockerfile": "FROM node:20 AS b\nWORKDIR /app\nCOPY . .\nRUN --mount=type=cache,id=pnpm,target=/pnpm/store pnpm install --frozen-lockfile\nFROM node:20\nCOPY --from=b /app /app\n", "package.json": "{}", "pnpm-lock.yaml": "", "pnpm-workspace.yaml": "packages:\n  - a\n", "a/package.json": "{}"},
		rules: []string{"LW101"},
		note:  "would be hidden",
	},
	{
		name:  "go-work-left-alone",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nCOPY . .\nRUN go mod download\n", "go.mod": "module x\n", "go.work": "go 1.22\n"},
		rules: []string{"LW101"},
		note:  "go.work",
	},
	{
		name:  "copy-from-build-args-left-alone",
		files: map[string]string{"Dockerfile": "FROM node:20\nARG SRC=.\nCOPY ${SRC} .\nRUN npm ci\n", "package.json": "{}"},
		rules: []string{"LW101"},
		note:  "build args",
	},
	{
		// no manifest in the context: no finding (audit's
		// TestNoManifestNoDependencyStep), nothing written
		name:  "no-manifest-in-context",
		files: map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm ci\n", "index.js": ""},
		rules: []string{"LW101"},
	},
	{
		name: "go-multi-stage",
		files: map[string]string{
			"Dockerfile":      "FROM golang:1.22-bookworm\nENV CGO_ENABLED=0\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api ./cmd/api\nUSER 65532\nEXPOSE 8080\nCMD [\"api\"]\n",
			"go.mod":          "module x\n",
			"cmd/api/main.go": "",
		},
		rules: []string{"LW112"},
		want: "FROM golang:1.22-bookworm AS build\nENV CGO_ENABLED=0\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api ./cmd/api\n" +
			"\n# runtime: the binary, the CA certificates and what the build stage's image held at run time, without the Go toolchain\nFROM debian:bookworm-slim\nENV CGO_ENABLED=0\n" +
			goRuntimeCerts + "WORKDIR /src\nCOPY --from=build /src /src\nCOPY --from=build /usr/local/bin/api /usr/local/bin/api\nUSER 65532\nEXPOSE 8080\nCMD [\"api\"]\n",
	},
	{
		// git and the compiler stay behind; the library a cgo binary links
		// and a runtime tool stay, and so does the apt preparation they need
		name: "go-multi-stage-build-only-packages",
		files: map[string]string{
			"Dockerfile": "FROM golang:1.22-bookworm\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n    git \\\n    build-essential \\\n    libsqlite3-dev \\\n    curl \\\n    ca-certificates\n" +
				"WORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api .\nHEALTHCHECK CMD curl -f http://localhost/\nCMD [\"api\"]\n",
			"go.mod":  "module x\n",
			"main.go": "package main\n",
		},
		rules: []string{"LW112"},
		want: "FROM golang:1.22-bookworm AS build\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n    git \\\n    build-essential \\\n    libsqlite3-dev \\\n    curl \\\n    ca-certificates\n" +
			"WORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api .\n" +
			"\n# runtime: the binary, the CA certificates and what the build stage's image held at run time, without the Go toolchain and build-only tools (build-essential, git)\nFROM debian:bookworm-slim\n" +
			"RUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n    libsqlite3-dev \\\n    curl\n" +
			goRuntimeCerts + "WORKDIR /src\nCOPY --from=build /src /src\nCOPY --from=build /usr/local/bin/api /usr/local/bin/api\nHEALTHCHECK CMD curl -f http://localhost/\nCMD [\"api\"]\n",
	},
	{
		// the service runs git itself: git stays; nothing else is
		// installed at run time, so the apt preparation goes too
		name: "go-multi-stage-program-used-by-the-service",
		files: map[string]string{
			"Dockerfile": "FROM golang:1.22-bookworm\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get install -y git gcc\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/syncer .\nCMD [\"syncer\"]\n",
			"go.mod":     "module x\n",
			"main.go":    "package main\n\nimport \"os/exec\"\n\nfunc main() { exec.Command(\"git\", \"pull\").Run() }\n",
		},
		rules: []string{"LW112"},
		want: "FROM golang:1.22-bookworm AS build\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get install -y git gcc\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/syncer .\n" +
			"\n# runtime: the binary, the CA certificates and what the build stage's image held at run time, without the Go toolchain and build-only tools (gcc)\nFROM debian:bookworm-slim\n" +
			"RUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get install -y git\n" +
			goRuntimeCerts + "WORKDIR /src\nCOPY --from=build /src /src\nCOPY --from=build /usr/local/bin/syncer /usr/local/bin/syncer\nCMD [\"syncer\"]\n",
	},
	{
		// only build tools and certificates: no apt at all at run time
		name: "go-multi-stage-no-runtime-apt",
		files: map[string]string{
			"Dockerfile": "FROM golang:1.22-bookworm\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get install -y git ca-certificates\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api .\nCMD [\"api\"]\n",
			"go.mod":     "module x\n",
			"main.go":    "package main\n",
		},
		rules: []string{"LW112"},
		want: "FROM golang:1.22-bookworm AS build\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get install -y git ca-certificates\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api .\n" +
			"\n# runtime: the binary, the CA certificates and what the build stage's image held at run time, without the Go toolchain and build-only tools (git)\nFROM debian:bookworm-slim\n" +
			goRuntimeCerts + "WORKDIR /src\nCOPY --from=build /src /src\nCOPY --from=build /usr/local/bin/api /usr/local/bin/api\nCMD [\"api\"]\n",
	},
	{
		// an upgrade changes the runtime's packages too: it is kept, and
		// with it the apt preparation, though git stays behind
		name: "go-multi-stage-upgrade-kept",
		files: map[string]string{
			"Dockerfile": "FROM golang:1.22-bookworm\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get upgrade -y\nRUN apt-get install -y git\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api .\nCMD [\"api\"]\n",
			"go.mod":     "module x\n",
			"main.go":    "package main\n",
		},
		rules: []string{"LW112"},
		want: "FROM golang:1.22-bookworm AS build\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get upgrade -y\nRUN apt-get install -y git\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api .\n" +
			"\n# runtime: the binary, the CA certificates and what the build stage's image held at run time, without the Go toolchain and build-only tools (git)\nFROM debian:bookworm-slim\n" +
			"RUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get upgrade -y\n" +
			goRuntimeCerts + "WORKDIR /src\nCOPY --from=build /src /src\nCOPY --from=build /usr/local/bin/api /usr/local/bin/api\nCMD [\"api\"]\n",
	},
	{
		// a package written twice cannot be removed with certainty: the
		// RUN is copied as written
		name: "go-multi-stage-ambiguous-text-kept",
		files: map[string]string{
			"Dockerfile": "FROM golang:1.22-bookworm\nRUN apt-get update && apt-get install -y git curl && echo git\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api .\nCMD [\"api\"]\n",
			"go.mod":     "module x\n",
			"main.go":    "package main\n",
		},
		rules: []string{"LW112"},
		want: "FROM golang:1.22-bookworm AS build\nRUN apt-get update && apt-get install -y git curl && echo git\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api .\n" +
			"\n# runtime: the binary, the CA certificates and what the build stage's image held at run time, without the Go toolchain\nFROM debian:bookworm-slim\n" +
			"RUN apt-get update && apt-get install -y git curl && echo git\n" +
			goRuntimeCerts + "WORKDIR /src\nCOPY --from=build /src /src\nCOPY --from=build /usr/local/bin/api /usr/local/bin/api\nCMD [\"api\"]\n",
	},
	{
		// a development image that runs `go run`: not a single-stage
		// compile to split (LW112 does not report it at all)
		name:  "go-run-left-single-stage",
		files: map[string]string{"Dockerfile": "FROM golang:1.22-bookworm\nCOPY . .\nRUN go build -o /app .\nCMD [\"go\", \"run\", \".\"]\n", "go.mod": "module x\n"},
		rules: []string{"LW112"},
	},
	{
		name:  "go-other-binary-left-single-stage",
		files: map[string]string{"Dockerfile": "FROM golang:1.22-bookworm\nCOPY . .\nRUN go build -o /app .\nCMD [\"/usr/local/bin/other\"]\n", "go.mod": "module x\n"},
		rules: []string{"LW112"},
		note:  "do not start the built binary",
	},
	{
		name:  "onbuild-left-alone",
		files: map[string]string{"Dockerfile": "FROM node:20\nONBUILD COPY . .\nCOPY . .\nRUN npm ci\n", "package.json": "{}"},
		note:  "ONBUILD",
	},
	{
		name:  "manifest-made-by-a-run",
		files: map[string]string{"Dockerfile": "FROM python:3.12\nRUN pip freeze > requirements.txt\nCOPY . .\nRUN pip install -r requirements.txt\n", "requirements.txt": "x\n"},
		rules: []string{"LW101"},
		note:  "may produce requirements.txt",
	},
	{
		name:  "requirements-elsewhere",
		files: map[string]string{"Dockerfile": "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r deps/requirements.txt\n", "requirements.txt": "x\n", "deps/requirements.txt": "y\n"},
		rules: []string{"LW101"},
		note:  "which the manifest COPY would not bring",
	},
	{
		name:  "npm-prefix-left-alone",
		files: map[string]string{"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm ci --prefix web\n", "package.json": "{}"},
		rules: []string{"LW101"},
	},
	{
		name:  "heredoc-and-comments-kept",
		files: map[string]string{"Dockerfile": "# syntax=docker/dockerfile:1\n# the app\nFROM node:20\nRUN <<EOF\necho hi\nEOF\nCOPY . .\n  # install\nRUN npm ci\n", "package.json": "{}"},
		rules: []string{"LW101"},
		want:  "# syntax=docker/dockerfile:1\n# the app\nFROM node:20\nRUN <<EOF\necho hi\nEOF\nCOPY package.json ./\n  # install\nRUN npm ci\nCOPY . .\n",
	},
	// A cache mount is empty on every fresh CI builder (and after BuildKit's
	// garbage collector): these fixes broke builds or images on an empty
	// mount, or on every build (corpus review, issue 22).
	{
		// the dependency stage's store is copied out by COPY --from: a
		// mount there leaves an empty /root/.m2 in the stage's layer, and
		// the offline build fails on every builder
		name:  "maven-store-copied-from-another-stage",
		files: map[string]string{"Dockerfile": "FROM maven:3-eclipse-temurin-21 AS deps\nWORKDIR /src\nCOPY pom.xml ./\nRUN mvn -B dependency:go-offline\n\nFROM maven:3-eclipse-temurin-21 AS build\nWORKDIR /src\nCOPY --from=deps /root/.m2 /root/.m2\nCOPY . .\nRUN mvn -B -o package\n", "pom.xml": "<project/>\n"},
		rules: []string{"LW102"},
	},
	{
		// pnpm's documented Docker pattern: `pnpm fetch` fills the store,
		// `pnpm install --offline` reads it after COPY . .: on a fresh CI
		// builder the fetch comes from the layer cache and a mounted store
		// is empty (ERR_PNPM_NO_OFFLINE_TARBALL)
		name:  "pnpm-fetch-then-offline-install",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY pnpm-lock.yaml ./\nRUN pnpm fetch --prod\nCOPY . .\nRUN pnpm install -r --offline --prod\n", "package.json": "{}\n", "pnpm-lock.yaml": ""},
		rules: []string{"LW102"},
	},
	{
		// rm -rf ~/.cache removes the mount point /root/.cache/pip: "rm:
		// can't remove '/root/.cache/pip': Device or resource busy" on
		// every build (checked on BuildKit)
		name:  "rm-home-cache-removes-mount-point",
		files: map[string]string{"Dockerfile": "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt && rm -rf ~/.cache\n", "requirements.txt": "flask\n"},
		rules: []string{"LW102"},
		note:  "would remove the mount point",
	},
	{
		// review 36 (onyx's sandbox): the clean-up ends an if's list;
		// the && before it goes, the ; stays (no `&& fi`)
		name:  "npm-clean-up-at-the-end-of-an-if",
		files: map[string]string{"Dockerfile": "FROM node:20\nARG X=true\nRUN if [ \"$X\" = \"true\" ]; then \\\n        npm install -g opencode-ai@1.0.0 && \\\n        npm cache clean --force && \\\n        rm -rf /root/.npm; \\\n    fi\nCMD [\"node\"]\n"},
		rules: []string{"LW102"},
		want:  "FROM node:20\nARG X=true\nRUN --mount=type=cache,target=/root/.npm if [ \"$X\" = \"true\" ]; then \\\n        npm install -g opencode-ai@1.0.0; \\\n    fi\nCMD [\"node\"]\n",
	},
	{
		// review 35 (errbit): the gems' cache removed through a variable
		// and a glob; with a mount on it, rm fails ("Device or resource
		// busy") and set -e ends the build
		name:  "rm-variable-glob-removes-mount-point",
		files: map[string]string{"Dockerfile": "FROM ruby:3.4\nENV BUNDLE_PATH=/usr/local/bundle\nWORKDIR /app\nCOPY Gemfile Gemfile.lock ./\nRUN set -eux ; bundle install ; rm -rf ~/.bundle/ \"${BUNDLE_PATH}\"/ruby/*/cache\nCOPY . .\n", "Gemfile": "source 'https://rubygems.org'\n", "Gemfile.lock": ""},
		rules: []string{"LW102"},
		note:  "would remove the mount point",
	},
	{
		name:  "rm-dollar-home-cache-removes-mount-point",
		files: map[string]string{"Dockerfile": "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt && rm -rf $HOME/.cache\n", "requirements.txt": "flask\n"},
		rules: []string{"LW102"},
	},
	{
		// yarn 4 with Plug'n'Play reads the packages from the global cache
		// (~/.yarn/berry/cache, enableGlobalCache) when the app runs: a
		// mount there ships an image without its dependencies
		name:  "yarn4-pnp-global-cache-read-at-run-time",
		files: map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY package.json yarn.lock .yarnrc.yml ./\nRUN yarn install --immutable\nCOPY . .\nCMD [\"node\", \"-r\", \"./.pnp.cjs\", \"index.js\"]\n", "package.json": "{\"packageManager\": \"yarn@4.1.0\"}\n", "yarn.lock": "", ".yarnrc.yml": "nodeLinker: pnp\n", "index.js": ""},
		rules: []string{"LW102"},
	},
	{
		// a later RUN runs a script layerwise cannot read, which installs
		// from the lists this RUN fetched: they stay in the layer
		name:  "apt-lists-read-by-a-later-script",
		files: map[string]string{"Dockerfile": "FROM debian:12\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get install -y curl\nCOPY install.sh /install.sh\nRUN /install.sh\n", "install.sh": "#!/bin/sh\napt-get install -y git\n"},
		rules: []string{"LW102"},
		want:  "FROM debian:12\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get update && apt-get install -y curl\nCOPY install.sh /install.sh\nRUN /install.sh\n",
	},
	{
		// an earlier COPY put the Maven settings (mirrors, credentials) in
		// ~/.m2: a mount over ~/.m2 hides them
		name:  "maven-settings-copied-into-m2",
		files: map[string]string{"Dockerfile": "FROM maven:3-eclipse-temurin-21\nWORKDIR /src\nCOPY settings.xml /root/.m2/settings.xml\nCOPY . .\nRUN mvn -B package\n", "pom.xml": "<project/>\n", "settings.xml": "<settings/>\n"},
		rules: []string{"LW102"},
		// the mount covers the local repository alone
		want: "FROM maven:3-eclipse-temurin-21\nWORKDIR /src\nCOPY settings.xml /root/.m2/settings.xml\nCOPY . .\nRUN --mount=type=cache,target=/root/.m2/repository mvn -B package\n",
	},
	{
		// slower, not broken: the inserted restore restores for no runtime,
		// so the publish for $TARGETARCH downloads the runtime-specific
		// packs (runtime pack, apphost, ILCompiler with PublishAot) on every
		// source change; with no mount over the store any more, nothing
		// keeps them (dotnet-docker's releasesapi cross Dockerfiles)
		name:  "dotnet-restore-takes-the-publish-runtime",
		files: map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nARG TARGETARCH\nWORKDIR /source\nCOPY . .\nRUN dotnet publish -a $TARGETARCH -o /app api.csproj\n", "api.csproj": "<Project/>\n", "Program.cs": ""},
		rules: []string{"LW101"},
		want:  "FROM mcr.microsoft.com/dotnet/sdk:8.0\nARG TARGETARCH\nWORKDIR /source\nCOPY api.csproj ./\nRUN dotnet restore api.csproj -a $TARGETARCH\nCOPY . .\nRUN dotnet publish -a $TARGETARCH -o /app api.csproj\n",
	},
	{
		// go.mod and go.sum already copied before the sources, but no
		// dependency step (GoogleCloudPlatform's profiler/hotapp): the
		// step goes in before the sources' COPY, a glob of .go files
		name:  "go-manifests-already-copied",
		files: map[string]string{"Dockerfile": "FROM golang:1.25-alpine\nWORKDIR /go/src\nCOPY ./go.mod ./\nCOPY ./go.sum ./\nRUN mkdir ./hotapp/\nCOPY ./hotapp/*.go ./hotapp/\nRUN go install ./...\nCMD [\"hotapp\"]\n", "go.mod": "module x\n", "go.sum": "", "hotapp/main.go": "package main\n"},
		rules: []string{"LW101"},
		want:  "FROM golang:1.25-alpine\nWORKDIR /go/src\nCOPY ./go.mod ./\nCOPY ./go.sum ./\nRUN mkdir ./hotapp/\nRUN go mod download\nCOPY ./hotapp/*.go ./hotapp/\nRUN go install ./...\nCMD [\"hotapp\"]\n",
	},
	{
		// ... nor when go.mod replaces a module with a local directory
		// the sources' COPY brings (review: go mod download fails with
		// "reading lib/go.mod: no such file or directory")
		name:  "go-manifests-in-place-local-replace",
		files: map[string]string{"Dockerfile": "FROM golang:1.25-alpine\nWORKDIR /src\nCOPY go.mod go.sum ./\nCOPY . .\nRUN go build -o /app .\n", "go.mod": "module x\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ./lib\n", "go.sum": "", "main.go": "package main\n", "lib/go.mod": "module example.com/lib\n"},
		rules: []string{"LW101"},
	},
	{
		// ... nor a go.work workspace
		name:  "go-manifests-in-place-workspace",
		files: map[string]string{"Dockerfile": "FROM golang:1.25-alpine\nWORKDIR /src\nCOPY go.work go.mod go.sum ./\nCOPY . .\nRUN go build -o /app .\n", "go.work": "go 1.25\n\nuse (\n\t.\n\t./lib\n)\n", "go.mod": "module x\n", "go.sum": "", "main.go": "package main\n", "lib/go.mod": "module example.com/lib\n"},
		rules: []string{"LW101"},
		note:  "go.work",
	},
	{
		// the RUN installs, builds and removes node_modules
		// (docker/welcome-to-docker): the refusal says why
		name:  "npm-install-build-remove",
		files: map[string]string{"Dockerfile": "FROM node:18-alpine\nWORKDIR /app\nCOPY package*.json ./\nCOPY ./src ./src\nRUN npm install && npm run build && rm -fr node_modules\n", "package.json": "{}", "src/index.js": ""},
		rules: []string{"LW101"},
		note:  "removes node_modules after using it",
	},
	{
		// ... not when go.sum stays behind with the sources
		name:  "go-sum-not-copied-first",
		files: map[string]string{"Dockerfile": "FROM golang:1.25-alpine\nWORKDIR /go/src\nCOPY ./go.mod ./\nCOPY ./hotapp/*.go ./hotapp/\nRUN go install ./...\n", "go.mod": "module x\n", "go.sum": "", "hotapp/main.go": "package main\n"},
		rules: []string{"LW101"},
		note:  "not a directory",
	},
	{
		// skaffold's default local build calls the Docker Engine API
		// without asking for BuildKit: the classic builder, which rejects
		// RUN --mount ("the --mount option requires BuildKit"; skaffold's
		// examples/getting-started and lifecycle-hooks)
		name:  "skaffold-classic-builder-gets-no-mounts",
		files: map[string]string{"Dockerfile": "FROM golang:1.22 AS builder\nWORKDIR /code\nCOPY main.go go.mod ./\nRUN go build -o /app main.go\n", "go.mod": "module x\n\nrequire github.com/google/uuid v1.6.0\n", "main.go": "package main\n", "skaffold.yaml": "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n    - image: skaffold-example\n"},
		rules: []string{"LW102"},
	},
	{
		// useBuildkit: true builds with the docker CLI and BuildKit
		name:  "skaffold-buildkit-gets-mounts",
		files: map[string]string{"Dockerfile": "FROM golang:1.22 AS builder\nWORKDIR /code\nCOPY main.go go.mod ./\nRUN go build -o /app main.go\n", "go.mod": "module x\n\nrequire github.com/google/uuid v1.6.0\n", "main.go": "package main\n", "skaffold.yaml": "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n    - image: skaffold-example\n  local:\n    useBuildkit: true\n"},
		rules: []string{"LW102"},
		want:  "FROM golang:1.22 AS builder\nWORKDIR /code\nCOPY main.go go.mod ./\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /app main.go\n",
	},
	{
		// skaffold builds this image with kaniko, whose parser rejects RUN
		// --mount ("Dockerfile parse error line 4: Unknown flag: mount";
		// GoogleContainerTools/kaniko#1568): skaffold's examples/kaniko and
		// examples/gcb-kaniko
		name:  "kaniko-built-image-gets-no-mounts",
		files: map[string]string{"Dockerfile": "FROM golang:1.22 AS builder\nWORKDIR /code\nCOPY main.go go.mod ./\nRUN go build -o /app main.go\n", "go.mod": "module x\n\nrequire github.com/google/uuid v1.6.0\n", "main.go": "package main\n", "skaffold.yaml": "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n    - image: skaffold-example\n      kaniko:\n        cache: {}\n  cluster: {}\n"},
		rules: []string{"LW102"},
	},
	{
		// LW117 false positive: -mod=vendor builds from ./vendor and never
		// reads the module cache, so a mount over it cannot make the build
		// fail (moby/buildkit's docs.Dockerfile and docs-dockerfile.Dockerfile)
		name:  "vendor-build-reads-no-module-cache",
		files: map[string]string{"Dockerfile": "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go build -mod=vendor -o /app .\n", "go.mod": "module x\n", "main.go": "package main\n", "vendor/modules.txt": ""},
		rules: []string{"LW117"},
	},
}

const goRuntimeCerts = "COPY --from=build /etc/ssl/certs /etc/ssl/certs\nCOPY --from=build /usr/share/ca-certificates /usr/share/ca-certificates\n"

func TestDockerfileFixes(t *testing.T) {
	for _, tc := range dockerfileCases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, notes := fixRepo(t, tc.files, tc.rules...)
			want := tc.want
			if want == "" {
				want = tc.files["Dockerfile"]
			}
			if got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
			if tc.note != "" {
				found := false
				for _, n := range notes {
					found = found || strings.Contains(n.Reason, tc.note)
				}
				if !found {
					t.Errorf("note %q missing: %+v", tc.note, notes)
				}
			}
		})
	}
}

// TestEveryFixtureReparsesAndIsIdempotent: on every fixture and on the
// shipped examples, the output parses, keeps every comment, and fixing it
// again changes nothing.
func TestEveryFixtureReparsesAndIsIdempotent(t *testing.T) {
	var repos []map[string]string
	for _, tc := range dockerfileCases {
		repos = append(repos, tc.files)
	}
	// the examples' services: each context, with the service's Dockerfile
	// as the context's Dockerfile
	for _, svc := range []struct{ dir, dockerfile string }{
		{"go", "orders/Dockerfile"}, {"go", "billing/Dockerfile"}, {"node", "gateway/Dockerfile"},
		{"storefront", "Dockerfile"}, {"worker", "Dockerfile"}, {"report", "Dockerfile"},
	} {
		files := map[string]string{}
		dir := filepath.Join("..", "examples", "services", svc.dir)
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(dir, p)
			if strings.Contains(rel, "node_modules") || strings.HasPrefix(rel, ".git") || strings.HasPrefix(rel, "dist") || strings.HasPrefix(rel, "build-output") {
				return nil
			}
			// the one Dockerfile, without the context's other services' ones
			if strings.HasSuffix(rel, ".log") || strings.HasPrefix(filepath.Base(rel), "Dockerfile") && filepath.ToSlash(rel) != svc.dockerfile {
				return nil
			}
			data, _ := os.ReadFile(p)
			files[filepath.ToSlash(rel)] = string(data)
			return nil
		})
		df, ok := files[svc.dockerfile]
		if !ok {
			t.Fatalf("examples/services/%s/%s is missing", svc.dir, svc.dockerfile)
		}
		delete(files, svc.dockerfile)
		files["Dockerfile"] = df
		repos = append(repos, files)
	}
	for i, files := range repos {
		once, ign, _ := fixRepo(t, files)
		m, err := dockerfile.Parse("Dockerfile", []byte(once), dockerfile.Options{})
		if err != nil || len(m.Errors) > 0 {
			t.Errorf("repo %d: the fixed Dockerfile does not parse: %v %v\n%s", i, err, m.Errors, once)
			continue
		}
		for _, l := range strings.Split(files["Dockerfile"], "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "#") && !strings.Contains(once, l) {
				t.Errorf("repo %d: comment %q lost", i, l)
			}
		}
		again := map[string]string{}
		for k, v := range files {
			again[k] = v
		}
		again["Dockerfile"] = once
		if ign != "" {
			again[".dockerignore"] = ign
		}
		twice, ign2, _ := fixRepo(t, again)
		if twice != once || (ign2 != "" && ign2 != ign) {
			t.Errorf("repo %d: not idempotent:\nonce:\n%s\ntwice:\n%s\nignore once:\n%s\nignore twice:\n%s", i, once, twice, ign, ign2)
		}
	}
}

func TestLineEndingsAndBOMKept(t *testing.T) {
	src := "\ufeffFROM node:20\r\nCOPY . .\r\nRUN npm ci\r\n"
	got, _, _ := fixRepo(t, map[string]string{"Dockerfile": src, "package.json": "{}"}, "LW101")
	want := "\ufeffFROM node:20\r\nCOPY package.json ./\r\nRUN npm ci\r\nCOPY . .\r\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// A file whose lines end both ways (found on the corpus: CRLF lines, LF
// blank lines) keeps each untouched line's ending; the lines a fix writes
// take the commoner one.
func TestMixedLineEndingsKeptLineByLine(t *testing.T) {
	src := "FROM node:20\r\n\nWORKDIR /app\r\n\nCOPY . .\r\nRUN npm ci\r\n\nCMD [\"node\", \"x.js\"]\n"
	got, _, _ := fixRepo(t, map[string]string{"Dockerfile": src, "package.json": "{}", "x.js": ""}, "LW101")
	want := "FROM node:20\r\n\nWORKDIR /app\r\n\nCOPY package.json ./\r\nRUN npm ci\r\nCOPY . .\r\n\nCMD [\"node\", \"x.js\"]\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestMoreFixes(t *testing.T) {
	cases := []struct {
		name, src, want string
		offline         bool
	}{
		{"no-cache-dir", "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install --no-cache-dir -r r.txt\n",
			"FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r r.txt\n", false},
		{"npm-cache-clean", "FROM node:20\nRUN --mount=type=cache,target=/root/.npm npm install -g pm2 && npm cache clean --force\n",
			"FROM node:20\nRUN --mount=type=cache,target=/root/.npm npm install -g pm2\n", false},
		{"apt-lists-rm", "FROM debian:12\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
			"FROM debian:12\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends curl\n", false},
		{"syntax-offline", "# syntax=docker/dockerfile:1\nFROM scratch\nCOPY a /a\n", "FROM scratch\nCOPY a /a\n", true},
		{"syntax-online-kept", "# syntax=docker/dockerfile:1\nFROM scratch\nCOPY a /a\n", "# syntax=docker/dockerfile:1\nFROM scratch\nCOPY a /a\n", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"Dockerfile": tc.src, "a": "x", "r.txt": "x"}
			if tc.offline {
				files[".layerwise.yaml"] = "offline: true\n"
			}
			root := testfs.Tree(t, files)
			disc, err := discover.Discover(context.Background(), root, discover.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(filepath.Join(root, ".layerwise.yaml"), false)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(context.Background(), disc, Options{Config: cfg, Rules: []string{"LW102", "LW103", "LW140"}})
			if err != nil {
				t.Fatal(err)
			}
			got := tc.src
			for _, f := range res.Files {
				if f.Path == "Dockerfile" {
					got = string(f.After)
				}
			}
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s\nnotes %+v", got, tc.want, res.Notes)
			}
		})
	}
}

// TestYarnBerryManifestsBringTheRelease: yarn 2+ runs the release that
// .yarnrc.yml's yarnPath names; the manifest COPY must bring .yarn/ along,
// at its path.
func TestYarnBerryManifestsBringTheRelease(t *testing.T) {
	got, _, notes := fixRepo(t, map[string]string{
		"Dockerfile":                    "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn install --immutable\nCMD [\"node\", \"index.js\"]\n",
		"package.json":                  `{"packageManager": "yarn@3.6.4"}`,
		"yarn.lock":                     "",
		".yarnrc.yml":                   "yarnPath: .yarn/releases/yarn-3.6.4.cjs\n",
		".yarn/releases/yarn-3.6.4.cjs": "",
		"index.js":                      "",
	}, "LW101")
	want := "FROM node:20\nWORKDIR /app\nCOPY .yarnrc.yml package.json yarn.lock ./\nCOPY .yarn .yarn/\nRUN yarn install --immutable\nCOPY . .\nCMD [\"node\", \"index.js\"]\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s\nnotes: %+v", got, want, notes)
	}
}

// TestMoveCountsOnTheIgnoreRewriteOnlyWhereItExcludes: LW101 moves an
// install before the sources counting on the .dockerignore rewrite to stop
// sending node_modules; where the rewrite keeps it (a sibling image copies
// node_modules/.bin), the Dockerfile is fixed again without the move.
func TestMoveCountsOnTheIgnoreRewriteOnlyWhereItExcludes(t *testing.T) {
	files := map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
		"package.json": `{"name":"x"}`, "package-lock.json": "{}", "node_modules/.bin/x": "", "x.js": ""}
	got, ign, _ := fixRepo(t, files, "LW101", "LW122")
	if !strings.Contains(got, "COPY package-lock.json package.json ./\nRUN npm ci\nCOPY . .") || !strings.Contains(ign, "/node_modules") {
		t.Fatalf("alone, the move and the exclusion go together:\n%s\n%s", got, ign)
	}
	files["Dockerfile.tools"] = "FROM node:20\nCOPY node_modules/.bin /tools/\n"
	got, ign, notes := fixRepo(t, files, "LW101", "LW122")
	if got != files["Dockerfile"] || strings.Contains(ign, "/node_modules") {
		t.Errorf("node_modules stays sent, yet:\n%s\n%s", got, ign)
	}
	found := false
	for _, n := range notes {
		found = found || strings.Contains(n.Reason, "the context sends node_modules")
	}
	if !found {
		t.Errorf("no note says why: %+v", notes)
	}
}

// The review's .NET cases: what the fixer cannot follow exactly is
// refused, with the reason.
func TestDotnetRefusals(t *testing.T) {
	sln := "Project(\"{F}\") = \"App\", \"App.csproj\", \"{1}\"\nEndProject\nProject(\"{F}\") = \"T\", \"tests\\\\T.csproj\", \"{2}\"\nEndProject\n"
	cases := []refusalCase{
		{"local-feed", map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore\n",
			"App.csproj": "<Project/>", "NuGet.config": `<configuration><packageSources><add key="local" value="./nupkgs" /></packageSources></configuration>`, "nupkgs/a.nupkg": ""},
			"local package source", ""},
		{"source-flag", map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore -s ./nupkgs\n", "App.csproj": "<Project/>"},
			"local source", ""},
		{"two-restores", map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore a/A.csproj && dotnet restore b/B.csproj\n", "a/A.csproj": "<Project/>", "b/B.csproj": "<Project/>"},
			"several dotnet commands", ""},
		{"space-in-path", map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore App.csproj\n",
			"App.csproj": `<Project><ItemGroup><ProjectReference Include="My Lib\My Lib.csproj" /></ItemGroup></Project>`, "My Lib/My Lib.csproj": "<Project/>"},
			"cannot be written plainly", ""},
		{"obj-sent", map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore\n", "App.csproj": "<Project/>", "obj/project.assets.json": "{}"},
			"exclude obj/ and bin/", ""},
		{"props-project-reference", map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore\n", "App.csproj": "<Project/>",
			"Directory.Build.props": `<Project><ItemGroup><ProjectReference Include="..\Shared\Shared.csproj" /></ItemGroup></Project>`},
			"adds ProjectReferences", ""},
		// MSBuild restores the solution of the project's name: all its projects come
		{"solution-of-the-same-name", map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore\n",
			"App.csproj": "<Project/>", "App.sln": sln, "tests/T.csproj": "<Project/>"},
			"", "COPY tests/T.csproj tests/"},
	}
	runRefusalCases(t, cases)
}

// The review's composer cases.
func TestComposerSplitRefusals(t *testing.T) {
	withAutoload := `{"autoload": {"psr-4": {"App\\": "src/"}}, "scripts": {"post-install-cmd": ["@php -r 1;"]}}`
	cases := []refusalCase{
		{"leading-cd", map[string]string{"Dockerfile": "FROM php:8.3-cli\nWORKDIR /app\nCOPY . .\nRUN cd backend && composer install --no-dev\n",
			"backend/composer.json": withAutoload, "backend/composer.lock": "{}", "backend/src/A.php": ""},
			"", "RUN cd backend && composer dump-autoload --no-dev && composer run-script --no-dev post-install-cmd"},
		{"path-repository", map[string]string{"Dockerfile": "FROM php:8.3-cli\nWORKDIR /app\nCOPY . .\nRUN composer install\n",
			"composer.json": `{"repositories": [{"type": "path", "url": "packages/*"}]}`, "composer.lock": "{}", "packages/a/composer.json": "{}"},
			"local path repository", ""},
		{"patches", map[string]string{"Dockerfile": "FROM php:8.3-cli\nWORKDIR /app\nCOPY . .\nRUN composer install --no-scripts --no-autoloader\n",
			"composer.json": `{"extra": {"patches": {"a/b": {"fix": "patches/x.patch"}}}}`, "composer.lock": "{}", "patches/x.patch": ""},
			"extra.patches", ""},
		{"unknown-flag", map[string]string{"Dockerfile": "FROM php:8.3-cli\nWORKDIR /app\nCOPY . .\nRUN composer install --apcu-autoloader-prefix=x\n",
			"composer.json": withAutoload, "composer.lock": "{}"},
			"cannot carry over", ""},
		{"secret-mount", map[string]string{"Dockerfile": "FROM php:8.3-cli\nWORKDIR /app\nCOPY . .\nRUN --mount=type=secret,id=auth,target=/root/.composer/auth.json composer install\n",
			"composer.json": withAutoload, "composer.lock": "{}"},
			"--mount=type=secret", ""},
	}
	runRefusalCases(t, cases)
}

// Review 4's cases 1 and 4. A Dockerfile that compose builds with two
// contexts is rewritten for both or not at all: the manifests LW101 copies
// by name need not be in the other. A Dockerfile-specific ignore file
// (docker/app.Dockerfile.dockerignore) that the rewrite extends counts as
// excluding what the moved install needs, and a second fix finds nothing
// to do.
func TestSharedDockerfileAndDockerfileSpecificIgnore(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"compose.yaml":        "services:\n  a:\n    build: {context: a, dockerfile: ../Dockerfile}\n  b:\n    build: {context: b, dockerfile: ../Dockerfile}\n",
		"Dockerfile":          "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
		"a/package.json":      "{}",
		"a/package-lock.json": "{}",
		"b/package.json":      "{}",
	})
	disc, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), disc, Options{Config: config.Default(), Rules: []string{"LW101"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Files {
		if f.Path == "Dockerfile" {
			t.Errorf("a Dockerfile built with two contexts was rewritten:\n%s", f.After)
		}
	}
	found := false
	for _, n := range res.Notes {
		found = found || strings.Contains(n.Reason, "built with other contexts too")
	}
	if !found {
		t.Errorf("no note says why: %+v", res.Notes)
	}

	root = testfs.Tree(t, map[string]string{
		"docker/app.Dockerfile":              "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
		"docker/app.Dockerfile.dockerignore": "docs\n",
		"compose.yaml":                       "services:\n  app:\n    build: {context: ., dockerfile: docker/app.Dockerfile}\n",
		"package.json":                       "{}", "package-lock.json": "{}", "node_modules/x/i.js": "", "docs/a.md": "",
	})
	write := func() int {
		disc, err := discover.Discover(context.Background(), root, discover.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), disc, Options{Config: config.Default(), Rules: []string{"LW101", "LW122"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Files {
			if err := os.WriteFile(f.Abs, f.After, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return len(res.Files)
	}
	if n := write(); n != 2 {
		t.Fatalf("first run wrote %d files, want the Dockerfile and its ignore file", n)
	}
	df, _ := os.ReadFile(filepath.Join(root, "docker/app.Dockerfile"))
	if !strings.Contains(string(df), "COPY package-lock.json package.json ./\nRUN npm ci\nCOPY . .") {
		t.Errorf("the move did not happen with the ignore file's exclusion:\n%s", df)
	}
	if n := write(); n != 0 {
		t.Errorf("a second run rewrote %d files", n)
	}
}

// refusalCase is an LW101 case that is refused with a note (note) or
// rewritten to hold a line (want).
type refusalCase struct {
	name  string
	files map[string]string
	note  string
	want  string // a line the rewrite must hold, when it rewrites
}

func runRefusalCases(t *testing.T, cases []refusalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, notes := fixRepo(t, tc.files, "LW101")
			if tc.want != "" {
				if !strings.Contains(got, tc.want) {
					t.Errorf("want %q in:\n%s\n%+v", tc.want, got, notes)
				}
				return
			}
			if got != tc.files["Dockerfile"] {
				t.Errorf("rewritten:\n%s", got)
			}
			found := false
			for _, n := range notes {
				found = found || strings.Contains(n.Reason, tc.note)
			}
			if !found {
				t.Errorf("note %q missing: %+v", tc.note, notes)
			}
		})
	}
}

// TestOneNoteForARefusedSplit: LW112 refuses an Alpine single-stage Go
// image; LW119 then splits it, and LW112's finding on the split file must
// not add a second note ("single-stage Dockerfiles only") for the same
// refusal.
func TestOneNoteForARefusedSplit(t *testing.T) {
	got, _, notes := fixRepo(t, map[string]string{
		"Dockerfile": "FROM golang:1.23-alpine\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /usr/local/bin/app .\nCMD [\"app\"]\n",
		"go.mod":     "module x\n\ngo 1.23\n", "go.sum": "", "main.go": "package main\nfunc main() {}\n",
	})
	if !strings.Contains(got, "AS go-modules") {
		t.Fatalf("LW119 did not split the image:\n%s", got)
	}
	var lw112 []Note
	for _, n := range notes {
		if n.Rule == "LW112" {
			lw112 = append(lw112, n)
		}
	}
	if len(lw112) != 1 || !strings.Contains(lw112[0].Reason, "Alpine") {
		t.Errorf("want one LW112 note, on Alpine: %+v", lw112)
	}
}

// TestFixKnowsWhatTheAuditKnowsOfCI: review 30 (lnbits): the fixer built
// its rules' input without what discovery learned of the image's CI, so
// refusals that depend on it never fired. LW117's fix applies where a CI
// imports a layer cache, and is refused where none does.
func TestFixKnowsWhatTheAuditKnowsOfCI(t *testing.T) {
	files := map[string]string{
		"Dockerfile": "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
		"go.mod":     "module x\n\ngo 1.22\n\nrequire example.com/y v1.0.0\n",
		"go.sum":     "",
		"main.go":    "package main\n",
		".github/workflows/docker.yml": "on: push\njobs:\n  push:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n" +
			"      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          push: true\n          tags: registry.example.com/app:latest\n" +
			"          cache-from: type=registry,ref=registry.example.com/app:cache\n          cache-to: type=registry,ref=registry.example.com/app:cache,mode=max\n",
	}
	df, _, _ := fixRepo(t, files, "LW117")
	if strings.Contains(df, "target=/go/pkg/mod") {
		t.Errorf("a CI with a layer cache: the store's mounts stay:\n%s", df)
	}
	delete(files, ".github/workflows/docker.yml")
	df, _, notes := fixRepo(t, files, "LW117")
	if !strings.Contains(df, "target=/go/pkg/mod") {
		t.Errorf("no CI: the mounts went:\n%s", df)
	}
	found := false
	for _, n := range notes {
		found = found || strings.Contains(n.Reason, "no CI here imports a layer cache")
	}
	if !found {
		t.Errorf("no note says why: %+v", notes)
	}
}

// TestBaseImageOfTheRepositoryKeepsTheCleanHook: an image the repository's
// other images start FROM keeps docker-clean (review 29: openreplay's
// recommendation base); its apt lists are mounted.
func TestBaseImageOfTheRepositoryKeepsTheCleanHook(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"compose.yaml":    "services:\n  base:\n    build: ./base\n    image: registry.example.com/team/base:1\n  app:\n    build: ./app\n",
		"base/Dockerfile": "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n",
		"app/Dockerfile":  "FROM registry.example.com/team/base:1\nCOPY run /run\nCMD [\"/run\"]\n",
		"app/run":         "",
	})
	disc, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), disc, Options{Config: config.Default()})
	if err != nil {
		t.Fatal(err)
	}
	var base string
	for _, f := range res.Files {
		if f.Path == "base/Dockerfile" {
			base = string(f.After)
		}
	}
	if strings.Contains(base, "docker-clean") || !strings.Contains(base, "target=/var/lib/apt/lists") {
		t.Errorf("base image:\n%s", base)
	}
}

// TestFixtureLeftAlone: review 29 (garden): a linter's fixture under
// test/data is read by its test as it is.
func TestFixtureLeftAlone(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"core/test/data/hadolint/Dockerfile": "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n",
		"app/Dockerfile":                     "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n",
	})
	disc, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), disc, Options{Config: config.Default()})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range res.Files {
		if filepath.Base(f.Path) == "Dockerfile" {
			paths = append(paths, f.Path)
		}
	}
	if len(paths) != 1 || paths[0] != "app/Dockerfile" {
		t.Errorf("rewritten: %v", paths)
	}
}

// TestDotnetRestoreExcludesLocalOutput: review 31 (up1's user_service): a
// restore moved before `COPY . .` with `publish --no-restore` failed
// where a developer's checkout held obj/project.assets.json (NETSDK1064):
// the ignore rewrite stops sending each project's obj/ and bin/.
func TestDotnetRestoreExcludesLocalOutput(t *testing.T) {
	_, ign, _ := fixRepo(t, map[string]string{
		"Dockerfile":     "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY . .\nRUN dotnet restore Api/Api.csproj\nRUN dotnet publish Api/Api.csproj --no-restore -c Release -o /out\nFROM mcr.microsoft.com/dotnet/aspnet:8.0\nCOPY --from=build /out /app\n",
		"Api/Api.csproj": "<Project Sdk=\"Microsoft.NET.Sdk.Web\"/>",
		"Api/Program.cs": "",
	})
	pats := patternsOf(ign)
	if !slices.Contains(pats, "/Api/obj") || !slices.Contains(pats, "/Api/bin") || slices.Contains(pats, "/obj") {
		t.Errorf("%q", pats)
	}
}

// TestGeneratedDockerfileLeftAlone: review 33 (openstatus): a Dockerfile
// whose header says Dofigen writes it is not rewritten; a note says why.
func TestGeneratedDockerfileLeftAlone(t *testing.T) {
	df := "# This file is generated by Dofigen v2.4.0\n# See https://example.com\nFROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
	got, _, notes := fixRepo(t, map[string]string{"Dockerfile": df, "package.json": "{}", "package-lock.json": "{}"})
	if got != df {
		t.Errorf("rewritten:\n%s", got)
	}
	found := false
	for _, n := range notes {
		found = found || strings.Contains(n.Reason, "a tool writes it")
	}
	if !found {
		t.Errorf("no note: %+v", notes)
	}
}
