#!/usr/bin/env bash
# The before/after benchmark (a thin wrapper over `layerwise bench`): makes
# the base images and the junk of the example contexts, then builds every
# service of REPO naive and fixed in every scenario, alternating, and writes
# the comparison to docs/benchmarks.md (keeping its hand-written analysis).
#
# Usage: scripts/benchmark-builds.sh [REPO] [layerwise bench flags...]
#   scripts/benchmark-builds.sh examples -n 3 --expert --graph 4   # what make bench runs
#   scripts/benchmark-builds.sh examples -n 1 --image orders --image storefront
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
repo=${1:-$here/examples}
shift $(( $# > 0 ? 1 : 0 ))
cd "$here"
go build -o bin/layerwise ./cmd/layerwise
scripts/make-base-images.sh
[ -d "$repo/services" ] && scripts/make-junk.sh "$repo" >/dev/null
exec bin/layerwise bench "$repo" --markdown docs/benchmarks.md "$@"
