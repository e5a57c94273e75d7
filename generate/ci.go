package generate

import (
	"bytes"
	"fmt"
	"github.com/layerwise/layerwise/trends"
	"strings"
	"text/template"

	"github.com/layerwise/layerwise/graphbuild"
	"mvdan.cc/sh/v3/syntax"
)

// CIOptions tune the generated CI files.
type CIOptions struct {
	// Cache is where builds keep their cache between runs: gha (GitHub's
	// cache service), registry=REF (type=registry, mode=max), or any
	// graphbuild.ParseCache value.
	Cache string
	// Threshold is the regression gate's: how much slower than the
	// baseline on the default branch fails the job (default: the one
	// "slower" of layerwise, trends.SlowerRatio: "25%").
	Threshold string
	// Images limits the build and the gate to these images (and what they
	// need); empty: every image.
	Images []string
	// Branch is the default branch the baseline comes from (GitHub; GitLab
	// reads $CI_DEFAULT_BRANCH).
	Branch string
	// Path is the repository directory layerwise runs on (".").
	Path string
	// NoCacheMounts leaves out the persisted cache mounts: by default the
	// job keeps what the images' RUN --mount=type=cache hold in the CI's
	// cache and hands it to `layerwise build --cache-mounts`, which
	// restores it into the job's fresh builder and saves it after the
	// build.
	NoCacheMounts bool
}

// CacheMountsDir is where the GitLab job keeps the cache mounts between
// runs: GitLab caches only paths inside the project, and .layerwise/ is
// layerwise's own state, which never reaches a build context.
const CacheMountsDir = ".layerwise/cache-mounts"

// LockFiles are the lock files whose hash keys the GitHub job's cache
// mounts (layerwise keys each image's entries by its own lock files; the
// CI cache key only prefers a state saved with the same ones).
var LockFiles = []string{"**/go.sum", "**/package-lock.json", "**/yarn.lock", "**/pnpm-lock.yaml", "**/requirements*.txt",
	"**/poetry.lock", "**/Cargo.lock", "**/*.csproj", "**/pom.xml", "**/build.gradle*"}

// HashFiles is the GitHub expression's hashFiles call over LockFiles.
func (CIOptions) HashFiles() string {
	q := make([]string, len(LockFiles))
	for i, f := range LockFiles {
		q[i] = "'" + f + "'"
	}
	return "hashFiles(" + strings.Join(q, ", ") + ")"
}

// LocalCache says whether the build cache is a directory under
// .layerwise/cache, which the GitLab job then keeps in its cache.
func (o CIOptions) LocalCache() bool {
	c, err := graphbuild.ParseCache(strings.ReplaceAll(o.Cache, "$", ""))
	return err == nil && c.Kind == graphbuild.CacheLocal
}

func (o CIOptions) withDefaults(cache string) (CIOptions, error) {
	if o.Cache == "" {
		o.Cache = cache
	}
	if _, err := graphbuild.ParseCache(strings.ReplaceAll(o.Cache, "$", "")); err != nil {
		return o, err
	}
	if o.Threshold == "" {
		o.Threshold = DefaultThreshold()
	}
	if o.Branch == "" {
		o.Branch = "main"
	}
	if o.Path == "" {
		o.Path = "."
	}
	return o, nil
}

// ImageFlags are the --image flags of the build and the gate.
func (o CIOptions) ImageFlags() string {
	var b strings.Builder
	for _, im := range o.Images {
		fmt.Fprintf(&b, " --image %s", shellQuote(im))
	}
	return b.String()
}

// shellQuote quotes a word for the job's shell (mvdan.cc/sh's quoting,
// which leaves a plain word as it is).
func shellQuote(s string) string {
	q, err := syntax.Quote(s, syntax.LangBash)
	if err != nil { // a NUL byte, which no shell word can hold
		return "''"
	}
	return q
}

// yamlString quotes a scalar for YAML (a JSON string is a YAML one).
func yamlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// expr is a GitHub expression, ${{ e }}, in a template whose own
// delimiters are the same braces.
func expr(e string) string { return "${{ " + e + " }}" }

