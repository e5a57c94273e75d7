// Package statedir names layerwise's own state inside a repository: the
// .layerwise directory at its root holds the build history
// (history.DefaultPath, with SQLite's -wal and -shm beside it), the local
// layer caches of `layerwise build` (.layerwise/cache/IMAGE) and whatever
// else layerwise keeps between runs. None of it is the project's: no build
// context layerwise sends may hold it (the private copies that measure,
// bench and verify build from leave it out), and the .dockerignore files
// that `layerwise fix` writes exclude it.
package statedir

import "path"

// Name is the state directory's name, at the repository root (and at the
// root of any directory layerwise was pointed at).
const Name = ".layerwise"

// Is reports whether a slash-separated path names a state directory: its
// last component is Name.
func Is(p string) bool { return path.Base(p) == Name }
