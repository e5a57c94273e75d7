package cli

import (
	"github.com/layerwise/layerwise/cachemount"
	"github.com/spf13/cobra"
)

// newCacheMountHelperCmd is the hidden command that `layerwise build
// --cache-mounts` runs inside the builder, over a cache mount, in a build
// FROM scratch (package cachemount writes that build).
func newCacheMountHelperCmd() *cobra.Command {
	var src, dst, in, out, unchanged string
	var maxSize int64
	cmd := &cobra.Command{
		Use:    cachemount.HelperCommand + " save|restore",
		Short:  "Pack or unpack a cache mount inside a build (run by layerwise build --cache-mounts)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErr("--out is required")
			}
			switch args[0] {
			case "save":
				if src == "" {
					return usageErr("save needs --src")
				}
				return cachemount.HelperSave(src, out, maxSize, unchanged)
			case "restore":
				if in == "" || dst == "" {
					return usageErr("restore needs --in and --dst")
				}
				return cachemount.HelperRestore(in, dst, out)
			}
			return usageErr("%s: unknown action %q (save or restore)", cachemount.HelperCommand, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&src, "src", "", "save: the mounted cache to pack")
	f.StringVar(&dst, "dst", "", "restore: the mounted cache to fill")
	f.StringVar(&in, "in", "", "restore: the entry to unpack")
	f.StringVar(&out, "out", "", "where the entry (save) and report.json go")
	f.Int64Var(&maxSize, "max-size", cachemount.DefaultMaxSize, "save: the cap in bytes (newest files kept)")
	f.StringVar(&unchanged, "unchanged", "", "save: the digest of the restored content; equal content is not packed")
	return cmd
}
