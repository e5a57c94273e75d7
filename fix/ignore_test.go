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
	"github.com/layerwise/layerwise/internal/testfs"
)

func ignoreFixes(t *testing.T, files map[string]string) (map[string]string, []Note) {
	t.Helper()
	root := testfs.Tree(t, files)
	disc, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, notes, err := Ignores(context.Background(), disc, Options{Config: config.Default()})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range got {
		out[f.Path] = string(f.After)
	}
	return out, notes
}

func patternsOf(content string) []string {
	var out []string
	for _, l := range strings.Split(content, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func TestIgnoreGenerated(t *testing.T) {
	got, notes := ignoreFixes(t, map[string]string{
		"Dockerfile":          "FROM node:20\nCOPY package.json ./\nRUN npm ci\nCOPY src/ src/\nRUN npm run build\n",
		"package.json":        "{}",
		"src/index.js":        "",
		"node_modules/x/a.js": "",
		"dist/out.js":         "",
		"docs/guide.md":       "",
		".env":                "API_KEY=k3y",
		"README.md":           "",
	})
	ign := got[".dockerignore"]
	want := []string{"/.env", "/node_modules", "/.layerwise", "/README.md", "/dist", "/docs"}
	if strings.Join(patternsOf(ign), ",") != strings.Join(want, ",") {
		t.Errorf("patterns %q, want %q\n%s", patternsOf(ign), want, ign)
	}
	if !strings.Contains(ign, "# environment file") {
		t.Errorf("reasons missing:\n%s", ign)
	}
	found := false
	for _, n := range notes {
		found = found || strings.Contains(n.Reason, "/.env is no longer sent")
	}
	if !found {
		t.Errorf("the sensitive exclusion must be listed: %+v", notes)
	}
}

// A certificate a COPY brings into a build stage may reach the image
// through the build (a .csproj's CopyToOutputDirectory: review 24), so it
// stays; one no COPY reaches is excluded.
func TestIgnoreKeepsKeysACopyReaches(t *testing.T) {
	got, _ := ignoreFixes(t, map[string]string{
		"Dockerfile":           "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY . .\nRUN dotnet publish src/Api/Api.csproj -o /out\nFROM mcr.microsoft.com/dotnet/aspnet:8.0\nCOPY --from=build /out /app\n",
		"src/Api/Api.csproj":   `<Project><ItemGroup><None Update="identity.pfx" CopyToOutputDirectory="PreserveNewest" /></ItemGroup></Project>`,
		"src/Api/identity.pfx": "binary",
		"deploy/prod.key":      "binary",
	})
	if pats := patternsOf(got[".dockerignore"]); slices.Contains(pats, "/src/Api/identity.pfx") || slices.Contains(pats, "/deploy/prod.key") {
		t.Errorf("a key COPY . . reaches was excluded: %q", pats)
	}
	got, _ = ignoreFixes(t, map[string]string{
		"Dockerfile":       "FROM debian:12\nCOPY app/ /app/\nCMD [\"/app/run\"]\n",
		"app/run":          "",
		"deploy/prod.key":  "binary",
		"deploy/notes.txt": "",
	})
	if pats := patternsOf(got[".dockerignore"]); !slices.Contains(pats, "/deploy/prod.key") && !slices.Contains(pats, "/deploy") {
		t.Errorf("a key no COPY reaches stays sent: %q", pats)
	}
}

// TestIgnoreEnvFileOnlyWhereNoBundlerReadsIt: an environment file is
// excluded (and the exclusion listed) where no RUN runs a JavaScript build,
// which reads .env files while it bundles (vite, next, react-scripts).
func TestIgnoreEnvFileOnlyWhereNoBundlerReadsIt(t *testing.T) {
	for _, tc := range []struct {
		run     string
		exclude bool
	}{
		{"RUN pip install -r requirements.txt", true},
		{"RUN npm ci && npm run build:prod", false},
		{"RUN npx vite build", false},
	} {
		got, notes := ignoreFixes(t, map[string]string{
			"Dockerfile": "FROM node:20\nCOPY . .\n" + tc.run + "\n", "requirements.txt": "", "package.json": "{}", ".env": "API_KEY=k3y", "src/a.js": "",
		})
		has := slices.Contains(patternsOf(got[".dockerignore"]), "/.env")
		if has != tc.exclude {
			t.Errorf("%s: .env excluded %v, want %v\n%s", tc.run, has, tc.exclude, got[".dockerignore"])
		}
		listed := false
		for _, n := range notes {
			listed = listed || strings.Contains(n.Reason, "/.env is no longer sent")
		}
		if listed != tc.exclude {
			t.Errorf("%s: exclusion listed %v: %+v", tc.run, listed, notes)
		}
	}
}

func TestIgnoreKeepsUserEntriesAndComments(t *testing.T) {
	existing := "# ours\ncoverage\n!coverage/keep.txt\n"
	got, _ := ignoreFixes(t, map[string]string{
		"Dockerfile":    "FROM debian:12\nCOPY app /app\n",
		"app":           "",
		".dockerignore": existing,
		"notes.txt":     "",
	})
	ign := got[".dockerignore"]
	if !strings.HasPrefix(ign, existing) || !strings.Contains(ign, "/notes.txt") {
		t.Errorf("merged file:\n%s", ign)
	}
}

func TestIgnoreSharedContextIsTheUnion(t *testing.T) {
	got, _ := ignoreFixes(t, map[string]string{
		"a.Dockerfile": "FROM debian:12\nCOPY src /src\n",
		"b.Dockerfile": "FROM debian:12\nCOPY docs /docs\n",
		"src/x":        "",
		"docs/y":       "",
		"other/z":      "",
		".env":         "API_KEY=k3y", // a secret: the file is written, and gets what no COPY reaches too
	})
	pats := patternsOf(got[".dockerignore"])
	if strings.Join(pats, ",") != "/.env,/.layerwise,/other" {
		t.Errorf("shared context: %q", pats)
	}
}

func TestIgnoreDockerfileSpecific(t *testing.T) {
	got, _ := ignoreFixes(t, map[string]string{
		"build/api.Dockerfile":              "FROM debian:12\nCOPY src /src\n",
		"build/api.Dockerfile.dockerignore": "# api only\n",
		"src/x":                             "",
		"junk/y":                            "",
	})
	// the Dockerfile sits in build/, its context is the root (inferred)
	ign, ok := got[filepath.ToSlash("build/api.Dockerfile.dockerignore")]
	if !ok || !strings.HasPrefix(ign, "# api only\n") || !strings.Contains(ign, "/junk") || strings.Contains(ign, "/src") {
		t.Errorf("Dockerfile-specific ignore file: %v", got)
	}
}

func TestIgnoreLeftAloneWhenUndecidable(t *testing.T) {
	got, notes := ignoreFixes(t, map[string]string{
		"Dockerfile": "FROM debian:12\nARG APP\nCOPY apps/$APP /app\n",
		"apps/a/x":   "",
		"junk":       "",
	})
	if len(got) != 0 || len(notes) == 0 || !strings.Contains(notes[0].Reason, "build arg") {
		t.Errorf("undecidable context rewritten: %v %+v", got, notes)
	}
}

func TestIgnoreKeepsGitWhenARunUsesIt(t *testing.T) {
	got, _ := ignoreFixes(t, map[string]string{
		"Dockerfile":  "FROM debian:12\nCOPY . /src\nRUN git -C /src describe > /version\n",
		".git/config": "",
		"main.c":      "",
	})
	if strings.Contains(got[".dockerignore"], "/.git") {
		t.Errorf(".git excluded although a RUN uses git:\n%s", got[".dockerignore"])
	}
}

func TestIgnoreKeepsEmptyDirectoriesACopyNames(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		"Dockerfile": "FROM debian:12\nCOPY data /data\nCOPY app /app\n",
		"app":        "x",
		"junk.txt":   "",
		".env":       "API_KEY=k3y",
	})
	if err := os.Mkdir(filepath.Join(root, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	disc, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := Ignores(context.Background(), disc, Options{Config: config.Default()})
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	pats := patternsOf(string(got[0].After))
	if strings.Join(pats, ",") != "/.env,/.layerwise,/junk.txt" {
		t.Errorf("patterns %q: the empty directory a COPY names must stay", pats)
	}
}

// A local named context gets its own .dockerignore: what no COPY --from
// of it reaches and its secrets go, what it reads stays; the regenerated
// directories of (c) are not dropped from a named context.
func TestIgnoreNamedContext(t *testing.T) {
	got, notes := ignoreFixes(t, map[string]string{
		"compose.yaml":                 "services:\n  app:\n    build:\n      context: ./app\n      additional_contexts:\n        shared: ./shared\n",
		"app/Dockerfile":               "FROM node:20\nCOPY --from=shared config/ /config/\nCOPY --from=shared node_modules/ /nm/\nCOPY main.js /\nRUN npm ci\n",
		"app/main.js":                  "",
		"shared/config/a.yaml":         "a: 1",
		"shared/node_modules/x/i.js":   "",
		"shared/docs/big.md":           strings.Repeat("d", 2000),
		"shared/.env":                  "API_KEY=k3y",
		"shared/templates/unused.tmpl": "",
	})
	ign, ok := got["shared/.dockerignore"]
	if !ok {
		t.Fatalf("no shared/.dockerignore: %v %+v", got, notes)
	}
	if want := []string{"/.env", "/docs", "/templates"}; strings.Join(patternsOf(ign), ",") != strings.Join(want, ",") {
		t.Errorf("patterns %q, want %q\n%s", patternsOf(ign), want, ign)
	}
	found := false
	for _, n := range notes {
		found = found || strings.Contains(n.Reason, "context for app (named context shared)")
	}
	if !found {
		t.Errorf("notes: %+v", notes)
	}
}

// A directory that is one image's build context and another's named
// context keeps what either reads: the union of their needs.
func TestIgnoreContextAlsoANamedContext(t *testing.T) {
	got, _ := ignoreFixes(t, map[string]string{
		"compose.yaml":      "services:\n  lib:\n    build: ./lib\n  app:\n    build:\n      context: ./app\n      additional_contexts:\n        lib: ./lib\n",
		"lib/Dockerfile":    "FROM busybox:1.36\nCOPY src/ /src/\n",
		"lib/src/a.c":       "",
		"lib/assets/x.png":  "png",
		"lib/docs/guide.md": "",
		"lib/.env":          "API_KEY=k3y",
		"app/Dockerfile":    "FROM busybox:1.36\nRUN --mount=from=lib,source=assets,target=/a cp -r /a /assets\nCOPY app.sh /\n",
		"app/app.sh":        "",
	})
	ign := got["lib/.dockerignore"]
	if want := []string{"/.env", "/docs"}; strings.Join(patternsOf(ign), ",") != strings.Join(want, ",") {
		t.Errorf("patterns %q, want %q\n%s", patternsOf(ign), want, ign)
	}
}

// An image whose Dockerfile does not parse shares the context: what it
// needs is unknown, so the ignore file is not written.
func TestIgnoreLeftAloneWhenASharerDoesNotParse(t *testing.T) {
	got, notes := ignoreFixes(t, map[string]string{
		"compose.yaml":  "services:\n  a: {build: {context: ., dockerfile: a.Dockerfile}}\n  b: {build: {context: ., dockerfile: b.Dockerfile}}\n",
		"a.Dockerfile":  "FROM busybox:1.36\nCOPY src/ /src/\n",
		"b.Dockerfile":  "FROM busybox:1.36\nCOPY --chown= docs/ /docs/\nFROOM x\n",
		"src/main.c":    "",
		"docs/guide.md": "",
	})
	if len(got) != 0 {
		t.Errorf("written: %v", got)
	}
	found := false
	for _, n := range notes {
		found = found || strings.Contains(n.Reason, "b also builds from this context and its Dockerfile could not be read or parsed")
	}
	if !found {
		t.Errorf("notes: %+v", notes)
	}
}

// A Dockerfile found by name in a subdirectory that does not parse may be
// built from the root (review 36: growthbook's CI appends
// preview/Dockerfile.append to the root Dockerfile and builds it from the
// root): the root's ignore file is left alone, not told to drop preview/.
func TestIgnoreLeftAloneWhenAnUnparsedDockerfileBelowMayUseIt(t *testing.T) {
	files := map[string]string{
		"Dockerfile":                "FROM busybox:1.36\nCOPY src/ /src/\n",
		"src/main.c":                "",
		"preview/Dockerfile.append": "COPY preview/idle-monitor.js /app/\nFROOM x\n",
		"preview/idle-monitor.js":   "",
		".env":                      "API_KEY=k3y",
	}
	got, _ := ignoreFixes(t, files)
	if f, ok := got[".dockerignore"]; ok {
		t.Errorf("the root's ignore file written: %q", patternsOf(f))
	}
	// the same tree without it: the root's ignore file is written
	delete(files, "preview/Dockerfile.append")
	if got, notes := ignoreFixes(t, files); got[".dockerignore"] == "" {
		t.Errorf("no ignore file written without the unparsed Dockerfile: %v %+v", got, notes)
	}
}

// A Dockerfile that is a symbolic link is not read; a build may name it
// (review 37: dispatch's root Dockerfile -> docker/Dockerfile, built from
// the root): the context's ignore file is left alone.
func TestIgnoreLeftAloneBesideASymlinkedDockerfile(t *testing.T) {
	root := testfs.Tree(t, map[string]string{
		".devcontainer/Dockerfile": "FROM busybox:1.36\nCOPY requirements.txt /r.txt\n",
		"compose.yaml":             "services:\n  dev:\n    build:\n      context: .\n      dockerfile: .devcontainer/Dockerfile\n",
		"requirements.txt":         "x\n",
		"src/app.py":               "",
		".env":                     "API_KEY=k3y",
		"docker/Dockerfile":        "FROM busybox:1.36\nCOPY . /app\n",
	})
	if err := os.Symlink("docker/Dockerfile", filepath.Join(root, "Dockerfile")); err != nil {
		t.Fatal(err)
	}
	disc, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, notes, err := Ignores(context.Background(), disc, Options{Config: config.Default()})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got {
		if f.Path == ".dockerignore" {
			t.Errorf("the root's ignore file written: %q (notes %+v)", f.After, notes)
		}
	}
}

// A context guessed from the Dockerfile's place that lacks what the
// Dockerfile copies is not the one it is built with (review 38: novu's
// ./meta and ./deps, from a tar a script pipes to `docker build -`): its
// ignore file is left alone.
func TestIgnoreLeftAloneWhereTheGuessedContextLacksASource(t *testing.T) {
	files := map[string]string{
		"apps/api/Dockerfile": "FROM node:20\nCOPY ./meta .\nCOPY src/ /app/src/\n",
		"apps/api/src/a.js":   "",
		"apps/api/.env":       "API_KEY=k3y",
	}
	got, _ := ignoreFixes(t, files)
	if f, ok := got["apps/api/.dockerignore"]; ok {
		t.Errorf("written: %q", patternsOf(f))
	}
	files["apps/api/meta/package.json"] = "{}"
	if got, notes := ignoreFixes(t, files); got["apps/api/.dockerignore"] == "" {
		t.Errorf("not written with every source there: %v %+v", got, notes)
	}
}

// An inline Dockerfile (compose dockerfile_inline) counts like any other:
// what it copies stays.
func TestIgnoreCountsInlineDockerfiles(t *testing.T) {
	got, _ := ignoreFixes(t, map[string]string{
		"compose.yaml":  "services:\n  a: {build: {context: ., dockerfile: a.Dockerfile}}\n  b:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM busybox:1.36\n        COPY docs/ /docs/\n",
		"a.Dockerfile":  "FROM busybox:1.36\nCOPY src/ /src/\n",
		"src/main.c":    "",
		"docs/guide.md": "",
		"notes/x.txt":   "",
		".env":          "API_KEY=k3y",
	})
	if want := []string{"/.env", "/.layerwise", "/compose.yaml", "/notes"}; strings.Join(patternsOf(got[".dockerignore"]), ",") != strings.Join(want, ",") {
		t.Errorf("patterns %q, want %q", patternsOf(got[".dockerignore"]), want)
	}
}

// fix PATH writes under PATH only: a named context outside the repository
// keeps its ignore file as it is, with a note. (Since issue 27 discovery
// refuses the image altogether: nothing outside is read or walked.)
func TestIgnoreLeavesDirectoriesOutsideTheRepository(t *testing.T) {
	outside := t.TempDir()
	testfs.Write(t, outside, map[string]string{"used/a": "", "unused/b": ""})
	got, notes := ignoreFixes(t, map[string]string{
		"compose.yaml":   "services:\n  app:\n    build:\n      context: ./app\n      additional_contexts:\n        ext: " + outside + "\n",
		"app/Dockerfile": "FROM busybox:1.36\nCOPY --from=ext used/ /used/\nCOPY main.c /\n",
		"app/main.c":     "",
	})
	for p := range got {
		if strings.HasPrefix(p, "..") || filepath.IsAbs(p) {
			t.Errorf("writes outside the repository: %s", p)
		}
	}
	found := false
	for _, n := range notes {
		found = found || (n.File == "compose.yaml" && strings.Contains(n.Reason, outside) && strings.Contains(n.Reason, "outside the repository"))
	}
	if !found {
		t.Errorf("notes: %+v", notes)
	}
}

// A compose file that builds a Dockerfile outside the repository: fix
// leaves it alone, with a note.
func TestFixLeavesDockerfilesOutsideTheRepository(t *testing.T) {
	outside := t.TempDir()
	testfs.Write(t, outside, map[string]string{"Dockerfile": "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n"})
	root := testfs.Tree(t, map[string]string{
		"compose.yaml": "services:\n  ext:\n    build:\n      context: .\n      dockerfile: " + filepath.Join(outside, "Dockerfile") + "\n",
	})
	disc, err := discover.Discover(context.Background(), root, discover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), disc, Options{Config: config.Default()})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Files {
		if strings.HasPrefix(f.Path, "..") || filepath.IsAbs(f.Path) {
			t.Errorf("rewrites %s", f.Path)
		}
	}
	found := false
	for _, n := range res.Notes {
		found = found || strings.Contains(n.Reason, "outside")
	}
	if !found {
		t.Errorf("notes: %+v", res.Notes)
	}
}

// TestIgnoreNeverExcludesWhatACopyNames: a directory a COPY names is not
// "regenerated", a file a COPY names is not "sensitive", whatever their
// names say (both builds failed after an earlier version's rewrite).
func TestIgnoreNeverExcludesWhatACopyNames(t *testing.T) {
	got, notes := ignoreFixes(t, map[string]string{
		"Dockerfile":              "FROM node:20\nCOPY package.json ./\nRUN npm ci && npm run build\nCOPY ./web/client/build/ build/\nCOPY certs/server.key /etc/ssl/private/\nCOPY index.js ./\n",
		"package.json":            "{}",
		"index.js":                "",
		"web/client/build/app.js": "",
		"certs/server.key":        "secret",
		".env":                    "API_KEY=k3y",
	})
	ign := got[".dockerignore"]
	for _, p := range patternsOf(ign) {
		switch p {
		case "/web", "/web/client/build", "/certs", "/certs/server.key":
			t.Errorf("%s is named by a COPY and was excluded:\n%s", p, ign)
		}
	}
	if !strings.Contains(ign, "/.env") {
		t.Errorf("the unnamed .env should still go:\n%s\n%+v", ign, notes)
	}
}

// TestIgnoreNeverExcludesWhatCopyFromCarries: a file that looks sensitive,
// copied in with the whole context by the build stage and carried into the
// final image by COPY --from, stays sent.
func TestIgnoreNeverExcludesWhatCopyFromCarries(t *testing.T) {
	got, _ := ignoreFixes(t, map[string]string{
		"Dockerfile":               "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -o /out\nFROM mcr.microsoft.com/dotnet/aspnet:8.0\nCOPY --from=build /out /app\nCOPY --from=build /src/Api/certs/dev.pfx /app/\n",
		"Api/Api.csproj":           "<Project/>",
		"Api/Program.cs":           "",
		"Api/certs/dev.pfx":        "cert",
		"Api/appsettings.dev.json": "{}",
		".env":                     "API_KEY=k3y",
	})
	ign := got[".dockerignore"]
	for _, p := range patternsOf(ign) {
		if strings.Contains(p, "pfx") || p == "/Api" || p == "/Api/certs" {
			t.Errorf("%s reaches the final image through COPY --from and was excluded:\n%s", p, ign)
		}
	}
}

// layerwise's own state never reaches a build (issue 22: verify of a Go
// service failed on its own history's -wal and -shm): a context at the
// repository root excludes .layerwise even before the first measured build
// creates it, a context that sends it (here and in a subdirectory that
// layerwise was pointed at) drops it on purpose though COPY . . reaches it,
// and the proof accepts both; a context elsewhere that holds none, an
// ignore file that excludes it already, and a COPY that names it leave it.
func TestIgnoreExcludesLayerwiseState(t *testing.T) {
	got, notes := ignoreFixes(t, map[string]string{
		"Dockerfile":                  "FROM golang:1.24\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n",
		"main.go":                     "package main\n",
		".layerwise/history.db":       "sqlite",
		".layerwise/history.db-wal":   "wal",
		"tools/.layerwise/history.db": "sqlite",
		"api/Dockerfile":              "FROM golang:1.24\nCOPY . .\nRUN go build -o /app .\n",
		"api/main.go":                 "package main\n",
		"web/Dockerfile":              "FROM nginx:1.27\nCOPY . /usr/share/nginx/html\n",
		"web/.dockerignore":           "Dockerfile\n",
		"web/index.html":              "<p>",
		"cfg/Dockerfile":              "FROM busybox:1.36\nCOPY .layerwise/seed.json /seed.json\nCOPY . /cfg\n",
		"cfg/.layerwise/seed.json":    "{}",
		"cfg/app.conf":                "x",
	})
	if pats := patternsOf(got[".dockerignore"]); !slices.Contains(pats, "/.layerwise") || !slices.Contains(pats, "/tools/.layerwise") {
		t.Errorf("root context: %q", pats)
	}
	dropped := 0
	for _, n := range notes {
		if strings.Contains(n.Reason, ".layerwise is no longer sent: ") {
			dropped++
		}
	}
	if dropped != 3 { // .layerwise, tools/.layerwise and cfg/.layerwise (named by cfg's own build only)
		t.Errorf("the state sent is dropped on purpose, with a note: %+v", notes)
	}
	if ign, ok := got["api/.dockerignore"]; ok && strings.Contains(ign, ".layerwise") {
		t.Errorf("a context below the root holding no state: %q", ign)
	}
	if ign, ok := got["cfg/.dockerignore"]; ok && strings.Contains(ign, ".layerwise") {
		t.Errorf("a COPY names .layerwise/seed.json: %q", ign)
	}
	if _, ok := got["web/.dockerignore"]; ok {
		t.Errorf("nothing to exclude in web: %q", got["web/.dockerignore"])
	}
	// an ignore file that excludes it already
	got, _ = ignoreFixes(t, map[string]string{
		"Dockerfile":    "FROM debian:12\nCOPY src /src\n",
		".dockerignore": ".layerwise\n",
		"src/x":         "",
		"notes.txt":     "",
	})
	if pats := patternsOf(got[".dockerignore"]); strings.Join(pats, ",") != ".layerwise,/notes.txt" {
		t.Errorf("already excluded: %q", pats)
	}
}

// TestNoNewIgnoreFileForNothing: a context at the repository root that
// sends nothing an ignore file would drop gets no new .dockerignore (only
// layerwise's state, not there, and files no COPY names, which BuildKit
// does not send, could go in it); once the state directory is there, it
// is excluded.
func TestNoNewIgnoreFileForNothing(t *testing.T) {
	// docs/ and README.md: no COPY names them, so BuildKit sends neither
	files := map[string]string{"Dockerfile": "FROM debian:12\nCOPY app.sh /app.sh\n", "app.sh": "echo\n", "docs/guide.md": "", "README.md": ""}
	if _, ign, _ := fixRepo(t, files); ign != "" {
		t.Errorf("a .dockerignore for nothing:\n%s", ign)
	}
	files[".layerwise/history.db"] = "x"
	if _, ign, _ := fixRepo(t, files); !strings.Contains(ign, ".layerwise") {
		t.Errorf("the state directory is not excluded:\n%s", ign)
	}
}

// TestIgnoreComposerVendorNotGoVendor: a composer install regenerates the
// vendor beside composer.json, which COPY . . would otherwise copy over it;
// Go's vendor directory is a source (-mod=vendor) and stays.
func TestIgnoreComposerVendorNotGoVendor(t *testing.T) {
	got, _ := ignoreFixes(t, map[string]string{
		"Dockerfile":              "FROM php:8.3-cli\nWORKDIR /app\nCOPY . .\nRUN composer install\nRUN cd tool && go build -mod=vendor .\n",
		"composer.json":           "{}",
		"vendor/autoload.php":     "",
		"index.php":               "",
		"tool/go.mod":             "module t\n",
		"tool/composer.json":      "{}",
		"tool/vendor/modules.txt": "",
		"tool/main.go":            "package main\n",
	})
	pats := strings.Join(patternsOf(got[".dockerignore"]), ",")
	if !strings.Contains(pats, "/vendor") {
		t.Errorf("composer's vendor not excluded: %q", pats)
	}
	if strings.Contains(pats, "tool/vendor") {
		t.Errorf("Go's vendor excluded: %q", pats)
	}
}

// TestIgnoreRegeneratedOnlyWhereBuilt: the review's cases. A committed
// vendor/ that `composer global require` does not touch stays; dist/ stays
// where the script run is not the bundler's (build:server runs tsc) or a
// sibling Dockerfile copies the prebuilt dist/.
func TestIgnoreRegeneratedOnlyWhereBuilt(t *testing.T) {
	got, _ := ignoreFixes(t, map[string]string{
		"Dockerfile":          "FROM php:8.3-apache\nRUN composer global require drush/drush\nCOPY . /var/www/html\n",
		"composer.json":       "{}",
		"vendor/autoload.php": "",
		"index.php":           "",
	})
	if slices.Contains(patternsOf(got[".dockerignore"]), "/vendor") {
		t.Errorf("a committed vendor/ no install regenerates was excluded:\n%s", got[".dockerignore"])
	}
	pj := `{"scripts": {"build": "vite build", "build:server": "tsc -p server"}}`
	got, _ = ignoreFixes(t, map[string]string{
		"Dockerfile":   "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build:server\n",
		"package.json": pj, "package-lock.json": "{}", "dist/index.html": "", "server/a.ts": "",
	})
	if slices.Contains(patternsOf(got[".dockerignore"]), "/dist") {
		t.Errorf("dist/ excluded though the script run is tsc:\n%s", got[".dockerignore"])
	}
	got, _ = ignoreFixes(t, map[string]string{
		"Dockerfile":          "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n",
		"Dockerfile.prebuilt": "FROM nginx:1\nCOPY . /usr/share/nginx/html\n",
		"package.json":        pj, "package-lock.json": "{}", "dist/index.html": "",
	})
	if slices.Contains(patternsOf(got[".dockerignore"]), "/dist") {
		t.Errorf("dist/ excluded though Dockerfile.prebuilt copies it:\n%s", got[".dockerignore"])
	}
	got, _ = ignoreFixes(t, map[string]string{
		"Dockerfile":   "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n",
		"package.json": pj, "package-lock.json": "{}", "dist/index.html": "",
	})
	if !slices.Contains(patternsOf(got[".dockerignore"]), "/dist") {
		t.Errorf("vite's dist/ kept:\n%s", got[".dockerignore"])
	}
}

// TestMovedInstallExcludesNodeModulesNotYetThere: review 22 (odigos'
// coupon): the install moved before the sources would find a developer's
// node_modules copied over what it made, so the ignore rewrite excludes
// node_modules although this checkout holds none — writing the file for
// it alone; an ignore file that excludes it already is left alone.
func TestMovedInstallExcludesNodeModulesNotYetThere(t *testing.T) {
	files := map[string]string{
		"Dockerfile":        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"app.js\"]\n",
		"package.json":      `{"dependencies":{"express":"4"}}`,
		"package-lock.json": `{"lockfileVersion":3,"packages":{"":{},"node_modules/express":{"version":"4.21.0"}}}`,
		"app.js":            "",
	}
	df, ign, _ := fixRepo(t, files)
	if !strings.Contains(df, "COPY package-lock.json package.json ./\nRUN") {
		t.Errorf("install not moved:\n%s", df)
	}
	if !slices.Contains(patternsOf(ign), "/node_modules") {
		t.Errorf("node_modules not excluded:\n%s", ign)
	}
	// excluded already: nothing to add for it
	files[".dockerignore"] = "node_modules\n"
	if _, ign, _ := fixRepo(t, files); strings.Contains(ign, "/node_modules") {
		t.Errorf("excluded twice:\n%s", ign)
	}
}

// TestNoEditForStateAlone: review 29: a .dockerignore that already keeps
// out everything the context holds got a `/.layerwise` line alone, for a
// directory that is not there. Left as it is; once the state is there,
// it goes in.
func TestNoEditForStateAlone(t *testing.T) {
	files := map[string]string{
		"Dockerfile":    "FROM debian:12\nCOPY src /src\n",
		".dockerignore": "docs\n",
		"src/x":         "",
		"docs/y":        "",
	}
	if got, _ := ignoreFixes(t, files); got[".dockerignore"] != "" {
		t.Errorf("edited for the state alone:\n%s", got[".dockerignore"])
	}
	files[".layerwise/history.db"] = "x"
	if got, _ := ignoreFixes(t, files); !slices.Contains(patternsOf(got[".dockerignore"]), "/.layerwise") {
		t.Errorf("the state is there: %q", got[".dockerignore"])
	}
}

// TestIgnoreKeepsCredentialsTheImageReads: review 33 (a Firebase service
// account the app loads at startup, copied by COPY . .): excluded, the
// service silently fell back to mock auth. The audit reports it; the
// ignore rewrite leaves it. One no COPY reaches is still excluded.
func TestIgnoreKeepsCredentialsTheImageReads(t *testing.T) {
	key := `{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n"}`
	got, _ := ignoreFixes(t, map[string]string{
		"Dockerfile":                           "FROM node:20-slim\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY . .\nCMD [\"node\", \"index.js\"]\n",
		"package.json":                         "{}",
		"index.js":                             "",
		"config/firebase-service-account.json": key,
	})
	if slices.Contains(patternsOf(got[".dockerignore"]), "/config/firebase-service-account.json") {
		t.Errorf("the credentials the image reads were excluded:\n%s", got[".dockerignore"])
	}
	got, _ = ignoreFixes(t, map[string]string{
		"Dockerfile":                           "FROM node:20-slim\nWORKDIR /app\nCOPY package.json index.js ./\nRUN npm install\nCMD [\"node\", \"index.js\"]\n",
		"package.json":                         "{}",
		"index.js":                             "",
		"config/firebase-service-account.json": key,
	})
	if !slices.Contains(patternsOf(got[".dockerignore"]), "/config/firebase-service-account.json") && !slices.Contains(patternsOf(got[".dockerignore"]), "/config") {
		t.Errorf("unreached credentials not excluded:\n%s", got[".dockerignore"])
	}
}
