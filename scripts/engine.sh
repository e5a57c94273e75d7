#!/usr/bin/env bash
# Installs and starts the build engine layerwise's integration tests and
# measurements use, on a fresh Debian machine (the recipe of
# shared/docs/engine.md): Docker Engine with BuildKit (docker.io), the buildx
# and compose CLI plugins built from the Go module proxy, a loopback registry, and the
# base images the tests build FROM (made locally: nothing can be pulled).
# Idempotent: whatever already runs is left alone. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILDX_VERSION=${BUILDX_VERSION:-v0.38.2}
# compose v5.6.0 is the newest whose go.mod this machine's Go 1.26.8 accepts
COMPOSE_VERSION=${COMPOSE_VERSION:-v5.6.0}
REGISTRY_ADDR=${REGISTRY_ADDR:-127.0.0.1:5000}
log() { echo "engine: $*" >&2; }

need_pkgs=()
command -v dockerd >/dev/null || need_pkgs+=(docker.io)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -x find >/dev/null || need_pkgs+=(busybox-static)
command -v docker-registry >/dev/null || need_pkgs+=(docker-registry)
# the dashboard's test opens it in a real browser (render/dashboard_browser_test.go)
command -v chromium >/dev/null || need_pkgs+=(chromium)
# generated Prometheus rules are checked with promtool (generate/monitoring_test.go)
command -v promtool >/dev/null || need_pkgs+=(prometheus)
# the language server is tested with a real editor's client (lsp/nvim_test.go)
command -v nvim >/dev/null || need_pkgs+=(neovim)
# the release's bash completion is loaded into a real bash (internal/releasetest)
[ -f /usr/share/bash-completion/bash_completion ] || need_pkgs+=(bash-completion)
# the CI templates' schemas come from an npm package (scripts/fetch-schemas.sh)
command -v npm >/dev/null || need_pkgs+=(npm)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${need_pkgs[@]}" >/dev/null
fi

# dockerd: the docker.io package does not start it here (no systemd).
if ! docker info >/dev/null 2>&1; then
  if [ "${CI:-}" = true ] && [ -d /var/lib/docker/buildkit ]; then
    # A daemon killed at the end of an earlier session can leave BuildKit's
    # cache index pointing at missing records, which shows up as random
    # cache misses; CI starts from an empty build cache (images are kept).
    log "CI: clearing the build cache a killed daemon left behind"
    rm -rf /var/lib/docker/buildkit
  fi
  log "starting dockerd (log: /var/log/dockerd.log)"
  setsid nohup dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { log "dockerd did not come up; see /var/log/dockerd.log"; tail -20 /var/log/dockerd.log >&2; exit 1; }
fi

# buildx and compose, CLI plugins built from the Go module proxy (Debian's
# docker.io has neither as a v2 plugin). `go install` is refused for buildx
# (its go.mod has exclude directives), so both are built from one throwaway
# module: compose then reuses most of what buildx compiled (about 3 minutes
# for the two the first time, 2 for buildx alone).
have_buildx() { docker buildx version >/dev/null 2>&1; }
have_compose() { docker compose version >/dev/null 2>&1; }
if ! have_buildx || ! have_compose; then
  log "building docker-buildx $BUILDX_VERSION and docker-compose $COMPOSE_VERSION from the Go module proxy"
  d=$(mktemp -d)
  (cd "$d" && go mod init plugins-build >/dev/null 2>&1 &&
    go get "github.com/docker/buildx/cmd/buildx@$BUILDX_VERSION" "github.com/docker/compose/v5/cmd@$COMPOSE_VERSION" >/dev/null 2>&1 &&
    mkdir -p "$HOME/.docker/cli-plugins" &&
    { have_buildx || go build -o "$HOME/.docker/cli-plugins/docker-buildx" github.com/docker/buildx/cmd/buildx; } &&
    { have_compose || go build -o "$HOME/.docker/cli-plugins/docker-compose" github.com/docker/compose/v5/cmd; })
  rm -rf "$d"
  have_buildx && have_compose
