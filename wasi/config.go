package wasi

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
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
	// Engine selects how plugin code runs; the zero value is EngineAuto.
	Engine Engine
	// NoRewrite runs modules as they are. By default a module is rewritten
	// before it is compiled: a check added to its loops lets a timer stop a
	// call at its deadline, and, with EngineAuto, its state is exported so a
	// plugin can move to compiled code. With NoRewrite, deadlines use
	// wazero's context watch instead, which leaves compiled code for Go at
	// every loop iteration and starts a goroutine per call (update and
	// render of a Go plugin about 5× slower, tight loops up to 20×; see
	// bench/README.md), and EngineAuto compiles before starting. For ruling
	// the rewrite out when a plugin misbehaves.
	NoRewrite bool
}

// Engine is how a host runs plugin code.
type Engine uint8

// Engines. The zero value, EngineAuto, is the default.
const (
	// EngineAuto starts a plugin whose module is not compiled yet (in this
	// process or in the disk cache) on the interpreter at once, and moves
	// it to compiled code between two calls when a background compile is
	// done. A module compiled before starts compiled. Modules whose state
	// cannot be moved are compiled first, as with EngineCompiler.
	EngineAuto Engine = iota
	// EngineCompiler compiles every module before loading it (seconds for
	// a Go plugin on a cold cache, milliseconds from the disk cache).
	EngineCompiler
	// EngineInterpreter runs every plugin on wazero's interpreter and never
	// compiles: the fastest start and the slowest code (tens of times
	// slower than compiled code). Nothing is kept on disk.
	EngineInterpreter
)

var engineNames = [...]string{"auto", "compiler", "interpreter"}

// String returns "auto", "compiler" or "interpreter".
func (e Engine) String() string {
	if int(e) < len(engineNames) {
		return engineNames[e]
	}
	return fmt.Sprintf("engine(%d)", int(e))
}

// ParseEngine reads an engine name as String writes it.
func ParseEngine(s string) (Engine, error) {
	if i := slices.Index(engineNames[:], s); i >= 0 {
		return Engine(i), nil
	}
	return 0, fmt.Errorf("engine %q: want %s", s, strings.Join(engineNames[:], ", "))
}

// InterpreterSlowdown is the factor applied to Limits.CallTimeout and
// Limits.LoadTimeout for calls that run on the interpreter. Interpreted code
// is 20 to 40 times slower than compiled code, and a plugin can run on it
// for no fault of its own (EngineAuto while the compile is not done, or
// EngineInterpreter): a deadline sized for compiled code would kill it.
// The stretched deadline is capped at MaxInterpretedCall, so that a guest
// that never yields is still stopped within a minute (the load sequence
// would otherwise get 300 s).
const InterpreterSlowdown = 30

// MaxInterpretedCall caps a deadline stretched by InterpreterSlowdown. A
// limit set above it is kept as set.
const MaxInterpretedCall = time.Minute

// interpretedTimeout is the deadline of a call of base on the interpreter.
func interpretedTimeout(base time.Duration) time.Duration {
	return max(base, min(base*InterpreterSlowdown, MaxInterpretedCall))
}

// deadlineMode is how a deadline stops a guest call on the compiler. It is
// derived from the engine (the interpreter watches the context); benchmarks
// select the others through newHost.
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

// GuestMountPoints returns the guest paths a Mount may use, in the order
// they are pre-opened.
func GuestMountPoints() []string { return []string{"/host", "/data", "/cache", "/tmp"} }

// Limits bounds what one plugin may consume. Zero fields take the values of
// DefaultLimits; negative values are refused by Load, except where noted.
type Limits struct {
	// MemoryBytes caps each instance's linear memory (main and each worker
	// separately). A memory.grow past it fails (returns -1), which Go and
	// Rust guests turn into an out-of-memory abort. Default 256 MiB.
	MemoryBytes uint64
	// CallTimeout bounds every guest call (update, pipe, render, worker
	// messages). A guest still running at the deadline is stopped and the
	// plugin marked crashed. Default 2s; InterpreterSlowdown times that
	// for calls running on the interpreter.
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

// DefaultLimits returns the limits used for zero fields of Limits.
func DefaultLimits() Limits {
	return Limits{
		MemoryBytes:       256 << 20,
		CallTimeout:       2 * time.Second,
		LoadTimeout:       10 * time.Second,
		CommandsPerSecond: 1000,
		MaxRenderBytes:    1 << 20,
		MaxStderrLine:     16 << 10,
		MaxStdoutBytes:    16 << 20,
		Mailbox:           256,
	}
}

// Validate reports the first invalid field: a negative duration or size.
// Load calls it, so that a bad limit is refused when the plugin is
// configured rather than at each call.
func (l Limits) Validate() error {
	var errs []error
	neg := func(name string, bad bool, v any) {
		if bad {
			errs = append(errs, fmt.Errorf("limits: %s %v is negative (0 takes the default)", name, v))
		}
	}
	neg("CallTimeout", l.CallTimeout < 0, l.CallTimeout)
	neg("LoadTimeout", l.LoadTimeout < 0, l.LoadTimeout)
	neg("MaxRenderBytes", l.MaxRenderBytes < 0, l.MaxRenderBytes)
	neg("MaxStderrLine", l.MaxStderrLine < 0, l.MaxStderrLine)
	neg("MaxStdoutBytes", l.MaxStdoutBytes < 0, l.MaxStdoutBytes)
	neg("Mailbox", l.Mailbox < 0, l.Mailbox)
	return errors.Join(errs...)
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
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

	// Observer receives what the plugin does, as one ordered stream (see
	// Activity). Nil: nothing is reported.
	Observer func(Activity)
}

func (c *PluginConfig) validate() error {
	seen := map[string]bool{}
	for _, m := range c.Mounts {
		if !slices.Contains(GuestMountPoints(), m.Guest) {
			return fmt.Errorf("mount %q: guest path must be one of %s", m.Guest, strings.Join(GuestMountPoints(), " "))
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
		if strings.ContainsAny(k, "=\x00") {
			return fmt.Errorf("env %q: invalid variable name", k)
		}
	}
	return c.Limits.Validate()
}
