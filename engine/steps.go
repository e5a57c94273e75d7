package engine

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"
)

// Step is one build step.
type Step struct {
	// Key names the step across builds (StepKey).
	Key   StepKey `json:"key"`
	Stage string  `json:"stage,omitempty"`
	Index int     `json:"index,omitempty"`
	Name  string  `json:"name"`
	// Kind: "exec" (RUN), "copy" (COPY/ADD/WORKDIR), "base" (FROM),
	// "context" (the transfer of the context or of a local named
	// context), "internal" (definition,
	// metadata, export).
	Kind     string        `json:"kind"`
	Start    time.Time     `json:"start"`
	End      time.Time     `json:"end"`
	Duration time.Duration `json:"durationNs"`
	Cached   bool          `json:"cached"`
	Error    string        `json:"error,omitempty"`
	// Bytes transferred, for the context load.
	Bytes int64 `json:"bytes,omitempty"`
	// LayerBytes is the size of the layer the step added to the built
	// image (AttachLayers): compressed where the backend exports the
	// image, as a registry stores and a machine pulls it; as the engine's
	// image store counts it otherwise. 0 for a step outside the final
	// image's stages, or one that changed no file.
	LayerBytes int64 `json:"layerBytes,omitempty"`
}

// vertexName: "[build 2/5] RUN ...", "[2/5] RUN ...", "[stage-1 3/3] COPY ...";
// recent BuildKit pads the stage names of a build to one width ("[build
// 1/10]" beside "[stage-1 2/6]").
var vertexName = regexp.MustCompile(`^\[ *(?:(\S+) +)?(\d+)/(\d+)\] (.*)$`)

// StepOf parses a vertex name into stage, index and instruction.
func StepOf(name string) Step {
	s := Step{Name: name}
	if m := vertexName.FindStringSubmatch(name); m != nil {
		s.Stage = m[1]
		if s.Stage == "" {
			s.Stage = "stage-0"
		}
		s.Index, _ = strconv.Atoi(m[2])
		instr := strings.Join(strings.Fields(m[4]), " ")
		s.Key = MakeStepKey(s.Stage, s.Index, instr)
		switch strings.ToUpper(strings.SplitN(instr, " ", 2)[0]) {
		case "RUN":
			s.Kind = "exec"
		case "FROM":
			s.Kind = "base"
		default:
			s.Kind = "copy"
		}
		return s
	}
	s.Key = StepKey(strings.Join(strings.Fields(name), " "))
	s.Kind = "internal"
	// the build context, and each local named context (`[context NAME]
	// load from client`), is sent by the client: its bytes count
	if strings.HasPrefix(name, "[internal] load build context") ||
		(strings.HasPrefix(name, "[context ") && strings.HasSuffix(name, "] load from client")) {
		s.Kind = "context"
	}
	return s
}

// Recorder folds a stream of SolveStatus updates into steps. Vertex
// updates repeat: the last state of each digest wins.
type Recorder struct {
	order    []digest.Digest
	vertexes map[digest.Digest]*client.Vertex
	bytes    map[digest.Digest]int64
	logs     map[digest.Digest][]byte
	// layer downloads ("sha256:…") and extractions ("extracting
	// sha256:…"): their spans
	layers map[string]*span
}

type span struct{ a, b time.Time }

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder {
	return &Recorder{vertexes: map[digest.Digest]*client.Vertex{}, bytes: map[digest.Digest]int64{}, logs: map[digest.Digest][]byte{}, layers: map[string]*span{}}
}

// Add records one status update.
func (r *Recorder) Add(st *client.SolveStatus) {
	for _, v := range st.Vertexes {
		old, ok := r.vertexes[v.Digest]
		if !ok {
			r.order = append(r.order, v.Digest)
			cp := *v
			r.vertexes[v.Digest] = &cp
			continue
		}
		// merge: later updates fill in started/completed/cached/error
		if v.Started != nil {
			old.Started = v.Started
		}
		if v.Completed != nil {
			old.Completed = v.Completed
		}
		if v.Cached {
			old.Cached = true
		}
		if v.Error != "" {
			old.Error = v.Error
		}
		if v.Name != "" {
			old.Name = v.Name
		}
	}
	for _, s := range st.Statuses {
		// "transferring context:", "transferring NAME:" for a named
		// context (the Dockerfile's own transfer lands on an internal step)
		if strings.HasPrefix(s.ID, "transferring ") && s.Current > r.bytes[s.Vertex] {
			r.bytes[s.Vertex] = s.Current
		}
		if strings.HasPrefix(s.ID, "sha256:") || strings.HasPrefix(s.ID, "extracting sha256:") {
			// per vertex: one blob fetched for two vertexes at different
			// times is two spans, not one across the build
			key := string(s.Vertex) + " " + s.ID
			sp := r.layers[key]
			if sp == nil {
				sp = &span{}
				r.layers[key] = sp
			}
			if s.Started != nil && (sp.a.IsZero() || s.Started.Before(sp.a)) {
				sp.a = *s.Started
			}
			if s.Completed != nil && s.Completed.After(sp.b) {
				sp.b = *s.Completed
			}
		}
	}
	for _, l := range st.Logs {
		b := append(r.logs[l.Vertex], l.Data...)
		if len(b) > 64<<10 { // keep the tail only
			b = b[len(b)-64<<10:]
		}
		r.logs[l.Vertex] = b
	}
}

