package rules

import (
	"strings"
	"testing"
)

// TestRemoveCommandShapes cuts a command out of the shapes RUNs are
// written in; the RUN must end where it ended (no dangling continuation that
// would swallow the next instruction) and keep every other command.
func TestRemoveCommandShapes(t *testing.T) {
	cases := []struct{ name, run, cut, want string }{
		{"last line, && leading", "RUN apt-get update \\\n    && apt-get install -y jq \\\n    && apt-get clean", "apt-get clean",
			"RUN apt-get update \\\n    && apt-get install -y jq"},
		{"last line, && trailing the line before", "RUN apt-get update && \\\n    apt-get install -y jq && \\\n    rm -rf /var/lib/apt/lists/*", "rm",
			"RUN apt-get update && \\\n    apt-get install -y jq"},
		{"middle line, && leading", "RUN apt-get update \\\n    && apt-get clean \\\n    && apt-get install -y jq", "apt-get clean",
			"RUN apt-get update \\\n    && apt-get install -y jq"},
		{"middle line, && trailing", "RUN apt-get update && \\\n    apt-get clean && \\\n    apt-get install -y jq", "apt-get clean",
			"RUN apt-get update && \\\n    apt-get install -y jq"},
		{"first command on the RUN line", "RUN apt-get clean && apt-get update", "apt-get clean", "RUN apt-get update"},
		{"first command, operator on the next line", "RUN apt-get clean \\\n    && apt-get update", "apt-get clean", "RUN apt-get update"},
		{"one line, end", "RUN apt-get update && apt-get install -y jq && apt-get clean", "apt-get clean", "RUN apt-get update && apt-get install -y jq"},
		{"semicolon", "RUN apt-get update; apt-get clean; apt-get install -y jq", "apt-get clean", "RUN apt-get update; apt-get install -y jq"},
		// `X; cmd && Y` is `X; (cmd && Y)`: Y must not come to depend on X
		{"semicolon then and", "RUN apt-get update; apt-get clean && apt-get install -y jq", "apt-get clean", "RUN apt-get update; apt-get install -y jq"},
		{"and then semicolon", "RUN apt-get update && apt-get clean; apt-get install -y jq", "apt-get clean", "RUN apt-get update; apt-get install -y jq"},
		{"with mounts", "RUN --mount=type=cache,target=/var/cache/apt apt-get clean && apt-get update", "apt-get clean",
			"RUN --mount=type=cache,target=/var/cache/apt apt-get update"},
		{"env prefix", "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get clean", "apt-get clean", "RUN apt-get update"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := input(t, "FROM debian:12\n"+tc.run+"\nENTRYPOINT [\"jq\"]\n")
			ins := in.File.Stages[0].Instructions[0]
			e := newRunEdit(in.File, ins)
			idx := -1
			for i, c := range ins.Run.Commands {
				if strings.HasPrefix(shortCmd(c), tc.cut) {
					idx = i
				}
			}
			if idx < 0 {
				t.Fatalf("no command %q in %+v", tc.cut, ins.Run.Commands)
			}
			if err := e.removeCommand(idx); err != nil {
				t.Fatal(err)
			}
			lines, err := e.result()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(lines, "\n"); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestRemoveCommandRefuses: shapes whose cut is not certain are refused,
// never guessed.
func TestRemoveCommandRefuses(t *testing.T) {
	for _, run := range []string{
		"RUN apt-get clean",                                    // the only command
		"RUN apt-get update && apt-get clean | tee x",          // inside a pipeline
		"RUN if true; then apt-get clean; fi && echo done",     // inside an if
		"RUN apt-get clean && apt-get update && apt-get clean", // written twice
	} {
		in := input(t, "FROM debian:12\n"+run+"\n")
		ins := in.File.Stages[0].Instructions[0]
		e := newRunEdit(in.File, ins)
		idx := -1
		for i, c := range ins.Run.Commands {
			if shortCmd(c) == "apt-get clean" {
				idx = i
			}
		}
		err := e.removeCommand(idx)
		if err == nil {
			_, err = e.result()
		}
		if err == nil {
			t.Errorf("cut of apt-get clean from %q should be refused, got %q", run, strings.Join(e.lines, "\n"))
		}
	}
}

func TestRemoveArg(t *testing.T) {
	for _, tc := range []struct{ run, want string }{
		{"RUN pip install --no-cache-dir -r requirements.txt", "RUN pip install -r requirements.txt"},
		{"RUN pip install \\\n    --no-cache-dir \\\n    -r requirements.txt", "RUN pip install \\\n    -r requirements.txt"},
		{"RUN pip install -r requirements.txt \\\n    --no-cache-dir", "RUN pip install -r requirements.txt"},
	} {
		in := input(t, "FROM python:3.12\n"+tc.run+"\nCMD [\"x\"]\n")
		ins := in.File.Stages[0].Instructions[0]
		e := newRunEdit(in.File, ins)
		if err := e.removeArg(0, "--no-cache-dir"); err != nil {
			t.Fatal(err)
		}
		lines, err := e.result()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(lines, "\n"); got != tc.want {
			t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
		}
	}
}
