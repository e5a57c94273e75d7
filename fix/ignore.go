package fix

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/layerwise/layerwise/internal/units"

	"github.com/layerwise/layerwise/buildctx"
	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/internal/atomicfile"
	"github.com/layerwise/layerwise/internal/safefile"
	"github.com/layerwise/layerwise/rules"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// ignoreGroup is the set of builds that share one ignore file: the images
// whose build context it is (the same context and the same
// <Dockerfile>.dockerignore or .dockerignore), and the images that send the
// same directory as a named context (which reads <dir>/.dockerignore).
type ignoreGroup struct {
	contextDir string
	ignore     *buildctx.IgnoreFile
	target     string // the ignore file to write
	users      []ignoreUser
	// required: the context paths a Dockerfile fix of an image of the
	// group counts on not being sent (Options.requiredExcludes)
	required map[string]string
}

// ignoreUser is one image reading the group's directory: as its build
// context (named == "") or as the named context named. unknown: its
// Dockerfile could not be modelled, so what it reads is not known.
type ignoreUser struct {
	im      *discover.Image
	named   string
	sources []buildctx.Source
	unknown bool
}

// images are the distinct images of the group.
func (g *ignoreGroup) images() []*discover.Image {
	var out []*discover.Image
	seen := map[*discover.Image]bool{}
	for _, u := range g.users {
		if !seen[u.im] {
			seen[u.im] = true
			out = append(out, u.im)
		}
	}
	return out
}

// contextImages are the images whose build context the directory is.
func (g *ignoreGroup) contextImages() []*discover.Image {
	var out []*discover.Image
	for _, u := range g.users {
		if u.named == "" {
			out = append(out, u.im)
		}
	}
	return out
}

func (g *ignoreGroup) names() string {
	var n []string
	for _, u := range g.users {
		if u.named == "" {
			n = append(n, u.im.Name)
		} else {
			n = append(n, fmt.Sprintf("%s (named context %s)", u.im.Name, u.named))
		}
	}
	return strings.Join(n, ", ")
}

// exclusion is a pattern the fixer adds and why.
type exclusion struct {
	// path is the context path excluded (with everything below it);
	// pattern is the line written for it, escaped (see escapePattern).
	path    string
	pattern string
	reason  string
	// drops is true when the pattern removes files a COPY reaches: only
	// sensitive files and directories the build regenerates may do that.
	drops bool
	rule  string // the finding it resolves
	// required: a Dockerfile fix counts on it (rules.Exclusion.Required)
	required bool
}

