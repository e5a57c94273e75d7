// Package config reads .layerwise.yaml, the project's layerwise settings.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

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

// Load reads the config at path. explicit says whether the user named the
// file (then it must exist) or it is the default lookup.
func Load(path string, explicit bool) (*Config, error) {
	c := Default()
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return c, nil
		}
		return nil, fmt.Errorf("config %s: %w", path, err)
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
		return nil, fmt.Errorf("config %s: fail-on: %q is not one of error, warning, info, none", path, c.FailOn)
	}
	c.Path = path
	return c, nil
}

// Find returns the config path for a repository root.
func Find(root string) string { return filepath.Join(root, FileName) }

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
