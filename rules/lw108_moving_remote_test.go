package rules

import (
	"strings"
	"testing"

	"github.com/layerwise/layerwise/dockerfile"
)

func TestLW108MovingRemote(t *testing.T) {
	ruleCatches(t, "LW108",
		"FROM node:20\nADD https://example.com/tool.tgz /opt/\nRUN npm ci\n",
		"FROM node:20\nADD https://example.com/1.2/latest/tool.tgz /opt/\nRUN npm ci\n",
		"FROM node:20\nARG AGENT_VERSION=main\nRUN git clone https://github.com/apache/skywalking-nodejs.git . && git reset --hard ${AGENT_VERSION}\nRUN npm install\n",
		"FROM node:20\nADD https://github.com/org/repo.git /src\nRUN npm ci\n",
		"FROM python:3.12\nRUN git clone https://github.com/org/lib /lib\nRUN pip install -r r.txt\n",
		"FROM debian:12\nRUN curl -fsSL https://example.com/releases/latest/tool -o /usr/bin/tool\nRUN apt-get install -y git\n",
		"FROM golang:1.22\nRUN wget https://example.com/main/schema.json\nRUN go build ./...\n",
	)
	ruleCatchesNot(t, "LW108",
		"FROM node:20\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tgz /opt/\nRUN npm ci\n",
		"FROM node:20\nADD https://github.com/org/repo.git#v1.2.3 /src\nRUN npm ci\n",
		// review 12 (linkding): a release's file, its version in its path
		"FROM python:3.12-alpine\nADD https://astral.sh/uv/0.8.13/install.sh /uv-installer.sh\nRUN sh /uv-installer.sh && uv sync\n",
		"FROM node:20\nADD https://example.com/releases/tool-v2.4.1.tgz /opt/\nRUN npm ci\n",
		"FROM python:3.12\nRUN git clone --branch v2.1.0 https://github.com/org/lib /lib\nRUN pip install -r r.txt\n",
		"FROM node:20\nRUN npm ci\nADD https://example.com/tool.tgz /opt/\n",
		"FROM debian:12\nRUN curl -fsSL https://example.com/releases/1.2.3/tool -o /usr/bin/tool\nRUN apt-get install -y git\n",
		// the clone is checked out at a build arg's ref, a tag or a commit
		// in the same RUN (moby/buildkit's gopls stage)
		"ARG GOPLS_VERSION=v0.38.0\nFROM golang:1.22\nARG GOPLS_VERSION\nRUN git clone https://github.com/golang/tools.git && cd tools && git checkout ${GOPLS_VERSION}\nRUN go build ./...\n",
		"FROM golang:1.22\nRUN git clone https://example.com/r.git /r && git -C /r checkout 3f2a9c1d\nRUN go build ./...\n",
		// the next RUN checks the clone out at a tag (lago's events-processor)
		"FROM rust:1.85\nRUN git clone --tags https://example.com/lago-expression/\nWORKDIR /lago-expression/expression-go\nRUN git checkout v0.2.0 && cargo build --release\n",
	)
	ruleCatches(t, "LW108",
		// a branch checked out still moves, as do an empty or branch
		// build arg and the latest tag (review)
		"FROM golang:1.22\nRUN git clone https://example.com/r.git /r && git -C /r checkout develop\nRUN go build ./...\n",
		"FROM golang:1.22\nARG GOPLS_VERSION\nRUN git clone https://github.com/golang/tools.git && cd tools && git checkout ${GOPLS_VERSION}\nRUN go build ./...\n",
		"FROM golang:1.22\nARG REF=main\nRUN git clone https://example.com/r.git /r && cd /r && git checkout $REF\nRUN go build ./...\n",
		"FROM golang:1.22\nRUN git clone https://example.com/r.git /r && cd /r && git checkout $(git describe --tags)\nRUN go build ./...\n",
		"FROM rust:1.85\nRUN git clone https://example.com/r.git /r\nWORKDIR /r\nRUN git checkout develop && cargo build --release\n",
		// a checkout does not pin a curl of latest in the same RUN
		"FROM golang:1.22\nRUN git clone https://example.com/r.git /r && git -C /r checkout v1.2.3 && curl -fsSL https://example.com/releases/latest/tool -o /usr/bin/tool\nRUN go build ./...\n",
	)
}

// TestLW108RefPassedByTheBuild: skywalking resets its clone to a build arg
// with no default that its Makefile always passes (review 13): pinned;
// nothing passing it, the checkout moves nothing.
func TestLW108RefPassedByTheBuild(t *testing.T) {
	in := input(t, "FROM node:20\nARG AGENT_VERSION\nRUN git clone https://github.com/apache/skywalking-nodejs.git . ; git reset --hard ${AGENT_VERSION}\nRUN npm ci\n")
	if fs := check(t, "LW108", in); len(fs) != 1 {
		t.Fatalf("not passed: %+v", fs)
	}
	in.SuppliedArgs = map[string]bool{"AGENT_VERSION": true}
	if fs := check(t, "LW108", in); len(fs) != 0 {
		t.Errorf("passed: %+v", fs)
	}
}

// TestLW108CloneTheInstallReads: review 30 (lnbits' sparkl2): the install
// runs in the clone, so "fetch it after the install" cannot be followed;
// and the CI builds FROM a new tag each run: information there.
func TestLW108CloneTheInstallReads(t *testing.T) {
	src := "ARG LNBITS_TAG=latest\nFROM lnbits/lnbits:${LNBITS_TAG}\nRUN git clone https://github.com/lnbits/spark_sidecar\nRUN cd spark_sidecar && npm ci\n"
	in := input(t, src)
	fs := check(t, "LW108", in)
	if len(fs) != 1 || fs[0].Severity != Warning || !strings.Contains(fs[0].Message, "installs what it fetched") || strings.Contains(fs[0].Message, "after the install") {
		t.Fatalf("%+v", fs)
	}
	in = input(t, src)
	in.CIWorkflow, in.CIPerRunArgs = ".github/workflows/docker.yml", []string{"LNBITS_TAG"}
	if fs = check(t, "LW108", in); len(fs) != 1 || fs[0].Severity != Info {
		t.Errorf("per-run base: %+v", fs)
	}
	if got := cloneDir(dockerfile.Command{Name: "git", Args: []string{"clone", "--depth", "1", "https://example.com/a/b.git", "dst"}}); got != "dst" {
		t.Errorf("cloneDir: %q", got)
	}
}