fi

# A registry on loopback, for anything that must come from a registry.
if ! curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
  log "starting docker-registry on $REGISTRY_ADDR"
  mkdir -p /var/lib/layerwise-registry
  cat > /etc/layerwise-registry.yml <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/layerwise-registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
YML
  setsid nohup docker-registry serve /etc/layerwise-registry.yml >/var/log/layerwise-registry.log 2>&1 < /dev/null &
  for _ in $(seq 1 30); do curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && break; sleep 0.5; done
fi

# buildkitd (standalone BuildKit) for the BuildKit client backend and a
# buildx "remote" builder on top of it: built from the Go module proxy like
# buildx (about 4 minutes the first time).
BUILDKIT_VERSION=${BUILDKIT_VERSION:-v0.34.2}
BUILDKIT_ADDR=${BUILDKIT_ADDR:-unix:///run/buildkit/buildkitd.sock}
if ! command -v buildkitd >/dev/null || ! command -v buildctl >/dev/null; then
  log "building buildkitd and buildctl $BUILDKIT_VERSION from the Go module proxy (about 4 minutes the first time)"
  d=$(mktemp -d)
  (cd "$d" && go mod init buildkit-build >/dev/null 2>&1 &&
    go get "github.com/moby/buildkit/cmd/buildkitd@$BUILDKIT_VERSION" "github.com/moby/buildkit/cmd/buildctl@$BUILDKIT_VERSION" >/dev/null 2>&1 &&
    go build -o /usr/local/bin/buildkitd github.com/moby/buildkit/cmd/buildkitd &&
    go build -o /usr/local/bin/buildctl github.com/moby/buildkit/cmd/buildctl)
  rm -rf "$d"
fi
if ! buildctl --addr "$BUILDKIT_ADDR" debug workers >/dev/null 2>&1; then
  if [ "${CI:-}" = true ] && [ -d /var/lib/buildkit ]; then
    log "CI: clearing the state a killed buildkitd left behind"
    rm -rf /var/lib/buildkit
  fi
  log "starting buildkitd on $BUILDKIT_ADDR (log: /var/log/buildkitd.log)"
  mkdir -p /run/buildkit /var/lib/buildkit /etc/buildkit
  # Docker Hub's images through the loopback registry, as a developer's
  # builder pulls them from Docker Hub (the same settings as the fresh CI
  # builders' and `layerwise generate mirror`'s): the base images the
  # examples and tests push there resolve by their usual names
  cat > /etc/buildkit/layerwise-buildkitd.toml <<EOF_TOML
[registry."docker.io"]
  mirrors = ["$REGISTRY_ADDR"]
[registry."$REGISTRY_ADDR"]
  http = true
EOF_TOML
  setsid nohup buildkitd --addr "$BUILDKIT_ADDR" --root /var/lib/buildkit --config /etc/buildkit/layerwise-buildkitd.toml >/var/log/buildkitd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do buildctl --addr "$BUILDKIT_ADDR" debug workers >/dev/null 2>&1 && break; sleep 0.5; done
  buildctl --addr "$BUILDKIT_ADDR" debug workers >/dev/null || { log "buildkitd did not come up; see /var/log/buildkitd.log"; tail -20 /var/log/buildkitd.log >&2; exit 1; }
fi
if ! docker buildx inspect layerwise-remote >/dev/null 2>&1; then
  log "creating the buildx builder layerwise-remote (driver remote, $BUILDKIT_ADDR)"
  docker buildx create --name layerwise-remote --driver remote "$BUILDKIT_ADDR" >/dev/null
fi

scripts/make-base-images.sh
log "ready: $(docker version --format 'Engine {{.Server.Version}}'), $(docker buildx version | cut -d' ' -f1,2)"
