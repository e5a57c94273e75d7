package rules

import (
	"strings"
	"testing"
)

func TestLW101CacheOrder(t *testing.T) {
	ruleCatches(t, "LW101",
		"FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
		"FROM node:20\nCOPY package.json ./\nCOPY . .\nRUN npm install && npm run build\n",
		"FROM python:3.12\nCOPY . /app\nRUN pip install -r /app/requirements.txt\n",
		"FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app ./cmd/api\n",
		"FROM golang:1.22 AS base\nWORKDIR /src\nCOPY . .\nFROM base AS build\nRUN go mod download\n",
		"FROM rust:1.80\nCOPY src/ src/\nCOPY Cargo.toml .\nRUN cargo build --release\n",
		"FROM maven:3-eclipse-temurin-21\nCOPY . .\nRUN mvn -B package\n",
		"FROM ruby:3.3\nCOPY . .\nRUN bundle install\n",
		"FROM python:3.12\nCOPY . .\nRUN python -m pip install .\n",
		"FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY . .\nRUN dotnet restore && dotnet publish -c Release\n",
		"FROM node:20\nCOPY src/ ./src/\nRUN if [ -f yarn.lock ]; then yarn install --frozen-lockfile; fi\n",
	)
	ruleCatchesNot(t, "LW101",
		// the dependency step is there already: a task on the build
		// files alone, cargo-chef's cook, a dummy build of the manifests
		"FROM gradle:8-jdk21\nWORKDIR /app\nCOPY build.gradle settings.gradle ./\nRUN gradle downloadRepos --no-daemon\nCOPY . .\nRUN gradle build --no-daemon\n",
		"FROM rust:1.80 AS chef\nRUN cargo install cargo-chef\nFROM chef AS planner\nCOPY . .\nRUN cargo chef prepare --recipe-path recipe.json\nFROM chef AS builder\nCOPY --from=planner /recipe.json recipe.json\nRUN cargo chef cook --release --recipe-path recipe.json\nCOPY . .\nRUN cargo build --release\n",
		"FROM rust:1.80\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\nRUN mkdir src && echo 'fn main() {}' > src/main.rs && cargo build --release\nCOPY . .\nRUN cargo build --release\n",
		// only manifests and the wrappers' directories before the install
		"FROM node:20\nCOPY package.json yarn.lock .yarnrc.yml ./\nCOPY .yarn .yarn\nRUN yarn install\nCOPY . .\n",
		"FROM maven:3\nCOPY pom.xml mvnw ./\nCOPY .mvn .mvn\nRUN ./mvnw dependency:go-offline\nCOPY src src\n",

		"FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n",
		"FROM golang:1.22\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build ./...\n",
		"FROM python:3.12\nCOPY requirements*.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\n",
		"FROM node:20\nCOPY . .\nRUN npm install -g pm2\n",
		"FROM debian:12\nCOPY . /src\nRUN apt-get update && apt-get install -y curl\n",
		"FROM node:20 AS deps\nCOPY package.json .\nRUN npm ci\nFROM node:20\nCOPY . .\nCOPY --from=deps /node_modules ./node_modules\n",
		"FROM rust:1.80\nCOPY Cargo.toml Cargo.lock ./\nRUN cargo fetch\nCOPY src src\nRUN cargo build --release\n",
		"FROM maven:3\nCOPY pom.xml .\nRUN mvn dependency:go-offline\nCOPY src src\nRUN mvn package\n",
		"FROM golang:1.22\nCOPY . .\nRUN go install golang.org/x/tools/cmd/goimports@latest\n",
		"FROM node:20\nCOPY server.js /app/\nRUN echo built\n",
		// pnpm fetch on the lockfile, then the install links from the store
		"FROM node:20\nWORKDIR /app\nCOPY pnpm-lock.yaml .\nRUN pnpm fetch\nCOPY . .\nRUN pnpm install -f --prefer-offline\n",
	)
	// the finding points at the COPY and names the install and its cost
	fs := check(t, "LW101", input(t, "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"))
	if len(fs) != 1 || fs[0].Range.Start.Line != 3 || fs[0].Cost.Seconds == 0 || fs[0].Cost.Invalidates != "every source change re-runs `npm ci` in img" {
		t.Errorf("finding: %+v", fs)
	}
}

