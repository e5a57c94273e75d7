package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/distribution/reference"
)

// BaseImageTagDrift is LW110.
var BaseImageTagDrift = Register(&Rule{
	ID: "LW110", Name: "base-image-tag-drift", Severity: Info, Category: CatSize,
	Title: "Services build on the same base image under different tags",
	Cost:  "Layers are shared only between identical base images: each extra tag is another base to pull, store and keep warm on every builder and node.",
	Description: `When services of one repository use ` + "`node:20`" + `, ` + "`node:20.11`" + ` and ` + "`node:18-slim`" + `, builders and hosts keep a
copy of each, and a base image update has to be rolled out several times. Align the services on one tag per
base image (a build arg or a shared base image built from the repository makes this easy).`,
	Bad:       "services/a: FROM node:20\nservices/b: FROM node:20.11-bookworm",
	Good:      "services/a: FROM node:20.11-bookworm\nservices/b: FROM node:20.11-bookworm",
	RepoCheck: checkBaseTagDrift,
})

func checkBaseTagDrift(ins []*Input) []Finding {
	type use struct {
		in  *Input
		tag string
		s   int
	}
	// A build stage on golang:1.22 and a runtime on a slim tag is a
	// multi-stage build, not drift: compare runtime bases with runtime
	// bases and build bases with build bases, across images.
	byRepo := map[string][]use{}
	for _, in := range ins {
		if in.File == nil {
			continue
		}
		final := in.rootBase(in.finalStage())
		for _, s := range in.File.Stages {
			if s.BaseStage >= 0 {
				continue
			}
			role := "build"
			if s == final {
				role = "runtime"
			}
			n, ok := imageRef(s.Base)
			if !ok {
				continue
			}
			// the tag as people read it; a pinned digest after it, short
			tag := "latest"
			t, tagged := n.(reference.Tagged)
			if tagged {
				tag = t.Tag()
			}
			if d, ok := n.(reference.Digested); ok {
				dg := d.Digest().String()
				if tagged {
					if len(dg) > 19 {
						dg = dg[:19] + "…"
					}
					tag += "@" + dg
				} else {
					tag = "@" + dg
				}
			}
			repo := reference.FamiliarName(n)
			byRepo[repo+"\x00"+role] = append(byRepo[repo+"\x00"+role], use{in, tag, s.Index})
		}
	}
	repos := make([]string, 0, len(byRepo))
	for r := range byRepo {
		repos = append(repos, r)
	}
	sort.Strings(repos)
	var out []Finding
	for _, key := range repos {
		uses := byRepo[key]
		repo, role, _ := strings.Cut(key, "\x00")
		tags := map[string][]string{}
		for _, u := range uses {
			tags[u.tag] = appendUniq(tags[u.tag], u.in.Image)
		}
		images := map[*Input]bool{}
		for _, u := range uses {
			images[u.in] = true
		}
		if len(tags) < 2 || len(images) < 2 {
			continue
		}
		var parts []string
		for t, imgs := range tags {
			sep := ":"
			if strings.HasPrefix(t, "@") {
				sep = ""
			}
			parts = append(parts, fmt.Sprintf("%s%s%s (%s)", repo, sep, t, strings.Join(imgs, ", ")))
		}
		sort.Strings(parts)
		msg := fmt.Sprintf("%s is the %s base under %d tags: %s. Align them so builders and hosts share one base.", repo, role, len(tags), strings.Join(parts, "; "))
		// one finding per image that uses a tag other than the most common
		common := mostCommonTag(tags)
		for _, u := range uses {
			if u.tag == common {
				continue
			}
			out = append(out, u.in.atStage(u.in.File.Stages[u.s], msg, Cost{Invalidates: "layer sharing between services"}))
		}
	}
	return out
}

func mostCommonTag(tags map[string][]string) string {
	best, n := "", -1
	keys := make([]string, 0, len(tags))
	for t := range tags {
		keys = append(keys, t)
	}
	sort.Strings(keys)
	for _, t := range keys {
		if len(tags[t]) > n {
			best, n = t, len(tags[t])
		}
	}
	return best
}

func appendUniq(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}
