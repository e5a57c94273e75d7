package discover

import (
	"context"
	"fmt"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/layerwise/layerwise/internal/safefile"
	"github.com/sirupsen/logrus"
	"gopkg.in/yaml.v3"
)

func isComposeName(name string) bool { return slices.Contains(cli.DefaultFileNames, name) }

// otherComposeName: a compose file of another name, run with -f
// (docker-compose.dev.yml, docker-compose-local.yml, compose.prod.yaml:
// lago's dev stack, review 19's `make local-start`); not an override,
// which compose merges onto the file of its default name.
var otherComposeName = regexp.MustCompile(`^(docker-)?compose[-._][A-Za-z0-9_.-]*\.ya?ml$`)

func isOtherComposeName(name string) bool {
	return otherComposeName.MatchString(name) && !isComposeName(name) && !strings.Contains(name, "override")
}

// composeImages loads the compose project of dir (its compose file plus
// override, as `docker compose` picks them) and returns one image per
// service that has a build section.
func composeImages(ctx context.Context, root, dir string, env []string, envOut *[]string) ([]*Image, []string) {
	// compose-go reports unset variables and the like through logrus's
	// global logger; turn those into warnings that name the compose file
	// instead of letting them interleave with our output.
	logged := captureLogrus()
	ims, warns := loadCompose(ctx, root, dir, "", env, envOut)
	for _, m := range logged() {
		warns = append(warns, fmt.Sprintf("%s: %s", rel(root, dir), m))
	}
	return ims, warns
}

// otherComposeImages loads a compose file of another name on its own, as
// `docker compose -f FILE` does. Such a file may be a fragment meant to be
// merged onto another (no build context of its own, variables another
// file sets): one that does not load gives nothing, and says nothing —
// the images it would add are found by their Dockerfiles' names anyway.
func otherComposeImages(ctx context.Context, root, file string, env []string, envOut *[]string) []*Image {
	explicit := explicitBuilds(root, file)
	if len(explicit) == 0 {
		return nil
	}
	logged := captureLogrus()
	var fileEnv []string
	ims, warns := loadCompose(ctx, root, filepath.Dir(file), file, env, &fileEnv)
	logged()
	for _, w := range warns {
		if strings.HasPrefix(w, failedMark) {
			return nil
		}
	}
	*envOut = append(*envOut, fileEnv...)
	// Kept: the services whose build names a context or Dockerfile of its
	// own and whose Dockerfile is there. One with neither (`build:
	// {cache_from: [...]}`, layerwise's own docker-compose.build.yml) adds
	// to another file's service, which compose-go would default to this
	// file's directory; one whose Dockerfile is missing (an EXAMPLE file's,
	// a submodule's that is not checked out) builds nothing here.
	return slices.DeleteFunc(ims, func(im *Image) bool {
		if !explicit[im.Name] {
			return true
		}
		if im.DockerfileInline != "" {
			return false
		}
		// a path outside the repository is never looked at: whether it
		// exists on the runner is none of this file's business
		p := filepath.Join(root, filepath.FromSlash(im.Dockerfile))
		if im.Refused != "" || !safefile.Inside(root, p) {
			return true
		}
		_, err := os.Lstat(p)
		return err != nil
	})
}

// explicitBuilds are the services of a compose file whose build names a
// context, a Dockerfile or an inline one (the short `build: ./dir` too).
func explicitBuilds(root, file string) map[string]bool {
	data, err := safefile.ReadWithin(root, file, maxConfig)
	if err != nil {
		return nil
	}
	var f struct {
		Services map[string]struct {
			Build yaml.Node `yaml:"build"`
		} `yaml:"services"`
	}
	if yaml.Unmarshal(data, &f) != nil {
		return nil
	}
	out := map[string]bool{}
	for name, svc := range f.Services {
		b := svc.Build
		switch b.Kind {
		case yaml.ScalarNode:
			out[name] = b.Value != ""
		case yaml.MappingNode:
			for i := 0; i+1 < len(b.Content); i += 2 {
				switch b.Content[i].Value {
				case "context", "dockerfile", "dockerfile_inline":
					out[name] = true
				}
			}
		}
	}
	return out
}

