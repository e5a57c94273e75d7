package discover

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/layerwise/layerwise/internal/testengine"
	"github.com/layerwise/layerwise/internal/testfs"
)

// hostileRepo makes top/repo (returned) beside top/outside, which holds a
// secret the repository's files must never make layerwise read.
func hostileRepo(t *testing.T, files map[string]string) (root, outside string) {
	t.Helper()
	top := t.TempDir()
	root, outside = filepath.Join(top, "repo"), filepath.Join(top, "outside")
	testfs.Write(t, outside, map[string]string{
		"Dockerfile": "FROM scratch\nLABEL secret=SECRET-OUTSIDE-42\n",
		"secret.env": "TOKEN=SECRET-OUTSIDE-42\n",
		"id_rsa":     "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET-OUTSIDE-42\n",
	})
	testfs.Write(t, root, files)
	return root, outside
}

func discoverWithin(t *testing.T, root string) *Repo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := Discover(ctx, root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// noSecret fails when anything discovery returns holds what lies outside.
func noSecret(t *testing.T, res *Repo) {
	t.Helper()
	data, _ := json.Marshal(res)
	for _, im := range res.Images {
		if im.Model != nil {
			data = append(data, strings.Join(im.Model.Lines, "\n")...)
		}
	}
	if strings.Contains(string(data), "SECRET-OUTSIDE-42") {
		t.Errorf("discovery read a file outside the repository: %s", data)
	}
}

// TestUnitComposePathsOutsideTheRepository: issue 27 item 1. A compose file
// is input a pull request can change: a Dockerfile, context or named
// context it names outside the repository (directly, or through a symlink
// committed in it) is neither read nor walked, and the image's error names
// the compose file, the field, where the path points and what to do.
func TestUnitComposePathsOutsideTheRepository(t *testing.T) {
	cases := []struct {
		name, build, field, points string
		links                      map[string]string // symlink -> target, relative to root
	}{
		{name: "proc-environ", build: "context: .\n      dockerfile: /proc/self/environ", field: "dockerfile", points: "/proc/"},
		{name: "etc-passwd", build: "context: .\n      dockerfile: ../../../../../../../../etc/passwd", field: "dockerfile", points: "/etc/passwd"},
		{name: "dockerfile-beside", build: "context: .\n      dockerfile: ../outside/Dockerfile", field: "dockerfile", points: "outside/Dockerfile"},
		{name: "context-etc", build: "context: ../../../../../../../../etc", field: "context", points: "/etc"},
		{name: "context-beside", build: "context: ../outside", field: "context", points: "outside"},
		{name: "symlinked-context", build: "context: ext", field: "context", points: "outside", links: map[string]string{"ext": "../outside"}},
		{name: "symlinked-dockerfile", build: "context: svc", field: "dockerfile", points: "outside/Dockerfile", links: map[string]string{"svc/Dockerfile": "../../outside/Dockerfile"}},
		{name: "named-context", build: "context: .\n      additional_contexts:\n        keys: ../outside", field: "contexts.keys", points: "outside"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, _ := hostileRepo(t, map[string]string{
				"docker-compose.yml": "services:\n  web:\n    build:\n      " + c.build + "\n",
				"Dockerfile":         "FROM scratch\nCOPY . /\n",
				"svc/app.txt":        "x",
			})
			for l, target := range c.links {
				if err := os.Symlink(target, filepath.Join(root, l)); err != nil {
					t.Fatal(err)
				}
			}
			res := discoverWithin(t, root)
			noSecret(t, res)
			im := byName(res)["web"]
			if im == nil {
				t.Fatalf("no image web: %v", names(res))
			}
			if im.Refused == "" || im.Model != nil || im.Error == nil {
				t.Fatalf("web not refused: refused %q, error %v", im.Refused, im.Error)
			}
			msg := im.Error.Error()
			for _, want := range []string{"docker-compose.yml", "services.web.build." + c.field, c.points, "outside the repository", "inside the repository"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not say %q", msg, want)
				}
			}
		})
	}
}