// TestLW101StoreAlreadyInAMount: dotnet-docker's update-dependencies image
// publishes with its NuGet packages in a cache mount: a warm builder does
// not download them again, a fresh CI builder does. The finding says so,
// not that every source change downloads them.
func TestLW101StoreAlreadyInAMount(t *testing.T) {
	fs := check(t, "LW101", input(t, "FROM mcr.microsoft.com/dotnet/sdk:9.0\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/root/.nuget dotnet publish app.csproj -o out\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "only in a cache mount") || strings.Contains(fs[0].Message, "every source change") {
		t.Errorf("mounted store: %+v", fs)
	}
	fs = check(t, "LW101", input(t, "FROM mcr.microsoft.com/dotnet/sdk:9.0\nWORKDIR /src\nCOPY . .\nRUN dotnet publish app.csproj -o out\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "every source change re-downloads") {
		t.Errorf("no mount: %+v", fs)
	}
}

// TestLW101NamesTheManifestsThatExist: the advice names the manifests the
// context has (review: it named package-lock.json and npm-shrinkwrap.json
// where neither exists, and rust-toolchain.toml for a crate without one),
// and a cargo workspace is pointed at cargo-chef.
func TestLW101NamesTheManifestsThatExist(t *testing.T) {
	in := inputWithContext(t, map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\n", "package.json": "{}", "index.js": ""})
	fs := check(t, "LW101", in)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "Copy package.json first") {
		t.Errorf("npm: %+v", fs)
	}
	in = inputWithContext(t, map[string]string{"Dockerfile": "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n", "Cargo.toml": "[workspace]\nmembers = [\"server\"]\n", "Cargo.lock": "", "server/Cargo.toml": "[package]\nname = \"server\"\n", "server/src/main.rs": ""})
	fs = check(t, "LW101", in)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "cargo workspace") || strings.Contains(fs[0].Message, "rust-toolchain") {
		t.Errorf("cargo workspace: %+v", fs)
	}
}

// TestLW101VendoredGo: openfaas's gateway copies vendor/ and then its
// packages before `go test` and `go build`: with vendor/modules.txt go
// builds from ./vendor by default (Go ≥ 1.14) and downloads nothing, so
// there is no dependency step to move. Without the vendor directory the
// same Dockerfile is caught.
func TestLW101VendoredGo(t *testing.T) {
	df := "FROM golang:1.24 AS build\nWORKDIR /src\nCOPY vendor vendor\nCOPY go.mod go.mod\nCOPY go.sum go.sum\nCOPY handlers handlers\nCOPY main.go .\nRUN go test ./...\nRUN go build -o /gateway .\n"
	files := map[string]string{"Dockerfile": df, "go.mod": "module x\n\ngo 1.24\n\nrequire example.com/y v1.0.0\n", "go.sum": "", "main.go": "package main\n", "handlers/h.go": "package handlers\n",
		"vendor/modules.txt": "# example.com/y v1.0.0\n", "vendor/example.com/y/y.go": "package y\n"}
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 0 {
		t.Errorf("vendored: %+v", fs)
	}
	delete(files, "vendor/modules.txt")
	delete(files, "vendor/example.com/y/y.go")
	files["Dockerfile"] = strings.Replace(df, "COPY vendor vendor\n", "", 1)
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 1 {
		t.Errorf("not vendored: %+v", fs)
	}
}

// TestLW101PnpmWorkspaceAdvice: a pnpm workspace is pointed at pnpm fetch
// (the root manifests alone install none of the members' dependencies).
func TestLW101PnpmWorkspaceAdvice(t *testing.T) {
	in := inputWithContext(t, map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN pnpm install --frozen-lockfile\n",
		"package.json": "{}", "pnpm-lock.yaml": "", "pnpm-workspace.yaml": "packages:\n  - packages/*\n", "packages/a/package.json": "{}"})
	fs := check(t, "LW101", in)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "`pnpm fetch`") {
		t.Errorf("pnpm workspace: %+v", fs)
	}
}

// TestLW101CargoPathDependencyGoesWithManifests: vaultwarden copies
// Cargo.* and its macros crate (a workspace member and path dependency)
// before a dummy build, then the sources: that is the dependency step.
// A directory Cargo.toml does not name is still sources.
func TestLW101CargoPathDependencyGoesWithManifests(t *testing.T) {
	files := map[string]string{
		"Dockerfile":        "FROM rust:1.85\nRUN cargo new --bin /app\nWORKDIR /app\nCOPY ./Cargo.* ./\nCOPY ./macros ./macros\nRUN cargo build --release && find . -not -path './target*' -delete\nCOPY . .\nRUN cargo build --release\n",
		"Cargo.toml":        "[workspace]\nmembers = [\"macros\"]\n\n[package]\nname = \"vw\"\n\n[dependencies]\nmacros = { path = \"./macros\" }\n",
		"Cargo.lock":        "",
		"macros/Cargo.toml": "[package]\nname = \"macros\"\n",
		"macros/src/lib.rs": "",
		"src/main.rs":       "fn main() {}\n",
	}
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 0 {
		t.Errorf("path dependency with the manifests: %+v", fs)
	}
	files["Dockerfile"] = strings.Replace(files["Dockerfile"], "COPY ./macros ./macros", "COPY ./src ./src", 1)
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 1 {
		t.Errorf("sources before the build: %+v", fs)
	}
	// review 24 (atuin): the directory holding a [patch] crate, copied
	// before cargo chef cook
	patched := map[string]string{
		"Dockerfile":                 "FROM rust:1.85 AS chef\nRUN cargo install cargo-chef\nWORKDIR /app\nFROM chef AS planner\nCOPY . .\nRUN cargo chef prepare --recipe-path recipe.json\nFROM chef AS builder\nCOPY --from=planner /app/recipe.json recipe.json\nCOPY vendor vendor\nRUN cargo chef cook --release --recipe-path recipe.json\nCOPY . .\nRUN cargo build --release\n",
		"Cargo.toml":                 "[package]\nname = \"app\"\n\n[patch.crates-io]\naxoasset = { path = \"vendor/axoasset\" }\n",
		"vendor/axoasset/Cargo.toml": "[package]\nname = \"axoasset\"\n",
		"vendor/vendor.sh":           "#!/bin/sh\n",
		"src/main.rs":                "fn main() {}\n",
	}
	for _, f := range check(t, "LW101", inputWithContext(t, patched)) {
		if f.Range.Start.Line == 9 {
			t.Errorf("the [patch] crate's directory is no sources: %+v", f)
		}
	}
}

