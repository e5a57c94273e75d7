package dockerfile

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse("Dockerfile", []byte(src), Options{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(f.Errors) > 0 {
		t.Fatalf("instruction errors: %v", f.Errors)
	}
	return f
}

func TestStagesAndGraph(t *testing.T) {
	f := mustParse(t, `ARG GO=1.22
FROM golang:${GO} AS build
RUN go build -o /out/app .
FROM --platform=linux/arm64 build AS test
RUN go test ./...
FROM alpine:3.20 AS assets
FROM scratch
COPY --from=build /out/app /app
COPY --from=assets /etc/ssl /etc/ssl
COPY --from=nginx:1.27 /etc/nginx/mime.types /etc/
RUN --mount=from=test,target=/t true
`)
	type st struct {
		name, base string
		baseStage  int
		platform   string
		deps       []int
		imgs       []string
	}
	var got []st
	for _, s := range f.Stages {
		got = append(got, st{s.Name, s.Base, s.BaseStage, s.Platform, s.DependsOn, s.ImageRefs})
	}
	want := []st{
		{"build", "golang:1.22", -1, "", nil, nil},
		{"test", "build", 0, "linux/arm64", []int{0}, nil},
		{"assets", "alpine:3.20", -1, "", nil, nil},
		{"", "scratch", -1, "", []int{0, 1, 2}, []string{"nginx:1.27"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stages:\n got %+v\nwant %+v", got, want)
	}
	if !f.Stages[3].IsScratch() || f.Stages[3].Label() != "3" || f.Stages[0].Label() != "build" {
		t.Errorf("scratch/label wrong")
	}
	if len(f.MetaArgs) != 1 || f.MetaArgs[0].Kind != "ARG" {
		t.Errorf("meta args: %+v", f.MetaArgs)
	}
}

func TestRangesHaveColumns(t *testing.T) {
	f := mustParse(t, "FROM debian:12\n  RUN apt-get update && \\\n      apt-get install -y curl   \nCOPY . /src\n")
	run := f.Stages[0].Instructions[0]
	if run.Range != (Range{Start: Pos{2, 3}, End: Pos{3, 29}}) {
		t.Errorf("RUN range = %v", run.Range)
	}
	cp := f.Stages[0].Instructions[1]
	if cp.Range != (Range{Start: Pos{4, 1}, End: Pos{4, 11}}) {
		t.Errorf("COPY range = %v", cp.Range)
	}
	if f.Stages[0].Range != (Range{Start: Pos{1, 1}, End: Pos{1, 14}}) {
		t.Errorf("FROM range = %v", f.Stages[0].Range)
	}
}

func TestCopyAndAdd(t *testing.T) {
	f := mustParse(t, `FROM debian:12 AS base
ARG SRC=app
FROM base
COPY --link --chown=1000:1000 --chmod=0644 --parents --exclude=*.md --exclude=test/ package*.json src/ ./
COPY --from=base /etc/hosts /x
ADD https://example.com/tool.tgz /opt/
ADD https://github.com/moby/buildkit.git#v0.12 /src/buildkit
ADD git@github.com:org/repo.git /src/repo
COPY <<EOF /etc/motd
hello
EOF
`)
	ins := f.Stages[1].Instructions
	c := ins[0].Copy
	if !c.Link || c.Chown != "1000:1000" || c.Chmod != "0644" || !c.Parents {
		t.Errorf("flags: %+v", c)
	}
	if !reflect.DeepEqual(c.Excludes, []string{"*.md", "test/"}) || !reflect.DeepEqual(c.Sources, []string{"package*.json", "src/"}) || c.Dest != "./" {
		t.Errorf("sources/excludes: %+v", c)
	}
	if !c.FromContext() {
		t.Errorf("COPY from context not detected")
	}
	if ins[1].Copy.FromStage != 0 || ins[1].Copy.FromContext() {
		t.Errorf("COPY --from stage: %+v", ins[1].Copy)
	}
	if !reflect.DeepEqual(ins[2].Copy.URLs, []string{"https://example.com/tool.tgz"}) || ins[2].Copy.FromContext() {
		t.Errorf("ADD url: %+v", ins[2].Copy)
	}
	if len(ins[3].Copy.GitRefs) != 1 || len(ins[4].Copy.GitRefs) != 1 {
		t.Errorf("ADD git refs: %+v %+v", ins[3].Copy, ins[4].Copy)
	}
	if len(ins[5].Copy.Heredocs) != 1 || ins[5].Copy.Heredocs[0].Content != "hello\n" || ins[5].Copy.FromContext() {
		t.Errorf("COPY heredoc: %+v", ins[5].Copy)
	}
}

func TestCopyVariables(t *testing.T) {
	f := mustParse(t, "FROM debian:12\nARG APP=web\nENV DIR=/srv\nCOPY services/${APP}/ $DIR/\n")
	c := f.Stages[0].Instructions[2].Copy
	if !c.UsesVariables || c.SourcesExpanded[0] != "services/web/" || c.Dest != "/srv/" || c.Sources[0] != "services/${APP}/" {
		t.Errorf("expansion: %+v", c)
	}
	f2, _ := Parse("Dockerfile", []byte("FROM debian:12\nARG APP=web\nCOPY services/${APP}/ /x\n"), Options{BuildArgs: map[string]string{"APP": "api"}})
	if got := f2.Stages[0].Instructions[1].Copy.SourcesExpanded[0]; got != "services/api/" {
		t.Errorf("build arg override: %s", got)
	}
}

func cmdNames(r *Run) []string {
	var out []string
	for _, c := range r.Commands {
		out = append(out, strings.TrimSpace(c.Name+" "+strings.Join(c.Args, " ")))
	}
	return out
}

func TestRunShellCommands(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"and-chain", `RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*`,
			[]string{"apt-get update", "apt-get install -y --no-install-recommends curl ca-certificates", "rm -rf /var/lib/apt/lists/*"}},
		{"if-and-subshell", `RUN if [ -f package-lock.json ]; then npm ci; else (cd app && npm install); fi`,
			[]string{"[ -f package-lock.json ]", "npm ci", "cd app", "npm install"}},
		{"quotes-and-env", `RUN CGO_ENABLED=0 go build -ldflags "-s -w" -o '/out/app' ./...`,
			[]string{"go build -ldflags -s -w -o /out/app ./..."}},
		{"sh-c", `RUN sh -c "pip install -r requirements.txt && pip check"`,
			[]string{"sh -c pip install -r requirements.txt && pip check", "pip install -r requirements.txt", "pip check"}},
		{"exec-form", `RUN ["npm", "ci", "--omit=dev"]`, []string{"npm ci --omit=dev"}},
		{"exec-sh-c", `RUN ["/bin/sh", "-c", "go mod download && go build ./..."]`, []string{"go mod download", "go build ./..."}},
		{"heredoc-script", "RUN <<EOF\nset -e\napt-get update\napt-get install -y git\nEOF", []string{"set -e", "apt-get update", "apt-get install -y git"}},
		{"heredoc-bash", "RUN bash <<'EOT'\ncargo fetch\nEOT", []string{"bash", "cargo fetch"}},
		{"heredoc-data", "RUN cat <<EOF > /etc/app.conf\nnot a command\nEOF", []string{"cat"}},
		{"pipes-loops", `RUN for p in a b; do echo $p | tee -a /log; done`, []string{"echo $p", "tee -a /log"}},
		{"continuation", "RUN go mod download \\\n && go build ./cmd/api", []string{"go mod download", "go build ./cmd/api"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, "FROM debian:12\n"+tc.src+"\n")
			r := f.Stages[0].Instructions[0].Run
			if r.ShellError != "" {
				t.Fatalf("shell error: %s", r.ShellError)
			}
			if got := cmdNames(r); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("commands:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
	f := mustParse(t, "FROM debian:12\nRUN CGO_ENABLED=0 GOOS=linux go build .\n")
	if c := f.Stages[0].Instructions[0].Run.Commands[0]; !reflect.DeepEqual(c.Env, []string{"CGO_ENABLED=0", "GOOS=linux"}) || !c.HasArg("build") || !reflect.DeepEqual(c.Positional(), []string{"build", "."}) {
		t.Errorf("env/args: %+v", c)
	}
}

func TestRunMountsAndFlags(t *testing.T) {
	f := mustParse(t, `FROM golang:1.22 AS b
ENV GOCACHE=/cache/go
RUN --mount=type=cache,target=/root/.cache/go-build,id=gobuild,sharing=locked \
    --mount=type=cache,target=$GOCACHE \
    --mount=type=bind,from=b,source=/src,target=/src,rw \
    --mount=type=secret,id=npmrc,target=/root/.npmrc \
    --network=none go build ./...
`)
	r := f.Stages[0].Instructions[1].Run
	want := []Mount{
		{Type: "cache", Target: "/root/.cache/go-build", ID: "gobuild", Sharing: "locked"},
		{Type: "cache", Target: "/cache/go", Sharing: "shared"},
		{Type: "bind", Target: "/src", From: "b", Source: "/src"},
		{Type: "secret", Target: "/root/.npmrc", ID: "npmrc", ReadOnly: true},
	}
	if !reflect.DeepEqual(r.Mounts, want) {
		t.Errorf("mounts:\n got %+v\nwant %+v", r.Mounts, want)
	}
	if r.Network != "none" {
		t.Errorf("network = %q", r.Network)
	}
}

func TestStateTracking(t *testing.T) {
	f := mustParse(t, `FROM node:20 AS base
ARG APPDIR=/app
WORKDIR $APPDIR
WORKDIR sub
ENV npm_config_cache=/tmp/npm PATH=/x:$PATH
USER node
RUN npm ci
USER root:root
RUN npm ci
ENV HOME=/home/custom
RUN npm ci
FROM base
RUN true
`)
	ins := f.Stages[0].Instructions
	s := ins[5].State // first RUN
	if s.Workdir != "/app/sub" || s.User != "node" || s.Home != "/home/node" || !s.HomeGuessed || s.IsRoot() {
		t.Errorf("state at RUN 1: %+v", s)
	}
	if v, _ := s.Getenv("npm_config_cache"); v != "/tmp/npm" {
		t.Errorf("env: %v", s.Environ())
	}
	if v, _ := s.Getenv("APPDIR"); v != "/app" {
		t.Errorf("ARG in env: %v", s.Environ())
	}
	if s := ins[7].State; s.Home != "/root" || !s.IsRoot() {
		t.Errorf("state at RUN 2: %+v", s)
	}
	if s := ins[9].State; s.Home != "/home/custom" || s.HomeGuessed {
		t.Errorf("state at RUN 3: %+v", s)
	}
	// a stage FROM another inherits its ENV, WORKDIR and USER
	if s := f.Stages[1].Instructions[0].State; s.Workdir != "/app/sub" || s.Home != "/home/custom" || s.Environ()["npm_config_cache"] != "/tmp/npm" {
		t.Errorf("inherited state: %+v", s)
	}
}

func TestDirectivesAndComments(t *testing.T) {
	f := mustParse(t, "# syntax=docker/dockerfile:1.7\n# check=skip=JSONArgsRecommended\n# a comment\nFROM debian:12\n# layerwise ignore=LW101\nRUN <<EOF\n# inside a heredoc: not a comment\necho hi\nEOF\n")
	if len(f.Directives) != 2 || f.Directives[0] != (Directive{Name: "syntax", Value: "docker/dockerfile:1.7", Line: 1}) || f.Directives[1].Name != "check" {
		t.Errorf("directives: %+v", f.Directives)
	}
	var lines []int
	for _, c := range f.Comments {
		lines = append(lines, c.Line)
	}
	if !reflect.DeepEqual(lines, []int{1, 2, 3, 5}) {
		t.Errorf("comment lines: %v (%+v)", lines, f.Comments)
	}
	if got := f.Stages[0].Instructions[0].Comments; !reflect.DeepEqual(got, []string{"layerwise ignore=LW101"}) {
		t.Errorf("instruction comments: %q", got)
	}
	f2 := mustParse(t, "# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n  c:\\\n")
	if f2.EscapeToken != '`' {
		t.Errorf("escape token: %q", f2.EscapeToken)
	}
}

func TestErrorsCarryPositions(t *testing.T) {
	cases := []struct {
		name, src string
		line, col int
		msg       string
		fatal     bool
	}{
		{"unknown-instruction", "FROM debian:12\n  FORM x\n", 2, 3, "unknown instruction: FORM", false},
		{"bad-flag", "FROM debian:12\nCOPY --bogus=1 a b\n", 2, 1, "unknown flag: --bogus", false},
		{"copy-no-dest", "FROM debian:12\nCOPY onlyone\n", 2, 1, "COPY requires at least two arguments", false},
		{"before-from", "RUN echo\nFROM debian:12\n", 1, 1, "before the first FROM", false},
		{"bad-stage-name", "FROM debian:12 AS 1bad\n", 1, 1, "invalid name for build stage", true}, // no stage left: fatal
		{"empty", "", 0, 0, "file with no instructions", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("svc/Dockerfile", []byte(tc.src), Options{})
			var e *Error
			if tc.fatal {
				if err == nil {
					t.Fatalf("want a fatal error")
				}
				e = err.(*Error)
			} else {
				if err != nil {
					t.Fatalf("unexpected fatal error: %v", err)
				}
				if len(f.Errors) == 0 {
					t.Fatalf("want an instruction error")
				}
				e = f.Errors[0]
			}
			if e.File != "svc/Dockerfile" || e.Line != tc.line || e.Col != tc.col || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("error = %q (line %d col %d)", e.Error(), e.Line, e.Col)
			}
			if tc.line > 0 && !strings.HasPrefix(e.Error(), "svc/Dockerfile:") {
				t.Errorf("error text %q lacks file:line:col", e.Error())
			}
		})
	}
}

func TestBadMountIsReported(t *testing.T) {
	f, err := Parse("Dockerfile", []byte("FROM debian:12\nRUN --mount=type=nope true\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Errors) == 0 && (len(f.Stages[0].Instructions) == 0 || f.Stages[0].Instructions[0].Run.MountError == "") {
		t.Errorf("bad mount type not reported")
	}
}

func TestInstructionErrorKeepsTheRest(t *testing.T) {
	f, err := Parse("Dockerfile", []byte("FROM debian:12\nCOPY --nope a b\nRUN echo ok\nFROM scratch\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Errors) != 1 || len(f.Stages) != 2 || len(f.Stages[0].Instructions) != 1 || f.Stages[0].Instructions[0].Kind != "RUN" {
		t.Errorf("errors %v, stages %d", f.Errors, len(f.Stages))
	}
}

func TestNonPOSIXShellIsNotParsed(t *testing.T) {
	f := mustParse(t, "FROM mcr.microsoft.com/powershell\nSHELL [\"pwsh\", \"-Command\"]\nRUN Get-ChildItem | Where-Object { $_.Length -gt 1 }\n")
	if r := f.Stages[0].Instructions[1].Run; len(r.Commands) != 0 || r.ShellError != "" {
		t.Errorf("pwsh script parsed as sh: %+v", r)
	}
	f2 := mustParse(t, "FROM debian:12\nRUN if then fi (\n")
	if f2.Stages[0].Instructions[0].Run.ShellError == "" {
		t.Errorf("broken shell not reported")
	}
}

// TestBaseImageConfigStartsTheStage: a stage starts with its inspected base
// image's user, working directory and environment (HOME, tool caches), as in
// BuildKit; a stage FROM another stage inherits them; USER and ENV in the
// file still win.
func TestBaseImageConfigStartsTheStage(t *testing.T) {
	src := "FROM nb:1 AS a\nRUN pip install x\nFROM a\nENV HOME=/opt\nRUN pip install y\nFROM other:1\nRUN true\n"
	f, err := Parse("Dockerfile", []byte(src), Options{BaseImages: map[string]ImageConfig{
		"nb:1": {User: "1000", Env: []string{"HOME=/home/jovyan", "PIP_CACHE_DIR=/home/jovyan/.pip"}, WorkingDir: "/home/jovyan"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	st := f.Stages[0].Instructions[0].State
	if st.User != "1000" || !st.BaseKnown || st.Home != "/home/jovyan" || st.HomeGuessed || st.Workdir != "/home/jovyan" || st.Environ()["PIP_CACHE_DIR"] != "/home/jovyan/.pip" {
		t.Errorf("stage a: %+v", st)
	}
	st = f.Stages[1].Instructions[1].State
	if st.User != "1000" || !st.BaseKnown || st.Home != "/opt" {
		t.Errorf("stage FROM a: %+v", st)
	}
	st = f.Stages[2].Instructions[0].State
	if st.BaseKnown || st.User != "" {
		t.Errorf("an uninspected base is not known: %+v", st)
	}
}

// TestLineTooLongPointsAtTheLine: BuildKit's scanner error names the last
// line it read; the error must name the line that is too long.
func TestLineTooLongPointsAtTheLine(t *testing.T) {
	src := "FROM debian:12\nRUN echo hi\nRUN echo " + strings.Repeat("x", 70000) + "\nRUN echo after\n"
	_, err := Parse("Dockerfile", []byte(src), Options{})
	var e *Error
	if !errors.As(err, &e) || e.Line != 3 {
		t.Fatalf("error %v, want line 3", err)
	}
}
