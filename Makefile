# layerwise — see README.md for what each target does.
GO      ?= go
BIN     ?= bin/layerwise
EXAMPLE ?= examples

.PHONY: all build demo test unit lint bench bench-ci fuzz fuzz-long generate engine release-snapshot clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -ldflags='-s -w' -o $(BIN) ./cmd/layerwise

# The main job on the example monorepo: what it builds, and what each build
# sends to the builder.
demo:
	scripts/demo.sh

# Every test, integration tests against a real engine included (the engine
# is installed and started first if it is not running). One package at a
# time (-p 1): the packages share the Engine's builder and its cache, and a
# test that prunes the builder's cache mounts (measure's empty-mounts test)
# must not run beside one that expects them (generate's CI job test); on 2
# cores the builds gain nothing from running side by side anyway.
test: engine
	scripts/fetch-schemas.sh
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt needed on the files above" && exit 1)
	$(GO) vet ./...
	LAYERWISE_INTEGRATION=1 LAYERWISE_TEST_RELEASE=1 $(GO) test -count=1 -p 1 -timeout 45m ./...

# Unit tests only: integration tests are opt-in (LAYERWISE_INTEGRATION=1,
# which make test sets) and skip here, engine or not.
unit:
	LAYERWISE_INTEGRATION= CI= $(GO) test ./...

lint:
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt needed" && exit 1)
	$(GO) vet ./...

# The before/after benchmark on examples/ (docs/benchmarks.md): naive, fixed
# and the hand-written experts, the dependency graph -j 1 / -j 4, the static
# speed against dockerfilelint and du; then the performance benchmarks of the
# context walk, the audit and measure. About an hour on this machine.
bench: engine
	scripts/benchmark-builds.sh examples -n 3 --expert --graph 4
	scripts/bench-static.sh
	$(GO) test -run '^$$' -bench . -benchtime 3x ./buildctx/ ./audit/
	$(GO) test -run '^$$' -bench BuildKitChecksPerLine -benchtime 1x ./rules/
	$(GO) test -run '^$$' -bench MeasureOverhead -benchtime 7x ./measure/

# The reduced before/after benchmark CI runs: one repetition, one Go and one
# Node service, the change scenarios (each starts from a prime build).
bench-ci: build
	$(BIN) bench $(EXAMPLE) -n 1 --image orders --image storefront --scenario source-change,deps-change

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 30s ./dockerfile/
	$(GO) test -run '^$$' -fuzz FuzzWalkMatchesFsutil -fuzztime 30s ./buildctx/
	$(GO) test -run '^$$' -fuzz FuzzFix -fuzztime 30s ./fix/
	$(GO) test -run '^$$' -fuzz FuzzEscapePattern -fuzztime 30s ./fix/
	$(GO) test -run '^$$' -fuzz FuzzAudit -fuzztime 30s ./audit/

# Every fuzz target for FUZZTIME each (10 minutes; not in CI); the result goes
# in docs/fuzz.md.
FUZZTIME ?= 10m
fuzz-long:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./dockerfile/
	$(GO) test -run '^$$' -fuzz FuzzWalkMatchesFsutil -fuzztime $(FUZZTIME) ./buildctx/
	$(GO) test -run '^$$' -fuzz FuzzFix -fuzztime $(FUZZTIME) ./fix/
	$(GO) test -run '^$$' -fuzz FuzzEscapePattern -fuzztime $(FUZZTIME) ./fix/
	$(GO) test -run '^$$' -fuzz FuzzAudit -fuzztime $(FUZZTIME) ./audit/

# Regenerate docs/rules and the render golden files after changing rules.
generate:
	$(GO) test ./rules -run TestDocs -update
	$(GO) test ./render -run Golden -update

# The release build without publishing: dist/ gets the archives for
# linux/darwin/windows x amd64/arm64 (binary, README, completions, man pages),
# checksums.txt and a CycloneDX SBOM per binary. goreleaser and
# cyclonedx-gomod are the tools of tools/go.mod (a module of their own: their
# hundreds of dependencies stay out of layerwise's go.mod).
release-snapshot:
	$(GO) -C tools build -o $(CURDIR)/bin/tools/ github.com/goreleaser/goreleaser/v2 github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod
	PATH="$(CURDIR)/bin/tools:$$PATH" bin/tools/goreleaser release --snapshot --clean

# Docker Engine + buildx + loopback registry + base images (needs root).
engine:
	scripts/engine.sh

clean:
	rm -rf bin
