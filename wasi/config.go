package wasi

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// HostConfig configures a Host. The zero value is usable.
type HostConfig struct {
	// CacheDir holds the persistent compilation cache. Defaults to
	// os.UserCacheDir()/tessera ($XDG_CACHE_HOME/tessera on Linux); compiled
	// code goes into its "compiled" subdirectory.
	CacheDir string
	// NoDiskCache disables the persistent compilation cache (compiled modules
	// are still shared in memory, per module digest).
	NoDiskCache bool
	// Logger receives host and plugin records. Defaults to a discarding logger.
	Logger *slog.Logger
	// CompilationWorkers is how many goroutines compile one module.
	// Defaults to GOMAXPROCS.
	CompilationWorkers int
	// Tiering starts a plugin whose module is not compiled yet in this
	// process on the interpreter at once, and moves it to compiled code
	// between two calls when a background compile is done. Modules whose
	// state cannot be moved are compiled first, as without tiering.
	Tiering bool
	// Interpreter runs every plugin on wazero's interpreter and never
	// compiles: the fastest start and the slowest code (tens of times
	// slower than compiled code). It implies NoDiskCache and overrides
	// Tiering.
	Interpreter bool
	// NoRewrite runs modules as they are. By default a module is rewritten
	// before it is compiled: a check added to its loops lets a timer stop a
	// call at its deadline, and, with Tiering, its state is exported so a
	// plugin can move to compiled code. With NoRewrite, deadlines use
	// wazero's context watch instead, which leaves compiled code for Go at
	// every loop iteration and starts a goroutine per call (update and
	// render of a Go plugin about 5× slower, tight loops up to 20×; see
	// bench/README.md), and Tiering is off. For ruling the rewrite out
	// when a plugin misbehaves.
	NoRewrite bool

	// deadline selects how call deadlines stop compiled code; benchmarks
	// compare the mechanisms.
	deadline deadlineMode
}

// deadlineMode is how a deadline stops a guest call on the compiler.
type deadlineMode int

const (
	// deadlineInterrupt rewrites modules with an interrupt flag checked at
	// loop heads and raises it from a timer (modules that cannot be
	// rewritten fall back to deadlineContext).
	deadlineInterrupt deadlineMode = iota
	// deadlineContext uses wazero's WithCloseOnContextDone: a check through
	// Go at every loop iteration and a goroutine per call.
	deadlineContext
	// deadlineNone disables deadlines on the compiler (benchmarks only).
	deadlineNone
)

// Mount exposes a host directory to a plugin under a guest path.
type Mount struct {
	// Guest is the guest path: one of /host, /data, /cache, /tmp.
	Guest string
	// Host is the host directory; it must exist.
	Host string
	// ReadOnly refuses every write through the mount.
	ReadOnly bool
}

// GuestMountPoints lists the guest paths a Mount may use, in the order they
// are pre-opened.
var GuestMountPoints = []string{"/host", "/data", "/cache", "/tmp"}

// Limits bounds what one plugin may consume. Zero fields take the defaults
// below; negative durations and counts disable a limit where noted.
type Limits struct {
	// MemoryBytes caps each instance's linear memory (main and each worker
	// separately). A memory.grow past it fails (returns -1), which Go and
	// Rust guests turn into an out-of-memory abort. Default 256 MiB.
	MemoryBytes uint64
	// CallTimeout bounds every guest call (update, pipe, render, worker
	// messages). A guest still running at the deadline is stopped and the
	// plugin marked crashed. Default 2s.
	CallTimeout time.Duration
	// LoadTimeout bounds each call of the load sequence (_initialize, _start,
	// load). Default 10s.
	LoadTimeout time.Duration
	// CommandsPerSecond is the sustained command rate of one instance; a burst
	// of the same size is allowed. Commands over the limit are dropped (a
	// reply-bearing one gets an empty reply). Default 1000; negative: no limit.
	CommandsPerSecond int
	// MaxRenderBytes caps one render frame; the rest is cut. Default 1 MiB.
	MaxRenderBytes int
	// MaxStderrLine caps one stderr line; the rest is cut. Default 16 KiB.
	MaxStderrLine int
	// MaxStdoutBytes caps what a guest may print without the host draining
	// it (between two renders or commands); the excess is discarded.
	// Default 16 MiB.
	MaxStdoutBytes int
	// Mailbox is the capacity of the plugin's mailbox (events, pipes and
	// renders waiting). Default 256.
	Mailbox int
}

