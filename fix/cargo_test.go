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
	cases := []struct {
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
		// found by review
		{"inline-target-env", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN cargo", "RUN CARGO_BUILD_TARGET_DIR=/out cargo", 1)}), "not written plainly"},
		{"injected-name", with(map[string]string{"Cargo.toml": "[package]\nname = \"app;id;#\"\nversion = \"0.1.0\"\n"}), "not a plain crate name"},
		// a command substitution may read the sources (quoting alone is
		// written back as spelled: TestCargoDependencyBuildKeepsTheCompilesQuoting)
		{"computed-features", with(map[string]string{"Dockerfile": strings.Replace(df, "--release", "--release --features \"$(cat features.txt)\"", 1)}), "not written plainly"},
		{"workspace-member", map[string]string{"Dockerfile": "FROM rust:1.80\nWORKDIR /w\nCOPY . .\nRUN cd app && cargo build --release\n", "Cargo.toml": "[workspace]\nmembers = [\"app\"]\n", "app/Cargo.toml": toml, "app/src/main.rs": ""}, "member of the cargo workspace"},
		{"config-above", map[string]string{"Dockerfile": "FROM rust:1.80\nWORKDIR /w\nCOPY . .\nRUN cd app && cargo build --release\n", ".cargo/config.toml": "", "app/Cargo.toml": toml, "app/src/main.rs": ""}, "above the crate"},
		{"ssh-mount", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN cargo", "RUN --mount=type=ssh cargo", 1)}), "type=ssh"},
		{"default-run", with(map[string]string{"Cargo.toml": toml + "default-run = \"server\"\n"}), "default-run"},
		{"replace-table", with(map[string]string{"Cargo.toml": toml + "[replace]\n\"foo:0.1.0\" = { path = \"p\" }\n"}), "[replace]"},
		{"underscore-dev-deps", with(map[string]string{"Cargo.toml": toml + "[dev_dependencies]\ntk = { path = \"tk\" }\n"}), "depends on tk by path"},
		{"custom-target", with(map[string]string{"Dockerfile": strings.Replace(df, "--release", "--release --target x86_64-os.json", 1)}), "custom or bare-metal"},
		{"bare-metal", with(map[string]string{"Dockerfile": strings.Replace(df, "--release", "--release --target thumbv7em-none-eabihf", 1)}), "custom or bare-metal"},
		{"build-std", with(map[string]string{"Dockerfile": strings.Replace(df, "--release", "--release -Zbuild-std=core", 1)}), "unstable flag"},
		{"cargo-env-between", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN cargo", "ENV CARGO_REGISTRIES_ACME_INDEX=sparse+https://registry.example.com/\nRUN cargo", 1)}), "CARGO_REGISTRIES_ACME_INDEX"},
		{"bin-without-path", with(map[string]string{"Cargo.toml": toml + "[[bin]]\nname = \"x\"\n"}), "without a path"},
		{"no-target", with(map[string]string{"src/main.rs": "", "Cargo.toml": toml + "[lib]\npath = \"../x.rs\"\n"}), "cannot be written plainly"},
	}
	var rc []refusalCase
	for _, c := range cases {
		rc = append(rc, refusalCase{name: c.name, files: c.files, note: c.note})
	}
	runRefusalCases(t, rc)
}

// The clean repeats the compile's own variables and program path; a lib and
// a bin sharing a file get one stand-in.
func TestCargoCleanTakesTheCompilesEnvAndPath(t *testing.T) {
	files := map[string]string{
		"Dockerfile":  "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN CARGO_BUILD_TARGET=x86_64-unknown-linux-gnu /usr/local/cargo/bin/cargo build --release\n",
		"Cargo.toml":  "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[lib]\npath = \"src/main.rs\"\n\n[[bin]]\nname = \"app\"\npath = \"src/main.rs\"\n",
		"src/main.rs": "fn main() {}\n",
	}
	got, _, notes := fixRepo(t, files, "LW101")
	if !strings.Contains(got, "RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && CARGO_BUILD_TARGET=x86_64-unknown-linux-gnu /usr/local/cargo/bin/cargo build --release && CARGO_BUILD_TARGET=x86_64-unknown-linux-gnu /usr/local/cargo/bin/cargo clean --release -p app && rm src/main.rs\n") {
		t.Errorf("got:\n%s\nnotes: %+v", got, notes)
	}
}

// The dependency build repeats the compile as the script spelled it: a
// quoted word with a space stays one word (it was written back unquoted,
// `--features a b`, a build of two features and a crate named b), and an
// expansion stays an expansion.
func TestCargoDependencyBuildKeepsTheCompilesQuoting(t *testing.T) {
	files := map[string]string{
		"Dockerfile":  "FROM rust:1.80\nWORKDIR /app\nARG PROFILE=release\nCOPY . .\nRUN RUSTFLAGS=\"-C target-cpu=x86-64-v2\" cargo build --features \"tls metrics\" --profile \"$PROFILE\"\n",
		"Cargo.toml":  "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
		"src/main.rs": "fn main() {}\n",
	}
	got, _, notes := fixRepo(t, files, "LW101")
	want := `RUSTFLAGS="-C target-cpu=x86-64-v2" cargo build --features "tls metrics" --profile "$PROFILE" && RUSTFLAGS="-C target-cpu=x86-64-v2" cargo clean --profile "$PROFILE" -p app && rm src/main.rs` + "\n"
	if !strings.Contains(got, want) {
		t.Errorf("want %q in:\n%s\nnotes: %+v", want, got, notes)
	}
}
