package discover

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/internal/safefile"
)

// confine checks, before anything is read, that every local path a compose
// service or bake target names — its Dockerfile, its context, its named
// contexts — resolves (after symlinks) inside the repository root. A
// definition file is input anyone can propose in a pull request: without
// this, `dockerfile: /proc/self/environ` would be read and quoted in the
// findings (SARIF included) and `context: ../../../../etc` walked.
//
// It returns "" when all is inside, otherwise the message for the image's
// error: the definition, the field, where it points and what to do. df is
// the Dockerfile's path ("" for an inline one), ctxDir the context's
// absolute path, contexts the named contexts (relative to root, as
// localContexts returns them); def says which definition ("services.web.build",
// "target.web").
func confine(root, ctxDir, df string, contexts map[string]string, def string) string {
	type check struct{ field, path, verb string }
	checks := []check{{"context", ctxDir, "walked"}}
	if df != "" {
		checks = append(checks, check{"dockerfile", df, "read"})
	}
	for _, k := range slices.Sorted(maps.Keys(contexts)) {
		if v := contexts[k]; IsLocalContext(v) {
			checks = append(checks, check{"contexts." + k, filepath.Join(root, filepath.FromSlash(v)), "walked"})
		}
	}
	for _, c := range checks {
		t, err := safefile.Within(root, c.path)
		if err == nil {
			continue
		}
		var oe *safefile.OutsideError
		if errors.As(err, &oe) {
			t = oe.Target
			return fmt.Sprintf("%s.%s: %s resolves to %s, outside the repository: not %s (layerwise reads only the repository's own files; a definition file can name any path). Point it at a path inside the repository.",
				def, c.field, shown(root, c.path), t, c.verb)
		}
		return fmt.Sprintf("%s.%s: %s: %v: not %s", def, c.field, shown(root, c.path), unwrapPathErr(err), c.verb)
	}
	return ""
}

// shown is a path as a message shows it: relative to root when it is
// written so, absolute otherwise.
func shown(root, p string) string {
	if r := rel(root, p); r != ".." && !strings.HasPrefix(r, "../") && !filepath.IsAbs(r) {
		return r
	}
	return p
}

// refuse marks an image whose definition names a path outside the
// repository: it has no model, and nothing of it is read or walked.
func refuse(im *Image, msg string) {
	im.Refused = msg
	im.Error = &dockerfile.Error{File: im.SourceFile, Message: msg}
}
