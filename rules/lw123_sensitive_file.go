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
			// bundlers and PHP frameworks read .env files while the image
			// builds: excluded, the image would change (or the build fail);
			// the audit warns, and the secret mount is the user's to write
			continue
		}
		out = append(out, Exclusion{Path: p, Reason: s.Reason, Drops: true})
	}
	return out
}

// envReaders are programs that read a project's .env files while the
// image builds: JavaScript bundlers behind any package manager's script
// (vite, next, react-scripts take VITE_*/NEXT_PUBLIC_*/REACT_APP_* from
// them), and PHP frameworks (Symfony's dotenv in composer's auto-scripts,
// Laravel's artisan).
var envReaders = []string{"npm", "yarn", "pnpm", "bun", "npx", "node", "deno", "vite", "next", "nuxt", "nuxi", "react-scripts",
	"webpack", "ng", "astro", "gatsby", "remix", "parcel", "turbo", "php", "composer", "artisan", "symfony"}

// readsEnvFiles: a RUN of the images runs one of envReaders.
func readsEnvFiles(runs map[string]bool) bool {
	for _, b := range envReaders {
		if runs[b] {
			return true
		}
	}
	return false
}
