// Package cachemount carries the content of an image's RUN
// --mount=type=cache directories from one builder to the next, which
// BuildKit never does (moby/buildkit#1474): on a CI job's fresh builder
// they start empty.
//
// Save and Restore are ordinary Dockerfile builds on any engine.Builder,
// which layerwise writes into a private temp directory: FROM scratch, the
// layerwise executable (static) copied in, and one RUN in exec form whose
// --mount=type=cache flag is the user's own (the same id, sharing, uid,
// gid and mode, under BUILDKIT_CACHE_MOUNT_NS when the image sets it), so
// BuildKit hands it the very cache the image's builds use. The RUN runs
// the hidden `layerwise cache-mount-helper`, which packs the mount into a
// tar (save: the build exports it as a local file) or unpacks one that it
// reads through a bind mount of the temp context (restore: no layer is
// made). The user's images need no shell, tar or cp. A nonce build arg
// keeps BuildKit from serving either RUN from its cache.
//
// Entries are keyed like a CI cache, per image and mount: the digest of
// the context's lock files, then the branch, then the default branch; a
// save writes only the current branch's keys, so a pull request never
// changes what the default branch restores.
package cachemount

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/engine"
)

// DefaultMaxSize caps each entry (the mount's file bytes before
// compression).
const DefaultMaxSize int64 = 2 << 30

// Options tune Save and Restore.
type Options struct {
	// Helper is a static Linux layerwise executable to run in the builder
	// (default: this executable, which must be one: CGO_ENABLED=0).
	Helper string
	// Branch is the current branch: saves write only its namespace.
	// DefaultBranch's entries are restored when the branch has none.
	// An empty Branch is "detached", never the default branch's.
	Branch, DefaultBranch string
	// MaxSize caps each entry (default DefaultMaxSize): the newest files
	// are kept, the oldest past the cap dropped.
	MaxSize int64
	// Log receives a line per mount; may be nil.
	Log io.Writer
}

func (o Options) branch() string {
	if o.Branch == "" {
		return "detached"
	}
	return o.Branch
}

func (o Options) maxSize() int64 {
	if o.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return o.MaxSize
}

// Report is what Restore and Save did for one image.
type Report struct {
	Image         string `json:"image"`
	Store         string `json:"store"`
	Branch        string `json:"branch"`
	DefaultBranch string `json:"defaultBranch,omitempty"`
	// LockDigest is the digest of the context's lock files (LockFiles);
	// "" when it has none (no lock key then).
	LockDigest string   `json:"lockDigest,omitempty"`
	LockFiles  []string `json:"lockFiles,omitempty"`
	// MaxBytes is the cap of each entry.
	MaxBytes     int64          `json:"maxBytes"`
	Mounts       []*MountReport `json:"mounts"`
	NotPersisted []NotPersisted `json:"notPersisted,omitempty"`
	// Error is what stopped every mount (no usable helper).
	Error string `json:"error,omitempty"`
}

// MountReport is one cache mount of the image.
type MountReport struct {
	Mount   Mount          `json:"mount"`
	Restore *RestoreReport `json:"restore,omitempty"`
	Save    *SaveReport    `json:"save,omitempty"`
}

// RestoreReport is one mount's restore.
type RestoreReport struct {
	// Key is the entry restored, nil on a miss; Tried lists the keys
	// looked up, closest first.
	Key   *Key     `json:"key,omitempty"`
	Tried []string `json:"tried"`
	// Files and Bytes were written into the mount; ArchiveBytes is the
	// entry's compressed size (what the store sent).
	Files        int64 `json:"files"`
	Bytes        int64 `json:"bytes"`
	ArchiveBytes int64 `json:"archiveBytes"`
	// Digest is the restored content's, as Save computes it.
	Digest string `json:"digest,omitempty"`
	// Skipped says why nothing was written (the mount held files).
	Skipped string `json:"skipped,omitempty"`
	// FetchSeconds: from the store; BuildSeconds: the restore build.
	FetchSeconds float64 `json:"fetchSeconds"`
	BuildSeconds float64 `json:"buildSeconds"`
	Error        string  `json:"error,omitempty"`
}

