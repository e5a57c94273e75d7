package ephemeral

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	"golang.org/x/sync/errgroup"
)

// PullResult is what pulling one image onto the job's builder took.
type PullResult struct {
	Wall time.Duration
	// Bytes are the layer bytes downloaded (BuildKit's download progress:
	// layers the builder already held are not downloaded again).
	Bytes int64
	// Layers is how many layers were downloaded.
	Layers int
}

// Pull brings ref onto the job's buildkitd as a machine that runs it
// would: every layer downloaded, decompressed and unpacked into the
// snapshotter. BuildKit fetches layers lazily, only when a step needs the
// image's files, so the solve makes one directory in the image: that
// mounts its root filesystem, which needs every layer unpacked. Nothing is
// exported.
func (j *Job) Pull(ctx context.Context, ref string) (*PullResult, error) {
	c, err := client.New(ctx, j.Daemon.Addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	def, err := llb.Image(ref).File(llb.Mkdir("/.layerwise-pull", 0o755)).Marshal(ctx)
	if err != nil {
		return nil, err
	}
	ch := make(chan *client.SolveStatus)
	downloads := map[string]int64{}
	start := time.Now()
	eg, egctx := errgroup.WithContext(ctx)
	eg.Go(func() error {
		_, err := c.Solve(egctx, def, client.SolveOpt{}, ch)
		return err
	})
	eg.Go(func() error {
		for st := range ch {
			for _, s := range st.Statuses {
				// a layer's download is reported under its digest
				if strings.HasPrefix(s.ID, "sha256:") && s.Total > 0 {
					downloads[s.ID] = s.Total
				}
			}
		}
		return nil
	})
	if err := eg.Wait(); err != nil {
		return nil, fmt.Errorf("pulling %s: %w", ref, err)
	}
	res := &PullResult{Wall: time.Since(start), Layers: len(downloads)}
	for _, n := range downloads {
		res.Bytes += n
	}
	return res, nil
}
