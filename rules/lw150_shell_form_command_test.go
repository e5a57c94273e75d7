package rules

import (
	"strings"
	"testing"
)

func TestShellFormCommand(t *testing.T) {
	cases := []struct {
		src  string
		want int
	}{
		{"FROM debian:12\nCMD node server.js\n", 1},
		// BusyBox ash (Alpine) execs the command; an unknown image: not known
		{"FROM node:20-alpine\nCMD node server.js\n", 0},
		{"FROM registry.example.com/base:1\nCMD node server.js\n", 0},
		// openjdk's default tags are Oracle Linux: bash, which execs
		{"FROM openjdk:21\nCMD java -jar /app.jar\n", 0},
		{"FROM debian:12\nENTRYPOINT ./app --port 80\n", 1},
		{"FROM debian:12\nCMD [\"node\", \"server.js\"]\n", 0},
		{"FROM debian:12\nCMD exec node server.js\n", 0},
		{"FROM python:3.12-slim\nCMD exec gunicorn --bind :$PORT app:app\n", 0}, // review 19: exec with a variable
		// apache2ctl is a shell script that starts apache2 as its child:
		// no form of CMD makes the daemon PID 1
		{"FROM debian:12\nCMD apache2ctl -D FOREGROUND\n", 0},
		{"FROM debian:12\nCMD /usr/sbin/apachectl -D FOREGROUND\n", 0},
		{"FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nCMD node server.js\n", 0},
		// the CMD is the exec-form ENTRYPOINT's arguments
		{"FROM debian:12\nENTRYPOINT [\"tini\", \"--\"]\nCMD node server.js\n", 0},
		// only the built stage counts
		{"FROM debian:12 AS dev\nCMD node dev.js\nFROM debian:12\nCMD [\"node\", \"s.js\"]\n", 0},
		{"FROM debian:12 AS base\nCMD node s.js\nFROM base\nRUN true\n", 1},
		{"FROM mcr.microsoft.com/windows/servercore:ltsc2022\nCMD app.exe\n", 0},
	}
	for _, tc := range cases {
		if got := len(check(t, "LW150", input(t, tc.src))); got != tc.want {
			t.Errorf("%q: %d findings, want %d", tc.src, got, tc.want)
		}
	}
}

func TestShellFormCommandFix(t *testing.T) {
	cases := []struct{ src, want, why string }{
		{"FROM debian:12\nCMD /app/server --port 8080\n", "FROM debian:12\nCMD [\"/app/server\", \"--port\", \"8080\"]\n", ""},
		{"FROM python:3.12\ncmd gunicorn 'my app:app'\n", "FROM python:3.12\ncmd [\"gunicorn\", \"my app:app\"]\n", ""},
		// review 22: node, python, a script or tail as PID 1 drop SIGTERM
		// without a handler: the exec form would not stop them either
		{"FROM debian:12\nCMD node server.js --port 8080\n", "", "run it under an init"},
		{"FROM debian:12\nCMD /deployment/start.sh\n", "", "run it under an init"},
		{"FROM debian:12\nCMD tail -f /dev/null\n", "", "run it under an init"},
		{"FROM debian:12\nENTRYPOINT ./app\n", "FROM debian:12\nENTRYPOINT [\"./app\"]\n", ""},
		{"FROM debian:12\nCMD /app/srv $APP\n", "", "uses the shell"},
		{"FROM debian:12\nCMD /app/srv > /log\n", "", "uses the shell"},
		{"FROM debian:12\nCMD cd /app && node a.js\n", "", "uses the shell"},
		{"FROM debian:12\nCMD /app/srv *.js\n", "", "uses the shell"},
		// node's entrypoint script reads the CMD's first word
		{"FROM node:20\nCMD yarn-server start\n", "", "ENTRYPOINT script"},
		{"FROM debian:12\nENTRYPOINT ./app\nCMD [\"--port\", \"80\"]\n", "", "would become the ENTRYPOINT's arguments"},
		// BuildKit keeps a CMD written before the ENTRYPOINT (review 4's L1)
		{"FROM debian:bookworm-slim\nCMD [\"serve\"]\nENTRYPOINT /usr/local/bin/app --config /etc/app.yaml\n", "", "would become the ENTRYPOINT's arguments"},
		// a builtin is no program (L6)
		{"FROM debian:12\nCMD cd /srv\n", "", "shell builtin"},
		// a word holding a quote and a comma stays the same word (L2)
		{"FROM debian:12\nCMD uvicorn app:app --sep 'x\",' --name y\n", "FROM debian:12\nCMD [\"uvicorn\", \"app:app\", \"--sep\", \"x\\\",\", \"--name\", \"y\"]\n", ""},
	}
	for _, tc := range cases {
		in := input(t, tc.src)
		fs := check(t, "LW150", in)
		if len(fs) != 1 {
			t.Fatalf("%q: %d findings", tc.src, len(fs))
		}
		fx, why := fixShellFormCommand(in, fs[0])
		if tc.why != "" {
			if fx != nil || !strings.Contains(why, tc.why) {
				t.Errorf("%q: fix %v, reason %q, want a refusal with %q", tc.src, fx, why, tc.why)
			}
			continue
		}
		if fx == nil {
			t.Fatalf("%q: refused: %s", tc.src, why)
		}
		if got := applyFix(t, tc.src, fx); got != tc.want {
			t.Errorf("%q:\ngot  %q\nwant %q", tc.src, got, tc.want)
		}
	}
}

func applyFix(t *testing.T, src string, fx *Fix) string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	return strings.Join(ApplyFix(lines, fx), "\n") + "\n"
}

// TestShellFormCommandTestRunner: dragonfly's tests/integration images run
// a test suite once in the foreground: no LW150 there; the same file as a
// service's keeps it.
func TestShellFormCommandTestRunner(t *testing.T) {
	src := "FROM node:20\nCOPY . .\nCMD npm test -- --reporter spec\n"
	for df, want := range map[string]int{"tests/integration/node-redis.Dockerfile": 0, "svc/Dockerfile": 1} {
		in := input(t, src)
		in.Dockerfile = df
		if got := len(check(t, "LW150", in)); got != want {
			t.Errorf("%s: %d findings, want %d", df, got, want)
		}
	}
}