// Ignores generates or extends the ignore file of every build context,
// and proves each one: after the change, every COPY/ADD source of every
// image using the context still reaches every file it reached before,
// except the sensitive and regenerated paths listed in the notes. A context
// whose proof fails is left as it is.
func Ignores(ctx context.Context, disc *discover.Repo, opt Options) ([]*FileFix, []Note, error) {
	groups := map[string]*ignoreGroup{}
	var order []string
	outside := map[string]bool{}
	add := func(dir, dockerfile string, u ignoreUser) *Note {
		if _, err := atomicfile.Within(disc.Root, dir); err != nil {
			// layerwise fix PATH writes under PATH only, a symlinked
			// directory (ext -> ../outside) included
			outside[dir] = true
			return nil
		}
		ign, err := buildctx.FindIgnoreFile(dir, dockerfile)
		if err != nil {
			return &Note{File: relTo(disc.Root, dir), Reason: err.Error()}
		}
		target := ign.Path
		if target == "" {
			target = filepath.Join(dir, ".dockerignore")
		}
		key := dir + "\x00" + target
		g := groups[key]
		if g == nil {
			g = &ignoreGroup{contextDir: dir, ignore: ign, target: target}
			groups[key] = g
			order = append(order, key)
		}
		g.users = append(g.users, u)
		if u.named == "" && u.im != nil {
			for _, p := range opt.requiredExcludes[u.im.Dockerfile] {
				if g.required == nil {
					g.required = map[string]string{}
				}
				g.required[p] = path.Base(p) + ": the install that now runs before the sources makes it; a local one would be copied over it"
			}
		}
		return nil
	}
	var refused []Note
	var unknownByName []*discover.Image
	for _, im := range disc.Images {
		if im.Refused != "" {
			refused = append(refused, Note{File: im.SourceFile, Reason: im.Refused + " Left as it is."})
		}
		if im.Model == nil || im.Error != nil {
			// its needs are unknown: the context it shares is left alone
			if n := add(im.AbsContext(), im.AbsDockerfile(), ignoreUser{im: im, unknown: true}); n != nil {
				return nil, []Note{*n}, nil
			}
			if im.Source == discover.SourceDockerfile {
				unknownByName = append(unknownByName, im)
			}
			continue
		}
		if n := add(im.AbsContext(), im.AbsDockerfile(), ignoreUser{im: im, sources: buildctx.SourcesOf(im.Model)}); n != nil {
			return nil, []Note{*n}, nil
		}
		// a local named context is sent too, with the .dockerignore at its
		// own root: a directory that is one image's context and another's
		// named context must keep what both read
		for _, name := range slices.Sorted(maps.Keys(im.AdditionalContexts)) {
			v := im.AdditionalContexts[name]
			if !discover.IsLocalContext(v) {
				continue
			}
			dir := filepath.Join(disc.Root, filepath.FromSlash(v))
			if n := add(dir, "", ignoreUser{im: im, named: name, sources: buildctx.SourcesFrom(im.Model, name)}); n != nil {
				return nil, []Note{*n}, nil
			}
		}
	}
	// a Dockerfile found by its name alone, which could not be read, was
	// given its own directory as context; it may be built from any
	// directory above it (review 36: growthbook's preview/Dockerfile.append,
	// which CI appends to the root Dockerfile and builds from the root, with
	// a COPY of preview/): the contexts that hold it are left alone too
	for _, key := range order {
		g := groups[key]
		for _, im := range unknownByName {
			if d := filepath.Dir(im.AbsDockerfile()); d != g.contextDir && strings.HasPrefix(d, g.contextDir+string(filepath.Separator)) {
				g.users = append(g.users, ignoreUser{im: im, unknown: true})
			}
		}
	}
	var files []*FileFix
	notes := refused
	for _, dir := range slices.Sorted(maps.Keys(outside)) {
		notes = append(notes, Note{File: dir, Reason: "a build reads this directory, which is outside " + disc.Root + ": its ignore file is left as it is"})
	}
	for _, key := range order {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if skipsIgnore(groups[key], opt) || !selected(groups[key], opt) {
			continue
		}
		ff, ns, err := fixIgnoreGroup(ctx, disc.Root, groups[key], opt.walks)
		if err != nil {
			return nil, nil, err
		}
		notes = append(notes, ns...)
		if ff != nil && ff.Changed() {
			files = append(files, ff)
		}
	}
	return files, notes, nil
}

// selected: an image of the group is one the rewrite is limited to.
func selected(g *ignoreGroup, opt Options) bool {
	if opt.Only == nil {
		return true
	}
	for _, u := range g.users {
		if opt.Only(u.im) {
			return true
		}
	}
	return false
}

// skipsIgnore: an image of the group had the context rules left out.
func skipsIgnore(g *ignoreGroup, opt Options) bool {
	for _, u := range g.users {
		for _, r := range rules.All() {
			if r.FixesIgnore && opt.skips(u.im.Dockerfile, r.ID) {
				return true
			}
		}
	}
	return false
}

// excludesAnythingPresent: some exclusion matches a path the context
// holds now and BuildKit sends: files no COPY/ADD reaches (LW124's) do
// not count, as BuildKit transfers only what the sources name.
func excludesAnythingPresent(excl []exclusion, walk *buildctx.Walk) bool {
	for _, e := range excl {
		if e.rule == rules.UnusedContext.ID {
			continue
		}
		if e.drops || e.required {
			return true
		}
		if _, ok := walk.Lookup(strings.TrimSuffix(e.path, "/")); ok {
			return true
		}
	}
	return false
}

// onlyAbsent: every exclusion is of a path the context does not hold now,
// and none is one the Dockerfile fixes count on.
func onlyAbsent(excl []exclusion, walk *buildctx.Walk) bool {
	for _, e := range excl {
		if e.drops || e.required {
			return false
		}
		if _, ok := walk.Lookup(strings.TrimSuffix(e.path, "/")); ok {
			return false
		}
	}
	return true
}

