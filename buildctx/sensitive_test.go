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
		".env": "# local\nexport DB_PASSWORD='hunter2'\n",
		// environment files of public settings, placeholders and
		// references, and a CI fixture, are no secrets (review 23)
		"web/.env.production":      "API_BASE_PATH=http://storefront/api\n",
		"web/.env.ci":              "APP_KEY=SomeRandomString3232RandomString\n",
		"api/.env":                 "SECRET_KEY=\nAPI_TOKEN=${API_TOKEN}\nPASSWORD=changeme\n",
		"db/.env.local":            "DATABASE_URL=postgres://app:s3cret@db/app\n",
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
		// a test suite's keys (review 36: Tautulli's vendored libraries)
		"lib/cherrypy/test/test.pem": "-----BEGIN PRIVATE KEY-----\nx\n",
		"tests/badkey.pem":           "-----BEGIN PRIVATE KEY-----\nx\n",
		// a test environment's key is no fixture
		"deploy/test/tls.key": "-----BEGIN PRIVATE KEY-----\nx\n",
	}
	got := sensitivePaths(t, root, files)
	want := []string{".env", ".pypirc", "certs/server.pem", "db/.env.local", "deploy/kubeconfig", "deploy/prod.kubeconfig", "deploy/test/tls.key", "gcp-service-account.json", "keys/id_rsa", "terraform/main.tfstate"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("sensitive %q\nwant      %q", got, want)
	}
}

// A private key that only tests name is a fixture (review 23: moorara's
// switch service reads internal/certs/*.key from _test.go files alone); one
// that a configuration or the service's code names too is a secret.
func TestTestOnlyKeys(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"tests-only", map[string]string{
			"internal/certs/server.key":       "-----BEGIN PRIVATE KEY-----\n",
			"internal/transport/grpc_test.go": `tls.LoadX509KeyPair("../certs/server.crt", "../certs/server.key")`,
			"internal/transport/grpc.go":      "package transport\n",
			"internal/certs/server.crt":       "-----BEGIN CERTIFICATE-----\n",
		}, nil},
		{"config-too", map[string]string{
			"internal/certs/server.key":       "-----BEGIN PRIVATE KEY-----\n",
			"internal/transport/grpc_test.go": `"../certs/server.key"`,
			"config/prod.yaml":                "tls_key: /app/internal/certs/server.key\n",
		}, []string{"internal/certs/server.key"}},
		{"named-nowhere", map[string]string{"deploy/prod.key": "x"}, []string{"deploy/prod.key"}},
	} {
		got := sensitivePaths(t, t.TempDir(), tc.files)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// sensitivePaths writes files under root and returns what SensitiveFiles
// flags among them, sorted.
func sensitivePaths(t *testing.T, root string, files map[string]string) []string {
	t.Helper()
	var entries []Entry
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, Entry{Path: name, Type: TypeFile, Size: int64(len(content))})
	}
	var got []string
	for _, s := range SensitiveFiles(root, entries) {
		got = append(got, s.Path)
	}
	sort.Strings(got)
	return got
}
