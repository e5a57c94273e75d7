#!/usr/bin/env bash
# Real builds of the real-world corpus: `layerwise verify` (original and
# fixed built on copies, compared path by path) on every corpus Dockerfile
# that can build on this machine.
#
#   scripts/corpus-verify.sh CORPUS_DIR [REPO...] > table.md
#
# CORPUS_DIR is a fresh extraction (scripts/corpus-extract.sh). Nothing can
# be pulled here, so each base image a Dockerfile names is stood in for by
# the local image of its family (tagged under the name the Dockerfile uses,
# and untagged again at the end): golang:* -> golang:1.23-bookworm (with
# GOTOOLCHAIN=auto), node:* ->
# node:20-bookworm-slim, python:* -> python:3.11-slim-bookworm, debian/ubuntu
# -> debian:bookworm-slim, alpine/busybox/distroless -> busybox:1.36. A Dockerfile
# with any other base, a base pinned by digest, or an ARG in FROM is left
# out. A stand-in is not the real image (Debian for Alpine: `apk` fails), so
# the original must build first: verify reports `original-fails` for those,
# and only the others count. Dependencies come from the Go module proxy, npm
# and Debian's mirror (PyPI and Maven Central are out of reach).
#
# Exit 1 when a fixed image failed to build or differs where no rule
# explains it: the fix broke something that built.
set -uo pipefail
corpus=${1:?usage: corpus-verify.sh CORPUS_DIR [REPO...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
lw=$work/layerwise
(cd "$root" && go build -o "$lw" ./cmd/layerwise) || exit 2

# Go: the local Go 1.23 with GOTOOLCHAIN=auto, so that a go.mod asking
# for a newer Go gets that toolchain from the module proxy, as the real
# image of that version would have it
printf 'FROM golang:1.23-bookworm\nENV GOTOOLCHAIN=auto\n' |
  DOCKER_BUILDKIT=1 docker build -q -t layerwise-corpus/golang:auto - >/dev/null || exit 2
declare -A standin=(
  [golang]=layerwise-corpus/golang:auto [node]=node:20-bookworm-slim [python]=python:3.11-slim-bookworm
  [debian]=debian:bookworm-slim [ubuntu]=debian:bookworm-slim [alpine]=busybox:1.36 [busybox]=busybox:1.36
)
added=()
cleanup() {
  [ ${#added[@]} -eq 0 ] || docker image rm "${added[@]}" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# standin_for REF: the local image to tag as REF ("" when none)
standin_for() {
  local ref=$1 name
  case $ref in *@*|*'$'*) return ;; esac
  # distroless images hold no shell and no package manager: busybox builds
  # what they are used for (a runtime stage that copies a binary in)
  case $ref in */distroless/*) echo busybox:1.36; return ;; esac
  # by the image's own name, from any registry or mirror
  # (mirror.gcr.io/library/golang:1.18 is golang)
  name=${ref%%:*}
  name=${name##*/}
  echo "${standin[$name]:-}"
}

repos=("$@")
[ ${#repos[@]} -gt 0 ] || mapfile -t repos < <(ls "$corpus")
echo "| repository | image | Dockerfile | status | reason |"
echo "|---|---|---|---|---|"
broken=0
for repo in "${repos[@]}"; do
  dir=$corpus/$repo
  [ -d "$dir" ] || continue
  # images, their Dockerfiles and external bases, as layerwise discovers them
  "$lw" ls -o json "$dir" 2>/dev/null | python3 -c '
import json, sys
for im in json.load(sys.stdin).get("images", []):
    bases = {s["base"] for s in im.get("stages") or [] if s.get("baseStage", -1) < 0 and s["base"] != "scratch"}
    print(im["name"] + "\t" + im["dockerfile"] + "\t" + " ".join(sorted(bases)))
' > "$work/images"
  # (ls exits 1 when some Dockerfile does not parse: the others still count)
  while IFS=$'\t' read -r image dockerfile bases; do
    # every external base must have a stand-in
    ok=1
    for ref in $bases; do
      s=$(standin_for "$ref")
      if [ -z "$s" ]; then ok=0; break; fi
      if ! docker image inspect "$ref" >/dev/null 2>&1; then
        docker tag "$s" "$ref" && added+=("$ref")
      fi
    done
    [ $ok = 1 ] || continue
    out=$(timeout 900 "$lw" verify --no-rebuilds --no-history --image "$image" -o json "$dir" 2>"$work/err")
    status=$(python3 -c '
import json, sys
try:
    d = json.loads(sys.argv[1])
except Exception:
    print("error\t" + sys.argv[2].strip().splitlines()[-1][:200] if sys.argv[2].strip() else "error\tno output"); sys.exit()
ims = d.get("images") or []
if not ims:
    print("unchanged\tthe fix changes nothing in this image"); sys.exit()
im = ims[0]
fails = [f["path"] + " " + f["change"] for f in ((im.get("comparison") or {}).get("failures") or [])]
print(im["status"] + "\t" + (im.get("reason") or "; ".join(fails[:3])).replace("|", "/").replace("\n", " ")[:200])
' "$out" "$(cat "$work/err")")
    echo "| $repo | $image | $dockerfile | ${status%%$'\t'*} | ${status#*$'\t'} |"
    case ${status%%$'\t'*} in failed|error) broken=$((broken + 1)) ;; esac
  done < "$work/images"
done
echo
echo "broken: $broken (fixed images that failed to build or differ where no rule explains it)"
[ $broken = 0 ]