// TestLW101DotnetAdviceNamesTheProjects: bitwarden's services restore
// src/Api with only Directory.Build.props and global.json at the root: the
// advice names the project files too (review 11: the root files alone do
// not restore).
func TestLW101DotnetAdviceNamesTheProjects(t *testing.T) {
	in := inputWithContext(t, map[string]string{"Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:10.0\nWORKDIR /source\nCOPY . ./\nWORKDIR /source/src/Api\nRUN dotnet restore\n",
		"Directory.Build.props": "<Project/>", "global.json": "{}", "src/Api/Api.csproj": "<Project/>", "src/Api/Program.cs": ""})
	fs := check(t, "LW101", in)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, ".csproj files the restore reads") {
		t.Errorf("dotnet: %+v", fs)
	}
}

// TestLW101RequirementsDirectory: wagtail's bakerydemo adds requirements/
// (base.txt, production.txt) and installs from it before the sources: the
// order is right already. A requirements directory with code in it is
// sources.
func TestLW101RequirementsDirectory(t *testing.T) {
	files := map[string]string{"Dockerfile": "FROM python:3.12\nADD requirements/ /requirements/\nRUN pip install -r /requirements/production.txt\nCOPY . /code/\n",
		"requirements/base.txt": "django\n", "requirements/production.txt": "-r base.txt\ngunicorn\n", "manage.py": ""}
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 0 {
		t.Errorf("requirements directory: %+v", fs)
	}
	files["requirements/setup.py"] = ""
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 1 {
		t.Errorf("a directory with code: %+v", fs)
	}
}

// TestLW101InstallReadsTheseDirectories: outline copies ./patches (yarn's
// patch: protocol) and navidrome ui/bin/ (its postinstall script) with the
// manifests: the install reads them, they are no sources.
func TestLW101InstallReadsTheseDirectories(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"patches": {"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY package.json yarn.lock ./\nCOPY ./patches ./patches\nRUN yarn install --frozen-lockfile\nCOPY . .\n",
			"package.json": "{}", "yarn.lock": "", "patches/a+1.0.0.patch": "", "index.js": ""},
		"postinstall": {"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY ui/package.json ui/package-lock.json ./\nCOPY ui/bin/ ./bin/\nRUN npm ci\nCOPY ui/ ./\n",
			"ui/package.json": `{"scripts": {"postinstall": "bin/update-workbox.sh"}}`, "ui/package-lock.json": "{}", "ui/bin/update-workbox.sh": "", "ui/src/a.js": ""},
	} {
		if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 0 {
			t.Errorf("%s: %+v", name, fs)
		}
	}
	// a directory no script names is sources
	files := map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY ui/package.json ui/package-lock.json ./\nCOPY ui/lib/ ./lib/\nRUN npm ci\nCOPY ui/ ./\n",
		"ui/package.json": `{"scripts": {"postinstall": "bin/update-workbox.sh"}}`, "ui/package-lock.json": "{}", "ui/lib/a.js": ""}
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 1 {
		t.Errorf("ui/lib: %+v", fs)
	}
}

// TestLW101BuiltOnceInforms: a sample its readers build once (review 18:
// knative's tutorials, dapr's samples) gets the advice as information,
// saying why; the fix stays.
func TestLW101BuiltOnceInforms(t *testing.T) {
	files := map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", "package.json": "{}", "package-lock.json": "{}"}
	in := inputWithContext(t, files)
	if fs := check(t, "LW101", in); len(fs) != 1 || fs[0].Severity != Warning {
		t.Fatalf("no warning: %+v", fs)
	}
	in = inputWithContext(t, files)
	in.BuiltOnce = "only README.md builds this image, a build each reader runs once"
	fs := check(t, "LW101", in)
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "only README.md builds this image") {
		t.Errorf("built once: %+v", fs)
	}
}

// Review 25 (kanidm): a compile whose downloads and compiled dependencies
// are all on cache mounts — cargo's registry through an exported
// CARGO_HOME, sccache's directory; Go's module and build caches — fetches
// nothing after a source change on the same builder: information. Without
// the compiler cache it stays a warning.
func TestLW101CompileCachedIsInformation(t *testing.T) {
	cargo := "FROM rust:1.85\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,id=cargo,target=/cargo --mount=type=cache,id=sccache,target=/sccache \\\n    export CARGO_HOME=/cargo && export SCCACHE_DIR=/sccache && export RUSTC_WRAPPER=/usr/bin/sccache && \\\n    cargo build --locked --release\n"
	files := map[string]string{"Dockerfile": cargo, "Cargo.toml": "[package]\nname = \"app\"\n", "Cargo.lock": "", "src/main.rs": ""}
	for _, tc := range []struct {
		df   string
		want Severity
	}{
		{cargo, Info},
		{strings.Replace(cargo, " --mount=type=cache,id=sccache,target=/sccache", "", 1), Warning},
		{"FROM golang:1.23\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n", Info},
		{"FROM golang:1.23\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n", Warning},
	} {
		files["Dockerfile"] = tc.df
		files["go.mod"], files["go.sum"] = "module x\n\ngo 1.23\n\nrequire example.com/y v1.0.0\n", "example.com/y v1.0.0 h1:x\n"
		fs := check(t, "LW101", inputWithContext(t, files))
		if len(fs) != 1 || fs[0].Severity != tc.want {
			t.Errorf("%q: %+v, want severity %v", tc.df, fs, tc.want)
		}
	}
}

