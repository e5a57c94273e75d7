package cachemount

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// HelperCommand is the hidden layerwise subcommand the save and restore
// builds run inside the builder: `layerwise cache-mount-helper save|restore`.
const HelperCommand = "cache-mount-helper"

// elfMachine is the ELF machine of each GOARCH a builder may run.
var elfMachine = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386, "arm": elf.EM_ARM,
	"ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390, "riscv64": elf.EM_RISCV,
}

// CheckHelper checks that the file at p can run in a build FROM scratch on
// a builder of architecture goarch: a Linux ELF executable of that machine,
// statically linked (no PT_INTERP: nothing to load from an image that
// has no files).
func CheckHelper(p, goarch string) error {
	f, err := elf.Open(p)
	if err != nil {
		return fmt.Errorf("%s is not a Linux executable (%v): build layerwise for Linux with CGO_ENABLED=0 to persist cache mounts", p, err)
	}
	defer f.Close()
	if want, ok := elfMachine[goarch]; ok && f.Machine != want {
		return fmt.Errorf("%s is built for %s, the builder runs %s: build layerwise for linux/%s with CGO_ENABLED=0 to persist cache mounts", p, f.Machine, goarch, goarch)
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("%s is not an executable (%s)", p, f.Type)
	}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked (it needs a program interpreter, which a build FROM scratch does not have): build layerwise with CGO_ENABLED=0 to persist cache mounts", p)
		}
	}
	return nil
}

// HelperReady says why the helper opt names (or this executable) cannot
// run in a builder of this machine's architecture (nil when it can): what
// a measurement checks before its first job, rather than after every
// save failed.
func HelperReady(opt Options) error {
	_, err := helperPath(opt)
	return err
}

// helperPath is the helper to run: opt's, or this executable.
func helperPath(opt Options) (string, error) {
	p := opt.Helper
	if p == "" {
		var err error
		if p, err = os.Executable(); err != nil {
			return "", fmt.Errorf("finding the layerwise executable to run in the builder: %w", err)
		}
	}
	if err := CheckHelper(p, runtime.GOARCH); err != nil {
		return "", err
	}
	return p, nil
}

// HelperReport is what the helper writes to report.json in its output
// directory, which the build exports.
type HelperReport struct {
	Pack   *PackStats   `json:"pack,omitempty"`
	Unpack *UnpackStats `json:"unpack,omitempty"`
	// Skipped says why a restore wrote nothing.
	Skipped string `json:"skipped,omitempty"`
}

const (
	entryName  = "entry.tar.zst"
	reportName = "report.json"
)

// HelperSave is the helper's save, inside the builder: it packs the mount
// at src into outDir/entry.tar.zst (nothing when the content's digest is
// unchanged) and writes outDir/report.json.
func HelperSave(src, outDir string, maxBytes int64, unchanged string) error {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(outDir, entryName))
	if err != nil {
		return err
	}
	st, err := Pack(src, f, maxBytes, unchanged)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if st.Unchanged {
		os.Remove(filepath.Join(outDir, entryName))
	}
	return writeReport(outDir, HelperReport{Pack: &st})
}

// HelperRestore is the helper's restore, inside the builder: it unpacks
// the entry at in into the mount at dst when the mount is empty (a mount
// that holds files is this builder's own, newer than any stored entry)
// and writes outDir/report.json.
func HelperRestore(in, dst, outDir string) error {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	empty, err := Empty(dst)
	if err != nil {
		return err
	}
	if !empty {
		return writeReport(outDir, HelperReport{Skipped: "the builder's cache mount already holds files: kept them"})
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := Unpack(f, dst)
	if err != nil {
		return fmt.Errorf("restoring into %s: %w", dst, err)
	}
	return writeReport(outDir, HelperReport{Unpack: &st})
}

func writeReport(dir string, r HelperReport) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, reportName), data, 0o644)
}

func readReport(dir string) (*HelperReport, error) {
	data, err := os.ReadFile(filepath.Join(dir, reportName))
	if err != nil {
		return nil, fmt.Errorf("the helper's report: %w", err)
	}
	var r HelperReport
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("the helper's report: %w", err)
	}
	return &r, nil
}

// linkOrCopy puts the file src at dst: a hard link when they share a
// filesystem, a copy otherwise.
func linkOrCopy(src, dst string, mode os.FileMode) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
