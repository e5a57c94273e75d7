package releasetest

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

var root, _ = filepath.Abs(filepath.Join("..", ".."))

// the commit the test's copy of the repository is made as: the stamped
// date and the man pages' date must be this one, not the build's
const commitDate = "2026-01-02T03:04:05Z"

var targets = []struct{ os, arch string }{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// TestReleaseSnapshot runs `goreleaser release --snapshot --clean` (the
// goreleaser and cyclonedx-gomod of tools/go.mod) on a committed copy of the
// working tree and checks every archive: the binary for its OS and
// architecture, the README, the bash/zsh/fish completions and the man pages;
// the checksum file against the archives' bytes; a CycloneDX SBOM per binary
// that lists the modules the binary holds; and the linux/amd64 binary's
// `version`, which must carry the snapshot's version, commit and commit date.
//
// It compiles goreleaser and layerwise for six platforms (about eight
// minutes on two cores), so it runs where asked: in `make test` and on CI
// (LAYERWISE_TEST_RELEASE=1 or CI=true).
func TestReleaseSnapshot(t *testing.T) {
	if os.Getenv("LAYERWISE_TEST_RELEASE") == "" && os.Getenv("CI") != "true" {
		t.Skip("the release build takes minutes: LAYERWISE_TEST_RELEASE=1 runs it (make test does)")
	}
	budget := 40 * time.Minute
	if d, ok := t.Deadline(); ok {
		if left := time.Until(d) - time.Minute; left < budget {
			budget = left
		}
	}
	if budget < 15*time.Minute {
		t.Skipf("the release build needs about 10 minutes on a cold machine; go test's -timeout leaves %s (make test gives 45m)", budget.Round(time.Second))
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	copyTree(t, ctx, src)
	run := func(dir string, env []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(out.String(), 40))
		}
		return out.String()
	}
	gitEnv := []string{"GIT_AUTHOR_DATE=" + commitDate, "GIT_COMMITTER_DATE=" + commitDate,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}
	run(src, gitEnv, "git", "init", "-q")
	run(src, gitEnv, "git", "add", "-A")
	run(src, gitEnv, "git", "commit", "-q", "-m", "snapshot")
	// goreleaser takes no commit from a clone without a remote; this one
	// is never contacted (snapshot: nothing is published)
	run(src, nil, "git", "remote", "add", "origin", "https://github.com/layerwise/layerwise.git")
	commit := strings.TrimSpace(run(src, nil, "git", "rev-parse", "HEAD"))

	tools := filepath.Join(tmp, "tools")
	run(filepath.Join(root, "tools"), nil, "go", "build", "-o", tools+string(os.PathSeparator),
		"github.com/goreleaser/goreleaser/v2", "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod")
	path := "PATH=" + tools + string(os.PathListSeparator) + os.Getenv("PATH")
	run(src, []string{path}, filepath.Join(tools, "goreleaser"), "release", "--snapshot", "--clean")

	dist := filepath.Join(src, "dist")
	var meta struct {
		Version string `json:"version"`
	}
	readJSON(t, filepath.Join(dist, "metadata.json"), &meta)
	if !strings.Contains(meta.Version, "snapshot") {
		t.Fatalf("metadata version %q", meta.Version)
	}

	sums := checksums(t, filepath.Join(dist, "checksums.txt"))
	for _, tg := range targets {
		ext, exe := ".tar.gz", "layerwise"
		if tg.os == "windows" {
			ext, exe = ".zip", "layerwise.exe"
		}
		// no version in the names: .../releases/latest/download/NAME stays a
		// stable address (the README's install line)
		name := "layerwise_" + tg.os + "_" + tg.arch + ext
		data, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Errorf("archive missing: %v", err)
			continue
		}
		h := sha256.Sum256(data)
		if sums[name] != hex.EncodeToString(h[:]) {
			t.Errorf("%s: checksums.txt says %q, the archive hashes to %x", name, sums[name], h)
		}
		files := unpack(t, name, data)
		var names []string
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, want := range []string{exe, "README.md", "completions/layerwise.bash", "completions/_layerwise",
			"completions/layerwise.fish", "man/layerwise.1", "man/layerwise-audit.1", "man/layerwise-generate-ci.1"} {
			if _, ok := files[want]; !ok {
				t.Errorf("%s lacks %s (has %v)", name, want, names)
			}
		}
		checkBinary(t, tg.os, tg.arch, files[exe])

		sbom := "layerwise_" + tg.os + "_" + tg.arch + ".cdx.json"
		if sums[sbom] == "" {
			t.Errorf("checksums.txt has no line for %s", sbom)
		}
		checkSBOM(t, filepath.Join(dist, sbom))

		if tg.os == "linux" && tg.arch == runtime.GOARCH && runtime.GOOS == "linux" {
			bin := filepath.Join(tmp, "layerwise")
			if err := os.WriteFile(bin, files[exe], 0o755); err != nil {
				t.Fatal(err)
			}
			var v map[string]string
			if err := json.Unmarshal([]byte(run(tmp, nil, bin, "version", "--format", "json")), &v); err != nil {
				t.Fatal(err)
			}
			if v["version"] != meta.Version || v["commit"] != commit || v["date"] != commitDate {
				t.Errorf("version of the released binary: %v; want version %s, commit %s, date %s", v, meta.Version, commit, commitDate)
			}
			checkCompletion(t, tmp, files["completions/layerwise.bash"])
			if page := string(files["man/layerwise-audit.1"]); !strings.Contains(page, `.TH "LAYERWISE" "1" "Jan 2026"`) ||
				!strings.Contains(page, "--fail-on") {
				t.Errorf("man page for audit: not dated by the commit or without its flags:\n%s", head(page, 12))
			}
		}
	}
}

