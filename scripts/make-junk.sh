#!/usr/bin/env bash
# Generates the heavy junk that real repositories carry in their build
# contexts, inside the example services (never committed; see .gitignore):
#   services/web/node_modules   a fake dependency tree (~3,000 files)
#   services/web/dist           a stale build output
#   services/api/build-output   stale binaries
#   services/*/.git             a fake git object store (what history weighs in a context);
#                               no HEAD, so git never takes it for a nested repository
#   services/worker/.env        a secret that must never reach an image
# Usage: scripts/make-junk.sh [EXAMPLES_DIR] [SCALE_MB]   (default: examples 40)
# Idempotent: an existing junk tree is left as it is.
set -euo pipefail
dir=${1:-examples}
scale=${2:-40}
svc="$dir/services"
[ -d "$svc" ] || { echo "make-junk: $svc not found" >&2; exit 2; }

blob() { # blob FILE KB: a file of random bytes (incompressible, like real objects)
  head -c "$(( $2 * 1024 ))" /dev/urandom > "$1"
}

if [ ! -d "$svc/web/node_modules" ]; then
  for p in $(seq 1 150); do
    d="$svc/web/node_modules/pkg-$p"
    mkdir -p "$d/lib" "$d/test"
    printf '{"name":"pkg-%s","version":"1.0.%s"}\n' "$p" "$p" > "$d/package.json"
    for f in $(seq 1 18); do
      blob "$d/lib/mod-$f.js" $(( (scale * 1024 / 2) / 2700 + 1 ))
    done
    echo "module.exports = 1" > "$d/test/index.test.js"
  done
  mkdir -p "$svc/web/node_modules/.bin"
  ln -sf ../pkg-1/lib/mod-1.js "$svc/web/node_modules/.bin/pkg-1"
fi
if [ ! -d "$svc/web/dist" ]; then
  mkdir -p "$svc/web/dist"
  blob "$svc/web/dist/server.js" $(( scale * 1024 / 16 ))
  blob "$svc/web/dist/server.js.map" $(( scale * 1024 / 8 ))
fi
if [ ! -d "$svc/api/build-output" ]; then
  mkdir -p "$svc/api/build-output"
  for b in api api-linux-arm64 api-debug; do
    blob "$svc/api/build-output/$b" $(( scale * 1024 / 6 ))
  done
fi
for s in api web worker; do
  h="$svc/$s/.git" # no HEAD file: git must not take it for a nested repository
  [ -d "$h" ] && continue
  mkdir -p "$h/objects/pack" "$h/refs/heads"
  blob "$h/objects/pack/pack-0001.pack" $(( scale * 1024 / 4 ))
  printf "fake history for layerwise examples\n" > "$h/description"
done
[ -f "$svc/worker/.env" ] || printf 'DATABASE_URL=postgres://worker:s3cret@db/invoices\n' > "$svc/worker/.env"
du -sh "$svc"/* | sed 's/^/make-junk: /'