// Hit reports whether an entry was restored.
func (r *RestoreReport) Hit() bool {
	return r != nil && r.Key != nil && r.Error == "" && r.Skipped == ""
}

// SaveReport is one mount's save.
type SaveReport struct {
	Keys []string `json:"keys,omitempty"`
	// Files and Bytes were kept; DroppedFiles and DroppedBytes left out
	// by the cap (MaxBytes), the least recently modified first.
	Files        int64 `json:"files"`
	Bytes        int64 `json:"bytes"`
	DroppedFiles int64 `json:"droppedFiles,omitempty"`
	DroppedBytes int64 `json:"droppedBytes,omitempty"`
	MaxBytes     int64 `json:"maxBytes"`
	ArchiveBytes int64 `json:"archiveBytes,omitempty"`
	// Unchanged: the mount held what was restored: nothing was stored.
	// Empty: the mount held nothing: nothing was stored.
	Unchanged    bool    `json:"unchanged,omitempty"`
	Empty        bool    `json:"empty,omitempty"`
	BuildSeconds float64 `json:"buildSeconds"`
	StoreSeconds float64 `json:"storeSeconds"`
	Error        string  `json:"error,omitempty"`
}

// Plan is the image's mounts and keys, without building: the report
// Restore and Save fill in.
func Plan(ctx context.Context, im *discover.Image, store Store, opt Options) (*Report, error) {
	if im.Model == nil {
		return nil, fmt.Errorf("%s: its Dockerfile could not be read or parsed", im.Name)
	}
	rep := &Report{Image: im.Name, Store: store.String(), Branch: opt.branch(), DefaultBranch: opt.DefaultBranch, MaxBytes: opt.maxSize()}
	mounts, skipped := Mounts(im.Model, im.Target, im.Args)
	rep.NotPersisted = skipped
	for _, m := range mounts {
		rep.Mounts = append(rep.Mounts, &MountReport{Mount: m})
	}
	if len(mounts) == 0 {
		return rep, nil
	}
	df := im.AbsDockerfile()
	if im.DockerfileInline != "" {
		df = ""
	}
	d, files, err := LockDigest(ctx, im.AbsContext(), df)
	if err != nil {
		return nil, fmt.Errorf("%s: the lock files of its context: %w", im.Name, err)
	}
	rep.LockDigest, rep.LockFiles = d, files
	return rep, nil
}

// Restore fills the image's cache mounts on the builder from the store,
// each from its closest key. A mount that fails is reported (its Error)
// and the others go on: a cache never fails a build. The error is for
// what stops every mount (no usable helper, cancelled).
func Restore(ctx context.Context, b engine.Builder, im *discover.Image, store Store, opt Options) (*Report, error) {
	rep, err := Plan(ctx, im, store, opt)
	if err != nil || len(rep.Mounts) == 0 {
		return rep, err
	}
	helper, err := helperPath(opt)
	if err != nil {
		rep.Error = err.Error()
		return rep, err
	}
	eachMount(rep.Mounts, func(mr *MountReport) {
		rr := &RestoreReport{}
		mr.Restore = rr
		if err := restoreOne(ctx, b, im, store, opt, rep, mr, helper); err != nil {
			rr.Error = err.Error()
		}
	})
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	for _, mr := range rep.Mounts {
		logf(opt.Log, "%s: cache mount %s: %s", im.Name, mr.Mount.Label(), mr.Restore.summary())
	}
	return rep, nil
}

// eachMount runs f for every mount of an image at once: each is a small
// build of its own on the same builder (its helper's context sent, its
// entry packed or unpacked), which BuildKit runs side by side; a CI job
// waits for the slowest, not for the sum.
func eachMount(mounts []*MountReport, f func(*MountReport)) {
	var wg sync.WaitGroup
	for _, mr := range mounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(mr)
		}()
	}
	wg.Wait()
}

// mountLocks serialize this process's helper builds over one mount
// identity: images that share a mount (as BuildKit shares it) are built
// side by side, and two restores must not unpack into it at once (the
// second finds it full and keeps it).
var mountLocks sync.Map // identity -> *sync.Mutex

