#!/usr/bin/env bash
# The main job on the example monorepo: what layerwise finds, what it would
# change, and — when a build engine runs — one measured source-change rebuild
# before and after the fix. Without an engine the static part still runs and
# the command that starts one is printed.
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
if docker info >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; then
  section "one source-change rebuild of the web service, before and after the fix (real builds)"
  scripts/make-base-images.sh
  $lw bench examples -n 1 --image web --scenario cold,source-change
else
  section "no build engine is running"
  echo "The measured part needs Docker Engine with buildx. Start it with:"
  echo
  echo "    make engine"
  echo
  echo "(installs and starts Docker Engine, buildx, buildkitd, a loopback registry and the base images; root, Debian),"
  echo "then run 'make demo' again."
fi
