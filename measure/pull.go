package measure

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/graphbuild"
)

// PulledLayer is one layer of a pushed image, as the registry holds it.
type PulledLayer struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// pullRun is one repetition of a pull scenario: the image is built on the
// measurement's builder and pushed to the pull registry with the
// scenario's compression, then pulled onto a fresh builder that has none
// of its layers (the result's Wall), and onto another fresh builder that
// already holds the image's base image (what a node that runs other
// services on the same base downloads).
func pullRun(ctx context.Context, opt Options, im *discover.Image, wc *workCopy, contexts map[string]string, sc Scenario, m *Measurement) (*engine.Result, error) {
	ref := opt.CI.PullRegistry + "/" + strings.ReplaceAll(graphbuild.Sanitize(im.Name), "/", "-") + ":" + sc.Name
	push, err := opt.Builder.Build(ctx, engine.Request{ContextDir: wc.Context, Dockerfile: wc.Dockerfile, Target: im.Target,
		BuildArgs: im.Args, Contexts: contexts, Tag: ref, Push: true, Compression: sc.Pull})
	if err != nil {
		return nil, err
	}
	if push.Failed() {
		return push, nil
	}
	layers, kinds, err := pushedLayers(ref)
	if err != nil {
		return nil, err
	}
	m.PulledLayers = layers
	m.Note = joinNote(m.Note, compressionNote(sc.Pull, kinds))

	job, err := opt.CI.Builders.Start(ctx)
	if err != nil {
		return nil, err
	}
	cold, err := job.Pull(ctx, ref)
	job.End()
	if err != nil {
		return nil, err
	}
	// the Result's ImageSize stays the built image's (unset here): the
	// pushed, compressed bytes are the measurement's (summarize)
	res := &engine.Result{Wall: cold.Wall, Layers: len(layers)}
	m.pullBytes = append(m.pullBytes, cold.Bytes)

	base := finalBase(opt.Repo, im)
	switch {
	case base == "":
		m.Note = joinNote(m.Note, "no base image to share (FROM scratch or an image of this repository)")
	default:
		job, err := opt.CI.Builders.Start(ctx)
		if err != nil {
			return nil, err
		}
		defer job.End()
		if _, err := job.Pull(ctx, base); err != nil {
			m.Note = joinNote(m.Note, fmt.Sprintf("the base image %s could not be pulled onto a fresh builder (%v)", base, err))
			break
		}
		warm, err := job.Pull(ctx, ref)
		if err != nil {
			return nil, err
		}
		m.pullWithBase = append(m.pullWithBase, warm.Wall)
		m.pullWithBaseBytes = append(m.pullWithBaseBytes, warm.Bytes)
	}
	return res, nil
}

// pushedLayers reads the pushed image's manifest from the registry: its
// layers, and the compression of each ("gzip", "zstd", "estargz" — a gzip
// layer with the eStargz table of contents —, "uncompressed").
func pushedLayers(ref string) ([]PulledLayer, []string, error) {
	// the image built for this machine's platform (an index when the
	// builder adds attestations)
	img, err := crane.Pull(ref, crane.Insecure, crane.WithPlatform(&v1.Platform{OS: "linux", Architecture: runtime.GOARCH}))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the pushed image %s: %w", ref, err)
	}
	mf, err := img.Manifest()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the pushed image %s: %w", ref, err)
	}
	var out []PulledLayer
	var kinds []string
	for _, l := range mf.Layers {
		out = append(out, PulledLayer{Digest: l.Digest.String(), Size: l.Size})
		kinds = append(kinds, layerCompression(l.MediaType, l.Annotations))
	}
	return out, kinds, nil
}

// estargzTOC is the annotation BuildKit's estargz compression (and
// stargz-snapshotter's converters) put on each layer: what tells eStargz
// from plain gzip, whose media type it shares.
const estargzTOC = "containerd.io/snapshot/stargz/toc.digest"

func layerCompression(mt types.MediaType, annotations map[string]string) string {
	switch {
	case strings.HasSuffix(string(mt), "zstd"):
		return "zstd"
	case annotations[estargzTOC] != "":
		return "estargz"
	case strings.Contains(string(mt), "gzip"):
		return "gzip"
	}
	return "uncompressed"
}

// compressionNote says when the registry holds other layers than the
// compression asked for: a builder that cannot write zstd or eStargz
// pushes gzip without a word.
func compressionNote(want string, kinds []string) string {
	var other []string
	for _, got := range kinds {
		if got != want && !slices.Contains(other, got) {
			other = append(other, got)
		}
	}
	if len(other) == 0 {
		return ""
	}
	return fmt.Sprintf("asked for %s layers, the registry got %s: the builder fell back", want, strings.Join(other, " and "))
}

// finalBase is the image the built stage starts from (through the stages
// it builds FROM), or "" for scratch, a stage without a known base, and an
// image of the repository itself (a fresh builder cannot pull that by
// name).
func finalBase(repo *discover.Repo, im *discover.Image) string {
	if im.Model == nil {
		return ""
	}
	s := im.Model.Final(im.Target)
	for s != nil && s.BaseStage >= 0 && s.BaseStage < len(im.Model.Stages) {
		s = im.Model.Stages[s.BaseStage]
	}
	if s == nil || s.Base == "" || s.Base == "scratch" || strings.Contains(s.Base, "$") {
		return ""
	}
	if repo != nil && repo.DepRefs(im)[s.Base] != nil {
		return ""
	}
	return s.Base
}

// joinNote adds b to the note a once (every repetition says the same).
func joinNote(a, b string) string {
	switch {
	case b == "" || strings.Contains(a, b):
		return a
	case a == "":
		return b
	}
	return a + "; " + b
}

// SharedPullBytes are, per pull scenario, the layer bytes that more than
// one of the measured images holds: downloaded once onto a node that runs
// them all. total is every distinct layer's bytes.
func SharedPullBytes(ms []*Measurement) map[string][2]int64 {
	type layer struct {
		size   int64
		images int
	}
	byScen := map[string]map[string]layer{}
	for _, m := range ms {
		seen := byScen[m.Scenario]
		if seen == nil {
			seen = map[string]layer{}
			byScen[m.Scenario] = seen
		}
		mine := map[string]bool{}
		for _, l := range m.PulledLayers {
			if !mine[l.Digest] {
				mine[l.Digest] = true
				seen[l.Digest] = layer{l.Size, seen[l.Digest].images + 1}
			}
		}
	}
	out := map[string][2]int64{}
	for scen, layers := range byScen {
		var shared, total int64
		for _, e := range layers {
			total += e.size
			if e.images > 1 {
				shared += e.size
			}
		}
		if total > 0 {
			out[scen] = [2]int64{shared, total}
		}
	}
	return out
}

func medianOf[T int64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
