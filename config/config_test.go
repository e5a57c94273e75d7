package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	c, err := Load(write(t, "offline: true\nfail-on: warning\nrules:\n  LW101: off\n  LW105: error\nthresholds:\n  context-bytes: 1000\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Offline || c.FailOn != "warning" || c.Rules["LW101"] != "off" || c.Thresholds.ContextBytes != 1000 || c.Thresholds.UnusedBytes != 10<<20 {
		t.Errorf("config: %+v", c)
	}
	if c, err := Load(write(t, "exclude:\n  - \"**/Dockerfile.expert\"\n  - templates\n"), true); err != nil || len(c.Exclude) != 2 {
		t.Errorf("exclude: %+v %v", c, err)
	}
	if c.RuleLines["LW101"] != 4 || c.RuleLines["LW105"] != 5 {
		t.Errorf("rule lines: %v", c.RuleLines)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := map[string]string{
		"offline: [\n":         "line",
		"unknown-key: 1\n":     "field unknown-key not found",
		"fail-on: sometimes\n": "fail-on",
		"rules:\n  - LW101\n":  "line 2",
		"thresholds: 12\n":     "line 1",
	}
	for content, want := range cases {
		_, err := Load(write(t, content), true)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), FileName) {
			t.Errorf("%q: error %v, want it to mention %q and the file", content, err, want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), true); err == nil {
		t.Errorf("an explicit missing config must fail")
	}
	c, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), false)
	if err != nil || c.FailOn != "error" {
		t.Errorf("default lookup of a missing file: %+v %v", c, err)
	}
	if c, err := Load(write(t, ""), true); err != nil || c.FailOn != "error" {
		t.Errorf("empty file: %+v %v", c, err)
	}
}

// TestInvalidValuesAreErrorsWithTheirLine: a severity that is not one and a
// negative threshold were silently accepted; both are config errors that
// say where.
func TestInvalidValuesAreErrorsWithTheirLine(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"rules:\n  LW101: off\n  LW102: purple\n", ":3: rules: LW102: \"purple\" is not a severity"},
		{"thresholds:\n  context-bytes: 10\n  unused-bytes: -5\n", ":3: thresholds: unused-bytes: -5 is negative"},
		{"fail-on: loud\n", ":1: fail-on"},
		{"exclude:\n  - \"**/Dockerfile.expert\"\n  - \"[\"\n", ":3: exclude: \"[\""},
		{"exclude:\n  - \"\"\n", ":2: exclude: \"\": an empty pattern"},
	} {
		p := filepath.Join(t.TempDir(), ".layerwise.yaml")
		os.WriteFile(p, []byte(tc.yaml), 0o644)
		_, err := Load(p, true)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

// TestHugeRulesMapRefused: a committed config with more rules entries than
// any repository needs is refused at once, naming the file and line (it
// was quadratic in yaml.v3's map decoding: 50,000 entries took 15 s).
func TestHugeRulesMapRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("fail-on: error\nrules:\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "  LW%06d: off\n", i)
	}
	p := filepath.Join(t.TempDir(), ".layerwise.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p, true)
	if err == nil || !strings.Contains(err.Error(), ".layerwise.yaml:2: rules: 20000 entries") {
		t.Errorf("err = %v", err)
	}
}