func fixIgnoreGroup(ctx context.Context, root string, g *ignoreGroup, walks map[string]*buildctx.Walk) (*FileFix, []Note, error) {
	rel := relTo(root, g.target)
	walk := walks[walkKey(g.contextDir, g.ignore.Path)]
	if walk == nil {
		var err error
		walk, err = buildctx.WalkContext(ctx, g.contextDir, buildctx.WalkOptions{Patterns: g.ignore.Patterns})
		if err != nil {
			return nil, []Note{{File: rel, Reason: "walking the context: " + err.Error()}}, nil
		}
	}
	for _, u := range g.users {
		if u.unknown {
			return nil, []Note{{File: rel, Reason: fmt.Sprintf("%s also builds from this context and its Dockerfile could not be read or parsed: what it needs cannot be proven, the ignore file is left as it is", u.im.Name)}}, nil
		}
	}
	// a Dockerfile that is a symbolic link is not read (discovery takes
	// regular files), yet a build names it (review 37: Netflix/dispatch's
	// root Dockerfile -> docker/Dockerfile, built by CI from the root with
	// `COPY . .`): what it needs from this context is not known
	for _, e := range walk.Entries {
		if e.Type == buildctx.TypeSymlink && discover.IsDockerfileName(path.Base(e.Path)) {
			return nil, []Note{{File: rel, Reason: fmt.Sprintf("%s is a symbolic link to a Dockerfile, which is not read: an image built from this context with it may need any of its files, so the ignore file is left as it is", e.Path)}}, nil
		}
	}
	reached, undecidable, err := reachedBy(walk, g.users)
	if err != nil {
		return nil, nil, err
	}
	if undecidable {
		return nil, []Note{{File: rel, Reason: "a COPY/ADD source depends on a build arg, or is missing from a context guessed from the Dockerfile's place: what the builds need cannot be proven, the ignore file is left as it is"}}, nil
	}
	var unwritable []string
	excl := candidates(root, g, walk, reached, &unwritable)
	var notes []Note
	for _, p := range unwritable {
		notes = append(notes, Note{File: rel, Rule: rules.NoDockerignore.ID, Reason: fmt.Sprintf("%q cannot be written as a .dockerignore pattern that matches it alone (a line break, a control character, blanks at its ends, or not UTF-8): it is still sent; rename it or exclude it by hand", p)})
	}
	if len(excl) == 0 {
		return nil, notes, nil
	}
	before, err := safefile.ReadRegular(g.target, safefile.MaxManifest)
	if err != nil && !os.IsNotExist(err) {
		return nil, nil, err
	}
	if (before == nil && !excludesAnythingPresent(excl, walk)) || onlyAbsent(excl, walk) {
		// a new file only for what may appear later (layerwise's state at
		// the root) or what BuildKit never sends, or a change to one only
		// for what may appear later (review 29: /.layerwise alone added to
		// four projects' .dockerignore files): a repository is not handed
		// an edit that changes nothing a build sends
		return nil, notes, nil
	}
	content := ignoreContent(before, excl)
	// The proof walks with the patterns the builder will read from the new
	// file, parsed by the same reader (ignorefile) BuildKit uses.
	pats, err := ignorefile.ReadAll(strings.NewReader(content))
	if err != nil {
		return nil, []Note{{File: rel, Reason: "the new ignore file does not parse: " + err.Error()}}, nil
	}
	after, err := buildctx.WalkContext(ctx, g.contextDir, buildctx.WalkOptions{Patterns: pats})
	if err != nil {
		return nil, []Note{{File: rel, Reason: "the new patterns do not walk: " + err.Error()}}, nil
	}
	reachedAfter, _, err := reachedBy(after, g.users)
	if err != nil {
		return nil, nil, err
	}
	// the proof: nothing reached before is lost, but for the paths the
	// rewrite drops on purpose
	var dropped []exclusion
	for _, e := range excl {
		if e.drops {
			dropped = append(dropped, e)
		}
	}
	onPurpose, err := matcherOf(dropped)
	if err != nil {
		return nil, []Note{{File: rel, Reason: "the new patterns do not parse: " + err.Error()}}, nil
	}
	var lost []string
	for p := range reached {
		if reachedAfter[p] {
			continue
		}
		if ok, _ := onPurpose.MatchesOrParentMatches(p); ok {
			continue
		}
		lost = append(lost, p)
	}
	if len(lost) > 0 {
		sort.Strings(lost)
		return nil, []Note{{File: rel, Rule: rules.NoDockerignore.ID, Reason: fmt.Sprintf("proof failed, nothing written: the new patterns would drop %d files a COPY needs (first: %s)", len(lost), lost[0])}}, nil
	}
	if why := exactlyExcluded(walk, after, excl); why != "" {
		return nil, []Note{{File: rel, Rule: rules.NoDockerignore.ID, Reason: "proof failed, nothing written: " + why}}, nil
	}
	for _, e := range dropped {
		if _, there := walk.Lookup(strings.TrimSuffix(e.path, "/")); !there && e.required {
			notes = append(notes, Note{File: rel, Rule: e.rule, Reason: fmt.Sprintf("%s will not be sent (none is here now): %s", e.pattern, e.reason)})
			continue
		}
		notes = append(notes, Note{File: rel, Rule: e.rule, Reason: fmt.Sprintf("%s is no longer sent: %s", e.pattern, e.reason)})
	}
	ff := &FileFix{Path: rel, Abs: g.target, Before: before, After: []byte(content)}
	for _, e := range dropped {
		ff.Excludes = append(ff.Excludes, e.path)
	}
	ff.Applied = append(ff.Applied, Applied{Rule: rules.NoDockerignore.ID, Description: fmt.Sprintf("exclude %d paths the builds do not need", len(excl))})
	bytesBefore, bytesAfter := walk.Bytes, after.Bytes
	notes = append(notes, Note{File: rel, Rule: rules.NoDockerignore.ID, Reason: fmt.Sprintf("context for %s: %s -> %s sent per build", g.names(), units.Bytes(bytesBefore), units.Bytes(bytesAfter))})
	return ff, notes, nil
}