// copyTree copies what git would commit of the working tree (tracked files
// and new ones not ignored), so that the release is built from what the
// developer sees and nothing built or fetched before leaks in.
func copyTree(t *testing.T, ctx context.Context, dst string) {
	t.Helper()
	out, err := exec.CommandContext(ctx, "git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for _, rel := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		fi, err := os.Lstat(filepath.Join(root, rel))
		if err != nil || !fi.Mode().IsRegular() { // deleted in the tree, or a symlink the repository does not hold
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

func checksums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			t.Fatalf("checksums.txt: %q", sc.Text())
		}
		sums[fields[1]] = fields[0]
	}
	return sums
}

func unpack(t *testing.T, name string, data []byte) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	if strings.HasSuffix(name, ".zip") {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			files[f.Name] = b
		}
		return files
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = b
	}
	return files
}

// checkBinary reads the executable's header: the format of its OS and the
// machine of its architecture.
func checkBinary(t *testing.T, goos, goarch string, data []byte) {
	t.Helper()
	r := bytes.NewReader(data)
	var machine string
	switch goos {
	case "linux":
		f, err := elf.NewFile(r)
		if err != nil {
			t.Errorf("%s/%s: not an ELF binary: %v", goos, goarch, err)
			return
		}
		machine = map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}[f.Machine]
	case "darwin":
		f, err := macho.NewFile(r)
		if err != nil {
			t.Errorf("%s/%s: not a Mach-O binary: %v", goos, goarch, err)
			return
		}
		machine = map[macho.Cpu]string{macho.CpuAmd64: "amd64", macho.CpuArm64: "arm64"}[f.Cpu]
	case "windows":
		f, err := pe.NewFile(r)
		if err != nil {
			t.Errorf("%s/%s: not a PE binary: %v", goos, goarch, err)
			return
		}
		machine = map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_ARM64: "arm64"}[f.Machine]
	}
	if machine != goarch {
		t.Errorf("the %s/%s archive holds a binary for %q", goos, goarch, machine)
	}
}

// checkSBOM: a CycloneDX document whose components are the binary's
// modules (BuildKit's and cobra's among them, with versions).
func checkSBOM(t *testing.T, path string) {
	t.Helper()
	var bom struct {
		BOMFormat  string `json:"bomFormat"`
		Components []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			PURL    string `json:"purl"`
		} `json:"components"`
	}
	readJSON(t, path, &bom)
	if bom.BOMFormat != "CycloneDX" {
		t.Errorf("%s: bomFormat %q", filepath.Base(path), bom.BOMFormat)
	}
	want := map[string]bool{"github.com/moby/buildkit": false, "github.com/spf13/cobra": false}
	for _, c := range bom.Components {
		if _, ok := want[c.Name]; ok && c.Version != "" && strings.HasPrefix(c.PURL, "pkg:golang/") {
			want[c.Name] = true
		}
	}
	for m, found := range want {
		if !found {
			t.Errorf("%s lists no %s with a version and purl (%d components)", filepath.Base(path), m, len(bom.Components))
		}
	}
}

// checkCompletion loads the bash completion into a real bash, beside the
// bash-completion package it needs as every user's shell has it, and asks
// it to complete "layerwise au": the script must register itself and answer
// from the binary's own completion command.
func checkCompletion(t *testing.T, dir string, script []byte) {
	t.Helper()
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(bashCompletion); err != nil {
		msg := "no bash-completion here (make engine installs it): the completion script is not run"
		if os.Getenv("CI") == "true" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
		return
	}
	p := filepath.Join(dir, "layerwise.bash")
	if err := os.WriteFile(p, script, 0o644); err != nil {
		t.Fatal(err)
	}
	probe := `source ` + bashCompletion + `; source "$1"; PATH="$2:$PATH"
COMP_WORDS=(layerwise au); COMP_CWORD=1; COMP_LINE="layerwise au"; COMP_POINT=${#COMP_LINE}
__start_layerwise layerwise au layerwise
printf '%s\n' "${COMPREPLY[@]}"`
	out, err := exec.Command("bash", "-c", probe, "bash", p, dir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "audit") {
		t.Errorf("bash completion of `layerwise au`: %v\n%s", err, out)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func head(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}
