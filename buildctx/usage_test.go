package buildctx

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

func TestReach(t *testing.T) {
	cases := []struct {
		src     string
		exclude []string
		yes, no []string
	}{
		{".", nil, []string{"a", "src/x.go", "src"}, nil},
		{"./", nil, []string{"a"}, nil},
		{"/src/", nil, []string{"src/x.go", "src", "src/deep/y"}, []string{"srcx/a", "a"}},
		{"package*.json", nil, []string{"package.json", "package-lock.json"}, []string{"web/package.json", "pkg.json"}},
		{"src/*.go", nil, []string{"src/a.go"}, []string{"src/sub/b.go", "a.go", "src/a.js"}},
		// "*/" cleans to "*": directories are copied whole, and top-level
		// files match too (filepath.Match("*", "top-file"), as in BuildKit)
		{"*/", nil, []string{"src/a.go", "docs/x", "top-file"}, nil},
		{"cmd/*/main.go", nil, []string{"cmd/api/main.go"}, []string{"cmd/main.go", "cmd/api/x/main.go"}},
		{"conf/[ab].yml", nil, []string{"conf/a.yml"}, []string{"conf/c.yml"}},
		{"src", []string{"*.md", "test/"}, []string{"src/a.go", "src/sub/a.go"}, []string{"src/README.md", "src/test/x.go"}},
		{".", []string{"**/*_test.go"}, []string{"a.go", "p/a.go"}, []string{"a_test.go", "p/a_test.go"}},
	}
	for _, tc := range cases {
		r, err := newReach(Source{Pattern: tc.src, Excludes: tc.exclude})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tc.yes {
			if !r.matches(p) {
				t.Errorf("COPY %s (exclude %v) should reach %s", tc.src, tc.exclude, p)
			}
		}
		for _, p := range tc.no {
			if r.matches(p) {
				t.Errorf("COPY %s (exclude %v) should not reach %s", tc.src, tc.exclude, p)
			}
		}
	}
}

