package rules

import (
	"fmt"
	"strings"
	"testing"
)

// A hostile package.json: scripts that run each other many times. Each
// script is read once, so this ends at once; read per call, it is 40^5
// reads (found by review: 75 s at four levels of 80).
func TestStartScriptsReadOnce(t *testing.T) {
	scripts := map[string]string{"start": strings.Repeat("npm run a && ", 39) + "npm run a"}
	for i, n := range []string{"a", "b", "c", "d"} {
		next := []string{"b", "c", "d", "e"}[i]
		scripts[n] = strings.Repeat("npm run "+next+" && ", 39) + "npm run " + next
	}
	scripts["e"] = "node server.js"
	sc := &startCheck{scripts: scripts, deps: nodeDependencies{prod: map[string]bool{}, dev: map[string]bool{"vite": true}}, seen: map[string]bool{}}
	if why := sc.argv([]string{"npm", "start"}, 0); why != "" {
		t.Fatalf("refused: %s", why)
	}
	scripts["e"] = "vite preview"
	sc.seen = map[string]bool{}
	if why := sc.argv([]string{"npm", "start"}, 0); !strings.Contains(why, "vite") {
		t.Fatalf("the development dependency at the bottom was not found: %q", why)
	}
}

// A file of a million type-only imports is read in one pass (the look back
// for `import type` is bounded: found by review, 22 s for 1 MB before).
func TestTypeOnlyImportsLinear(t *testing.T) {
	src := strings.Repeat("import type {A} from 'typescript'\n", 30000) + "import { b } from 'typescript'\n"
	in := inputWithContext(t, map[string]string{
		"Dockerfile":   "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n",
		"package.json": `{"devDependencies":{"typescript":"5"}}`,
		"server.js":    src,
	})
	deps, why := in.nodeDeps("")
	if why != "" {
		t.Fatal(why)
	}
	got := in.sourcesImportDev("", deps)
	if !strings.Contains(got, "server.js imports typescript") {
		t.Errorf("the value import after the type-only ones: %q", got)
	}
}

func TestPackageOf(t *testing.T) {
	for spec, want := range map[string]string{
		"react": "react", "react-dom/client": "react-dom", "@tanstack/react-query": "@tanstack/react-query", "@scope/pkg/sub": "@scope/pkg",
		"./x": "", "../x": "", "/abs": "", "node:fs": "", "#internal": "", "@/components/x": "",
	} {
		if got := packageOf(spec); got != want {
			t.Errorf("packageOf(%q) = %q, want %q", spec, got, want)
		}
	}
	for tag, want := range map[string]string{"node:14-alpine": "14 true", "node:erbium-slim": "12 true", "node:20": "20 true", "node:lts": "0 false", "node": "0 false"} {
		v, ok := nodeMajor(tag)
		if got := fmt.Sprintf("%d %v", v, ok); got != want {
			t.Errorf("nodeMajor(%q) = %s, want %s", tag, got, want)
		}
	}
}

// A browser downloader only the tests use goes with the prune; one the
// service needs refuses the runtime stage.
func TestLockInstallsForRuntime(t *testing.T) {
	lock := []byte(`{"packages":{"":{},"node_modules/cypress":{"dev":true},"node_modules/express":{},"node_modules/puppeteer-core":{}}}`)
	if got := lockInstallsForRuntime(lock, "cypress"); got != "" {
		t.Errorf("a devDependency's downloader: %q", got)
	}
	if got := lockInstallsForRuntime(lock, "puppeteer"); got != "puppeteer-core" {
		t.Errorf("a run-time downloader: %q", got)
	}
	if got := lockInstallsForRuntime([]byte("not json node_modules/playwright"), "playwright"); got != "playwright" {
		t.Errorf("an unreadable lockfile is read as text: %q", got)
	}
}
