#!/usr/bin/env bash
# Makes the base images layerwise's tests and examples build FROM, without
# pulling anything (no registry outside this machine is reachable):
#   busybox:1.36              a busybox-static rootfs (seconds), also pushed to the
#                             loopback registry as 127.0.0.1:5000/busybox:1.36 for buildkitd
# and, unless --minimal (the examples' bases, about 3 minutes the first time):
#   debian:bookworm-slim      debootstrap --variant=minbase bookworm, with Debian's
#                             docker-clean apt hook as the official image has it
#   golang:1.23-bookworm      + Debian's golang-1.23 (bookworm-backports, from the same
#                             mirror as the image's own sources), git, gcc
#                             (also tagged golang:1.22-bookworm and golang:1.21-bookworm)
#   node:20-bookworm-slim     + Debian's nodejs and npm, and the node user
#   python:3.11-slim-bookworm + Debian's python3
# Names are the ones users write; the versions inside are Debian bookworm's
# (Go 1.23 from backports, Node.js 18, Python 3.11). Every image carries the host's CA bundle
# at /etc/ssl/certs/layerwise-host-ca.crt, pointed at by SSL_CERT_FILE,
# NODE_EXTRA_CA_CERTS, GIT_SSL_CAINFO, PIP_CERT and REQUESTS_CA_BUNDLE, so that
# HTTPS from build steps (the Go module proxy, the npm registry) works through
# this network's TLS proxy even after a build reinstalls ca-certificates.
# Idempotent: an image made by the current recipe is skipped.
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

CA_ENV=(-c 'ENV SSL_CERT_FILE=/etc/ssl/certs/layerwise-host-ca.crt' -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/layerwise-host-ca.crt'
        -c 'ENV GIT_SSL_CAINFO=/etc/ssl/certs/layerwise-host-ca.crt' -c 'ENV PIP_CERT=/etc/ssl/certs/layerwise-host-ca.crt'
        -c 'ENV REQUESTS_CA_BUNDLE=/etc/ssl/certs/layerwise-host-ca.crt')
if [ "$(recipe debian:bookworm-slim)" != 1 ]; then
  command -v debootstrap >/dev/null || { apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null; }
  log "making debian:bookworm-slim with debootstrap (about a minute)"
  root=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$root" >/tmp/layerwise-debootstrap.log 2>&1 ||
    { log "debootstrap failed; see /tmp/layerwise-debootstrap.log"; exit 1; }
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
  cat > "$root/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/layerwise-host-ca.crt" 2>/dev/null ||
    { mkdir -p "$root/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/layerwise-host-ca.crt"; }
  tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "${CA_ENV[@]}" \
    -c 'LABEL layerwise.base-recipe=1' -c 'CMD ["bash"]' - debian:bookworm-slim >/dev/null
  rm -rf "$root"
fi

derive() { # derive TAG RECIPE DOCKERFILE-BODY [EXTRA-TAGS...]
  local tag=$1 rec=$2 body=$3; shift 3
  if [ "$(recipe "$tag")" = "$rec" ]; then return; fi
  log "making $tag"
  local d; d=$(mktemp -d)
  printf 'FROM debian:bookworm-slim\n%s\nLABEL layerwise.base-recipe=%s\n' "$body" "$rec" > "$d/Dockerfile"
  DOCKER_BUILDKIT=1 docker build -q -t "$tag" "$d" >/dev/null
  for t in "$@"; do docker tag "$tag" "$t"; done
  rm -rf "$d"
}
# backports from the mirror debootstrap chose (named nowhere here)
derive golang:1.23-bookworm 2 'RUN sed -n "s/^deb \([^ ]*\) bookworm main.*/deb \1 bookworm-backports main/p" /etc/apt/sources.list > /etc/apt/sources.list.d/backports.list && test -s /etc/apt/sources.list.d/backports.list && apt-get update && apt-get install -y --no-install-recommends -t bookworm-backports golang-1.23-go && apt-get install -y --no-install-recommends git gcc libc6-dev ca-certificates && rm -rf /var/lib/apt/lists/*
ENV GOPATH=/go PATH=/go/bin:/usr/lib/go-1.23/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
RUN mkdir -p /go/src /go/bin && chmod -R 1777 /go && go version
WORKDIR /go' golang:1.22-bookworm golang:1.21-bookworm
# the node user (uid 1000, /home/node) as the official image has it: real
# Dockerfiles write to /home/node and switch to USER node
derive node:20-bookworm-slim 2 'RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
CMD ["node"]'
derive python:3.11-slim-bookworm 1 'RUN apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*
CMD ["python3"]'
# the loopback registry doubles as the Docker Hub mirror of the fresh CI
# builders (`layerwise generate mirror`, the ci scenarios): serve every
# example base under its Docker Hub path there, or a fresh builder fails
# to resolve it (node:20-bookworm-slim was missing once). A push of
# layers the registry holds is a HEAD request each: cheap to repeat.
if curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
  for t in debian:bookworm-slim golang:1.23-bookworm golang:1.22-bookworm golang:1.21-bookworm \
           node:20-bookworm-slim python:3.11-slim-bookworm busybox:1.36; do
    want=$(docker image inspect --format '{{.Id}}' "$t")
    [ "$(docker image inspect --format '{{.Id}}' "$REGISTRY_ADDR/library/$t" 2>/dev/null)" = "$want" ] &&
      curl -fsS -o /dev/null "http://$REGISTRY_ADDR/v2/library/${t%%:*}/manifests/${t#*:}" \
        -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' && continue
    log "pushing $t to $REGISTRY_ADDR/library/$t (the fresh builders' Docker Hub mirror)"
    docker tag "$t" "$REGISTRY_ADDR/library/$t"
    docker push "$REGISTRY_ADDR/library/$t" >/dev/null
  done
fi
log "done"
