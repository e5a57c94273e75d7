#!/usr/bin/env bash
# The main job on the example monorepo: what layerwise finds, what it would
# change, and one measured source-change rebuild before and after the fix.
# The engine is started first where this machine allows it (root, Debian:
# scripts/engine.sh, as `make test` does); otherwise the static part still
# runs and the command that starts one is printed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
go build -o bin/layerwise ./cmd/layerwise
scripts/make-junk.sh examples >/dev/null
lw=bin/layerwise
section() { printf '\n== %s ==\n\n' "$*"; }
section "what the examples build (layerwise ls examples)"
$lw ls examples
section "what each build sends (layerwise context examples --top 3)"
$lw context examples --top 3
section "what makes them slow, most costly first (layerwise audit examples)"
$lw audit examples --fail-on none
section "what layerwise fix would change (layerwise fix examples)"
$lw fix examples || true
engine_up() { docker info >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; }
if ! engine_up && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  # as `make test` does: install and start the engine (a few minutes on a
  # fresh machine, seconds when it is installed)
  section "starting the build engine (scripts/engine.sh)"
  scripts/engine.sh || true
fi
if engine_up; then
  section "one source-change rebuild of the orders service (Go, 79 modules), before and after the fix (real builds)"
  scripts/make-base-images.sh
  $lw bench examples -n 1 --image orders --scenario source-change
else
  section "no build engine is running"
  echo "The measured part needs Docker Engine with buildx. Start it with:"
  echo
  echo "    make engine"
  echo
  echo "(installs and starts Docker Engine, buildx, buildkitd, a loopback registry and the base images; root, Debian),"
  echo "then run 'make demo' again."
fi
