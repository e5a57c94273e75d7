package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/layerwise/layerwise/baseimage"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// NoHealthcheck is LW152.
var NoHealthcheck = Register(&Rule{
	ID: "LW152", Name: "no-healthcheck", Severity: Info, Category: CatCorrectness,
	Title: "A service image says nothing of how to tell that it is healthy",
	Cost:  "Docker, Compose (depends_on: condition: service_healthy), Swarm and ECS see a container that runs but no longer answers as healthy: traffic keeps going to it and a rolling deploy carries on over a broken release.",
	Description: `The final stage EXPOSEs a port (a service) but neither it, the stages it builds FROM, nor the compose
service that builds it (` + "`healthcheck:`" + `) says how to probe it. The advice names a probe the image can run:
` + "`wget`" + ` on Alpine and BusyBox, ` + "`curl`" + ` where the Dockerfile installs it, node's built-in ` + "`fetch`" + `, python's
` + "`urllib`" + `; a distroless or scratch image has no shell and no HTTP client, so its binary needs a health subcommand
of its own. ` + "`HEALTHCHECK NONE`" + ` says none is wanted and silences the rule. Kubernetes ignores HEALTHCHECK and
probes with its own liveness and readiness probes: images deployed only there can turn the rule off
(` + "`.layerwise.yaml`" + `). No fix: the path that answers "healthy" is the application's to name.`,
	Bad:   "FROM node:20-slim\nCOPY . .\nEXPOSE 3000\nCMD [\"node\", \"server.js\"]",
	Good:  "FROM node:20-slim\nCOPY . .\nEXPOSE 3000\nHEALTHCHECK CMD node -e \"fetch('http://localhost:3000/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))\"\nCMD [\"node\", \"server.js\"]",
	Check: checkNoHealthcheck,
	// what the image is, not what a fix changes: a runtime stage keeps
	// the original's EXPOSE and HEALTHCHECK
	StateOfImage: true,
})

// installsCurl: a package install that names curl itself (not libcurl,
// pycurl, php-curl).
var installsCurl = regexp.MustCompile(`\b(apt-get|apt|apk|dnf|yum|microdnf|zypper)\b[^;&|]*\sinstall\b[^;&|]*[\s=]curl(\s|$|;|&)|\bapk\b[^;&|]*\sadd\b[^;&|]*\scurl(\s|$|;|&)`)

func checkNoHealthcheck(in *Input) []Finding {
	s := in.finalStage()
	if s == nil || in.windowsStage(s) || in.ServiceHealthcheck {
		return nil
	}
	port := ""
	curl := false
	for _, x := range in.lineageInstructions(s) {
		switch c := x.Cmd.(type) {
		case *instructions.HealthCheckCommand:
			return nil // a probe, or NONE: decided
		case *instructions.ExposeCommand:
			for _, p := range c.Ports {
				if port == "" && !strings.HasSuffix(strings.ToLower(p), "/udp") { // an HTTP probe needs TCP
					port, _, _ = strings.Cut(p, "/")
				}
			}
		}
		if x.Run != nil && installsCurl.MatchString(x.Original) {
			curl = true
		}
	}
	if port == "" || strings.Contains(port, "$") {
		return nil // not a service, or its port is not known here
	}
	root := in.rootBase(s)
	base := root.Base
	if root.IsScratch() {
		base = "scratch"
	}
	return []Finding{in.atStage(s, fmt.Sprintf("the service on port %s has no HEALTHCHECK: %s", port, healthProbe(base, port, curl)), Cost{})}
}

// healthProbe is a HEALTHCHECK the image can run.
func healthProbe(base, port string, curl bool) string {
	url := "http://localhost:" + port + "/"
	repo := baseimage.Repo(base)
	tag := ""
	if i := strings.LastIndex(base, ":"); i > strings.LastIndex(base, "/") {
		tag = strings.ToLower(base[i+1:])
	}
	switch {
	case curl:
		return "`HEALTHCHECK CMD curl -fsS " + url + " || exit 1` (curl is installed; use the path that answers when the service is ready)."
	case base == "scratch" || strings.HasPrefix(repo, "gcr.io/distroless/") || strings.Contains(tag, "chiseled") || strings.Contains(tag, "distroless"):
		return "the image has no shell and no HTTP client: give the binary a health subcommand (`HEALTHCHECK CMD [\"/app\", \"healthcheck\"]`), or probe from the orchestrator."
	case repo == "node":
		return "`HEALTHCHECK CMD node -e \"fetch('" + url + "').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))\"` (node 18+ has fetch; no curl in the image)."
	case repo == "python" || repo == "pypy":
		return "`HEALTHCHECK CMD python -c \"import urllib.request; urllib.request.urlopen('" + url + "', timeout=3)\"` (no curl in the image)."
	case repo == "alpine" || repo == "busybox" || strings.Contains(tag, "alpine"):
		return "`HEALTHCHECK CMD wget -qO- " + url + " || exit 1` (BusyBox's wget is in the image)."
	}
	return "`HEALTHCHECK CMD curl -fsS " + url + " || exit 1` after installing curl, or a probe the application ships; or a `healthcheck:` in its compose service."
}
