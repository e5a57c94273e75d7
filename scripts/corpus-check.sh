#!/usr/bin/env bash
# Runs ls -> audit -> fix --write -> re-parse -> the fixer's invariants ->
# the .dockerignore reach proof -> re-audit -> fix --check over every
# repository under DIR (as extracted by scripts/corpus-extract.sh: the fixes
# are written into DIR, so it must be a scratch copy) and prints one Markdown
# report (docs/corpus.md holds the last one). Exit 1 when the fixer broke any
# of its promises.
#   scripts/corpus-check.sh DIR
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/corpus-check.sh DIR}
exec go run ./internal/cmd/corpus-check "$dir"