// TestUnitComposeSymlinksInsideTheRepository: symlinks that stay inside
// the repository are followed as before.
func TestUnitComposeSymlinksInsideTheRepository(t *testing.T) {
	root, _ := hostileRepo(t, map[string]string{
		"docker-compose.yml": "services:\n  web:\n    build:\n      context: app\n",
		"common/Dockerfile":  "FROM scratch\nCOPY . /\n",
		"app/main.go":        "package main\n",
	})
	if err := os.Symlink("../common/Dockerfile", filepath.Join(root, "app", "Dockerfile")); err != nil {
		t.Fatal(err)
	}
	im := byName(discoverWithin(t, root))["web"]
	if im == nil || im.Refused != "" || im.Model == nil {
		t.Fatalf("an inside symlink was refused: %+v", im)
	}
}

// TestUnitComposeEnvFilesOutsideOrSpecial: the project's .env and the
// compose files are read only when they are regular files inside the
// repository; the services' env_file is never read (builds do not use it),
// so neither a secret beside the repository nor a FIFO reaches discovery.
func TestUnitComposeEnvFilesOutsideOrSpecial(t *testing.T) {
	t.Run("dotenv-symlink", func(t *testing.T) {
		root, outside := hostileRepo(t, map[string]string{
			"docker-compose.yml": "services:\n  web:\n    build:\n      context: .\n      args:\n        T: ${TOKEN:-unset}\n",
			"Dockerfile":         "FROM scratch\n",
		})
		os.Symlink(filepath.Join(outside, "secret.env"), filepath.Join(root, ".env"))
		res := discoverWithin(t, root)
		noSecret(t, res)
		if im := byName(res)["web"]; im == nil || im.Args["T"] != "unset" {
			t.Fatalf("web: %+v", im)
		}
		if !strings.Contains(strings.Join(res.Warnings, "\n"), ".env") {
			t.Errorf("no warning names .env: %q", res.Warnings)
		}
	})
	t.Run("env_file-fifo-and-outside", func(t *testing.T) {
		root, outside := hostileRepo(t, map[string]string{
			"docker-compose.yml": "services:\n  web:\n    build: .\n    env_file: [pipe.env, " + filepath.Join("..", "outside", "secret.env") + "]\n",
			"Dockerfile":         "FROM scratch\n",
		})
		_ = outside
		if err := syscall.Mkfifo(filepath.Join(root, "pipe.env"), 0o644); err != nil {
			t.Fatal(err)
		}
		res := discoverWithin(t, root)
		noSecret(t, res)
		if im := byName(res)["web"]; im == nil || im.Model == nil {
			t.Fatalf("web: %+v (failed %q)", im, res.Failed)
		}
	})
	t.Run("override-symlink", func(t *testing.T) {
		root, outside := hostileRepo(t, map[string]string{
			"docker-compose.yml": "services:\n  web:\n    build: .\n",
			"Dockerfile":         "FROM scratch\n",
		})
		os.Symlink(filepath.Join(outside, "id_rsa"), filepath.Join(root, "docker-compose.override.yml"))
		res := discoverWithin(t, root)
		noSecret(t, res)
		if f := strings.Join(res.Failed, "\n"); !strings.Contains(f, "docker-compose.override.yml") || !strings.Contains(f, "outside the repository") {
			t.Errorf("failed %q does not name the override and why", res.Failed)
		}
	})
}

