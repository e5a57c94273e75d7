#!/usr/bin/env bash
# Makes the base images layerwise's tests and examples build FROM, without
# pulling anything (no registry outside this machine is reachable):
#   busybox:1.36   a busybox-static rootfs (seconds), also pushed to the
#                  loopback registry as 127.0.0.1:5000/busybox:1.36 for buildkitd
# Every image carries the host's CA bundle at /etc/ssl/certs/ca-certificates.crt
# so that HTTPS from build steps works through this network's TLS proxy.
# Idempotent: an image that exists is skipped.
# Usage: scripts/make-base-images.sh [--minimal]
set -euo pipefail
log() { echo "base-images: $*" >&2; }
have() { docker image inspect "$1" >/dev/null 2>&1; }
# version of our recipe for an image: an image made by an older recipe is remade
recipe() { docker image inspect --format '{{index .Config.Labels "layerwise.base-recipe"}}' "$1" 2>/dev/null || true; }
made=""

if [ "$(recipe busybox:1.36)" != 2 ]; then
  log "making busybox:1.36"
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/etc/ssl/certs" "$root/tmp" "$root/root" "$root/usr/bin" "$root/usr/sbin" "$root/sbin"
  cp /bin/busybox "$root/bin/busybox"
  for app in $(/bin/busybox --list-full); do
    [ -e "$root/$app" ] || ln -s /bin/busybox "$root/$app"
  done
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/" 2>/dev/null || true
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'LABEL layerwise.base-recipe=2' -c 'CMD ["sh"]' - busybox:1.36 >/dev/null
  rm -rf "$root"
  made=busybox
fi
# buildkitd does not see Docker's image store: serve the base image from the
# loopback registry too (127.0.0.0/8 is plain HTTP for BuildKit by default).
REGISTRY_ADDR=${REGISTRY_ADDR:-127.0.0.1:5000}
if [ -z "$made" ] && curl -fsS "http://$REGISTRY_ADDR/v2/busybox/manifests/1.36" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' >/dev/null 2>&1; then
  :
elif curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
  log "pushing busybox:1.36 to $REGISTRY_ADDR"
  docker tag busybox:1.36 "$REGISTRY_ADDR/busybox:1.36"
  docker push "$REGISTRY_ADDR/busybox:1.36" >/dev/null
fi
[ "${1:-}" = "--minimal" ] && exit 0
log "done"
