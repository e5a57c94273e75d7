package rules

import (
	"reflect"
	"testing"

	"github.com/layerwise/layerwise/dockerfile"
)

func TestAptPackages(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"install", "-y", "git", "ca-certificates"}, []string{"git", "ca-certificates"}},
		{[]string{"-o", "Dpkg::Options::=--force-confold", "install", "--no-install-recommends", "-t", "bookworm-backports", "git=1:2.39"}, []string{"git=1:2.39"}},
		{[]string{"install", "-qy", "--option=Debug::pkgProblemResolver=yes", "make"}, []string{"make"}},
		{[]string{"install"}, nil},
	} {
		if got := aptPackages(dockerfile.Command{Name: "apt-get", Args: tc.args}); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestRemoveWords(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		words []string
		want  []string // nil: refused
	}{
		{"one line", []string{"RUN apt-get install -y git ca-certificates && rm -rf /var/lib/apt/lists/*"}, []string{"git", "ca-certificates"},
			[]string{"RUN apt-get install -y && rm -rf /var/lib/apt/lists/*"}},
		{"continuation line of its own", []string{"RUN apt-get install -y \\", "    git \\", "    curl"}, []string{"git"},
			[]string{"RUN apt-get install -y \\", "    curl"}},
		{"last line of the RUN", []string{"RUN apt-get install -y \\", "    curl \\", "    git"}, []string{"git"},
			[]string{"RUN apt-get install -y \\", "    curl"}},
		{"prefix of another word is not the word", []string{"RUN apt-get install -y gitk git"}, []string{"git"},
			[]string{"RUN apt-get install -y gitk"}},
		{"twice", []string{"RUN apt-get install -y git && echo git"}, []string{"git"}, nil},
		{"absent", []string{"RUN apt-get install -y $PKGS"}, []string{"git"}, nil},
		{"the whole RUN", []string{"RUN \\", "  git"}, []string{"RUN"}, nil},
	} {
		got, ok := removeWords(tc.lines, tc.words)
		if tc.want == nil {
			if ok {
				t.Errorf("%s: want a refusal, got %q", tc.name, got)
			}
			continue
		}
		if !ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q %v, want %q", tc.name, got, ok, tc.want)
		}
	}
}

func TestUsesAny(t *testing.T) {
	yes := []usedText{
		{sources: []string{`exec.Command("git", "pull")`}},
		{sources: []string{`exec.Command("sh", "-c", "git pull")`}},
		{sources: []string{`exec.LookPath("/usr/bin/git")`}},
		{config: []string{`CMD ["/usr/bin/git", "daemon"]`}},
		{config: []string{"HEALTHCHECK CMD git status"}},
	}
	no := []usedText{
		{sources: []string{`fmt.Println("github")`}},
		{sources: []string{`// we used git once`}},
		{sources: []string{`x := "gitk"`}},
		{config: []string{`CMD ["api"]`}},
		{config: []string{`CMD ["api", "--repo=github.com/x"]`}},
	}
	for _, u := range yes {
		if !u.usesAny([]string{"git"}) {
			t.Errorf("%+v should name git", u)
		}
	}
	for _, u := range no {
		if u.usesAny([]string{"git"}) {
			t.Errorf("%+v should not name git", u)
		}
	}
}
