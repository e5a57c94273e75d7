package audit

import (
	"fmt"
	"strings"

	"github.com/layerwise/layerwise/config"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/rules"
)

// Pragmas, as hadolint spells them:
//
//	# layerwise ignore=LW101,LW105      the next instruction
//	# layerwise global ignore=LW120     the whole file (and its context findings)
type pragma struct {
	line   int
	global bool
	ids    []string
	target int // first line of the instruction it applies to
}

func parsePragmas(f *dockerfile.File) []pragma {
	var out []pragma
	for _, c := range f.Comments {
		t := strings.TrimSpace(c.Text)
		rest, ok := strings.CutPrefix(t, "layerwise ")
		if !ok {
			continue
		}
		p := pragma{line: c.Line}
		if r, ok := strings.CutPrefix(rest, "global "); ok {
			p.global, rest = true, r
		}
		list, ok := strings.CutPrefix(strings.TrimSpace(rest), "ignore=")
		if !ok {
			continue
		}
		for _, id := range strings.Split(list, ",") {
			if id = strings.TrimSpace(id); id != "" {
				p.ids = append(p.ids, id)
			}
		}
		p.target = nextInstructionLine(f, c.Line)
		out = append(out, p)
	}
	return out
}

func nextInstructionLine(f *dockerfile.File, after int) int {
	best := 0
	consider := func(l int) {
		if l > after && (best == 0 || l < best) {
			best = l
		}
	}
	for _, in := range f.MetaArgs {
		consider(in.Range.Start.Line)
	}
	for _, s := range f.Stages {
		consider(s.Range.Start.Line)
		for _, in := range s.Instructions {
			consider(in.Range.Start.Line)
		}
	}
	return best
}

// applyPragmas drops suppressed findings and reports unknown rule IDs in
// pragmas as UnknownRule (LW001) findings at the pragma's line.
func applyPragmas(fs []rules.Finding, ins []*rules.Input) []rules.Finding {
	type key struct {
		file string
		line int
	}
	local := map[key]map[string]bool{}
	global := map[string]map[string]bool{} // by image
	var extra []rules.Finding
	for _, in := range ins {
		for _, p := range parsePragmas(in.File) {
			for _, id := range p.ids {
				if !rules.Known(id) {
					f := rules.UnknownRule.New(in.Image, in.Dockerfile, fmt.Sprintf("pragma names unknown rule %q: it suppresses nothing", id))
					f.Range.Start = dockerfile.Pos{Line: p.line, Col: 1}
					f.Range.End = dockerfile.Pos{Line: p.line, Col: len(in.File.Lines[p.line-1])}
					extra = append(extra, f)
					continue
				}
				if p.global {
					if global[in.Image] == nil {
						global[in.Image] = map[string]bool{}
					}
					global[in.Image][id] = true
				} else {
					k := key{in.Dockerfile, p.target}
					if local[k] == nil {
						local[k] = map[string]bool{}
					}
					local[k][id] = true
				}
			}
		}
	}
	out := fs[:0]
	for _, f := range fs {
		if global[f.Image][f.RuleID] || local[key{f.File, f.Range.Start.Line}][f.RuleID] {
			continue
		}
		out = append(out, f)
	}
	return append(out, extra...)
}

// applyConfig switches rules off and overrides severities from the config
// ("buildkit: off" switches all of BuildKit's checks off).
func applyConfig(fs []rules.Finding, cfg *config.Config) []rules.Finding {
	out := fs[:0]
	for _, f := range fs {
		setting, ok := cfg.Rules[f.RuleID]
		if !ok && strings.HasPrefix(f.RuleID, "buildkit/") {
			setting, ok = cfg.Rules["buildkit"]
		}
		if ok {
			if strings.EqualFold(setting, "off") || strings.EqualFold(setting, "none") {
				continue
			}
			if sev, err := rules.ParseSeverity(setting); err == nil && sev > 0 {
				f.Severity = sev
			}
		}
		out = append(out, f)
	}
	return out
}
