package engine

import (
	"encoding/json"
	"path"
	"strconv"
	"strings"
)

// HistoryEntry is one entry of a built image's history (the config's
// history, or `docker image history`): the instruction that made it and
// the bytes of the layer it added (0 when it added none).
type HistoryEntry struct {
	CreatedBy string
	Bytes     int64
}

// AttachLayers sets LayerBytes on the steps whose layers the image holds,
// given the image's history oldest first. An image records no link from a
// layer to the build's vertex, only the instruction text, so entries are
// matched by text, newest first: a RUN by its command (BuildKit records it
// as "RUN |N ARG=v /bin/sh -c cmd # buildkit"), a COPY or ADD by its
// sources and destination (BuildKit drops the flags). Where two steps have
// the same text (the same COPY in two stages) the one in the stage matched
// last wins, which is the chain the final image descends from. The first
// entry (from the newest) that no step matches is the base image's own:
// matching stops there. Steps of stages outside that chain keep 0.
func (res *Result) AttachLayers(hist []HistoryEntry) {
	texts := make([]string, len(res.Steps))
	for i, s := range res.Steps {
		if s.Kind == "exec" || s.Kind == "copy" {
			texts[i] = instructionText(s.Key.Text())
		}
	}
	used := make([]bool, len(res.Steps))
	lastStage, lastIndex := "", 0
	for j := len(hist) - 1; j >= 0; j-- {
		t := historyText(hist[j].CreatedBy)
		if t == "" {
			continue
		}
		if strings.Contains(hist[j].CreatedBy, "<<") {
			continue // a heredoc: the progress names it otherwise
		}
		best := -1
		for i := len(res.Steps) - 1; i >= 0; i-- {
			s := res.Steps[i]
			if used[i] || !sameText(texts[i], t) {
				continue
			}
			if lastStage != "" && s.Stage == lastStage {
				if s.Index >= lastIndex {
					continue // a stage's steps are matched from its end
				}
				best = i
				break
			}
			if best < 0 {
				best = i
			}
		}
		if best < 0 {
			// an instruction this build did not run: the base image's
			// own, and so are all before it
			break
		}
		used[best] = true
		lastStage, lastIndex = res.Steps[best].Stage, res.Steps[best].Index
		res.Steps[best].LayerBytes = hist[j].Bytes
	}
}

// historyText is the instruction of a history entry in instructionText's
// form ("" for entries of no step: ENV, CMD, the base image's own); a
// RUN through a shell reads both without the shell and with it, joined
// by a NUL.
func historyText(createdBy string) string {
	s := strings.TrimSpace(createdBy)
	if !strings.HasSuffix(s, "# buildkit") && !strings.HasPrefix(s, "WORKDIR ") {
		return "" // not written by BuildKit's Dockerfile frontend
	}
	s = strings.TrimSpace(strings.TrimSuffix(s, "# buildkit"))
	kw, rest, _ := strings.Cut(s, " ")
	kw = strings.ToUpper(kw)
	switch kw {
	case "RUN":
		if strings.HasPrefix(rest, "|") {
			// "|2 A=1 B=2 cmd": the build args the command saw
			n, after, _ := strings.Cut(rest[1:], " ")
			k, err := strconv.Atoi(n)
			if err != nil {
				return ""
			}
			fs := strings.Fields(after)
			if k > len(fs) {
				return ""
			}
			rest = strings.Join(fs[k:], " ")
		}
		// the shell BuildKit ran a shell-form command with: the default
		// or a SHELL ["/bin/bash", "-o", "pipefail", "-c"]; an exec-form
		// RUN ["sh", "-c", "x"] reads the same, so both forms are kept
		fs := strings.Fields(rest)
		if len(fs) > 2 && strings.EqualFold(fs[0], "cmd") && strings.EqualFold(fs[1], "/S") && strings.EqualFold(fs[2], "/C") {
			return "RUN " + strings.Join(fs[3:], " ")
		}
		if len(fs) > 1 && shells[path.Base(fs[0])] {
			for k := 1; k < len(fs) && k < 8; k++ {
				if f := fs[k]; len(f) > 1 && f[0] == '-' && f[1] != '-' && strings.HasSuffix(f, "c") {
					return "RUN " + strings.Join(fs[k+1:], " ") + "\x00RUN " + strings.Join(fs, " ")
				}
			}
		}
		return "RUN " + collapse(rest)
	case "COPY", "ADD", "WORKDIR":
		return kw + " " + collapse(rest)
	}
	return ""
}

// instructionText is a step's instruction ("RUN --mount=… cmd", as the
// progress names it) in the form an image's history records it: flags
// dropped, an exec-form RUN joined by blanks.
func instructionText(instr string) string {
	kw, rest, _ := strings.Cut(strings.TrimSpace(instr), " ")
	kw = strings.ToUpper(kw)
	switch kw {
	case "RUN", "COPY", "ADD", "WORKDIR":
	default:
		return ""
	}
	fs := strings.Fields(rest)
	for len(fs) > 0 && strings.HasPrefix(fs[0], "--") && kw != "WORKDIR" {
		fs = fs[1:]
	}
	rest = strings.Join(fs, " ")
	if kw == "RUN" && strings.HasPrefix(rest, "[") {
		var argv []string
		if json.Unmarshal([]byte(rest), &argv) == nil {
			rest = strings.Join(argv, " ")
		}
	}
	return kw + " " + collapse(rest)
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

var shells = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true, "zsh": true, "pwsh": true, "powershell": true}

// sameText reports whether a step's text is one of historyText's forms.
func sameText(step, hist string) bool {
	if step == "" {
		return false
	}
	for _, h := range strings.Split(hist, "\x00") {
		if h == step {
			return true
		}
	}
	return false
}
