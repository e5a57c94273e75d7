package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/layerwise/layerwise/buildctx"
)

// SensitiveFileInContext is LW123.
var SensitiveFileInContext = Register(&Rule{
	ID: "LW123", Name: "sensitive-file-in-context", Severity: Error, Category: CatSecurity, ContextOnly: true,
	FixesIgnore: true,
	Title:       "A file that holds secrets is sent to the builder",
	Cost:        "Secrets leave the developer's machine on every build and, with a broad COPY, end up in image layers that anyone who can pull the image can read.",
	Description: `Environment files, private keys, cloud and registry credentials, Terraform state and VCS history
do not belong in a build context. Exclude them in ` + "`.dockerignore`" + ` and pass what the build needs as
` + "`RUN --mount=type=secret`" + `.`,
	Bad:      ".env sent in the context",
	Good:     ".dockerignore: .env*",
	Check:    checkSensitive,
	Excludes: excludeSensitive,
})

func checkSensitive(in *Input) []Finding {
	c := in.Context
	if c == nil {
		return nil
	}
	var out []Finding
	for _, s := range c.Sensitive {
		if !in.sent(s.Path) {
			continue // no COPY names it: BuildKit never sends it
		}
		out = append(out, in.contextFinding(fmt.Sprintf("%s is sent to the builder: %s. Exclude it and use a secret mount if the build needs it.", s.Path, s.Reason), Cost{}))
	}
	return out
}

// excludeSensitive: every secret sent, unless a RUN uses git (then .git
// stays) or a COPY names it (the finding stays: the user decides).
func excludeSensitive(in *IgnoreInput) []Exclusion {
	runs := in.runs()
	var out []Exclusion
	for _, s := range buildctx.SensitiveFiles(in.Dir, in.Entries) {
		p := strings.TrimSuffix(s.Path, "/")
		if p == ".git" && runs["git"] {
			continue // a RUN uses git: keep the history
		}
		if in.Keep(p) {
			continue // a COPY names it, or it reaches the image: the audit warns
		}
		if strings.HasPrefix(path.Base(p), ".env") && in.Reached[p] && readsEnvFiles(runs) {
			// vite, next, react-scripts and the like read .env files while
			// they bundle: excluded, the image would change; the audit
			// warns, and the secret mount is the user's to write
			continue
		}
		out = append(out, Exclusion{Path: p, Reason: s.Reason, Drops: true})
	}
	return out
}

// envBundlers are the build tools that read .env files of the project at
// build time (the bundled app gets their VITE_*/NEXT_PUBLIC_*/REACT_APP_*
// values).
var envBundlers = []string{"vite", "next", "nuxt", "nuxi", "react-scripts", "webpack", "ng", "astro", "gatsby", "remix", "svelte-kit", "vue-cli-service", "parcel", "expo"}

// readsEnvFiles: a RUN of the images runs a JavaScript build (npm run
// build and the like, or a bundler by name), which may read .env files.
func readsEnvFiles(runs map[string]bool) bool {
	if runs["npm run build"] || runs["yarn build"] || runs["pnpm build"] {
		return true
	}
	for _, b := range envBundlers {
		if runs[b] {
			return true
		}
	}
	return false
}
