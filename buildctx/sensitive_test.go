package buildctx

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestSensitiveFiles: what holds secrets is flagged with its reason; a
// public key, an example env file and ordinary JSON are not.
func TestSensitiveFiles(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		".env":                     "K=V",
		".env.example":             "K=",
		"keys/id_rsa":              "-----BEGIN",
		"keys/id_rsa.pub":          "ssh-rsa AAAA",
		".pypirc":                  "[pypi]\nusername = __token__\n",
		"deploy/kubeconfig":        "apiVersion: v1",
		"deploy/prod.kubeconfig":   "apiVersion: v1",
		"gcp-service-account.json": `{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----"}`,
		"config/key-settings.json": `{"type": "settings"}`,
		"package.json":             `{"name": "x"}`,
		"terraform/main.tfstate":   "{}",
		"certs/server.pem":         "-----BEGIN PRIVATE KEY-----\nx\n",
		"certs/ca-bundle.pem":      "-----BEGIN CERTIFICATE-----\nx\n",
		// throwaway test keys, by their path (review 22)
		"snakeoil/tls.key":          "-----BEGIN PRIVATE KEY-----\nx\n",
		"internal/testdata/srv.key": "x",
	}
	var entries []Entry
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
		entries = append(entries, Entry{Path: name, Type: TypeFile, Size: int64(len(content))})
	}
	var got []string
	for _, s := range SensitiveFiles(root, entries) {
		got = append(got, s.Path)
	}
	sort.Strings(got)
	want := []string{".env", ".pypirc", "certs/server.pem", "deploy/kubeconfig", "deploy/prod.kubeconfig", "gcp-service-account.json", "keys/id_rsa", "terraform/main.tfstate"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("sensitive %q\nwant      %q", got, want)
	}
}
