package lsp

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestNeovimClient drives layerwise's language server from a real editor:
// headless Neovim and its built-in LSP client (testdata/client.lua). The
// diagnostics of an opened Dockerfile carry the audit's finding, hover
// shows its rule and cost, BuildKit's own checks are among them, an unsaved edit clears it and brings it back,
// and the code action fixes the buffer; the file on disk is never touched.
func TestNeovimClient(t *testing.T) {
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("nvim is not installed (make engine installs neovim)")
		}
		t.Skip("nvim is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	work := t.TempDir()
	bin := filepath.Join(work, "layerwise")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../cmd/layerwise").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	repo := filepath.Join(work, "repo")
	df := "from node:20-bookworm-slim AS app\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n"
	files := map[string]string{"Dockerfile": df, "package.json": `{"name":"x","dependencies":{"left-pad":"1.3.0"}}`, "package-lock.json": "{}", "server.js": "", ".dockerignore": "node_modules\n"}
	for name, body := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(repo, name)), 0o755)
		os.WriteFile(filepath.Join(repo, name), []byte(body), 0o644)
	}
	outFile := filepath.Join(work, "out.json")
	script, _ := filepath.Abs(filepath.Join("testdata", "client.lua"))
	cmd := exec.CommandContext(ctx, nvim, "--headless", "--clean", "-n", "-c", "luafile "+script)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "LW_BIN="+bin, "LW_ROOT="+repo, "LW_FILE="+filepath.Join(repo, "Dockerfile"), "LW_OUT="+outFile, "HOME="+work)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nvim: %v\n%s", err, out)
	}
	data, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatalf("the client wrote nothing: %v", err)
	}
	var got struct {
		Error       string `json:"error"`
		Opened      bool   `json:"opened"`
		Diagnostics []struct {
			Code     string `json:"code"`
			Line     int    `json:"line"`
			Severity int    `json:"severity"`
		} `json:"diagnostics"`
		Hover     string   `json:"hover"`
		Cleared   bool     `json:"cleared"`
		Back      bool     `json:"back"`
		Actions   []string `json:"actions"`
		Applied   bool     `json:"applied"`
		AfterFix  bool     `json:"after_fix"`
		Text      string   `json:"text"`
		Modified  bool     `json:"modified"`
		BroadLine int      `json:"broad_line"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	if got.Error != "" {
		t.Fatalf("the client failed: %s\n%s", got.Error, data)
	}
	if !got.Opened {
		t.Fatalf("no LW101 diagnostic on open: %s", data)
	}
	codes := []string{}
	for _, d := range got.Diagnostics {
		codes = append(codes, d.Code)
		if d.Code == "LW101" && (d.Line != 2 || d.Severity != 2) {
			t.Errorf("LW101 at line %d (0-based) severity %d, want the COPY's line 2 as a warning", d.Line, d.Severity)
		}
	}
	if !slices.Contains(codes, "LW102") || !slices.Contains(codes, "buildkit/FromAsCasing") {
		t.Errorf("diagnostics %v: the missing cache mount (LW102) or BuildKit's own check (FromAsCasing) is not among them", codes)
	}
	if !strings.Contains(got.Hover, "LW101") || !strings.Contains(got.Hover, "Sources are copied before the dependency install") || !strings.Contains(got.Hover, "Cost:") {
		t.Errorf("hover: %q", got.Hover)
	}
	if !got.Cleared || !got.Back {
		t.Errorf("unsaved edits: cleared %v, back %v", got.Cleared, got.Back)
	}
	if !got.Applied || !got.AfterFix {
		t.Errorf("code actions %v: applied %v, finding gone %v", got.Actions, got.Applied, got.AfterFix)
	}
	if !strings.Contains(got.Text, "COPY package-lock.json package.json ./\nRUN npm ci\nCOPY . .") || !got.Modified {
		t.Errorf("the buffer after the code action (modified %v):\n%s", got.Modified, got.Text)
	}
	if now, _ := os.ReadFile(filepath.Join(repo, "Dockerfile")); string(now) != df {
		t.Errorf("the file on disk changed:\n%s", now)
	}
}