// An exported CARGO_HOME moves the registry the mount advice names.
func TestLW102ExportedToolHome(t *testing.T) {
	src := "FROM rust:1.85\nWORKDIR /src\nCOPY Cargo.toml Cargo.lock ./\nRUN --mount=type=cache,target=/cargo export CARGO_HOME=/cargo && cargo fetch\n"
	if fs := check(t, "LW102", input(t, src)); len(fs) != 0 {
		t.Errorf("the registry is on the mount through CARGO_HOME: %+v", fs)
	}
	if fs := check(t, "LW102", input(t, strings.Replace(src, "export CARGO_HOME=/cargo && ", "", 1))); len(fs) != 1 {
		t.Errorf("without the export the mount misses ~/.cargo/registry: %+v", fs)
	}
}

// Mix's compile-time configuration comes with mix.exs (Phoenix's generated
// Dockerfile, livebook's: review 25); a config/ with no mix.exs beside it
// is sources.
func TestLW101MixConfigIsAManifest(t *testing.T) {
	files := map[string]string{
		"Dockerfile":        "FROM elixir:1.17\nWORKDIR /app\nCOPY mix.exs mix.lock ./\nCOPY config config\nRUN mix do deps.get, deps.compile\nCOPY lib lib\nRUN mix release\n",
		"mix.exs":           "defmodule App.MixProject do\nend\n",
		"mix.lock":          "%{}\n",
		"config/config.exs": "import Config\n",
		"lib/app.ex":        "",
	}
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 0 {
		t.Errorf("config/ beside mix.exs: %+v", fs)
	}
}

// TestLW101ManifestsAlreadyFirst: review 27 (dapr's javademo): pom.xml is
// copied alone, then src, then `mvn package`: the advice is the dependency
// step after the pom, not "copy pom.xml, .mvn, mvnw first" (neither .mvn
// nor mvnw exists).
func TestLW101ManifestsAlreadyFirst(t *testing.T) {
	fs := check(t, "LW101", input(t, "FROM maven:3-openjdk-11 AS build\nWORKDIR /build\nCOPY pom.xml ./\nADD src /build/src\nRUN mvn package\n"))
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "The manifests come first already (line 3)") || !strings.Contains(fs[0].Message, "mvn dependency:go-offline") || strings.Contains(fs[0].Message, "mvnw") {
		t.Errorf("%+v", fs)
	}
}

// TestLW101MSBuildPropsDirIsAManifest: review 27 (TailwindTraders' BFFs):
// build/ holds only dependencies.props, which Directory.Build.props
// imports — a restore input, copied with the manifests; the sources are
// the project's COPY after it.
func TestLW101MSBuildPropsDirIsAManifest(t *testing.T) {
	df := "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY ./Directory.Build.props .\nCOPY ./build ./build\nWORKDIR /src/project\nCOPY ./Bff .\nRUN dotnet build \"Bff.csproj\" -c Release -o /app\n"
	files := map[string]string{"Dockerfile": df, "Directory.Build.props": "<Project><Import Project=\"build/dependencies.props\" /></Project>",
		"build/dependencies.props": "<Project/>", "Bff/Bff.csproj": "<Project Sdk=\"Microsoft.NET.Sdk.Web\"/>", "Bff/Program.cs": ""}
	fs := check(t, "LW101", inputWithContext(t, files))
	if len(fs) != 1 || fs[0].Range.Start.Line != 6 {
		t.Errorf("want the project's COPY (line 6): %+v", fs)
	}
	files["build/tool.sh"] = "echo"
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 1 || fs[0].Range.Start.Line != 4 {
		t.Errorf("a directory with more than MSBuild files is sources: %+v", fs)
	}
}

// TestLW101DependencyStepVariablesInScope: review 28 (newrelic's .NET
// guide): the restore the fix adds before the sources repeats the
// publish's `-a ${TARGETARCH/amd64/x64}`, but the stage declares ARG
// TARGETARCH only after the COPY: the restore ran with it empty and failed.
// The ARG is repeated above the restore; set by an ENV there, refused.
func TestLW101DependencyStepVariablesInScope(t *testing.T) {
	df := "FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0-alpine AS build\nCOPY . /source\nWORKDIR /source\nARG TARGETARCH\nRUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \\\n    dotnet publish -a ${TARGETARCH/amd64/x64} --use-current-runtime -o /app\n"
	files := map[string]string{"Dockerfile": df, "dotnet.csproj": "<Project Sdk=\"Microsoft.NET.Sdk.Web\"/>", "Program.cs": ""}
	in := inputWithContext(t, files)
	fs := check(t, "LW101", in)
	if len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	fx, why := fixCacheOrderInScope(in, fs[0])
	if fx == nil {
		t.Fatal(why)
	}
	got := strings.Join(ApplyFix(in.File.Lines, fx), "\n")
	if !strings.Contains(got, "ARG TARGETARCH\nCOPY dotnet.csproj /source/\nRUN cd source && dotnet restore -a ${TARGETARCH/amd64/x64}\nCOPY . /source") {
		t.Errorf("the restore above the ARG:\n%s", got)
	}
	files["Dockerfile"] = strings.Replace(df, "ARG TARGETARCH", "ENV TARGETARCH=amd64", 1)
	in = inputWithContext(t, files)
	if fs = check(t, "LW101", in); len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	if fx, why := fixCacheOrderInScope(in, fs[0]); fx != nil || !strings.Contains(why, "reads TARGETARCH, which the ENV on line 4 sets only after it") {
		t.Errorf("ENV: %v %q", fx != nil, why)
	}
}

