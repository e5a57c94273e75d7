package cli

// The build backends the CLI offers: each registers itself with the engine
// package (engine.RegisterBackend) and --backend picks one by name
// (engine.NewBuilder). Adding a backend is a package and a line here.
import (
	_ "github.com/layerwise/layerwise/engine/buildkit"
	_ "github.com/layerwise/layerwise/engine/buildx"
	_ "github.com/layerwise/layerwise/engine/plain"
)
