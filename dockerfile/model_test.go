package dockerfile

import (
	"strings"
	"testing"
)

func TestStageFinalLineageBases(t *testing.T) {
	f, err := Parse("Dockerfile", []byte("FROM golang:1.23 AS Build\nFROM build AS test\nFROM scratch AS empty\nFROM debian:12\nFROM golang:1.23 AS tools\nFROM test AS final\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Stage("BUILD"); s == nil || s.Index != 0 {
		t.Errorf("Stage(BUILD) = %+v", s)
	}
	if f.Stage("nope") != nil || f.Final("nope") != nil {
		t.Error("a name no stage has")
	}
	if s := f.Final(""); s == nil || s.Name != "final" {
		t.Errorf("Final(\"\") = %+v", s)
	}
	if s := f.Final("test"); s == nil || s.Index != 1 {
		t.Errorf("Final(test) = %+v", s)
	}
	var names []string
	for _, s := range f.Lineage(f.Final("")) {
		names = append(names, s.Label())
	}
	if strings.Join(names, ",") != "final,test,build" {
		t.Errorf("lineage %v", names)
	}
	if got := strings.Join(f.ExternalBases(), ","); got != "golang:1.23,debian:12" {
		t.Errorf("external bases %q", got)
	}
	var nilFile *File
	if nilFile.Final("") != nil || nilFile.Stage("x") != nil || nilFile.ExternalBases() != nil {
		t.Error("a nil file has no stages")
	}
}

// A stage's image config is its base's as the stage changes it: USER, ENV
// (not ARG) and WORKDIR; unknown when the base is.
func TestStageImageConfig(t *testing.T) {
	src := "FROM python:3.11 AS base\nARG PIP_X=1\nENV APP_HOME=/srv PATH=/venv/bin:$PATH\nWORKDIR /srv\nUSER 1000\nFROM base AS app\nENV MODE=prod\n"
	f, err := Parse("Dockerfile", []byte(src), Options{BaseImages: map[string]ImageConfig{"python:3.11": {Env: []string{"PATH=/usr/bin"}, WorkingDir: "/"}}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, ok := f.Stage("app").ImageConfig()
	if !ok || cfg.User != "1000" || cfg.WorkingDir != "/srv" || strings.Join(cfg.Env, " ") != "APP_HOME=/srv MODE=prod PATH=/venv/bin:/usr/bin" {
		t.Errorf("app: %+v %v", cfg, ok)
	}
	if cfg, ok := f.Stage("base").ImageConfig(); !ok || strings.Contains(strings.Join(cfg.Env, " "), "PIP_X") {
		t.Errorf("base: %+v %v", cfg, ok)
	}
	unknown, err := Parse("Dockerfile", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := unknown.Final("").ImageConfig(); ok {
		t.Error("an unknown base makes the config unknown")
	}
}

// ProgressName names stages as BuildKit's progress does: no name for the
// only stage (read back as stage-0), the name, or stage-N.
func TestProgressName(t *testing.T) {
	one, err := Parse("Dockerfile", []byte("FROM alpine AS app\nRUN true\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := one.ProgressName(one.Stages[0]); got != "stage-0" {
		t.Errorf("single named stage: %q", got)
	}
	two, err := Parse("Dockerfile", []byte("FROM alpine AS build\nRUN true\nFROM alpine\nCOPY --from=build / /\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := two.ProgressName(two.Stages[0]), two.ProgressName(two.Stages[1]); a != "build" || b != "stage-1" {
		t.Errorf("two stages: %q %q", a, b)
	}
}

// TestWithAssignmentsInOrder: A=/x B=$A/y in front of a command: each
// assignment sees the ones before it, as the shell does.
func TestWithAssignmentsInOrder(t *testing.T) {
	m, err := Parse("Dockerfile", []byte("FROM alpine\nRUN true\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := m.Stages[0].Instructions[0].State.WithAssignments([]string{"A=/cache", "B=$A/yarn"})
	if v, _ := st.Getenv("B"); v != "/cache/yarn" {
		t.Errorf("B = %q", v)
	}
	if _, set := m.Stages[0].Instructions[0].State.Getenv("A"); set {
		t.Errorf("the instruction's own state changed")
	}
}

// TestExportedVariables: the export commands of a script are no commands,
// but the commands after them carry what they set.
func TestExportedVariables(t *testing.T) {
	cs, err := ParseScript(`export CARGO_HOME=/cargo && export CC="/usr/bin/clang" X && cargo build --release`)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Name != "cargo" || strings.Join(cs[0].Exported, " ") != "CARGO_HOME=/cargo CC=/usr/bin/clang" {
		t.Errorf("%+v", cs)
	}
}