func TestUsage(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, []string{"package.json", "package-lock.json", "src/index.js", "node_modules/x/index.js", "README.md", "docs/a.md"})
	w, err := WalkContext(context.Background(), root, WalkOptions{Patterns: []string{"node_modules"}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := ComputeUsage(w, []Source{{Pattern: "package*.json"}, {Pattern: "src/"}, {Pattern: "missing.txt", Where: "Dockerfile:4"}, {Pattern: "node_modules"}})
	if err != nil {
		t.Fatal(err)
	}
	var unused []string
	for _, e := range u.Unused {
		unused = append(unused, e.Path)
	}
	sort.Strings(unused)
	if !reflect.DeepEqual(unused, []string{"README.md", "docs/a.md"}) || u.UsedFiles != 3 || u.UnusedFiles != 2 {
		t.Errorf("unused %q used %d", unused, u.UsedFiles)
	}
	if len(u.Unmatched) != 2 || u.Unmatched[0].Pattern != "missing.txt" || u.Unmatched[1].Pattern != "node_modules" {
		t.Errorf("unmatched %+v", u.Unmatched)
	}
	if u.UsedBytes+u.UnusedBytes != w.Bytes {
		t.Errorf("bytes do not add up: %d + %d != %d", u.UsedBytes, u.UnusedBytes, w.Bytes)
	}
	// a source with an unresolved variable makes unused undecidable
	u2, _ := ComputeUsage(w, []Source{{Pattern: "apps/$APP"}})
	if !u2.Undecidable || u2.UnusedFiles != 0 {
		t.Errorf("undecidable: %+v", u2)
	}
}

func TestAnalyzeReportsHeavySensitiveLargest(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, []string{
		"src/app.py", ".env", ".env.example", "certs/server.key", "deploy/id_rsa", ".aws/credentials",
		// ECS task definitions in a .aws directory hold no credentials (review 24)
		".github/.aws/task-definition.json",
		".git/objects/pack/p.pack", "node_modules/a/b.js", "build", "state/prod.tfstate",
		// a library's files the application serves (review 13: coolstore's
		// wwwroot/lib/bootstrap/dist), not a build's output
		"wwwroot/lib/bootstrap/dist/css/bootstrap.css",
	})
	writeFile(t, filepath.Join(root, ".env"), "STRIPE_SECRET=sk_live_x\n")
	writeFile(t, filepath.Join(root, ".npmrc"), "//registry.npmjs.org/:_authToken=abc\n")
	writeFile(t, filepath.Join(root, "sub/.npmrc"), "save-exact=true\n")
	writeFile(t, filepath.Join(root, "big.bin"), string(make([]byte, 5000)))
	rep, err := Analyze(context.Background(), root, AnalyzeOptions{Sources: []Source{{Pattern: "src"}}, Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	var sens []string
	for _, s := range rep.Sensitive {
		sens = append(sens, s.Path)
	}
	want := []string{".aws/", ".env", ".git/", ".npmrc", "certs/server.key", "deploy/id_rsa", "state/prod.tfstate"}
	if !reflect.DeepEqual(sens, want) {
		t.Errorf("sensitive = %q\nwant %q", sens, want)
	}
	var heavy []string
	for _, h := range rep.Heavy {
		heavy = append(heavy, h.Path)
	}
	// "build" is a file here, not a directory
	if len(heavy) != 2 || !contains(heavy, ".git") || !contains(heavy, "node_modules") {
		t.Errorf("heavy = %q", heavy)
	}
	if len(rep.LargestFiles) != 3 || rep.LargestFiles[0].Path != "big.bin" {
		t.Errorf("largest files = %+v", rep.LargestFiles)
	}
	if rep.Usage.UsedFiles != 1 || rep.UnusedDirs[0].Path != "big.bin" {
		t.Errorf("usage %+v unused dirs %+v", rep.Usage, rep.UnusedDirs)
	}
}

func TestDockerfileSpecificIgnoreWins(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, []string{"a", "b", "df/"})
	writeFile(t, filepath.Join(root, ".dockerignore"), "a\n")
	df := filepath.Join(root, "df", "api.Dockerfile")
	writeFile(t, df, "FROM scratch\n")
	ign, err := FindIgnoreFile(root, df)
	if err != nil || ign.DockerfileSpecific || !reflect.DeepEqual(ign.Patterns, []string{"a"}) {
		t.Fatalf("without a specific file: %+v %v", ign, err)
	}
	writeFile(t, df+".dockerignore", "# only b\nb\n")
	ign, err = FindIgnoreFile(root, df)
	if err != nil || !ign.DockerfileSpecific || !reflect.DeepEqual(ign.Patterns, []string{"b"}) {
		t.Fatalf("with a specific file: %+v %v", ign, err)
	}
}

func TestPruneAndMeasureExcluded(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, []string{"node_modules/a/x.js", "node_modules/b/y.js", "src/a.go", "docs/keep.md", "docs/drop.txt"})
	w, err := WalkContext(context.Background(), root, WalkOptions{Patterns: []string{"node_modules", "docs", "!docs/keep.md"}})
	if err != nil {
		t.Fatal(err)
	}
	// node_modules is pruned unread; docs must be read (an exception points inside)
	if !reflect.DeepEqual(w.PrunedDirs, []string{"node_modules"}) || w.ExcludedFiles != 1 {
		t.Errorf("pruned %q excluded files %d", w.PrunedDirs, w.ExcludedFiles)
	}
	w2, err := WalkContext(context.Background(), root, WalkOptions{Patterns: []string{"node_modules", "docs", "!docs/keep.md"}, MeasureExcluded: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(w2.PrunedDirs) != 0 || w2.ExcludedFiles != 3 || w2.Files != w.Files {
		t.Errorf("measure-excluded: pruned %q excluded %d files %d/%d", w2.PrunedDirs, w2.ExcludedFiles, w2.Files, w.Files)
	}
}

func TestWalkFaults(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, []string{"ok.txt", "loop -> loop", "dangling -> /nowhere", "selfdir -> ."})
	w, err := WalkContext(context.Background(), root, WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// symlinks are sent as links, never followed (a loop cannot hang us)
	if w.Files != 4 || len(w.Warnings) != 0 {
		t.Errorf("files %d warnings %q", w.Files, w.Warnings)
	}
	if _, err := WalkContext(context.Background(), filepath.Join(root, "ok.txt"), WalkOptions{}); err == nil {
		t.Errorf("a file as context should be an error")
	}
	if _, err := WalkContext(context.Background(), filepath.Join(root, "missing"), WalkOptions{}); err == nil {
		t.Errorf("a missing context should be an error")
	}
	if _, err := WalkContext(context.Background(), root, WalkOptions{Patterns: []string{"[a-"}}); err == nil {
		t.Errorf("a bad pattern should be an error")
	}
	// an unreadable directory is a warning (only testable when not root)
	if os.Geteuid() != 0 {
		makeTree(t, root, []string{"locked/x"})
		os.Chmod(filepath.Join(root, "locked"), 0)
		defer os.Chmod(filepath.Join(root, "locked"), 0o755)
		w, err := WalkContext(context.Background(), root, WalkOptions{})
		if err != nil || len(w.Warnings) != 1 {
			t.Errorf("unreadable dir: %v %q", err, w.Warnings)
		}
	}
}

func TestWalkCancel(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, []string{"a/b/c"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := WalkContext(ctx, root, WalkOptions{}); err == nil {
		t.Errorf("cancelled walk should fail")
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
