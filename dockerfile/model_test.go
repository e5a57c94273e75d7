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