// TestLW101CheckBetweenCopyAndCompile: review 28 (gatus): `go mod tidy
// -diff` between `COPY . ./` and `go build` only checks the module files;
// the dependency step goes above the COPY and the check stays where it is.
// A RUN that may configure the download (git config, go env -w) refuses.
func TestLW101CheckBetweenCopyAndCompile(t *testing.T) {
	files := map[string]string{"go.mod": "module x\n\ngo 1.22\n", "go.sum": "", "main.go": "package main\n"}
	for _, c := range []struct {
		between string
		fixed   bool
	}{
		{"RUN go mod tidy -diff", true},
		{"RUN go mod verify && ls -la", true},
		{"RUN go env -w GOPROXY=https://proxy.example.com", false},
		{"RUN git config --global url.https://x@example.com/.insteadOf https://example.com/", false},
		{"RUN go mod tidy > /dev/null", false},
	} {
		files["Dockerfile"] = "FROM golang:1.22-alpine AS builder\nWORKDIR /app\nCOPY . ./\n" + c.between + "\nRUN CGO_ENABLED=0 go build -a -o app .\n"
		in := inputWithContext(t, files)
		fs := check(t, "LW101", in)
		if len(fs) != 1 {
			t.Fatalf("%s: %+v", c.between, fs)
		}
		if strings.HasPrefix(c.between, "RUN go mod tidy") && !strings.Contains(fs[0].Message, "before `go mod tidy") {
			t.Errorf("the message names the compile, not the tidy that downloads first: %s", fs[0].Message)
		}
		fx, why := fixCacheOrderInScope(in, fs[0])
		if (fx != nil) != c.fixed {
			t.Errorf("%s: fixed %v, want %v (%s)", c.between, fx != nil, c.fixed, why)
			continue
		}
		if fx == nil {
			continue
		}
		got := strings.Join(ApplyFix(in.File.Lines, fx), "\n")
		if !strings.Contains(got, "WORKDIR /app\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . ./\n"+c.between+"\n") {
			t.Errorf("%s:\n%s", c.between, got)
		}
	}
}

// TestLW101WorkspaceMemberWithoutItsWorkspace: reviews 29 and 30 (plane's
// apps/*/Dockerfile.dev): a member's package.json names workspace
// packages; in a context without the workspace the rewrite would install
// without the lockfile and the members. Refused; with pnpm-workspace.yaml
// in the context, pnpm's fetch recipe applies instead.
func TestLW101WorkspaceMemberWithoutItsWorkspace(t *testing.T) {
	files := map[string]string{
		"Dockerfile":   "FROM node:22-alpine\nWORKDIR /app\nCOPY . .\nRUN corepack enable pnpm\nRUN pnpm install\nCMD [\"pnpm\", \"dev\"]\n",
		"package.json": `{"name": "admin", "dependencies": {"@plane/ui": "workspace:*", "react": "18.3.1"}}`,
		"index.js":     "",
	}
	in := inputWithContext(t, files)
	fs := check(t, "LW101", in)
	if len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	if fx, why := fixCacheOrderInScope(in, fs[0]); fx != nil || !strings.Contains(why, "workspace packages") {
		t.Errorf("fixed: %v %q", fx != nil, why)
	}
	files["package.json"] = `{"name": "admin", "dependencies": {"react": "18.3.1"}}`
	files["pnpm-lock.yaml"] = "lockfileVersion: '9.0'\n"
	in = inputWithContext(t, files)
	if fs = check(t, "LW101", in); len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	if fx, why := fixCacheOrderInScope(in, fs[0]); fx == nil {
		t.Errorf("a plain package: %s", why)
	}
}