var ciFuncs = template.FuncMap{"q": yamlString, "sh": shellQuote, "expr": expr,
	"cacheMountsDir": func() string { return CacheMountsDir }}

// GitHub is a GitHub Actions workflow (.github/workflows/layerwise.yml):
// audit with the findings uploaded as SARIF, `fix --check`, the images
// built along the dependency graph with a shared cache, and the
// regression gate against the default branch with the build history kept
// between runs in the Actions cache.
func GitHub(opt CIOptions) ([]byte, error) {
	opt, err := opt.withDefaults(graphbuild.CacheGHA)
	if err != nil {
		return nil, err
	}
	return run(githubTemplate, opt)
}

// GitLab is a GitLab CI file (.gitlab-ci.yml) with the same job: the
// build cache in the project's registry by default, the history in
// GitLab's cache, the findings as SARIF and as a code quality report.
func GitLab(opt CIOptions) ([]byte, error) {
	opt, err := opt.withDefaults("registry=$CI_REGISTRY_IMAGE/layerwise-cache")
	if err != nil {
		return nil, err
	}
	return run(gitlabTemplate, opt)
}

// DefaultThreshold is the gate's default, as a flag writes it ("25%").
func DefaultThreshold() string { return fmt.Sprintf("%.0f%%", 100*trends.SlowerRatio) }

func run(t *template.Template, opt CIOptions) ([]byte, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, opt); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var githubTemplate = template.Must(template.New("github").Funcs(ciFuncs).Parse(`# Generated by ` + "`layerwise generate ci --github`" + `: audit, fix --check, the images built along
# their dependency graph with a shared cache, and the regression gate against {{.Branch}}.
# Regenerate rather than edit.
name: image builds
on:
  push:
    branches: [{{q .Branch}}]
  pull_request:
permissions:
  contents: read
  security-events: write
env:
  LAYERWISE_CACHE: {{q .Cache}}
  LAYERWISE_THRESHOLD: {{q .Threshold}}
jobs:
  layerwise:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: docker/setup-buildx-action@v3
      - name: Expose the Actions cache service to buildx (type=gha)
        uses: crazy-max/ghaction-github-runtime@v3
      # layerwise's own action: installs layerwise, audits with the findings
      # uploaded to code scanning, and fails on pending fixes
      - name: Audit, upload the findings, no fix pending
        uses: layerwise/layerwise@v1
        with:
          path: {{q .Path}}
          fail-on: none
      - name: Restore the build history
        uses: actions/cache@v4
        with:
          path: .layerwise/history.db
          key: layerwise-history-${{"{{"}} github.ref_name {{"}}"}}-${{"{{"}} github.run_id {{"}}"}}
          restore-keys: |
            layerwise-history-${{"{{"}} github.ref_name {{"}}"}}-
            layerwise-history-{{.Branch}}-
{{- if not .NoCacheMounts}}
      # What the images' RUN --mount=type=cache hold, kept outside the checkout (never in
      # a build context): restored into this job's fresh builder and saved after the build.
      # The key changes every run so that the saved state follows the compiler caches;
      # layerwise keys each image's mounts itself (lock files, branch, default branch).
      # GitHub scopes caches by ref: a pull request reads its base and the default
      # branch's caches but writes only its own, so it cannot poison the default branch's.
      - name: Restore the cache mounts (saved again after the job)
        uses: actions/cache@v4
        with:
          path: {{expr "runner.temp"}}/layerwise-cache-mounts
          key: layerwise-cache-mounts-{{expr "github.head_ref || github.ref_name"}}-{{expr .HashFiles}}-{{expr "github.run_id"}}
          restore-keys: |
            layerwise-cache-mounts-{{expr "github.head_ref || github.ref_name"}}-{{expr .HashFiles}}-
            layerwise-cache-mounts-{{expr "github.head_ref || github.ref_name"}}-
            layerwise-cache-mounts-{{expr "github.event.repository.default_branch"}}-
{{- end}}
      - name: Build along the dependency graph
{{- if .NoCacheMounts}}
        run: layerwise build {{sh .Path}}{{.ImageFlags}} --build-cache "$LAYERWISE_CACHE"
{{- else}}
        env:
          # a branch name is untrusted input: the script reads it from the environment
          LAYERWISE_CACHE_MOUNTS: {{expr "runner.temp"}}/layerwise-cache-mounts
          LAYERWISE_BRANCH: {{expr "github.head_ref || github.ref_name"}}
          LAYERWISE_DEFAULT_BRANCH: {{expr "github.event.repository.default_branch"}}
        run: >-
          layerwise build {{sh .Path}}{{.ImageFlags}} --build-cache "$LAYERWISE_CACHE"
          --cache-mounts "$LAYERWISE_CACHE_MOUNTS" --cache-mounts-branch "$LAYERWISE_BRANCH"
          --cache-mounts-default-branch "$LAYERWISE_DEFAULT_BRANCH"
{{- end}}
      - name: Regression gate against {{.Branch}}
        run: layerwise measure {{sh .Path}}{{.ImageFlags}} --scenario warm --fail-on-regression "$LAYERWISE_THRESHOLD" --baseline-branch {{sh .Branch}}
      - name: Explain the last build
        if: failure()
        run: layerwise history {{sh .Path}} --since 1d
`))

