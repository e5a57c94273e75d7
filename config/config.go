// Package config reads .layerwise.yaml, the project's layerwise settings.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/containerd/platforms"
	"github.com/layerwise/layerwise/internal/safefile"

	"github.com/moby/patternmatcher"
	"gopkg.in/yaml.v3"
)

// FileName is the config file looked up at the repository root.
const FileName = ".layerwise.yaml"

// Config is the content of .layerwise.yaml.
type Config struct {
	// Offline declares that builds run without registry access (so a
	// `# syntax=` directive, which pulls a frontend image, breaks them).
	Offline bool `yaml:"offline"`
	// FailOn is the lowest severity that makes `audit` exit 1.
	FailOn string `yaml:"fail-on"`
	// Rules switches rules off ("off") or overrides their severity.
	Rules map[string]string `yaml:"rules"`
	// Thresholds for context findings, in bytes.
	Thresholds Thresholds `yaml:"thresholds"`
	// Fix tunes `layerwise fix`.
	Fix FixConfig `yaml:"fix"`
	// Exclude lists paths (.dockerignore syntax, relative to the repository
	// root) whose Dockerfiles are not images of the repository: templates,
	// vendored examples, hand-written baselines. Discovery by file name
	// skips them; a compose service or bake target that builds one still
	// counts, since the repository builds it.
	Exclude []string `yaml:"exclude"`
	// Platforms are the platforms the images are built for
	// (linux/amd64, linux/arm64): with more than one, LW115 reports the
	// stages that would compile under emulation.
	Platforms []string `yaml:"platforms"`
	// Path is where the config was read from ("" for defaults).
	Path string `yaml:"-"`
	// RuleLines maps each key of Rules to its line in the file, so that an
	// unknown rule ID can be reported where it is written.
	RuleLines map[string]int `yaml:"-"`
}

// Thresholds are the limits the context rules apply.
type Thresholds struct {
	ContextBytes int64 `yaml:"context-bytes"`
	UnusedBytes  int64 `yaml:"unused-bytes"`
}

// FixConfig tunes the rewrites.
type FixConfig struct {
	// GoRuntimeImage is the runtime base of the multi-stage rewrite of Go
	// services (default: debian:<release>-slim, the release of the golang
	// build image).
	GoRuntimeImage string `yaml:"go-runtime-image"`
}

// Default is the configuration without a file.
func Default() *Config {
	return &Config{FailOn: "error", Thresholds: Thresholds{ContextBytes: 100 << 20, UnusedBytes: 10 << 20}}
}

// maxRuleEntries bounds the rules map of a config.
const maxRuleEntries = 1000

// Load reads the config at path. explicit says whether the user named the
// file (then it must exist) or it is the default lookup.
func Load(path string, explicit bool) (*Config, error) {
	c := Default()
	// a regular file of at most 16 MiB (a FIFO or /dev/zero committed as
	// .layerwise.yaml neither hangs nor exhausts memory); the repository's
	// own config must resolve inside the repository (a YAML error would
	// quote what a symlink to elsewhere points at)
	var data []byte
	var err error
	if explicit {
		data, err = safefile.ReadRegular(path, safefile.MaxManifest)
	} else {
		data, err = safefile.ReadWithin(filepath.Dir(path), path, safefile.MaxManifest)
	}
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return c, nil
		}
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	// yaml.v3 checks each mapping key against the keys before it while
	// decoding into a map: a committed config with 50,000 rules took 15 s.
	// The node tree comes without that cost, so the rules map is measured
	// on it first; no repository needs more entries than there are rules.
	var tree yaml.Node
	if err := yaml.Unmarshal(data, &tree); err == nil {
		if n, line := len(ruleLines(&tree)), keyLine(&tree, "rules", ""); n > maxRuleEntries {
			return nil, fmt.Errorf("config %s:%d: rules: %d entries, more than the %d a config may hold (layerwise has fewer than 100 rules): remove the entries that name no rule", path, line, n, maxRuleEntries)
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) { // empty file: defaults
		// yaml.v3 errors already say "yaml: line N: ..."
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err == nil {
		c.RuleLines = ruleLines(&doc)
	}
	switch c.FailOn {
	case "error", "warning", "info", "none":
	default:
		return nil, fmt.Errorf("config %s:%d: fail-on: %q is not one of error, warning, info, none", path, keyLine(&doc, "fail-on", ""), c.FailOn)
	}
	// a severity that is not one silently did nothing: say where it is
	ids := make([]string, 0, len(c.Rules))
	for id := range c.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		switch strings.ToLower(c.Rules[id]) {
		case "off", "none", "error", "warning", "warn", "info":
		default:
			return nil, fmt.Errorf("config %s:%d: rules: %s: %q is not a severity (off, error, warning or info)", path, c.RuleLines[id], id, c.Rules[id])
		}
	}
	for _, t := range []struct {
		key string
		v   int64
	}{{"context-bytes", c.Thresholds.ContextBytes}, {"unused-bytes", c.Thresholds.UnusedBytes}} {
		if t.v < 0 {
			return nil, fmt.Errorf("config %s:%d: thresholds: %s: %d is negative (a size in bytes)", path, keyLine(&doc, "thresholds", t.key), t.key, t.v)
		}
	}
	for i, pat := range c.Exclude {
		if _, err := patternmatcher.New([]string{pat}); err != nil || strings.TrimSpace(pat) == "" {
			why := "an empty pattern"
			if err != nil {
				why = err.Error()
			}
			return nil, fmt.Errorf("config %s:%d: exclude: %q: %s", path, listLine(&doc, "exclude", i), pat, why)
		}
	}
	for i, p := range c.Platforms {
		if _, err := platforms.Parse(p); err != nil {
			return nil, fmt.Errorf("config %s:%d: platforms: %q: %v (os/arch[/variant], e.g. linux/arm64)", path, listLine(&doc, "platforms", i), p, err)
		}
	}
	c.Path = path
	return c, nil
}

// listLine is the line of item i of a top-level list.
func listLine(doc *yaml.Node, top string, i int) int {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return 0
	}
	m := doc.Content[0].Content
	for j := 0; j+1 < len(m); j += 2 {
		if m[j].Value == top && m[j+1].Kind == yaml.SequenceNode && i < len(m[j+1].Content) {
			return m[j+1].Content[i].Line
		}
	}
	return keyLine(doc, top, "")
}

// Find returns the config path for a repository root.
func Find(root string) string { return filepath.Join(root, FileName) }

// keyLine is the line of a top-level key, or of a key under it.
func keyLine(doc *yaml.Node, top, sub string) int {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return 0
	}
	m := doc.Content[0].Content
	for i := 0; i+1 < len(m); i += 2 {
		if m[i].Value != top {
			continue
		}
		if sub == "" || m[i+1].Kind != yaml.MappingNode {
			return m[i].Line
		}
		s := m[i+1].Content
		for j := 0; j+1 < len(s); j += 2 {
			if s[j].Value == sub {
				return s[j].Line
			}
		}
		return m[i].Line
	}
	return 0
}

// ruleLines finds the line of each key under the top-level "rules" map.
func ruleLines(doc *yaml.Node) map[string]int {
	out := map[string]int{}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return out
	}
	top := doc.Content[0].Content
	for i := 0; i+1 < len(top); i += 2 {
		if top[i].Value != "rules" || top[i+1].Kind != yaml.MappingNode {
			continue
		}
		rs := top[i+1].Content
		for j := 0; j+1 < len(rs); j += 2 {
			out[rs[j].Value] = rs[j].Line
		}
	}
	return out
}
