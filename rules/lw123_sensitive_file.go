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
` + "`RUN --mount=type=secret`" + `. An environment file counts when it sets a secret-named variable to a real value;
a key that only tests name is a fixture. The fix excludes what no COPY needs; a key or certificate a COPY brings into
the build stays (a project may copy it into its output for the service to load), and so does an environment file a
bundler reads: the finding stays for the user to decide.`,
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
		env := strings.HasPrefix(path.Base(p), ".env")
		if !env && in.Reached[p] {
			// a key, certificate or credentials file a COPY brings into the
			// build may be what the service loads by its path (review 33: a
			// Firebase service account read at startup, silently mocked
			// without it), or go into the image through the build (a
			// .csproj's CopyToOutputDirectory .pfx: review 24); excluded,
			// the image would change: the audit reports it, the user decides
			continue
		}
		if env && in.Reached[p] && readsEnvFiles(in) {
			// bundlers and PHP frameworks read .env files while the image
			// builds: excluded, the image would change (or the build fail);
			// the audit warns, and the secret mount is the user's to write
			continue
		}
		out = append(out, Exclusion{Path: p, Reason: s.Reason, Drops: true})
	}
	return out
}

// envTools are programs that read a project's .env files while the image
// builds: JavaScript bundlers and runners (vite, next, react-scripts take
// VITE_*/NEXT_PUBLIC_*/REACT_APP_* from them) and PHP frameworks
// (Symfony's dotenv in composer's auto-scripts, Laravel's artisan).
var envTools = map[string]bool{"node": true, "deno": true, "vite": true, "next": true, "nuxt": true, "nuxi": true, "react-scripts": true,
	"webpack": true, "ng": true, "astro": true, "gatsby": true, "remix": true, "parcel": true, "turbo": true, "php": true, "composer": true,
	"artisan": true, "symfony": true}

// readsEnvFiles: a RUN of the images runs a tool of envTools, or a package
// manager's script (npm run build, yarn build, pnpm --filter web build,
// npx vite): anything but an install of the manifests.
func readsEnvFiles(in *IgnoreInput) bool {
	for _, f := range in.Builds {
		for _, s := range f.Stages {
			for _, ins := range s.Instructions {
				if ins.Run == nil {
					continue
				}
				for _, c := range ins.Run.Commands {
					name := path.Base(c.Name)
					switch {
					case envTools[name]:
						return true
					case name == "npx" || name == "bunx":
						return true
					case name == "npm" || name == "yarn" || name == "pnpm" || name == "bun":
						if i := Classify(c); i == nil && len(c.Positional()) > 0 {
							return true // a script, not an install
						}
					}
				}
			}
		}
	}
	return false
}
