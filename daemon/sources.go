package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tessera-ws/tessera/config"
	"github.com/tessera-ws/tessera/internal/ctl"
	"github.com/tessera-ws/tessera/internal/fsutil"
)

// Limits on plugin modules.
const (
	maxWasmBytes    = 64 << 20
	downloadTimeout = 60 * time.Second
)

// pluginSearchPath returns the directories searched for zellij:NAME and
// builtin:NAME: $TESSERA_PLUGIN_PATH (colon-separated), else
// $XDG_DATA_HOME/tessera/plugins.
func pluginSearchPath() []string {
	if v := os.Getenv("TESSERA_PLUGIN_PATH"); v != "" {
		var out []string
		for _, d := range filepath.SplitList(v) {
			if d != "" {
				out = append(out, d)
			}
		}
		return out
	}
	return []string{filepath.Join(ctl.DataHome(), "plugins")}
}

// fetchModule returns the wasm bytes of a plugin source.
func fetchModule(ctx context.Context, src config.Source, cacheDir string) ([]byte, error) {
	var b []byte
	var err error
	switch src.Kind {
	case config.SourceFile:
		b, err = readModuleFile(src.Location)
	case config.SourceZellij, config.SourceBuiltin:
		b, err = findNamed(src.Location)
	case config.SourceHTTPS:
		b, err = download(ctx, src.Location, src.SHA256, cacheDir)
	default:
		return nil, fmt.Errorf("unknown plugin source kind %q", src.Kind)
	}
	if err != nil {
		return nil, err
	}
	if src.SHA256 != "" {
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, src.SHA256) {
			return nil, fmt.Errorf("%s: sha256 mismatch: the file has %s, the workspace pins %s", src.URL(), got, src.SHA256)
		}
	}
	return b, nil
}

func readModuleFile(path string) ([]byte, error) {
	b, err := fsutil.ReadFile(path, maxWasmBytes)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("plugin module %s does not exist: build it or fix the source path", path)
	}
	if err != nil {
		return nil, fmt.Errorf("plugin module: %w", err)
	}
	return b, nil
}

func findNamed(name string) ([]byte, error) {
	dirs := pluginSearchPath()
	for _, d := range dirs {
		p := filepath.Join(d, name+".wasm")
		if _, err := os.Stat(p); err == nil {
			return readModuleFile(p)
		}
	}
	return nil, fmt.Errorf("plugin %s.wasm not found; looked in %s (set TESSERA_PLUGIN_PATH to a colon-separated list of directories)",
		name, strings.Join(dirs, ", "))
}

// downloadClient fetches https sources; tests replace it to trust their
// server's certificate.
var downloadClient = http.DefaultClient

// download fetches an https module into the cache, checking its digest
// before it is ever compiled. A cached copy with the right digest is reused.
func download(ctx context.Context, url, want, cacheDir string) ([]byte, error) {
	if want == "" {
		return nil, fmt.Errorf("%s: an https source needs a sha256", url)
	}
	dir := filepath.Join(cacheDir, "downloads")
	cached := filepath.Join(dir, strings.ToLower(want)+".wasm")
	if b, err := readModuleFile(cached); err == nil {
		sum := sha256.Sum256(b)
		if strings.EqualFold(hex.EncodeToString(sum[:]), want) {
			return b, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := downloadClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download %s: %s", url, resp.Status)
	}
	if resp.ContentLength > maxWasmBytes {
		return nil, fmt.Errorf("download %s: %d bytes, over the %d MiB limit", url, resp.ContentLength, maxWasmBytes>>20)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxWasmBytes+1))
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", url, err)
	}
	if len(b) > maxWasmBytes {
		return nil, fmt.Errorf("download %s: over the %d MiB limit", url, maxWasmBytes>>20)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, want) {
		return nil, fmt.Errorf("download %s: sha256 mismatch: got %s, the workspace pins %s; nothing was compiled", url, got, want)
	}
	if err := writeFileAtomic(cached, b, 0o600); err != nil {
		return nil, err
	}
	return b, nil
}

// writeFileAtomic writes via a temporary file, fsync and rename.
func writeFileAtomic(path string, b []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