// TestLW101DirectoryAsideBeforeTheRestore: review 30 (KurrentDB): a
// directory of CI files copied before the restore, the sources after it:
// information that says to move that COPY, not "add a dependency step".
func TestLW101DirectoryAsideBeforeTheRestore(t *testing.T) {
	files := map[string]string{
		"Dockerfile":         "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /build\nCOPY ./global.json .\nWORKDIR /build/ci\nCOPY ./ci ./\nWORKDIR /build/src\nCOPY ./src/Api/Api.csproj ./Api/\nRUN dotnet restore Api/Api.csproj\nCOPY ./src .\nRUN dotnet publish Api/Api.csproj -o /out\n",
		"global.json":        "{}",
		"ci/runner.json":     "{}",
		"src/Api/Api.csproj": "<Project Sdk=\"Microsoft.NET.Sdk\"/>",
		"src/Api/Program.cs": "",
	}
	fs := check(t, "LW101", inputWithContext(t, files))
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "holds none of its manifests") {
		t.Fatalf("%+v", fs)
	}
	// a project file in the directory: the restore reads it, a warning
	files["ci/Tools/Tools.csproj"] = "<Project Sdk=\"Microsoft.NET.Sdk\"/>"
	if fs = check(t, "LW101", inputWithContext(t, files)); len(fs) != 1 || fs[0].Severity != Warning {
		t.Errorf("with a project in ci/: %+v", fs)
	}
}

// TestLW101ProjectAfterItsDependencies: review 30 (Flagsmith's mcp):
// `uv sync --no-install-project` on the manifests, then the sources, then
// `uv sync` installs the project alone; poetry's --no-root the same.
func TestLW101ProjectAfterItsDependencies(t *testing.T) {
	ruleCatchesNot(t, "LW101",
		"FROM python:3.12-slim\nWORKDIR /build\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --frozen --no-dev --no-install-project\nCOPY src ./src\nRUN uv sync --frozen --no-dev --no-editable\n",
		"FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\nRUN poetry install --no-root\nCOPY . .\nRUN poetry install\n",
	)
	ruleCatches(t, "LW101",
		"FROM python:3.12-slim\nWORKDIR /build\nCOPY . .\nRUN uv sync --frozen --no-dev\n",
	)
}

// TestLW101VenvFromAnotherStage: review 30 (lnbits): the final stage
// copies the sources, then the builder stage's .venv, then runs `uv
// sync`: the dependencies come with the environment.
func TestLW101VenvFromAnotherStage(t *testing.T) {
	df := "FROM python:3.12-slim AS builder\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --all-extras\nFROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCOPY --from=builder /app/.venv .venv\nRUN uv sync --all-extras\n"
	ruleCatchesNot(t, "LW101", df)
	ruleCatches(t, "LW101", strings.Replace(df, "COPY --from=builder /app/.venv .venv\n", "", 1))
}

// TestLW101CargoPathDependencyCopiedBefore: review 30 (svix-cli): the
// path dependency's directory comes first (`COPY rust /app/rust` for
// `svix = { path = "../rust" }`), then the crate: the finding is on the
// crate's COPY, and the stand-in build finds the dependency where the
// compile does. A crate's own [[bin]] path is no dependency.
func TestLW101CargoPathDependencyCopiedBefore(t *testing.T) {
	files := map[string]string{
		"Dockerfile":      "FROM rust:1.85 AS build\nWORKDIR /app/cli\nCOPY rust /app/rust\nCOPY cli /app/cli\nRUN cargo build --release\n",
		"rust/Cargo.toml": "[package]\nname = \"svix\"\n",
		"rust/src/lib.rs": "",
		"cli/Cargo.toml":  "[package]\nname = \"cli\"\n\n[[bin]]\nname = \"cli\"\npath = \"src/main.rs\"\n\n[dependencies]\nsvix = { path = \"../rust\" }\n",
		"cli/Cargo.lock":  "",
		"cli/src/main.rs": "fn main() {}\n",
	}
	in := inputWithContext(t, files)
	fs := check(t, "LW101", in)
	if len(fs) != 1 || fs[0].Range.Start.Line != 4 {
		t.Fatalf("%+v", fs)
	}
	fx, why := fixCacheOrderInScope(in, fs[0])
	if fx == nil {
		t.Fatal(why)
	}
	if got := strings.Join(ApplyFix(in.File.Lines, fx), "\n"); !strings.Contains(got, "COPY rust /app/rust\nCOPY cli/Cargo.lock cli/Cargo.toml /app/cli/\nRUN ") {
		t.Errorf("got:\n%s", got)
	}
	// without the dependency's COPY first, refused
	files["Dockerfile"] = "FROM rust:1.85 AS build\nWORKDIR /app/cli\nCOPY cli /app/cli\nCOPY rust /app/rust\nRUN cargo build --release\n"
	in = inputWithContext(t, files)
	for _, f := range check(t, "LW101", in) {
		if fx, _ := fixCacheOrderInScope(in, f); fx != nil {
			t.Errorf("dependency after the crate: rewritten:\n%s", strings.Join(ApplyFix(in.File.Lines, fx), "\n"))
		}
	}
}

// TestLW101JSFileDependencyIsAManifest: review 31: the service's
// package.json depends on "file:../node-utils", which the Dockerfile
// copies beside it before the install: no sources before the install.
func TestLW101JSFileDependencyIsAManifest(t *testing.T) {
	files := map[string]string{
		"Dockerfile":              "FROM node:18-alpine\nWORKDIR /app\nCOPY jokes/package*.json ./\nCOPY node-utils /node-utils\nRUN npm install\nCOPY jokes .\nCMD [\"node\", \"server.js\"]\n",
		"jokes/package.json":      `{"name":"jokes","dependencies":{"utils":"file:../node-utils"}}`,
		"jokes/server.js":         "",
		"node-utils/package.json": `{"name":"utils"}`,
		"node-utils/index.js":     "",
	}
	in := inputWithContext(t, files)
	if fs := check(t, "LW101", in); len(fs) != 0 {
		t.Errorf("%+v", fs)
	}
	files["jokes/package.json"] = `{"name":"jokes","dependencies":{}}`
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 1 {
		t.Errorf("not a dependency: %+v", fs)
	}
}