// maxComposeEnv caps the environment pairs kept per compose file.
const maxComposeEnv = 1000

// literalComposeEnv are the KEY=VALUE pairs the compose files write out
// literally in their services' environment (map or list form), read from
// the files as written: a value compose would interpolate (${TOKEN}, from
// a .env file or the CI's environment) is no value the repository
// publishes, and is left out.
func literalComposeEnv(root string, files []string) []string {
	var out []string
	for _, f := range files {
		data, err := safefile.ReadWithin(root, f, maxConfig)
		if err != nil {
			continue
		}
		var doc struct {
			Services map[string]struct {
				Environment yaml.Node `yaml:"environment"`
			} `yaml:"services"`
		}
		if yaml.Unmarshal(data, &doc) != nil {
			continue
		}
		n := 0
		add := func(k, v string) {
			if k != "" && v != "" && !strings.Contains(v, "$") && n < maxComposeEnv {
				out = append(out, k+"="+v)
				n++
			}
		}
		for _, svc := range doc.Services {
			e := svc.Environment
			switch e.Kind {
			case yaml.MappingNode:
				for i := 0; i+1 < len(e.Content); i += 2 {
					if e.Content[i+1].Kind == yaml.ScalarNode {
						add(e.Content[i].Value, e.Content[i+1].Value)
					}
				}
			case yaml.SequenceNode:
				for _, it := range e.Content {
					if k, v, ok := strings.Cut(it.Value, "="); ok && it.Kind == yaml.ScalarNode {
						add(k, v)
					}
				}
			}
		}
	}
	return out
}

var logrusMu sync.Mutex

type collectHook struct{ msgs *[]string }

func (collectHook) Levels() []logrus.Level {
	return []logrus.Level{logrus.WarnLevel, logrus.ErrorLevel}
}
func (h collectHook) Fire(e *logrus.Entry) error {
	*h.msgs = append(*h.msgs, "compose: "+e.Message)
	return nil
}

func captureLogrus() func() []string {
	logrusMu.Lock()
	l := logrus.StandardLogger()
	var msgs []string
	oldOut, oldHooks := l.Out, l.ReplaceHooks(logrus.LevelHooks{})
	l.SetOutput(io.Discard)
	l.AddHook(collectHook{&msgs})
	return func() []string {
		l.SetOutput(oldOut)
		l.ReplaceHooks(oldHooks)
		logrusMu.Unlock()
		return msgs
	}
}