// Finish turns the recorded vertexes into a Result (steps in start order).
func (r *Recorder) Finish() *Result {
	res := &Result{}
	for _, d := range r.order {
		v := r.vertexes[d]
		s := StepOf(v.Name)
		if v.Started != nil {
			s.Start = *v.Started
		}
		if v.Completed != nil {
			s.End = *v.Completed
		}
		if !s.Start.IsZero() && !s.End.IsZero() {
			s.Duration = s.End.Sub(s.Start)
		}
		s.Cached = v.Cached
		s.Error = v.Error
		s.Bytes = r.bytes[d]
		if s.Kind == "context" {
			res.ContextBytes += s.Bytes
		}
		// BuildKit cancels the steps running beside the one that failed:
		// they fail too ("context canceled", often after the failure, but
		// not always: a step can start before and be cancelled after).
		// The cause is the failure that was not a cancellation.
		if s.Error != "" && (res.Err == "" || (cancelled(res.Err) && !cancelled(s.Error))) {
			res.Err = s.Name + ": " + s.Error
			res.LogTail = tail(r.logs[d], 20)
		}
		res.Steps = append(res.Steps, s)
	}
	sort.SliceStable(res.Steps, func(i, j int) bool {
		a, b := res.Steps[i].Start, res.Steps[j].Start
		if a.IsZero() || b.IsZero() {
			return !a.IsZero() && b.IsZero()
		}
		return a.Before(b)
	})
	res.Summarize()
	var spans []span
	for _, sp := range r.layers {
		spans = append(spans, *sp)
	}
	spans = append(spans, cachedSpans(res.Steps)...)
	res.LayerFetch = union(spans)
	for _, st := range res.Steps {
		if st.Kind == "internal" && (strings.HasPrefix(st.Name, "importing cache manifest from ") || strings.HasPrefix(st.Name, "exporting cache to ") || st.Name == "exporting to GitHub Actions Cache") {
			spans = append(spans, span{st.Start, st.End})
		}
	}
	// the layer fetches of a fresh builder overlap the cache export (a
	// mode=max export reads every layer): counted once
	res.Transfer = union(spans)
	return res
}

// Summarize computes the cache-hit ratio and pull time from the steps.
func (res *Result) Summarize() {
	res.CachedSteps, res.CountedSteps, res.Pull, res.CacheImport, res.CacheExport = 0, 0, 0, 0, 0
	for _, s := range res.Steps {
		switch {
		case s.Kind != "internal":
		case strings.HasPrefix(s.Name, "importing cache manifest from "):
			res.CacheImport += s.Duration
		case strings.HasPrefix(s.Name, "exporting cache to "), s.Name == "exporting to GitHub Actions Cache":
			res.CacheExport += s.Duration
		}
		switch s.Kind {
		case "exec", "copy":
			res.CountedSteps++
			if s.Cached {
				res.CachedSteps++
			}
		case "base":
			if !s.Cached {
				res.Pull += s.Duration
			}
		}
	}
	if res.CountedSteps > 0 {
		res.CacheHitRatio = float64(res.CachedSteps) / float64(res.CountedSteps)
	}
}

// cachedSpans are the cached exec and copy steps' spans.
func cachedSpans(steps []Step) []span {
	var spans []span
	for _, s := range steps {
		if s.Cached && (s.Kind == "exec" || s.Kind == "copy") {
			spans = append(spans, span{s.Start, s.End})
		}
	}
	return spans
}

// union is the length of the union of spans (those without both ends
// left out).
func union(spans []span) time.Duration {
	var ok []span
	for _, s := range spans {
		if !s.a.IsZero() && s.b.After(s.a) {
			ok = append(ok, s)
		}
	}
	sort.Slice(ok, func(i, j int) bool { return ok[i].a.Before(ok[j].a) })
	var total time.Duration
	var cur *span
	for i := range ok {
		s := ok[i]
		switch {
		case cur == nil:
			cur = &s
		case !s.a.After(cur.b):
			if s.b.After(cur.b) {
				cur.b = s.b
			}
		default:
			total += cur.b.Sub(cur.a)
			cur = &s
		}
	}
	if cur != nil {
		total += cur.b.Sub(cur.a)
	}
	return total
}

// Step returns the step with the given key prefix ("stage-0#4 RUN").
func (res *Result) Step(keyPrefix string) *Step {
	for i := range res.Steps {
		if strings.HasPrefix(string(res.Steps[i].Key), keyPrefix) {
			return &res.Steps[i]
		}
	}
	return nil
}

// cancelled reports whether a step's error is BuildKit cancelling it.
func cancelled(err string) bool {
	return strings.HasSuffix(strings.TrimSpace(err), "context canceled")
}

func tail(b []byte, n int) []string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	return lines
}