// TestBakePathsOutsideTheRepository: item 1 for bake files (through the
// real buildx): a target whose Dockerfile or context lies outside the
// repository is refused like a compose service, and a bake file committed
// as a symlink out of the repository is not handed to buildx.
func TestBakePathsOutsideTheRepository(t *testing.T) {
	testengine.Require(t)
	root, outside := hostileRepo(t, map[string]string{
		"docker-bake.hcl": `group "default" { targets = ["df", "ctx"] }
target "df" {
  context    = "."
  dockerfile = "../outside/Dockerfile"
}
target "ctx" { context = "../outside" }
`,
		"Dockerfile": "FROM scratch\n",
	})
	res := discoverWithin(t, root)
	noSecret(t, res)
	for _, c := range []struct{ name, field string }{{"df", "target.df.dockerfile"}, {"ctx", "target.ctx.context"}} {
		im := byName(res)[c.name]
		if im == nil || im.Refused == "" || !strings.Contains(im.Refused, c.field) || !strings.Contains(im.Refused, "outside the repository") {
			t.Errorf("%s: %+v", c.name, im)
		}
	}

	root2, _ := hostileRepo(t, map[string]string{"docker-bake.hcl": "target \"app\" {}\n", "Dockerfile": "FROM scratch\n"})
	os.Symlink(filepath.Join(outside, "Dockerfile"), filepath.Join(root2, "docker-bake.override.hcl"))
	res = discoverWithin(t, root2)
	noSecret(t, res)
	if f := strings.Join(res.Failed, "\n"); !strings.Contains(f, "docker-bake.override.hcl") || !strings.Contains(f, "outside the repository") {
		t.Errorf("failed %q", res.Failed)
	}
}

// TestUnitComposeIncludeAndExtendsOutside: compose files a compose file
// includes or extends are checked before compose-go reads them: one
// outside the repository (or behind a variable) loads nothing, and the
// failure names the file and the field; inside, they load as before.
func TestUnitComposeIncludeAndExtendsOutside(t *testing.T) {
	outsideCompose := "services:\n  sec:\n    build:\n      context: .\n      args:\n        X: SECRET-OUTSIDE-42\n"
	for _, c := range []struct{ name, compose, want string }{
		{"include", "include:\n  - ../outside/compose.yml\nservices:\n  web:\n    build: .\n", "include[0].path"},
		{"include-long", "include:\n  - path: [../outside/compose.yml]\nservices:\n  web:\n    build: .\n", "include[0].path"},
		{"nested-include", "include:\n  - sub/compose.yml\nservices:\n  web:\n    build: .\n", "sub/compose.yml: include[0].path"},
		{"extends", "services:\n  web:\n    build: .\n    extends:\n      file: ../outside/compose.yml\n      service: sec\n", "services.web.extends.file"},
		{"variable", "include:\n  - ${WHERE:-../outside}/compose.yml\nservices:\n  web:\n    build: .\n", "holds a variable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root, outside := hostileRepo(t, map[string]string{
				"docker-compose.yml": c.compose,
				"Dockerfile":         "FROM scratch\n",
				"sub/compose.yml":    "include:\n  - ../../outside/compose.yml\n",
			})
			testfs.Write(t, outside, map[string]string{"compose.yml": outsideCompose})
			res := discoverWithin(t, root)
			noSecret(t, res)
			if f := strings.Join(res.Failed, "\n"); !strings.Contains(f, c.want) {
				t.Errorf("failed %q does not say %q", res.Failed, c.want)
			}
		})
	}
	root, _ := hostileRepo(t, map[string]string{
		"docker-compose.yml": "include:\n  - sub/compose.yml\nservices:\n  web:\n    build: .\n    extends:\n      file: base.yml\n      service: base\n",
		"base.yml":           "services:\n  base:\n    image: example/base\n",
		"sub/compose.yml":    "services:\n  sub:\n    build: .\n",
		"sub/Dockerfile":     "FROM scratch\n",
		"Dockerfile":         "FROM scratch\n",
	})
	res := discoverWithin(t, root)
	if len(res.Failed) > 0 || byName(res)["sub"] == nil || byName(res)["web"] == nil {
		t.Errorf("includes inside the repository: failed %q, images %v", res.Failed, names(res))
	}
}