// loadCompose loads dir's compose project (file's, when given) and
// returns an image per service that builds; envOut gains the literal
// KEY=VALUE pairs its services' environment sets (any service's: a
// database's POSTGRES_PASSWORD=postgres, which a Dockerfile may repeat).
func loadCompose(ctx context.Context, root, dir, file string, env []string, envOut *[]string) ([]*Image, []string) {
	// the default .env of the project directory, as compose reads it —
	// only when it is a regular file inside the repository
	var warns []string
	dotEnv := filepath.Join(dir, ".env")
	var envFiles []string
	if v, _ := strconv.ParseBool(os.Getenv("COMPOSE_DISABLE_ENV_FILE")); v {
		// compose reads no default .env either
	} else if _, err := os.Lstat(dotEnv); err == nil {
		if _, err := safefile.ReadWithin(root, dotEnv, safefile.MaxManifest); err != nil {
			warns = append(warns, fmt.Sprintf("%s: %v: not read (compose variables it would set are unset)", rel(root, dotEnv), unwrapPathErr(err)))
		} else {
			envFiles = append(envFiles, dotEnv)
		}
	}
	// (cli.WithEnvFiles with no file would read the default one unchecked)
	setEnvFiles := func(o *cli.ProjectOptions) error { o.EnvFiles = envFiles; return nil }
	var given []string
	configPath := cli.WithDefaultConfigPath
	if file != "" {
		given = []string{file}
		configPath = func(*cli.ProjectOptions) error { return nil }
	}
	opts, err := cli.NewProjectOptions(given,
		cli.WithWorkingDirectory(dir),
		cli.WithOsEnv,
		setEnvFiles,
		cli.WithDotEnv,
		cli.WithEnv(env),
		configPath,
		cli.WithName(projectName(dir)),
		// every profile: a service behind `profiles: [playwright]` is
		// built whenever someone runs compose with that profile, and
		// leaving it out made its Dockerfile look built by nothing
		// (vaultwarden's playwright image)
		cli.WithProfiles([]string{"*"}),
		// the services' env_file and label_file are not read: builds do
		// not use them, and they may name any file
		cli.WithoutEnvironmentResolution,
		cli.WithoutLabelsResolution,
	)
	if err != nil {
		return nil, append(warns, failed(fmt.Sprintf("%s: compose: %v", rel(root, dir), err)))
	}
	files := make([]string, len(opts.ConfigPaths))
	for i, p := range opts.ConfigPaths {
		files[i] = rel(root, p)
	}
	// the compose files and what they include or extend: regular files
	// inside the repository, or nothing is loaded
	if err := composeRefs(root, opts.ConfigPaths); err != nil {
		return nil, append(warns, failed(fmt.Sprintf("%s: %v: not read (its images are missing)", strings.Join(files, "+"), unwrapPathErr(err))))
	}
	proj, err := opts.LoadProject(ctx)
	// a variable the file requires (`${PG_PASS:?database password
	// required}`) and nobody set here: compose refuses the whole file, but
	// its builds rarely need it (review 27: semaphore's and karakeep's
	// examples). Load it with a stand-in value; an image whose build names
	// the stand-in is left out, saying which variable it needs.
	var required []string
	for tries := 0; err != nil && tries < 16; tries++ {
		names := requiredUnset(err)
		if len(names) == 0 || slices.ContainsFunc(names, func(n string) bool { return slices.Contains(required, n) }) {
			break
		}
		if opts.Environment == nil {
			opts.Environment = map[string]string{}
		}
		for _, n := range names {
			opts.Environment[n] = unsetStandIn + n
		}
		required = append(required, names...)
		proj, err = opts.LoadProject(ctx)
	}
	if err != nil {
		// a file the repository only ever uses combined with others
		// (`-f docker-compose.yml -f docker-compose.infrastructure.yml`,
		// a devcontainer's list): alone, its services depend on or join
		// what another file declares (review 35: eShopOnAbp's rabbitmq,
		// rubygems.org's db, dolphinscheduler's e2e network). Its builds
		// are all there: read it without the cross-references checked.
		consistencyErr := err
		if cli.WithConsistency(false)(opts) == nil {
			if p, err2 := opts.LoadProject(ctx); err2 == nil {
				proj, err = p, nil
				warns = append(warns, fmt.Sprintf("%s: read without checking what its services refer to (%v): it is used with other compose files", strings.Join(files, "+"), consistencyErr))
			}
		}
		// no .env, and values the file needs to be valid (solidtime's
		// extra_hosts "${NGINX_HOST_NAME}:…", empty without one): the
		// example env file the project ships is what its users copy
		if err != nil && len(envFiles) == 0 {
			if example, values := exampleEnv(root, dir); example != "" {
				if opts.Environment == nil {
					opts.Environment = map[string]string{}
				}
				for k, v := range values {
					if _, set := opts.Environment[k]; !set {
						opts.Environment[k] = v
					}
				}
				if p, err2 := opts.LoadProject(ctx); err2 == nil {
					proj, err = p, nil
					warns = append(warns, fmt.Sprintf("%s: read with the values of %s (there is no .env, and without them: %v)", strings.Join(files, "+"), rel(root, example), consistencyErr))
				}
			}
		}
	}
	if err != nil {
		return nil, []string{failed(fmt.Sprintf("%s: %v (its images are missing; fix it and run again)", strings.Join(files, "+"), err))}
	}
	if len(required) > 0 {
		warns = append(warns, fmt.Sprintf("%s: read with stand-ins for the variables it requires and nothing here sets (%s)", strings.Join(files, "+"), strings.Join(required, ", ")))
	}
	var out []*Image
	// values an env file sets (.env of the project directory): a build arg
	// interpolated from one is not printed by ls -o json (often a token)
	envValues := map[string]bool{}
	if len(envFiles) > 0 {
		if m, err := dotenv.Read(dotEnv); err == nil {
			for _, v := range m {
				if len(v) >= 4 {
					envValues[v] = true
				}
			}
		}
	}
	names := make([]string, 0, len(proj.Services))
	for n := range proj.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	*envOut = append(*envOut, literalComposeEnv(root, opts.ConfigPaths)...)
	for _, n := range names {
		svc := proj.Services[n]
		if svc.Build == nil {
			continue
		}
		b := svc.Build
		if len(required) > 0 {
			buildText := b.Context + "\x00" + b.Dockerfile + "\x00" + b.Target
			for _, v := range b.Args {
				if v != nil {
					buildText += "\x00" + *v
				}
			}
			if m := standInUse.FindStringSubmatch(buildText); m != nil {
				warns = append(warns, fmt.Sprintf("%s: service %s builds with a variable it requires and nothing here sets (%s): not analysed", files[0], n, m[1]))
				continue
			}
		}
		ctxDir := b.Context
		if ctxDir == "" {
			ctxDir = dir
		}
		if !filepath.IsAbs(ctxDir) {
			ctxDir = filepath.Join(dir, ctxDir)
		}
		im := &Image{
			Name:       n,
			Context:    rel(root, ctxDir),
			Target:     b.Target,
			Source:     SourceCompose,
			SourceFile: files[0],
			Tags:       append([]string(nil), b.Tags...),
			CacheFrom:  append([]string(nil), b.CacheFrom...),
			CacheTo:    append([]string(nil), b.CacheTo...),
			Root:       root,
		}
		if svc.Image != "" {
			im.Tags = append([]string{svc.Image}, im.Tags...)
		}
		// a healthcheck, or `disable: true` (compose's HEALTHCHECK NONE)
		im.Healthcheck = svc.HealthCheck != nil
		for _, v := range svc.Volumes {
			src := v.Source
			if v.Type != "bind" || src == "" {
				continue
			}
			if !filepath.IsAbs(src) {
				src = filepath.Join(dir, src)
			}
			// the context itself (review 37: openstreetmap's `.:/app`,
			// whose tests CI runs in the container); a directory in it
			// (`./config:/etc/app`) is configuration, not the sources
			if r, err := filepath.Rel(ctxDir, src); err == nil && r == "." {
				im.MountsSources = true
			}
		}
		im.User = svc.User
		im.RunsTests = testCommand.MatchString(strings.Join(append(slices.Clone([]string(svc.Entrypoint)), svc.Command...), " "))
		if len(b.Args) > 0 {
			im.Args = map[string]string{}
			for k, v := range b.Args {
				if v != nil {
					im.Args[k] = *v
					if envValues[*v] {
						im.ArgsFromEnvFile = append(im.ArgsFromEnvFile, k)
					}
				}
			}
			sort.Strings(im.ArgsFromEnvFile)
		}
		im.AdditionalContexts = localContexts(root, dir, b.AdditionalContexts)
		if isRemoteContext(ctxDir) || strings.HasPrefix(b.Context, "git@") {
			warns = append(warns, fmt.Sprintf("%s: service %s builds from a remote context %s; not analysed", files[0], n, b.Context))
			continue
		}
		modelImage(im, ctxDir, b.Dockerfile, b.DockerfileInline, "services."+n+".build", "dockerfile_inline")
		out = append(out, im)
	}
	return out, warns
}

