package rules

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/layerwise/layerwise/baseimage"
	"github.com/layerwise/layerwise/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// RootUser is LW151.
var RootUser = Register(&Rule{
	ID: "LW151", Name: "runs-as-root", Severity: Info, Category: CatSecurity,
	Title: "The image runs its service as root",
	Cost:  "A process that breaks out of the application (a deserialisation bug, a command injection) has root in the container: it can rewrite the image's own files, and a kernel or runtime escape starts from uid 0.",
	Description: `The final stage sets no non-root ` + "`USER`" + ` and its base image runs as root (the official
language and distribution images do: node, python, golang, eclipse-temurin, debian, alpine, ` + "`scratch`" + `,
distroless's default tags). The rule speaks only where the user is known: from the Dockerfile's own ` + "`USER`" + `, the inspected
base image's config, or what the official images are known to run as; an unknown base stays silent. It advises
the user the base already has (node's ` + "`node`" + `, .NET 8's ` + "`app`" + `, distroless's ` + "`nonroot`" + ` tag, the numeric
` + "`65532`" + ` that needs no /etc/passwd on scratch), or one the stage can add. It leaves alone the images that start as
root by design and drop privileges themselves (nginx, httpd, postgres, redis, mysql, mariadb, mongo, docker-in-docker,
and any stage that runs gosu, su-exec, setpriv, s6-overlay or supervisord). No fix: files the service writes must
then belong to that user (` + "`COPY --chown`" + `, a writable directory), which only the application's owner knows.`,
	Bad:   "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"server.js\"]",
	Good:  "FROM node:20-slim\nWORKDIR /app\nCOPY --chown=node:node . .\nUSER node\nCMD [\"node\", \"server.js\"]",
	Check: checkRootUser,
	// LW112's runtime stage on a known base makes the user known where
	// the original's base was not: no new problem of the rewrite's
	StateOfImage: true,
})

// rootByDesign are official images whose service starts as root and drops
// privileges itself (an entrypoint's gosu, nginx's and httpd's workers),
// or must be root (docker-in-docker).
var rootByDesign = map[string]bool{
	"nginx": true, "httpd": true, "postgres": true, "redis": true, "mysql": true, "mariadb": true,
	"mongo": true, "docker": true, "rabbitmq": true, "haproxy": true, "traefik": true, "caddy": true,
	// php's apache and fpm variants, and the applications built on them
	"wordpress": true, "drupal": true, "joomla": true, "nextcloud": true, "matomo": true, "mediawiki": true,
}

// dropsPrivileges: a program that starts as root and runs the service as
// another user, or supervises services that each pick their own.
var dropsPrivileges = regexp.MustCompile(`\b(gosu|su-exec|setpriv|runuser|chpst|s6-setuidgid|supervisord|s6-overlay)\b|(^|[\s"'])/init\b`)

func checkRootUser(in *Input) []Finding {
	s := in.finalStage()
	if s == nil || in.windowsStage(s) || in.ServiceUser != "" && !isRootUser(in.ServiceUser) {
		return nil // compose runs it as another user
	}
	root := in.rootBase(s)
	base := root.Base
	if root.IsScratch() {
		base = "scratch"
	}
	if rootByDesign[baseimage.Repo(base)] || baseimage.Repo(base) == "php" && (strings.Contains(base, "apache") || strings.Contains(base, "fpm")) {
		return nil
	}
	var lastUser *dockerfile.Instruction
	var entry, cmd []string
	exposes := false
	for _, x := range in.lineageInstructions(s) {
		switch c := x.Cmd.(type) {
		case *instructions.UserCommand:
			lastUser = x
		case *instructions.EntrypointCommand:
			entry, cmd = c.CmdLine, nil
		case *instructions.CmdCommand:
			cmd = c.CmdLine
		case *instructions.ExposeCommand:
			exposes = true
		}
		// installed (RUN) or copied in (COPY --from=tianon/gosu)
		if (x.Run != nil || x.Copy != nil) && dropsPrivileges.MatchString(x.Original) {
			return nil
		}
	}
	// the ENTRYPOINT's words and the CMD's, as the image runs them
	command := append(append([]string(nil), entry...), cmd...)
	if dropsPrivileges.MatchString(strings.Join(command, " ")) || startsAsRootByDesign.MatchString(strings.Join(command, " ")) {
		return nil
	}
	// a base image or a tool image (no port, no command of its own, or a
	// bare shell or interpreter) is built FROM or run by hand: the user of
	// the service built on it is the question, not its own
	if !exposes && interactiveOrNone(command) {
		return nil
	}
	user := ""
	switch cfg, ok := s.ImageConfig(); {
	case ok:
		user = cfg.User
		if lastUser != nil && strings.Contains(lastUser.Original, "$") && isRootUser(user) {
			return nil // USER $APP_UID: a variable of the base image's, not known here
		}
	case lastUser != nil:
		user = lastUser.Cmd.(*instructions.UserCommand).User
		if strings.Contains(lastUser.Original, "$") && isRootUser(user) {
			return nil // USER $APP_UID: a variable of the base image's, not known here
		}
	case root.IsScratch() || baseimage.RunsAsRoot(base):
	default:
		return nil // the base's user is not known
	}
	if !isRootUser(user) {
		return nil
	}
	at := in.atStage(s, "the image runs as root: "+nonRootAdvice(base), Cost{})
	if lastUser != nil && in.stageOf(lastUser) == s {
		at = in.at(lastUser, "the image runs as root (USER "+user+" is the last USER): "+nonRootAdvice(base), Cost{})
	}
	return []Finding{at}
}