// DefaultLimits are the limits used for zero fields of Limits.
var DefaultLimits = Limits{
	MemoryBytes:       256 << 20,
	CallTimeout:       2 * time.Second,
	LoadTimeout:       10 * time.Second,
	CommandsPerSecond: 1000,
	MaxRenderBytes:    1 << 20,
	MaxStderrLine:     16 << 10,
	MaxStdoutBytes:    16 << 20,
	Mailbox:           256,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MemoryBytes == 0 {
		l.MemoryBytes = d.MemoryBytes
	}
	if l.CallTimeout == 0 {
		l.CallTimeout = d.CallTimeout
	}
	if l.LoadTimeout == 0 {
		l.LoadTimeout = d.LoadTimeout
	}
	if l.CommandsPerSecond == 0 {
		l.CommandsPerSecond = d.CommandsPerSecond
	}
	if l.MaxRenderBytes <= 0 {
		l.MaxRenderBytes = d.MaxRenderBytes
	}
	if l.MaxStderrLine <= 0 {
		l.MaxStderrLine = d.MaxStderrLine
	}
	if l.MaxStdoutBytes <= 0 {
		l.MaxStdoutBytes = d.MaxStdoutBytes
	}
	if l.MaxStdoutBytes < l.MaxRenderBytes {
		l.MaxStdoutBytes = l.MaxRenderBytes
	}
	if l.Mailbox <= 0 {
		l.Mailbox = d.Mailbox
	}
	return l
}

// PluginConfig describes one plugin instance (one plugin id and client).
type PluginConfig struct {
	// ID and ClientID are reported by GetPluginIds and identify the plugin
	// in logs and incidents.
	ID, ClientID uint32
	// URL is the plugin location, for logs and messages.
	URL string
	// Config is sent to load() as PluginConfiguration, keys sorted.
	Config map[string]string
	// Mounts are the guest's only file systems.
	Mounts []Mount
	// Env is the guest's whole environment; nothing is inherited.
	Env map[string]string
	// Limits bounds the plugin; zero fields take DefaultLimits.
	Limits Limits
	// Builtin plugins bypass the permission gate (commands and events).
	Builtin bool
	// Granted are the permissions granted before load.
	Granted []pluginpb.PermissionType
	// InitialCwd is reported by GetPluginIds (guest view of the start folder).
	InitialCwd string
	// InitialKeybinds is sent in the InitialKeybinds event when the plugin
	// subscribes to it; nil sends an empty payload.
	InitialKeybinds *pluginpb.InitialKeybindsPayload

	// Dispatcher handles the commands the host does not handle itself.
	// Nil: those commands are recorded as unsupported (and get an empty
	// reply when the guest waits for one).
	Dispatcher Dispatcher
	// Permissions decides RequestPluginPermissions. Nil: a request for
	// permissions not yet granted is denied.
	Permissions PermissionHook

	// OnFrame receives every render frame (from Render, Resize, and renders
	// triggered by update or pipe). Called on the plugin goroutine; the slice
	// is the caller's to keep.
	OnFrame func(frame []byte)
	// OnCrash is called once, on its own goroutine, when the plugin crashes.
	OnCrash func(err error)
	// OnStderr receives each complete stderr line (without the newline),
	// cut at Limits.MaxStderrLine.
	OnStderr func(line string)
	// OnPipe receives CLI pipe control requests and pipe completion.
	OnPipe func(PipeControl)
	// OnCommand sees every decoded command within the rate limit, host-handled
	// ones included, before the permission gate, on the issuing instance's
	// goroutine (worker "" is the main instance). cmd is the hook's to keep.
	// Must not block.
	OnCommand func(worker string, cmd *pluginpb.PluginCommand)
	// OnIncident receives every recorded incident (garbage frame, denied or
	// dropped command, truncated output, ...). Called on the goroutine that
	// observed it; must not block.
	OnIncident func(Incident)
}

func (c *PluginConfig) validate() error {
	seen := map[string]bool{}
	for _, m := range c.Mounts {
		ok := false
		for _, g := range GuestMountPoints {
			ok = ok || m.Guest == g
		}
		if !ok {
			return fmt.Errorf("mount %q: guest path must be one of %v", m.Guest, GuestMountPoints)
		}
		if seen[m.Guest] {
			return fmt.Errorf("mount %q: mounted twice", m.Guest)
		}
		seen[m.Guest] = true
		if m.Host == "" {
			return fmt.Errorf("mount %q: empty host directory", m.Guest)
		}
	}
	for k := range c.Env {
		if k == "" {
			return fmt.Errorf("env: empty variable name")
		}
		for i := 0; i < len(k); i++ {
			if k[i] == '=' || k[i] == 0 {
				return fmt.Errorf("env %q: invalid variable name", k)
			}
		}
	}
	return nil
}
