package rules

import "testing"

func TestLW112SingleStageCompiled(t *testing.T) {
	ruleCatches(t, "LW112",
		"FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api ./cmd/api\nCMD [\"api\"]\n",
		"FROM rust:1.80\nCOPY . .\nRUN cargo build --release\n",
		"FROM maven:3\nCOPY . .\nRUN mvn -B package\n",
		"FROM gradle:8\nCOPY . .\nRUN gradle build\n",
		"FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY . .\nRUN dotnet publish -c Release -o /app\n",
		"FROM golang:1.22 AS base\nRUN go build ./...\nFROM base\nCMD [\"app\"]\n",
	)
	ruleCatchesNot(t, "LW112",
		// development images run the SDK itself
		"FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet build\nCMD [\"dotnet\", \"watch\", \"run\"]\n",
		"FROM golang:1.22\nCOPY . .\nRUN go build ./...\nCMD go run ./cmd/api\n",
		"FROM maven:3\nCOPY . .\nRUN mvn -B package\nENTRYPOINT [\"mvn\", \"spring-boot:run\"]\n",
		"FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM debian:12-slim\nCOPY --from=build /app /app\n",
		"FROM rust:1.80 AS build\nRUN cargo build --release\nFROM debian:12-slim\nCOPY --from=build /target/release/x /x\n",
		"FROM node:20\nRUN npm ci\n",
		"FROM golang:1.22\nRUN go mod download\n",
		"FROM debian:12\nRUN apt-get install -y gcc\n",
		// tool images: `docker run` runs the toolchain itself
		"FROM golang:1.22\nRUN go build -o /go/bin/protoc-gen-x ./cmd/protoc-gen-x\nENTRYPOINT [\"protoc\"]\n",
		"FROM golang:1.22\nCOPY . .\nRUN go build ./...\nENTRYPOINT [\"go\"]\nCMD [\"test\", \"./...\"]\n",
		"FROM rust:1.80\nCOPY . .\nRUN cargo build\nCMD [\"sh\", \"-c\", \"cargo test\"]\n",
	)
	// the ENTRYPOINT runs the service; the CMD only passes its flags
	ruleCatches(t, "LW112",
		"FROM golang:1.22\nCOPY . .\nRUN go build -o /api .\nENTRYPOINT [\"/api\"]\nCMD [\"--make\"]\n",
	)
}

// TestSDKWeightOfAlpineVariants: review 29: golang's Alpine image is
// about 330 MB; the Debian one's 800 MB was said for both.
func TestSDKWeightOfAlpineVariants(t *testing.T) {
	if _, w := sdkOf("golang:1.23-alpine"); w != 330e6 {
		t.Errorf("golang alpine: %d", w)
	}
	if _, w := sdkOf("golang:1.23-bookworm"); w != 800e6 {
		t.Errorf("golang bookworm: %d", w)
	}
}