// startsAsRootByDesign: servers whose master process starts as root and
// runs its workers as an unprivileged user (php-fpm's pool user, Apache's
// and nginx's workers).
var startsAsRootByDesign = regexp.MustCompile(`\b(php-fpm[0-9.]*|apache2-foreground|apache2ctl|httpd-foreground|httpd|nginx)\b`)

// interactiveOrNone: no command, or one that starts a shell or a language's
// interactive interpreter with no program to run.
func interactiveOrNone(words []string) bool {
	// an entrypoint script or an init in front runs the rest
	for len(words) > 0 && (strings.Contains(words[0], "entrypoint") || strings.HasSuffix(words[0], ".sh") ||
		strings.HasSuffix(words[0], "tini") || strings.HasSuffix(words[0], "dumb-init") || words[0] == "--") {
		words = words[1:]
	}
	if len(words) == 0 {
		return true
	}
	first := words[0]
	if i := strings.LastIndex(first, "/"); i >= 0 {
		first = first[i+1:]
	}
	if len(words) == 2 && (words[1] == "--info" || words[1] == "--version" || words[1] == "--help") {
		return true // a tool image's default: it says what it is
	}
	switch first {
	case "sh", "bash", "ash", "zsh", "pwsh", "powershell", "python", "python2", "python3", "node", "irb", "ruby", "iex",
		"erl", "ghci", "jshell", "julia", "R", "php", "perl", "dotnet":
		return len(words) == 1 || (first == "php" && len(words) == 2 && words[1] == "-a")
	}
	return false
}

func isRootUser(u string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	return name == "" || name == "root" || name == "0"
}

// nonRootAdvice names the user the base image has, or how to add one.
func nonRootAdvice(base string) string {
	repo := baseimage.Repo(base)
	tag := ""
	if i := strings.LastIndex(base, ":"); i > strings.LastIndex(base, "/") {
		tag = strings.ToLower(base[i+1:])
	}
	switch {
	case base == "scratch":
		return "add `USER 65532:65532` before the CMD (a numeric user needs no /etc/passwd); the files the service writes must belong to it."
	case strings.HasPrefix(repo, "gcr.io/distroless/"):
		return "take the `:nonroot` tag of the same image (uid 65532), or add `USER 65532:65532`."
	case strings.HasPrefix(repo, "mcr.microsoft.com/dotnet/") && dotnetMajor(tag) >= 8:
		return "the .NET 8+ images have a user app (uid 1654): add `USER $APP_UID` after the last step that needs root."
	}
	if uid, _, ok := baseimage.KnownUser(base, "node"); ok {
		return "the node image has a user node (uid " + uid + "): add `USER node` after the last step that needs root, and `COPY --chown=node:node` what the service writes."
	}
	if repo == "alpine" || strings.Contains(tag, "alpine") || repo == "busybox" {
		return "add a user (`RUN addgroup -S app && adduser -S -G app app`) and `USER app` after the last step that needs root."
	}
	return "add a user (`RUN useradd --system --create-home --uid 10001 app`) and `USER app` after the last step that needs root."
}

func dotnetMajor(tag string) int {
	n, _ := strconv.Atoi(strings.SplitN(tag, ".", 2)[0])
	return n
}