// ignoreContent is the existing ignore file, untouched, followed by the
// new exclusions, each under a comment that says why.
func ignoreContent(before []byte, excl []exclusion) string {
	var b strings.Builder
	if len(before) > 0 {
		b.Write(before)
		if !strings.HasSuffix(string(before), "\n") {
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("# Added by layerwise fix: nothing below is read by a COPY/ADD of the images built\n# from this context, except where the comment says why it is excluded anyway.\n")
	for _, e := range excl {
		// a reason quotes a file name: it stays on its comment line
		reason := strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return '?'
			}
			return r
		}, e.reason)
		fmt.Fprintf(&b, "# %s\n%s\n", reason, e.pattern)
	}
	if bytes.Contains(before, []byte("\r\n")) {
		// the file's own line ends, for the lines added too
		return strings.ReplaceAll(strings.ReplaceAll(b.String(), "\r\n", "\n"), "\n", "\r\n")
	}
	return b.String()
}

// reachedBy is the set of sent files some COPY/ADD (or RUN --mount, for a
// named context) of some user of the directory reaches.
func reachedBy(w *buildctx.Walk, users []ignoreUser) (map[string]bool, bool, error) {
	out := map[string]bool{}
	for _, user := range users {
		u, err := buildctx.ComputeUsage(w, user.sources)
		if err != nil {
			return nil, false, err
		}
		if u.Undecidable {
			return nil, true, nil
		}
		if user.named == "" && user.im != nil && user.im.ContextInferred && len(u.Unmatched) > 0 {
			// a context guessed from the Dockerfile's place that lacks
			// what it copies is not the one it is built with (review 38:
			// novu's services, built from a tar a script pipes to `docker
			// build -`, whose ./meta and ./deps the repository has not):
			// what the real builds need is not known
			return nil, true, nil
		}
		unused := map[string]bool{}
		for _, e := range u.Unused {
			unused[e.Path] = true
		}
		for _, e := range w.Entries {
			if e.Type != buildctx.TypeDir && !unused[e.Path] {
				out[e.Path] = true
			}
		}
	}
	return out, false, nil
}

// matcherOf matches the exclusions (and what lies below a matched
// directory) as the builder does; built once for the whole proof.
// exactlyExcluded is the second half of the proof, both ways: the context
// sent after the rewrite is the one sent before less exactly the intended
// paths (and what lies below them). A file name that became a pattern of its
// own (`!*` re-including everything, `*` excluding more) fails it.
func exactlyExcluded(before, after *buildctx.Walk, excl []exclusion) string {
	intended := func(p string) bool {
		for _, e := range excl {
			if p == e.path || strings.HasPrefix(p, e.path+"/") {
				return true
			}
		}
		return false
	}
	was := make(map[string]bool, len(before.Entries))
	for _, e := range before.Entries {
		was[e.Path] = true
	}
	is := make(map[string]bool, len(after.Entries))
	for _, e := range after.Entries {
		is[e.Path] = true
		if !was[e.Path] {
			return fmt.Sprintf("the new patterns would send %s, which was not sent before", e.Path)
		}
	}
	for _, e := range before.Entries {
		switch {
		case intended(e.Path) && is[e.Path]:
			return fmt.Sprintf("%s would still be sent", e.Path)
		case !intended(e.Path) && !is[e.Path]:
			return fmt.Sprintf("the new patterns would also drop %s", e.Path)
		}
	}
	return ""
}

