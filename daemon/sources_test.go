package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tessera-ws/tessera/config"
)

// wasmBytes is the smallest valid module: magic and version.
var wasmBytes = []byte("\x00asm\x01\x00\x00\x00")

func TestDownloadChecksDigestAndCaches(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(wasmBytes)
	}))
	defer srv.Close()
	old := downloadClient
	downloadClient = srv.Client()
	defer func() { downloadClient = old }()

	sum := sha256.Sum256(wasmBytes)
	good := hex.EncodeToString(sum[:])
	cache := t.TempDir()
	src := config.Source{Kind: config.SourceHTTPS, Location: srv.URL + "/p.wasm", SHA256: good}
	for i := 0; i < 2; i++ {
		b, err := fetchModule(context.Background(), src, cache)
		if err != nil || string(b) != string(wasmBytes) {
			t.Fatalf("fetch %d: %q, %v", i, b, err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("downloaded %d times, want 1 (the second from the cache)", n)
	}

	bad := strings.Repeat("0", 64)
	_, err := fetchModule(context.Background(), config.Source{Kind: config.SourceHTTPS, Location: srv.URL + "/q.wasm", SHA256: bad}, cache)
	if err == nil || !strings.Contains(err.Error(), good) || !strings.Contains(err.Error(), bad) {
		t.Fatalf("a digest mismatch: %v (want both digests)", err)
	}
	if _, err := os.Stat(filepath.Join(cache, "downloads", bad+".wasm")); err == nil {
		t.Errorf("a module with the wrong digest was cached")
	}
}

func TestNamedSourcesSearchThePluginPath(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(b, "tab-bar.wasm"), wasmBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TESSERA_PLUGIN_PATH", a+":"+b)
	got, err := fetchModule(context.Background(), config.Source{Kind: config.SourceZellij, Location: "tab-bar"}, t.TempDir())
	if err != nil || string(got) != string(wasmBytes) {
		t.Fatalf("zellij:tab-bar: %v", err)
	}
	_, err = fetchModule(context.Background(), config.Source{Kind: config.SourceBuiltin, Location: "nosuch"}, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), a) || !strings.Contains(err.Error(), b) || !strings.Contains(err.Error(), "TESSERA_PLUGIN_PATH") {
		t.Fatalf("a missing builtin: %v (want the directories searched)", err)
	}
}
