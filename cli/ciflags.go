package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/layerwise/layerwise/cachemount"
	"github.com/layerwise/layerwise/engine/ephemeral"
	"github.com/layerwise/layerwise/measure"
	"github.com/spf13/cobra"
)

// ciFlags configure the ci scenarios of measure, bench and verify: each
// build a CI job on a fresh builder (measure.CIOptions).
type ciFlags struct {
	cache           string
	buildkitdConfig string
	buildkitd       string
	cacheMounts     string
	cmMaxSize       string
	compression     string
	pullRegistry    string
}

func (f *ciFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.cache, "ci-cache", "", "ci scenarios: where the layer cache lives between CI jobs: a directory (what a CI cache step keeps; type=local) or registry=REPO (type=registry, one tag per image); default: a temporary directory")
	cmd.Flags().StringVar(&f.buildkitdConfig, "ci-buildkitd-config", "", "ci scenarios: the buildkitd.toml each fresh builder starts with (registry mirrors, plain-HTTP registries: what `layerwise generate mirror` writes)")
	cmd.Flags().StringVar(&f.buildkitd, "ci-buildkitd", "", "ci scenarios: the buildkitd binary (default: buildkitd on PATH)")
	cmd.Flags().StringVar(&f.cacheMounts, "ci-cache-mounts", "", "ci scenarios: persist the cache mounts between CI jobs, as `layerwise build --cache-mounts` does: a directory or registry=REF (default: every job's mounts start empty)")
	cmd.Flags().StringVar(&f.cmMaxSize, "ci-cache-mounts-max-size", "2GiB", "ci scenarios: cap of each saved cache mount")
	cmd.Flags().StringVar(&f.pullRegistry, "pull-registry", "", "pull scenarios: the registry repository each image is pushed to and pulled from by fresh builders (e.g. 127.0.0.1:5000/layerwise-pull)")
	cmd.Flags().StringVar(&f.compression, "ci-cache-compression", "zstd", "ci scenarios: compress the exported layer cache with this (zstd, as layerwise build and generate ci export it; gzip, BuildKit's own default; estargz; uncompressed)")
}

// options are the CIOptions for the backend the engine flags chose.
func (f *ciFlags) options(ef *engineFlags) (*measure.CIOptions, error) {
	switch f.compression {
	case "", "gzip", "zstd", "estargz", "uncompressed":
	default:
		return nil, usageErr("--ci-cache-compression %q: gzip, zstd, estargz or uncompressed", f.compression)
	}
	o := &measure.CIOptions{Builders: ephemeral.Factory{Backend: ef.backend, Docker: ef.docker, Options: ephemeral.Options{Buildkitd: f.buildkitd}}, Cache: f.cache,
		CacheCompression: f.compression, PullRegistry: strings.TrimSuffix(f.pullRegistry, "/")}
	if f.buildkitdConfig != "" {
		data, err := os.ReadFile(f.buildkitdConfig)
		if err != nil {
			return nil, usageErr("--ci-buildkitd-config: %v", err)
		}
		o.Builders.Options.Config = data
	}
	if f.cacheMounts != "" {
		store, err := cachemount.OpenStore(f.cacheMounts)
		if err != nil {
			return nil, usageErr("--ci-cache-mounts: %v", err)
		}
		max, err := parseSize(f.cmMaxSize)
		if err != nil {
			return nil, usageErr("--ci-cache-mounts-max-size: %v", err)
		}
		// one namespace: a measurement is one branch's run of jobs
		o.CacheMounts, o.CacheMountOptions = store, cachemount.Options{Branch: "measure", DefaultBranch: "measure", MaxSize: max}
		// the jobs would run for minutes and persist nothing
		if err := cachemount.HelperReady(o.CacheMountOptions); err != nil {
			return nil, usageErr("--ci-cache-mounts: %v", err)
		}
	}
	return o, nil
}

// checkScenarios checks --scenario values ("ci" names both ci scenarios).
func checkScenarios(names []string, allowed func(string) bool) error {
	for _, s := range names {
		if s == measure.CI {
			continue
		}
		if !measure.ValidScenario(s) || (allowed != nil && !allowed(s)) {
			return usageErr("unknown --scenario %q: %s, or ci for %s and %s", s, fmt.Sprint(measure.AllScenarios), measure.CISource, measure.CIDeps)
		}
	}
	return nil
}
