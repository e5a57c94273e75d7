package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version, Commit and Date are stamped at link time by the release build
// (.goreleaser.yaml: -X .../cli.Version=v1.2.3 and so on). A plain
// `go build` leaves them empty but for Version; Commit and Date then come from
// the VCS stamp the go command records when it builds from a checkout.
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the layerwise version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkFormat("text", "json"); err != nil {
				return err
			}
			info := map[string]string{"version": Version, "go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}
			if Commit != "" {
				info["commit"] = Commit
			}
			if Date != "" {
				info["date"] = Date
			}
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, dep := range bi.Deps {
					if dep.Path == "github.com/moby/buildkit" {
						info["buildkit"] = dep.Version
					}
				}
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" && info["commit"] == "" {
						info["commit"] = s.Value
					}
					if s.Key == "vcs.time" && info["date"] == "" {
						info["date"] = s.Value
					}
				}
			}
			if g.format == "json" {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			fmt.Fprintf(g.stdout, "layerwise %s (%s, %s, BuildKit frontend %s)\n", info["version"], info["go"], info["platform"], info["buildkit"])
			if info["commit"] != "" {
				fmt.Fprintf(g.stdout, "commit %s", info["commit"])
				if info["date"] != "" {
					fmt.Fprintf(g.stdout, ", built %s", info["date"])
				}
				fmt.Fprintln(g.stdout)
			}
			return nil
		},
	}
}
