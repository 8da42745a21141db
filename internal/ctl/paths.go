// Package ctl locates Tessera daemons and dials their control sockets. It is
// shared by the daemon (which creates the files) and its clients (which find
// them), and depends on nothing but the generated control API.
package ctl

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Paths are the files of the daemon of one workspace.
type Paths struct {
	// Workspace is the absolute, symlink-free path of the workspace file or
	// directory: the daemon's identity.
	Workspace string
	// Name is "<base>-<hash>": the workspace's base name (sanitised) and the
	// first 8 hex digits of the SHA-256 of Workspace.
	Name string
	// RuntimeDir holds sockets, locks and info files (mode 0700).
	RuntimeDir string
	// Socket is the control socket (mode 0600).
	Socket string
	// Lock is held (flock) by the running daemon.
	Lock string
	// Info describes the running daemon (JSON, see Info).
	Info string
	// StateDir holds the daemon's persistent state and its log.
	StateDir string
	// Log is the daemon's log file.
	Log string
}

// Info is what a running daemon writes next to its socket so that clients
// can list daemons without connecting to each.
type Info struct {
	Workspace string `json:"workspace"`
	PID       int    `json:"pid"`
	Socket    string `json:"socket"`
	// Started is the start time in Unix nanoseconds.
	Started int64  `json:"started"`
	Version string `json:"version"`
	Log     string `json:"log"`
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// RuntimeDir is $XDG_RUNTIME_DIR/tessera, or /tmp/tessera-<uid> when
// XDG_RUNTIME_DIR is unset or not absolute.
func RuntimeDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(d) {
		return filepath.Join(d, "tessera")
	}
	return filepath.Join(os.TempDir(), "tessera-"+strconv.Itoa(os.Getuid()))
}

// StateHome is $XDG_STATE_HOME/tessera (default ~/.local/state/tessera).
func StateHome() string {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "tessera")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "tessera-state-"+strconv.Itoa(os.Getuid()))
	}
	return filepath.Join(home, ".local", "state", "tessera")
}

// DataHome is $XDG_DATA_HOME/tessera (default ~/.local/share/tessera).
func DataHome() string {
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "tessera")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "tessera-data-"+strconv.Itoa(os.Getuid()))
	}
	return filepath.Join(home, ".local", "share", "tessera")
}

// CacheHome is $XDG_CACHE_HOME/tessera (default ~/.cache/tessera).
func CacheHome() string {
	if d := os.Getenv("XDG_CACHE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "tessera")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "tessera")
	}
	return filepath.Join(os.TempDir(), "tessera-cache-"+strconv.Itoa(os.Getuid()))
}

// CanonicalWorkspace returns the absolute, symlink-free form of a workspace
// path (a file or a directory), which must exist.
func CanonicalWorkspace(path string) (string, error) {
	if path == "" {
		path = "."
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("workspace %s: %w", path, err)
	}
	return real, nil
}

// PathsFor returns the paths of the daemon of the workspace at path.
func PathsFor(path string) (Paths, error) {
	ws, err := CanonicalWorkspace(path)
	if err != nil {
		return Paths{}, err
	}
	return pathsForCanonical(ws), nil
}

func pathsForCanonical(ws string) Paths {
	sum := sha256.Sum256([]byte(ws))
	base := strings.TrimSuffix(filepath.Base(ws), ".hcl")
	base = unsafeName.ReplaceAllString(base, "_")
	if len(base) > 24 {
		base = base[:24]
	}
	if base == "" || base == "." || base == "/" || base == "_" {
		base = "workspace"
	}
	name := base + "-" + hex.EncodeToString(sum[:4])
	rt := RuntimeDir()
	state := filepath.Join(StateHome(), name)
	return Paths{
		Workspace:  ws,
		Name:       name,
		RuntimeDir: rt,
		Socket:     filepath.Join(rt, name+".sock"),
		Lock:       filepath.Join(rt, name+".lock"),
		Info:       filepath.Join(rt, name+".json"),
		StateDir:   state,
		Log:        filepath.Join(state, "daemon.log"),
	}
}

// ReadInfo reads a daemon's info file.
func ReadInfo(path string) (Info, error) {
	var in Info
	b, err := os.ReadFile(path)
	if err != nil {
		return in, err
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return in, fmt.Errorf("%s: %w", path, err)
	}
	return in, nil
}

// Running lists the daemons whose info files are in the runtime directory
// and whose process is alive, sorted by workspace. Stale info files are
// ignored (the daemon that replaces them removes them).
func Running() ([]Info, error) {
	ents, err := os.ReadDir(RuntimeDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		in, err := ReadInfo(filepath.Join(RuntimeDir(), e.Name()))
		if err != nil || !processAlive(in.PID) {
			continue
		}
		if _, err := os.Stat(in.Socket); err != nil {
			continue
		}
		out = append(out, in)
	}
	return out, nil
}
