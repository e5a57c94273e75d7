package fix

import (
	"strings"
	"testing"
)

// cargo's dependency step: the compile on stand-in sources, then a clean
// of the crate itself, before the sources come.
func TestCargoDependencyStep(t *testing.T) {
	files := map[string]string{
		"Dockerfile":  "FROM rust:1.80\nWORKDIR /usr/src/app\nCOPY . .\nRUN cargo build --release --locked\nCMD [\"./target/release/app\"]\n",
		"Cargo.toml":  "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nserde = \"1\"\n",
		"Cargo.lock":  "",
		"src/main.rs": "fn main() { println!(\"hello\"); }\n",
		"src/lib.rs":  "pub fn x() {}\n",
	}
	got, _, notes := fixRepo(t, files, "LW101")
	want := "FROM rust:1.80\nWORKDIR /usr/src/app\nCOPY Cargo.lock Cargo.toml ./\n" +
		"RUN mkdir -p src && : > src/lib.rs && echo 'fn main() {}' > src/main.rs && cargo build --release --locked && cargo clean --release -p app && rm src/lib.rs src/main.rs\n" +
		"COPY . .\nRUN cargo build --release --locked\nCMD [\"./target/release/app\"]\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s\nnotes: %+v", got, want, notes)
	}
}

// Declared targets get their stand-ins where the manifest puts them.
func TestCargoDeclaredTargets(t *testing.T) {
	files := map[string]string{
		"Dockerfile":     "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN cargo build --profile dist --target x86_64-unknown-linux-musl\n",
		"Cargo.toml":     "[package]\nname = \"my-tool\"\nversion = \"0.1.0\"\n\n[[bin]]\nname = \"tool\"\npath = \"cli/main.rs\"\n",
		"cli/main.rs":    "fn main() {}\n",
		"rust-toolchain": "1.80\n",
	}
	got, _, notes := fixRepo(t, files, "LW101")
	for _, w := range []string{
		"COPY Cargo.toml rust-toolchain ./\n",
		"RUN mkdir -p cli && echo 'fn main() {}' > cli/main.rs && cargo build --profile dist --target x86_64-unknown-linux-musl && cargo clean --profile dist --target x86_64-unknown-linux-musl -p my-tool && rm cli/main.rs\nCOPY . .\n",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("want %q in:\n%s\nnotes: %+v", w, got, notes)
		}
	}
}

func TestCargoRefusals(t *testing.T) {
	df := "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n"
	toml := "[package]\nname = \"app\"\nversion = \"0.1.0\"\n"
	with := func(over map[string]string) map[string]string {
		files := map[string]string{"Dockerfile": df, "Cargo.toml": toml, "src/main.rs": "fn main() {}\n"}
		for k, v := range over {
			files[k] = v
		}
		return files
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		note  string
	}{
		{"workspace", with(map[string]string{"Cargo.toml": "[workspace]\nmembers = [\"a\"]\n"}), "a cargo workspace"},
		{"build-script", with(map[string]string{"build.rs": "fn main() {}\n"}), "build script (build.rs)"},
		{"links", with(map[string]string{"Cargo.toml": toml + "links = \"z\"\n"}), "links a native library"},
		{"package-flag", with(map[string]string{"Dockerfile": strings.Replace(df, "--release", "--release -p app", 1)}), "picks packages, targets or sources"},
		{"offline", with(map[string]string{"Dockerfile": strings.Replace(df, "--release", "--release --offline", 1)}), "picks packages, targets or sources"},
		{"vendored", with(map[string]string{"vendor/x/Cargo.toml": "", ".cargo/config.toml": "[source.crates-io]\nreplace-with = \"v\"\n"}), "vendored sources or cargo configuration"},
		{"target-in-a-mount", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN cargo", "RUN --mount=type=cache,target=/app/target cargo", 1)}), "keeps target/ in a cache mount"},
		{"not-build", with(map[string]string{"Dockerfile": strings.Replace(df, "cargo build --release", "cargo install --path .", 1)}), ""},
		{"path-dependency", with(map[string]string{"Cargo.toml": toml + "[dependencies]\nshared = { path = \"../shared\" }\n"}), "depends on shared by path"},
		{"target-path-dependency", with(map[string]string{"Cargo.toml": toml + "[target.'cfg(unix)'.dependencies]\nsys = { path = \"sys\" }\n"}), "depends on sys by path"},
		{"bin-without-path", with(map[string]string{"Cargo.toml": toml + "[[bin]]\nname = \"x\"\n"}), "without a path"},
		{"no-target", with(map[string]string{"src/main.rs": "", "Cargo.toml": toml + "[lib]\npath = \"../x.rs\"\n"}), "cannot be written plainly"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, notes := fixRepo(t, tc.files, "LW101")
			if got != tc.files["Dockerfile"] {
				t.Errorf("rewritten:\n%s", got)
			}
			found := false
			for _, n := range notes {
				found = found || strings.Contains(n.Reason, tc.note)
			}
			if !found {
				t.Errorf("note %q missing: %+v", tc.note, notes)
			}
		})
	}
}
