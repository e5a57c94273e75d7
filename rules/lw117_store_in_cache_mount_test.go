package rules

import (
	"strings"
	"testing"
)

func TestLW117StoreInCacheMount(t *testing.T) {
	ruleCatches(t, "LW117",
		// the expert's pattern: modules in a mount on the download and the build
		"FROM golang:1.23\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go build -o /app .\n",
		// the mount on the build hides what the download left in its layer
		"FROM golang:1.23\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go build -o /app .\n",
		// NuGet's packages before --no-restore
		"FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY app.csproj ./\nRUN --mount=type=cache,target=/root/.nuget/packages dotnet restore\nCOPY . .\nRUN dotnet publish --no-restore -o /out\n",
		// a development image that runs the toolchain
		"FROM golang:1.23\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCMD [\"go\", \"run\", \".\"]\n",
	)
	ruleCatchesNot(t, "LW117",
		// one RUN fills and reads the store: a mount is a cache there
		"FROM golang:1.23\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n",
		// the store in the layer, the build cache in a mount
		"FROM golang:1.23\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n",
		// download caches are caches
		"FROM node:20\nCOPY package*.json ./\nRUN --mount=type=cache,target=/root/.npm npm ci\nCOPY . .\nRUN npm run build\n",
		"FROM mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-ltsc2022\nRUN --mount=type=cache,target=C:/nuget dotnet restore\nRUN dotnet publish --no-restore\n",
		// review 12 (navidrome): the download bind-mounts the whole context,
		// so it re-runs with every change, as the build after it does
		"FROM golang:1.23\nRUN --mount=type=bind,source=.,target=/src --mount=type=cache,target=/go/pkg/mod cd /src && go mod download\nRUN --mount=type=bind,source=.,target=/src --mount=type=cache,target=/go/pkg/mod cd /src && go build -o /app .\n",
	)
	fs := check(t, "LW117", input(t, "FROM golang:1.23\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nRUN --mount=type=cache,target=/go/pkg/mod GOPROXY=off go build -o /app .\n"))
	if len(fs) != 2 || !strings.Contains(fs[0].Message, "fails: it builds offline") {
		t.Errorf("the offline build fails on a fresh builder: %+v", fs)
	}
}
