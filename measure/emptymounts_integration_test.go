package measure

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
	"github.com/layerwise/layerwise/engine/buildx"
	"github.com/layerwise/layerwise/fix"
	"github.com/layerwise/layerwise/graphbuild"
	"github.com/layerwise/layerwise/internal/testengine"
)

// TestFixedExamplesBuildWithEmptyMounts: a cache mount may be empty at any
// build — every fresh CI builder, and a local builder whose garbage
// collector evicted the mounts but kept the layers. So every image of the
// shipped examples, after layerwise fix, is built (prime), its builder's
// cache mounts pruned (`docker buildx prune --filter type=exec.cachemount`),
// a source file changed, and built again: the rebuild must succeed with
// the layers cached and the mounts empty (issue 22).
func TestFixedExamplesBuildWithEmptyMounts(t *testing.T) {
	testengine.RequireExampleBaseImages(t)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	root := filepath.Join(t.TempDir(), "examples")
	if err := CopyTree(filepath.Join("..", "examples"), root); err != nil {
		t.Fatal(err)
	}
	exclude := []string{"**/Dockerfile.expert"}
	disc, err := discover.Discover(ctx, root, discover.Options{Exclude: exclude})
	if err != nil {
		t.Fatal(err)
	}
	fr, err := fix.Run(ctx, disc, fix.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fr.Files {
		// the copy's files are hard links to the repository's: replace
		// them (a new inode), never write through them
		write := func() error { return os.WriteFile(f.Abs, f.After, 0o644) }
		if f.Before != nil {
			write = func() error { return replaceFile(f.Abs, f.After) }
		}
		if err := write(); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range fr.Files {
		if f.Before == nil {
			continue
		}
		rel, _ := filepath.Rel(root, f.Abs)
		if got, err := os.ReadFile(filepath.Join("..", "examples", rel)); err != nil || string(got) != string(f.Before) {
			t.Fatalf("the repository's examples/%s changed: writing the copy went through to it", rel)
		}
	}
	if disc, err = discover.Discover(ctx, root, discover.Options{Exclude: exclude}); err != nil {
		t.Fatal(err)
	}
	b := buildx.New("")
	for _, im := range disc.Images {
		if im.Model == nil {
			continue
		}
		t.Run(im.Name, func(t *testing.T) {
			if err := BuildDeps(ctx, b, disc, []*discover.Image{im}, nil); err != nil {
				t.Fatal(err)
			}
			contexts, err := graphbuild.Contexts(disc, im)
			if err != nil {
				t.Fatal(err)
			}
			tag := "layerwise-test/empty-mounts-" + graphbuild.Sanitize(im.Name) + ":latest"
			req := engine.Request{ContextDir: im.AbsContext(), Dockerfile: im.AbsDockerfile(), Target: im.Target, BuildArgs: im.Args, Contexts: contexts, Tag: tag}
			defer exec.Command("docker", "rmi", "-f", tag).Run()
			if res, err := b.Build(ctx, req); err != nil || res.Failed() {
				t.Fatalf("prime build: %v %s", err, failed(res))
			}
			if out, err := exec.CommandContext(ctx, "docker", "buildx", "prune", "-f", "--filter", "type=exec.cachemount").CombinedOutput(); err != nil {
				t.Fatalf("pruning the cache mounts: %v\n%s", err, out)
			}
			source, _, err := chooseFiles(ctx, im.AbsContext(), im.AbsDockerfile(), im.Model)
			if err != nil {
				t.Fatal(err)
			}
			// an image that copies no source (the shared base) is rebuilt
			// as it is: its cached layers with empty mounts
			if source != "" {
				if err := touch(filepath.Join(im.AbsContext(), filepath.FromSlash(source)), 1); err != nil {
					t.Fatal(err)
				}
			}
			res, err := b.Build(ctx, req)
			if err != nil || res.Failed() {
				t.Fatalf("the rebuild after %s changed, with the mounts empty: %v %s", source, err, failed(res))
			}
			if res.CachedSteps == 0 {
				t.Errorf("the rebuild should start from the cached layers: %d of %d steps cached", res.CachedSteps, res.CountedSteps)
			}
		})
	}
}

func failed(res *engine.Result) string {
	if res == nil {
		return ""
	}
	return failure(res)
}
