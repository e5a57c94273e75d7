#!/usr/bin/env bash
# Measures every image of a repository with real builds (layerwise measure)
# and writes the results as JSON, with every step of every build, and as CSV,
# one row per image and scenario. Each build is also recorded in the
# repository's history store (.layerwise/history.db) unless --no-history.
#
# Usage: scripts/measure-build-times.sh [REPO] [OUT_DIR] [layerwise measure flags...]
#   REPO     the repository (default: .)
#   OUT_DIR  where build-times.json and build-times.csv go (default: REPO/.layerwise/reports)
# Example: scripts/measure-build-times.sh examples /tmp/out -n 3 --scenario cold,source-change
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
repo=${1:-.}
out=${2:-$repo/.layerwise/reports}
shift $(( $# > 2 ? 2 : $# ))
mkdir -p "$out"
(cd "$here" && go build -o bin/layerwise ./cmd/layerwise)
status=0
"$here/bin/layerwise" measure "$repo" --json-out "$out/build-times.json" --csv-out "$out/build-times.csv" "$@" || status=$?
echo "measure-build-times: wrote $out/build-times.json and $out/build-times.csv" >&2
exit $status