// escapePattern writes a context path as a .dockerignore line that matches
// exactly that path: anchored with "/" (which also keeps a leading "!" from
// making it an exception once the reader strips the slash), and each
// character of patternSyntax escaped with a backslash. The matcher turns
// `\x` into the regexp `\x`, a literal; unescaped, * ? [ ] ! are glob syntax,
// and ^ | { } reach the regexp raw (its table of metacharacters to escape
// loses those above 63: `a|b` would match every path). Names the reader cannot carry — a line break, a control
// character, blanks at either end (the reader trims them), invalid UTF-8 —
// are not expressible: false.
func escapePattern(p string) (string, bool) {
	if !utf8.ValidString(p) || p == "" {
		return "", false
	}
	for _, comp := range strings.Split(p, "/") {
		if comp == "" || comp != strings.TrimSpace(comp) {
			return "", false
		}
	}
	var b strings.Builder
	b.WriteByte('/')
	for _, r := range p {
		switch {
		case r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || unicode.IsControl(r):
			return "", false
		case strings.ContainsRune(patternSyntax, r):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// patternSyntax are the characters a .dockerignore pattern must escape to
// mean themselves: the glob syntax, the exception mark, and the regexp
// metacharacters the matcher does not escape by itself.
const patternSyntax = `\*?[]!^|{}`

func matcherOf(excl []exclusion) (*patternmatcher.PatternMatcher, error) {
	pats := make([]string, len(excl))
	for i, e := range excl {
		pats[i] = strings.TrimPrefix(e.pattern, "/")
	}
	return patternmatcher.New(pats)
}

// candidates lists what the ignore file should exclude: what each context
// rule's Excludes hook declares (rules/lw122…lw124), the most severe rule
// first (secrets head the file, then regenerated directories, then what
// nothing reads), each
// written as a pattern that matches it alone; a path at or below one
// already listed adds nothing. Names no pattern can carry are listed in
// unwritable.
func candidates(root string, g *ignoreGroup, w *buildctx.Walk, reached map[string]bool, unwritable *[]string) []exclusion {
	var models []*dockerfile.File
	for _, im := range g.contextImages() {
		models = append(models, im.Model)
	}
	var all []*dockerfile.File
	for _, im := range g.images() {
		all = append(all, im.Model)
	}
	entries := w.Entries
	sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
	keep := protectedPaths(models)
	in := &rules.IgnoreInput{Dir: g.contextDir, Entries: entries, Reached: reached, Builds: all,
		Named: len(g.contextImages()) < len(g.users), Keep: keep.protects, Source: namedBySources(g.users),
		Dockerfile: func(name string) bool { return isDockerfileOf(name, g.contextImages()) },
		Root:       root, Ignored: buildctx.Excluder(g.ignore.Patterns), Required: g.required}
	var out []exclusion
	var listed []string
	excluding := slices.DeleteFunc(rules.All(), func(r *rules.Rule) bool { return r.Excludes == nil })
	slices.SortStableFunc(excluding, func(a, b *rules.Rule) int { return int(b.Severity) - int(a.Severity) })
	for _, r := range excluding {
		for _, e := range r.Excludes(in) {
			if under(e.Path, listed) {
				continue
			}
			pat, ok := escapePattern(e.Path)
			if !ok {
				*unwritable = append(*unwritable, e.Path)
				continue
			}
			listed = append(listed, e.Path)
			out = append(out, exclusion{path: e.Path, pattern: pat, reason: e.Reason, drops: e.Drops, rule: r.ID, required: e.Required})
		}
	}
	return out
}

// under: p is one of the paths or lies below one.
func under(p string, paths []string) bool {
	for _, q := range paths {
		if p == q || strings.HasPrefix(p, q+"/") {
			return true
		}
	}
	return false
}

func isDockerfileOf(name string, ims []*discover.Image) bool {
	for _, im := range ims {
		if filepath.Join(im.AbsContext(), name) == im.AbsDockerfile() {
			return true
		}
	}
	return false
}

func relTo(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return p
}

// namedBySources reports whether a top-level name is the first component
// of some COPY/ADD source: such a path is needed even when it holds no file
// (COPY of an empty directory fails when the directory is not sent).
func namedBySources(users []ignoreUser) func(string) bool {
	var firsts []string
	for _, u := range users {
		for _, src := range u.sources {
			p := strings.TrimPrefix(path.Clean("/"+src.Pattern), "/")
			first, _, _ := strings.Cut(p, "/")
			firsts = append(firsts, first)
		}
	}
	return func(name string) bool {
		for _, f := range firsts {
			if f == "" {
				return true // the whole context
			}
			if ok, _ := path.Match(f, name); ok || f == name {
				return true
			}
		}
		return false
	}
}
