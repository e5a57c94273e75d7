#!/usr/bin/env bash
# Generates the heavy junk that real repositories carry in their build
# contexts, inside the example services (never committed; see .gitignore):
#   services/storefront/node_modules, services/node/node_modules
#                               a fake dependency tree (~3,000 files each)
#   services/storefront/dist, services/node/gateway/dist
#                               stale build outputs
#   services/go/orders/build-output   stale binaries
#   services/*/.git, services/go/.git, services/node/.git
#                               a fake git object store (what history weighs in a context);
#                               no HEAD, so git never takes it for a nested repository
#   services/go/billing/debug.log, services/storefront/npm-debug.log   logs
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

fake_modules() { # fake_modules DIR: a node_modules tree of 150 packages
  local nm=$1/node_modules p f d
  [ -d "$nm" ] && return
  for p in $(seq 1 150); do
    d="$nm/pkg-$p"
    mkdir -p "$d/lib" "$d/test"
    printf '{"name":"pkg-%s","version":"1.0.%s"}\n' "$p" "$p" > "$d/package.json"
    for f in $(seq 1 18); do
      blob "$d/lib/mod-$f.js" $(( (scale * 1024 / 2) / 2700 + 1 ))
    done
    echo "module.exports = 1" > "$d/test/index.test.js"
  done
  mkdir -p "$nm/.bin"
  ln -sf ../pkg-1/lib/mod-1.js "$nm/.bin/pkg-1"
}
stale_dist() { # stale_dist DIR
  [ -d "$1" ] && return
  mkdir -p "$1"
  blob "$1/index.js" $(( scale * 1024 / 16 ))
  blob "$1/index.js.map" $(( scale * 1024 / 8 ))
}
fake_modules "$svc/storefront"
fake_modules "$svc/node"
stale_dist "$svc/storefront/dist"
stale_dist "$svc/node/gateway/dist"
if [ ! -d "$svc/go/orders/build-output" ]; then
  mkdir -p "$svc/go/orders/build-output"
  for b in orders orders-linux-arm64 orders-debug; do
    blob "$svc/go/orders/build-output/$b" $(( scale * 1024 / 6 ))
  done
fi
for s in go node storefront worker report; do
  h="$svc/$s/.git" # no HEAD file: git must not take it for a nested repository
  [ -d "$h" ] && continue
  mkdir -p "$h/objects/pack" "$h/refs/heads"
  blob "$h/objects/pack/pack-0001.pack" $(( scale * 1024 / 4 ))
  printf "fake history for layerwise examples\n" > "$h/description"
done
[ -f "$svc/go/billing/debug.log" ] || seq 1 20000 | sed 's/^/billing debug: request /' > "$svc/go/billing/debug.log"
[ -f "$svc/storefront/npm-debug.log" ] || seq 1 5000 | sed 's/^/npm verb /' > "$svc/storefront/npm-debug.log"
[ -f "$svc/worker/.env" ] || printf 'DATABASE_URL=postgres://worker:s3cret@db/invoices\n' > "$svc/worker/.env"
du -sh "$svc"/* | sed 's/^/make-junk: /'