// projectName mimics compose's default project name (the directory name,
// lower-cased, restricted to [a-z0-9_-]); compose-go refuses to load a
// project without one.
func projectName(dir string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(filepath.Base(dir)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' || r == '-' {
			sb.WriteRune(r)
		}
	}
	if sb.Len() == 0 {
		return "default"
	}
	return sb.String()
}

// modelImage reads and parses the Dockerfile of an image defined by a
// compose service or bake target (def: "services.NAME.build",
// "target.NAME"): an inline one (its key inlineKey), or df relative to the
// context directory ("Dockerfile" when empty). Build args apply as the
// definition sets them. Nothing is read when a path the definition names
// lies outside the repository (confine).
func modelImage(im *Image, ctxDir, df, inline, def, inlineKey string) {
	var data []byte
	var err error
	dfName := im.SourceFile + " (" + def + "." + inlineKey + ")"
	if inline == "" {
		if df == "" {
			df = "Dockerfile"
		}
		if !filepath.IsAbs(df) {
			df = filepath.Join(ctxDir, df)
		}
		im.Dockerfile = rel(im.Root, df)
		dfName = im.Dockerfile
	}
	readDF := df
	if inline != "" {
		readDF = ""
	}
	if msg := confine(im.Root, ctxDir, readDF, im.AdditionalContexts, def); msg != "" {
		refuse(im, msg)
		return
	}
	if inline != "" {
		im.DockerfileInline = inline
		data = []byte(inline)
	} else {
		data, err = safefile.ReadRegular(df, safefile.MaxManifest)
	}
	var m *dockerfile.File
	if err == nil {
		m, err = dockerfile.Parse(dfName, data, dockerfile.Options{BuildArgs: im.Args})
	}
	if err != nil {
		im.Error = asDFError(dfName, err)
		return
	}
	m.Path = dfName
	setModel(im, m)
}