var gitlabTemplate = template.Must(template.New("gitlab").Funcs(ciFuncs).Parse(`# Generated by ` + "`layerwise generate ci --gitlab`" + `: audit, fix --check, the images built along
# their dependency graph with a shared cache, and the regression gate against the default branch.
# Regenerate rather than edit.
stages:
  - build
variables:
  LAYERWISE_CACHE: {{q .Cache}}
  LAYERWISE_THRESHOLD: {{q .Threshold}}
  DOCKER_TLS_CERTDIR: "/certs"
layerwise:
  stage: build
  image: docker:27
  services:
    - docker:27-dind
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  # GitLab keeps the caches of protected branches apart from other branches' (unless the
  # project turns that off), so a merge request cannot write the default branch's cache.
  cache:
    - key: layerwise-history-$CI_COMMIT_REF_SLUG
      fallback_keys:
        - layerwise-history-$CI_DEFAULT_BRANCH
      paths:
        - .layerwise/history.db
{{- if .LocalCache}}
        - .layerwise/cache/
{{- end}}
{{- if not .NoCacheMounts}}
    # what the images' RUN --mount=type=cache hold: restored into the job's fresh builder
    # and saved after the build (layerwise keys each image's mounts by its lock files itself)
    - key: layerwise-cache-mounts-$CI_COMMIT_REF_SLUG
      fallback_keys:
        - layerwise-cache-mounts-$CI_DEFAULT_BRANCH
      paths:
        - {{cacheMountsDir}}
{{- end}}
  before_script:
    - apk add --no-cache go git
    # static: layerwise runs itself in the builder to carry the cache mounts
    - CGO_ENABLED=0 go install github.com/layerwise/layerwise/cmd/layerwise@latest
    - export PATH="$PATH:$(go env GOPATH)/bin"
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    - docker buildx create --use --driver docker-container
  script:
    - layerwise audit {{sh .Path}} --fail-on none -o sarif > layerwise.sarif
    - layerwise audit {{sh .Path}} --fail-on none -o gitlab > gl-code-quality-report.json
    - layerwise fix {{sh .Path}} --check
    - layerwise build {{sh .Path}}{{.ImageFlags}} --build-cache "$LAYERWISE_CACHE"{{if not .NoCacheMounts}} --cache-mounts {{cacheMountsDir}} --cache-mounts-branch "$CI_COMMIT_REF_NAME" --cache-mounts-default-branch "$CI_DEFAULT_BRANCH"{{end}}
    - layerwise measure {{sh .Path}}{{.ImageFlags}} --scenario warm --fail-on-regression "$LAYERWISE_THRESHOLD" --baseline-branch "$CI_DEFAULT_BRANCH"
  artifacts:
    when: always
    paths:
      - layerwise.sarif
    reports:
      codequality: gl-code-quality-report.json
`))