// TestLW101NotFixedWhereOnlyAnUncachedCIBuilds: reviews 33, 34 (hatchet's
// frontend.dockerfile): the only build is a CI job that keeps no layer
// cache; the new order is reused by nothing, and `go mod download` fetches
// every module of a monorepo where the compile needs a few.
func TestLW101NotFixedWhereOnlyAnUncachedCIBuilds(t *testing.T) {
	files := map[string]string{"Dockerfile": "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app ./cmd/frontend\n",
		"go.mod": "module x\n\ngo 1.23\n\nrequire example.com/y v1.0.0\n", "go.sum": "", "cmd/frontend/main.go": "package main\n"}
	in := inputWithContext(t, files)
	in.CIWorkflow, in.CIUncached = ".github/workflows/build.yml", true
	fs := check(t, "LW101", in)
	if len(fs) != 1 || fs[0].Severity != Info {
		t.Fatalf("%+v", fs)
	}
	if fx, why := fixCacheOrderInScope(in, fs[0]); fx != nil || !strings.Contains(why, "keeps no layer cache") {
		t.Errorf("fixed %v %q", fx != nil, why)
	}
	in = inputWithContext(t, files)
	if fs = check(t, "LW101", in); len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	if fx, why := fixCacheOrderInScope(in, fs[0]); fx == nil {
		t.Errorf("built locally: %s", why)
	}
	// an npm install moves whatever builds the image: it does the same
	// work before the sources as after them
	npm := inputWithContext(t, map[string]string{"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", "package.json": "{}", "package-lock.json": "{}", "index.js": ""})
	npm.CIWorkflow, npm.CIUncached = ".github/workflows/build.yml", true
	if fs = check(t, "LW101", npm); len(fs) != 1 {
		t.Fatalf("%+v", fs)
	} else if fx, why := fixCacheOrderInScope(npm, fs[0]); fx == nil {
		t.Errorf("npm under an uncached CI: %s", why)
	}
}

// TestLW101AbsoluteGlobBetween: review 33 (Dokploy): an apt RUN between
// the sources' COPY and the install that removes /var/lib/apt/lists/*
// touches nothing of the sources; the rewrite goes ahead. A glob in the
// sources' directory still refuses.
func TestLW101AbsoluteGlobBetween(t *testing.T) {
	files := map[string]string{
		"Dockerfile":   "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN apt-get update && apt-get install -y python3 && rm -rf /var/lib/apt/lists/*\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n",
		"package.json": `{"dependencies":{"a":"1"}}`, "package-lock.json": "{}", "index.js": "",
	}
	in := inputWithContext(t, files)
	fs := check(t, "LW101", in)
	if len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	if fx, why := fixCacheOrderInScope(in, fs[0]); fx == nil {
		t.Errorf("refused: %s", why)
	}
	files["Dockerfile"] = strings.Replace(files["Dockerfile"], "rm -rf /var/lib/apt/lists/*", "rm -rf /app/*.log", 1)
	in = inputWithContext(t, files)
	if fs = check(t, "LW101", in); len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	if fx, _ := fixCacheOrderInScope(in, fs[0]); fx != nil {
		t.Error("a glob over the sources' directory moved before them")
	}
}

// TestLW101QuotedCopyWords: review 33 (openstatus, generated by
// Dofigen): `COPY --link "." "/app/"` names the context with quotes, no
// variable; the rewrite was refused as if its sources came from build args.
func TestLW101QuotedCopyWords(t *testing.T) {
	files := map[string]string{
		"Dockerfile":   "FROM node:20-slim\nWORKDIR /app\nCOPY --link \".\" \"/app/\"\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n",
		"package.json": `{"dependencies":{"a":"1"}}`, "package-lock.json": "{}", "index.js": "",
	}
	in := inputWithContext(t, files)
	fs := check(t, "LW101", in)
	if len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	if fx, why := fixCacheOrderInScope(in, fs[0]); fx == nil {
		t.Errorf("refused: %s", why)
	}
}

// TestLW101CopyIntoTheSourcesBetween: a COPY of more sources between the
// sources' COPY and a Go compile stays after the dependency step, which
// it cannot have prepared; a .netrc copied there may have.
func TestLW101CopyIntoTheSourcesBetween(t *testing.T) {
	files := map[string]string{"go.mod": "module x\n\ngo 1.22\n\nrequire example.com/y v1.0.0\n", "go.sum": "", "main.go": "package main\n", "web/index.html": "", ".netrc": "machine x"}
	for _, c := range []struct {
		between string
		fixed   bool
	}{
		{"COPY web ./web", true},
		{"COPY --from=ui /build /ui-build", true},
		{"COPY --from=tools /usr/bin/git /usr/bin/git", false},
		{"COPY .netrc /root/.netrc", false},
		{"COPY .netrc ./", false},
	} {
		files["Dockerfile"] = "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\n" + c.between + "\nRUN go build -o /app .\n"
		in := inputWithContext(t, files)
		fs := check(t, "LW101", in)
		if len(fs) != 1 {
			t.Fatalf("%s: %+v", c.between, fs)
		}
		if fx, why := fixCacheOrderInScope(in, fs[0]); (fx != nil) != c.fixed {
			t.Errorf("%s: fixed %v (%s)", c.between, fx != nil, why)
		}
	}
}