// unsetStandIn prefixes the value a required compose variable that nothing
// sets is read with.
const unsetStandIn = "./layerwise-unset-"

// (a path: a volume's source that is one is a bind mount, not a named
// volume the project would have to declare)
var standInUse = regexp.MustCompile(`layerwise-unset-([A-Za-z_][A-Za-z0-9_]*)`)

var requiredVariable = regexp.MustCompile(`required variable ([A-Za-z_][A-Za-z0-9_]*) is missing a value`)

// requiredUnset are the variables compose's error says are required and
// unset.
func requiredUnset(err error) []string {
	var out []string
	for _, m := range requiredVariable.FindAllStringSubmatch(err.Error(), -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// testCommand: a command line that runs a test suite (a compose service
// that runs the image's tests needs what only they use: review 29).
var testCommand = regexp.MustCompile(`(^|[\s;&|/])((npm|yarn|pnpm|bun)\s+(run\s+)?test(:\S+)?|npx\s+(jest|mocha|vitest|playwright)|jest|mocha|vitest|pytest|tox|go\s+test|mvn\s+(\S+\s+)*test|gradle\w*\s+(\S+\s+)*test|rspec|phpunit|dotnet\s+test|cargo\s+test)(\s|$)`)

// exampleEnv is the example env file beside a compose file (.env.example,
// .env.sample, .env.dist, .env.template) and its values, read within root.
func exampleEnv(root, dir string) (string, map[string]string) {
	for _, n := range []string{".env.example", ".env.sample", ".env.dist", ".env.template"} {
		p := filepath.Join(dir, n)
		if _, err := safefile.ReadWithin(root, p, safefile.MaxManifest); err != nil {
			continue
		}
		if m, err := dotenv.Read(p); err == nil {
			return p, m
		}
	}
	return "", nil
}