func lockMount(m Mount) func() {
	mu, _ := mountLocks.LoadOrStore(m.Identity(), &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	return mu.(*sync.Mutex).Unlock
}

func restoreOne(ctx context.Context, b engine.Builder, im *discover.Image, store Store, opt Options, rep *Report, mr *MountReport, helper string) error {
	rr := mr.Restore
	defer lockMount(mr.Mount)()
	dir, err := os.MkdirTemp("", "layerwise-cachemount-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		return err
	}
	entry := filepath.Join(in, entryName)
	start := time.Now()
	for _, k := range RestoreKeys(im.Name, mr.Mount, rep.Branch, rep.DefaultBranch, rep.LockDigest) {
		rr.Tried = append(rr.Tried, k.Name)
		found, err := store.Get(ctx, k.Name, entry)
		if err != nil {
			rr.FetchSeconds = time.Since(start).Seconds()
			return fmt.Errorf("reading %s from %s: %w", k.Name, store, err)
		}
		if found {
			rr.Key = &k
			break
		}
	}
	rr.FetchSeconds = time.Since(start).Seconds()
	if rr.Key == nil {
		return nil
	}
	if st, err := os.Stat(entry); err == nil {
		rr.ArchiveBytes = st.Size()
	}
	args := []string{"restore", "--in", "/lw-in/" + entryName, "--dst", "/lw-cache", "--out", "/lw-out"}
	hr, secs, err := runHelper(ctx, b, dir, helper, mr.Mount, []string{"--mount=type=bind,source=in,target=/lw-in"}, args, im.Args)
	rr.BuildSeconds = secs
	if err != nil {
		return err
	}
	rr.Skipped = hr.Skipped
	if hr.Unpack != nil {
		rr.Files, rr.Bytes, rr.Digest = hr.Unpack.Files, hr.Unpack.Bytes, hr.Unpack.Digest
	}
	return nil
}

// Save stores what the image's cache mounts hold on the builder after a
// build, under the current branch's keys. rep is Restore's report of the
// same image (nil: none): a mount whose content is what was restored is
// not stored again. A mount that fails is reported and the others go on.
func Save(ctx context.Context, b engine.Builder, im *discover.Image, store Store, opt Options, rep *Report) (*Report, error) {
	if rep == nil {
		var err error
		if rep, err = Plan(ctx, im, store, opt); err != nil {
			return nil, err
		}
	}
	if len(rep.Mounts) == 0 {
		return rep, nil
	}
	helper, err := helperPath(opt)
	if err != nil {
		rep.Error = err.Error()
		return rep, err
	}
	eachMount(rep.Mounts, func(mr *MountReport) {
		sr := &SaveReport{MaxBytes: rep.MaxBytes}
		mr.Save = sr
		if err := saveOne(ctx, b, im, store, rep, mr, helper); err != nil {
			sr.Error = err.Error()
		}
	})
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	for _, mr := range rep.Mounts {
		logf(opt.Log, "%s: cache mount %s: %s", im.Name, mr.Mount.Label(), mr.Save.summary())
	}
	return rep, nil
}

func saveOne(ctx context.Context, b engine.Builder, im *discover.Image, store Store, rep *Report, mr *MountReport, helper string) error {
	sr := mr.Save
	defer lockMount(mr.Mount)()
	dir, err := os.MkdirTemp("", "layerwise-cachemount-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	args := []string{"save", "--src", "/lw-cache", "--out", "/lw-out", "--max-size", fmt.Sprint(rep.MaxBytes)}
	if mr.Restore.Hit() && mr.Restore.Digest != "" {
		args = append(args, "--unchanged", mr.Restore.Digest)
	}
	hr, secs, err := runHelper(ctx, b, dir, helper, mr.Mount, nil, args, im.Args)
	sr.BuildSeconds = secs
	if err != nil {
		return err
	}
	if hr.Pack == nil {
		return fmt.Errorf("the helper reported no save")
	}
	p := hr.Pack
	sr.Files, sr.Bytes, sr.DroppedFiles, sr.DroppedBytes, sr.ArchiveBytes, sr.Unchanged = p.Files, p.Bytes, p.DroppedFiles, p.DroppedBytes, p.ArchiveBytes, p.Unchanged
	if sr.Unchanged {
		return nil
	}
	if p.Files == 0 {
		sr.Empty = true
		return nil
	}
	var keys []string
	for _, k := range SaveKeys(im.Name, mr.Mount, rep.Branch, rep.LockDigest) {
		keys = append(keys, k.Name)
	}
	start := time.Now()
	err = store.Put(ctx, filepath.Join(dir, "out", entryName), keys)
	sr.StoreSeconds = time.Since(start).Seconds()
	if err != nil {
		return err
	}
	sr.Keys = keys
	return nil
}

// runHelper writes the helper build into dir (its context: the helper,
// in/ for a restore, the Dockerfile) and runs it on b; the exported
// files land in dir/out.
func runHelper(ctx context.Context, b engine.Builder, dir, helper string, m Mount, extraMounts, args []string, imageArgs map[string]string) (*HelperReport, float64, error) {
	if err := linkOrCopy(helper, filepath.Join(dir, "layerwise"), 0o755); err != nil {
		return nil, 0, fmt.Errorf("copying the helper: %w", err)
	}
	df := helperDockerfile(m, extraMounts, args)
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		return nil, 0, err
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	buildArgs := map[string]string{"LAYERWISE_NONCE": hex.EncodeToString(nonce)}
	if ns, ok := imageArgs[NamespaceArg]; ok {
		buildArgs[NamespaceArg] = ns
	}
	out := filepath.Join(dir, "out")
	res, err := b.Build(ctx, engine.Request{ContextDir: dir, Dockerfile: filepath.Join(dir, "Dockerfile"), BuildArgs: buildArgs, OutputDir: out})
	if err != nil {
		return nil, 0, err
	}
	secs := res.Wall.Seconds()
	if res.Failed() {
		msg := res.Err
		if len(res.LogTail) > 0 {
			msg += ": " + strings.Join(res.LogTail, " / ")
		}
		return nil, secs, fmt.Errorf("the %s build failed: %s", args[0], msg)
	}
	hr, err := readReport(out)
	return hr, secs, err
}

// helperDockerfile is the build that runs the helper over the mount m:
// its --mount flag is the user's with another target.
func helperDockerfile(m Mount, extraMounts, args []string) string {
	argv := append([]string{"/layerwise", HelperCommand}, args...)
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	flags := append(append([]string{}, extraMounts...), m.flag("/lw-cache"))
	return "# generated by layerwise: the " + args[0] + " of cache mount " + m.Identity() + "\n" +
		"FROM scratch AS helper\n" +
		"COPY layerwise /layerwise\n" +
		"ARG LAYERWISE_NONCE\n" +
		"RUN " + strings.Join(flags, " ") + " [" + strings.Join(quoted, ", ") + "]\n" +
		"FROM scratch\n" +
		"COPY --from=helper /lw-out/ /\n"
}

func logf(w io.Writer, format string, a ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", a...)
	}
}

func (r *RestoreReport) summary() string {
	switch {
	case r.Error != "":
		return "restore failed: " + r.Error
	case r.Key == nil:
		return fmt.Sprintf("restore missed (%d keys tried)", len(r.Tried))
	case r.Skipped != "":
		return "restore skipped: " + r.Skipped
	}
	return fmt.Sprintf("restored %d files, %d bytes from %s (%s) in %.1f s", r.Files, r.Bytes, r.Key.Name, r.Key.Tier, r.FetchSeconds+r.BuildSeconds)
}

func (r *SaveReport) summary() string {
	switch {
	case r.Error != "":
		return "save failed: " + r.Error
	case r.Unchanged:
		return "unchanged since the restore: not saved"
	case r.Empty:
		return "empty: not saved"
	}
	s := fmt.Sprintf("saved %d files, %d bytes (%d compressed) in %.1f s", r.Files, r.Bytes, r.ArchiveBytes, r.BuildSeconds+r.StoreSeconds)
	if r.DroppedFiles > 0 {
		s += fmt.Sprintf("; the %d-byte cap dropped %d files, %d bytes", r.MaxBytes, r.DroppedFiles, r.DroppedBytes)
	}
	return s
}