// TestLW101SourcesInTheBaseStage: review 34 (DefectDojo): the development
// stage is built FROM the release stage, whose COPY brought the sources;
// its dev install cannot move above them without landing in the release
// image: information that says to build it FROM a stage without them.
func TestLW101SourcesInTheBaseStage(t *testing.T) {
	files := map[string]string{
		"Dockerfile":           "FROM python:3.12-slim AS release\nWORKDIR /app\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY dojo/ ./dojo/\nCMD [\"python\", \"-m\", \"dojo\"]\nFROM release AS development\nCOPY requirements-dev.txt ./\nRUN pip install -r requirements-dev.txt\n",
		"requirements.txt":     "django\n",
		"requirements-dev.txt": "pytest\n",
		"dojo/__init__.py":     "",
	}
	fs := check(t, "LW101", inputWithContext(t, files))
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "in a stage built FROM it") {
		t.Fatalf("%+v", fs)
	}
}

// TestLW101SourcesAtTheRoot: the code review of this session: with the
// sources copied to /, a RUN between that removes /src/*.log touches
// them (underDir's prefix test missed the root): the rewrite refuses.
func TestLW101SourcesAtTheRoot(t *testing.T) {
	files := map[string]string{
		"Dockerfile":   "FROM node:20\nCOPY . .\nRUN rm -rf /src/*.log\nRUN npm ci\n",
		"package.json": "{}", "package-lock.json": "{}", "src/a.log": "x",
	}
	in := inputWithContext(t, files)
	fs := check(t, "LW101", in)
	if len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	if fx, _ := fixCacheOrderInScope(in, fs[0]); fx != nil {
		t.Errorf("moved above the sources:\n%s", strings.Join(ApplyFix(in.File.Lines, fx), "\n"))
	}
	if !overlaps("/", "/app") || !overlaps("/x", "/") {
		t.Error("the root overlaps everything")
	}
}

// TestLW101FinalStageCacheOnly: an install in a build stage, where the only
// CI keeps the final image's layers alone (an inline cache), is never
// reused there: information; in the final stage it stays a warning.
func TestLW101FinalStageCacheOnly(t *testing.T) {
	for _, c := range []struct {
		df   string
		want Severity
	}{
		{"FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nFROM nginx:1\nCOPY --from=build /app/dist /usr/share/nginx/html\n", Info},
		{"FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n", Warning},
	} {
		in := inputWithContext(t, map[string]string{"Dockerfile": c.df, "package.json": `{"dependencies":{"a":"1"}}`, "package-lock.json": "{}", "index.js": ""})
		in.CIWorkflow, in.CIFinalStageCache = ".github/workflows/release.yml", true
		fs := check(t, "LW101", in)
		if len(fs) != 1 || fs[0].Severity != c.want {
			t.Errorf("%q: %+v, want one of severity %v", c.df, fs, c.want)
		}
	}
}

// TestLW101ManifestsFirstNeedTheLockfile: review 38 (novu): the root
// package.json alone before the sources, the lockfile after them: the
// manifests do not "come first already".
func TestLW101ManifestsFirstNeedTheLockfile(t *testing.T) {
	df := "FROM node:20\nWORKDIR /app\nCOPY package.json .\nCOPY apps/ws ./apps/ws\nCOPY pnpm-workspace.yaml pnpm-lock.yaml ./\nRUN pnpm install\n"
	in := inputWithContext(t, map[string]string{"Dockerfile": df, "package.json": "{}", "pnpm-lock.yaml": "", "pnpm-workspace.yaml": "packages:\n  - apps/*\n", "apps/ws/package.json": "{}"})
	fs := check(t, "LW101", in)
	if len(fs) != 1 || strings.Contains(fs[0].Message, "come first already") || !strings.Contains(fs[0].Message, "pnpm fetch") {
		t.Errorf("%+v", fs)
	}
}

// TestLW101GoReplaceDirectory: review 38 (loki's operator): a directory go.mod
// replaces a module with is copied before go mod download, which reads it:
// no source COPY.
func TestLW101GoReplaceDirectory(t *testing.T) {
	df := "FROM golang:1.23\nWORKDIR /w\nCOPY api/ api/\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY internal/ internal/\nRUN go build ./...\n"
	files := map[string]string{"Dockerfile": df, "go.mod": "module x\n\nrequire example.com/api v0.0.0\n\nreplace example.com/api => ./api/loki\n", "go.sum": "", "api/loki/go.mod": "module example.com/api\n", "api/loki/a.go": "package api\n", "internal/b.go": "package internal\n"}
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 0 {
		t.Errorf("replace directory: %+v", fs)
	}
	files["go.mod"] = "module x\n"
	if fs := check(t, "LW101", inputWithContext(t, files)); len(fs) != 1 {
		t.Errorf("no replace: %+v", fs)
	}
}
