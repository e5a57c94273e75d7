// Command gendocs writes what the release archives carry beside the binary:
// the shell completions (bash, zsh, fish) and one man page per command, both
// generated from the cobra command tree, so they never drift from the CLI.
//
//	go run ./internal/cmd/gendocs [-version V] [-date UNIXTIME] DIR   # DIR/completions/*, DIR/man/*.1
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/layerwise/layerwise/cli"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func main() {
	version := flag.String("version", cli.Version, "the version the man pages name")
	date := flag.Int64("date", 0, "the man pages' date, in seconds since 1970 (default: today)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gendocs [-version V] [-date UNIXTIME] DIR")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *version, *date); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(dir, version string, date int64) error {
	root := cli.NewRoot(io.Discard, io.Discard)
	// the pages carry no generation date: the archives of one commit are the
	// same whenever they are built
	root.DisableAutoGenTag = true
	comp := filepath.Join(dir, "completions")
	man := filepath.Join(dir, "man")
	for _, d := range []string{comp, man} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	shells := []struct {
		file string
		gen  func(*cobra.Command, string) error
	}{
		{"layerwise.bash", func(c *cobra.Command, f string) error { return c.GenBashCompletionFileV2(f, true) }},
		{"_layerwise", (*cobra.Command).GenZshCompletionFile},
		{"layerwise.fish", func(c *cobra.Command, f string) error { return c.GenFishCompletionFile(f, true) }},
	}
	for _, s := range shells {
		if err := s.gen(root, filepath.Join(comp, s.file)); err != nil {
			return err
		}
	}
	header := &doc.GenManHeader{Title: "LAYERWISE", Section: "1", Source: "layerwise " + version}
	if date != 0 {
		d := time.Unix(date, 0).UTC()
		header.Date = &d
	}
	return doc.GenManTree(root, header, man)
}
