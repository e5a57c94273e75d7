# layerwise's own image: the static binary on an empty base, as a non-root
# user, for every platform without emulation (the build stage runs on the
# builder's platform and cross-compiles).
#   docker build -t layerwise .
#   docker run --rm -v "$PWD:/repo:ro" layerwise audit /repo
# It holds the binary alone: audit, fix, ls, context, rules, why, history,
# report and generate need nothing else; measure, bench, build and verify
# need a builder: --backend buildkit --addr with a buildkitd socket mounted
# in (the docker and buildx backends run the docker CLI, not in this image).
ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
# go.mod's go line picks the toolchain: an older golang image downloads it
ENV GOTOOLCHAIN=auto CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS TARGETARCH VERSION=dev
RUN --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags "-s -w -X github.com/layerwise/layerwise/cli.Version=$VERSION" \
      -o /out/layerwise ./cmd/layerwise \
    && mkdir -p /out/tmp && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/tmp /tmp
COPY --from=build /out/layerwise /usr/local/bin/layerwise
USER 65532:65532
ENV HOME=/tmp
WORKDIR /repo
ENTRYPOINT ["/usr/local/bin/layerwise"]
CMD ["--help"]
