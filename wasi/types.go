package wasi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero/sys"
	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// Dispatcher receives every command the host does not handle itself, after
// decoding, the rate limit and the permission gate.
//
// HandleCommand runs on the goroutine of the instance that issued the
// command: the plugin's goroutine for the main instance, the worker's own
// goroutine for a worker. A Dispatcher shared by workers must therefore be
// safe for concurrent use. It must not call blocking methods of the same
// plugin (Update, Pipe, Render, Close): use Post. ctx carries the deadline of
// the guest call in progress; honour it.
//
// For reply-bearing commands (pluginpb.CommandReply != ReplyNone) the
// returned message is written as the guest's stdin line; nil writes an empty
// message `[]`, and so does an error (which is also recorded). For other
// commands the result is ignored. The host alone enforces "exactly one line
// iff the guest reads one". cmd belongs to the dispatcher.
type Dispatcher interface {
	HandleCommand(ctx context.Context, c *CommandContext, cmd *pluginpb.PluginCommand) (proto.Message, error)
}

// DispatcherFunc adapts a function to Dispatcher.
type DispatcherFunc func(ctx context.Context, c *CommandContext, cmd *pluginpb.PluginCommand) (proto.Message, error)

// HandleCommand calls f.
func (f DispatcherFunc) HandleCommand(ctx context.Context, c *CommandContext, cmd *pluginpb.PluginCommand) (proto.Message, error) {
	return f(ctx, c, cmd)
}

// CommandContext tells a Dispatcher where a command comes from.
type CommandContext struct {
	// Plugin issued the command.
	Plugin *Plugin
	// Worker is the worker name ("test" for the export test_worker), or ""
	// for the main instance.
	Worker string
	// Reply is what the guest expects back on stdin.
	Reply pluginpb.ReplyKind
}

// PermissionHook decides a RequestPluginPermissions command. It is called on
// the issuing instance's goroutine and must not block: it answers later,
// from any goroutine, with req.Respond. Until then the plugin keeps running
// without the permissions.
type PermissionHook func(req *PermissionRequest)

// PermissionRequest is a pending permission request of a plugin.
type PermissionRequest struct {
	// Plugin asks.
	Plugin *Plugin
	// Worker is the asking worker, "" for the main instance.
	Worker string
	// Permissions are the requested types, deduplicated, in request order.
	Permissions []pluginpb.PermissionType

	once sync.Once
}

// Respond grants (all requested permissions) or denies the request and
// sends the plugin a PermissionRequestResult event, which always renders.
// Denying keeps the permissions granted before. Only the first call counts;
// safe from any goroutine.
func (r *PermissionRequest) Respond(granted bool) {
	r.once.Do(func() { r.Plugin.permissionResult(r.Permissions, granted) })
}

// IncidentKind classifies an Incident.
type IncidentKind int

// Incident kinds.
const (
	// IncidentGarbageFrame: a command frame that is not a JSON byte array or
	// not a PluginCommand. Nothing is written back.
	IncidentGarbageFrame IncidentKind = iota
	// IncidentDenied: a permission-gated command without the permission.
	IncidentDenied
	// IncidentRateLimited: a command over Limits.CommandsPerSecond, dropped.
	IncidentRateLimited
	// IncidentUnsupported: a command nobody handles (no Dispatcher, or a
	// host command that is not available, such as WatchFilesystem).
	IncidentUnsupported
	// IncidentDispatchError: the Dispatcher returned an error.
	IncidentDispatchError
	// IncidentBadCommand: a command the host handles with an invalid
	// argument (unknown worker, path outside /host, ...).
	IncidentBadCommand
	// IncidentQueueFull: a message or event dropped because a queue is full.
	IncidentQueueFull
	// IncidentRenderTruncated: a frame longer than Limits.MaxRenderBytes.
	IncidentRenderTruncated
	// IncidentStderrTruncated: a stderr line longer than Limits.MaxStderrLine.
	IncidentStderrTruncated
	// IncidentStdoutOverflow: output beyond Limits.MaxStdoutBytes, discarded.
	IncidentStdoutOverflow
	numIncidentKinds
)

var incidentNames = [...]string{
	"garbage-frame", "denied", "rate-limited", "unsupported", "dispatch-error",
	"bad-command", "queue-full", "render-truncated", "stderr-truncated", "stdout-overflow",
}

// String returns a short name such as "denied".
func (k IncidentKind) String() string {
	if k >= 0 && int(k) < len(incidentNames) {
		return incidentNames[k]
	}
	return fmt.Sprintf("incident(%d)", int(k))
}

// Incident records something a plugin did that the host refused, dropped
// or cut, so that operators can see it.
type Incident struct {
	Kind   IncidentKind
	Plugin uint32
	// Worker is the worker name, "" for the main instance.
	Worker string
	// Command is the command concerned, when there is one.
	Command pluginpb.CommandName
	// Permission is the missing permission (IncidentDenied).
	Permission pluginpb.PermissionType
	// Detail is a human-readable explanation.
	Detail string
}

// String describes the incident in one line.
func (i Incident) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plugin %d", i.Plugin)
	if i.Worker != "" {
		fmt.Fprintf(&b, " worker %s", i.Worker)
	}
	fmt.Fprintf(&b, ": %s", i.Kind)
	if i.Kind <= IncidentBadCommand && i.Kind != IncidentGarbageFrame {
		fmt.Fprintf(&b, " %s", i.Command)
	}
	if i.Kind == IncidentDenied {
		fmt.Fprintf(&b, " (needs %s)", i.Permission)
	}
	if i.Detail != "" {
		fmt.Fprintf(&b, ": %s", i.Detail)
	}
	return b.String()
}

// PipeControlKind classifies a PipeControl.
type PipeControlKind int

// Pipe control kinds.
const (
	// PipeBlock: the plugin asks to hold the CLI pipe (BlockCliPipeInput).
	PipeBlock PipeControlKind = iota
	// PipeUnblock: the plugin releases the CLI pipe (UnblockCliPipeInput).
	PipeUnblock
	// PipeOutput: text for the CLI's stdout (CliPipeOutput).
	PipeOutput
	// PipeDone: the plugin finished processing a CLI-sourced pipe message.
	// Blocked tells whether it holds the pipe (it asked to block it during
	// the call and did not unblock it). The CLI may read its next line once
	// every recipient reported PipeDone with Blocked false, or a later
	// PipeUnblock arrives.
	PipeDone
)

// PipeControl is a CLI pipe request of a plugin, in the order issued.
type PipeControl struct {
	Kind   PipeControlKind
	Plugin uint32
	Worker string
	// PipeID is the CLI pipe id (PipeMessage.cli_source_id).
	PipeID string
	// Output is the text of PipeOutput.
	Output string
	// Blocked is set for PipeDone.
	Blocked bool
}

// Errors of plugin calls. Match with errors.Is.
var (
	// ErrClosed: the plugin (or host) is closed.
	ErrClosed = errors.New("plugin closed")
	// ErrCrashed: the plugin crashed; the error is a *CrashError.
	ErrCrashed = errors.New("plugin crashed")
	// ErrCallTimeout: a guest call ran past its deadline.
	ErrCallTimeout = errors.New("guest call timed out")
	// ErrMemoryLimit: the guest died after its memory limit refused growth.
	ErrMemoryLimit = errors.New("memory limit exceeded")
	// ErrReentrant: a blocking method was called from the plugin's own
	// goroutine (from a Dispatcher); use Post instead.
	ErrReentrant = errors.New("blocking plugin call from the plugin's own goroutine")
	// ErrNotPlugin: the module is not a Zellij plugin (not WebAssembly, or
	// without the plugin exports); the error says why.
	ErrNotPlugin = errors.New("not a Zellij plugin")
	// ErrUnsupported: returned (wrapped) by a Dispatcher for a command it
	// does not carry out; the command is recorded as unsupported, not as a
	// dispatch error, and a waiting guest gets an empty reply.
	ErrUnsupported = errors.New("unsupported command")
	// ErrMailboxFull: Update, Pipe or Render could not be queued in time.
	ErrMailboxFull = errors.New("plugin mailbox full")
)

// CrashError describes why a plugin crashed. errors.Is(err, ErrCrashed)
// holds, and it unwraps to the cause (ErrCallTimeout, ErrMemoryLimit, or
// the runtime's trap or exit error). Error is one line; the guest's stderr
// and the runtime's stack trace stay in Stderr and Err.
type CrashError struct {
	Plugin uint32
	// Worker is the crashing worker, "" for the main instance.
	Worker string
	// Call is the export being called ("update", "render", "load", ...).
	Call string
	// Message is what the guest reported (ReportCrash) or, failing that,
	// the line of its stderr that tells why (a Go or Rust panic), one line.
	Message string
	// Stderr is the last lines the guest wrote to stderr, joined by " | ".
	Stderr string
	// Timeout is the deadline the call ran past (ErrCallTimeout), 0 if
	// another cause.
	Timeout time.Duration
	// MemoryLimit is the limit a refused memory.grow hit (ErrMemoryLimit),
	// 0 if another cause.
	MemoryLimit uint64
	// Err is the cause.
	Err error
}

// Error describes the crash in one line, e.g. "plugin 1 worker compute:
// timed out after 2s in compute_worker" or "plugin 1: out of memory: limit
// 256 MiB in update".
func (e *CrashError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plugin %d", e.Plugin)
	if e.Worker != "" {
		fmt.Fprintf(&b, " worker %s", e.Worker)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason())
	return b.String()
}

// Reason is Error without the plugin and worker: "timed out after 2s in
// update", "out of memory: limit 256 MiB in update", "crashed in update:
// panic: index out of range".
func (e *CrashError) Reason() string {
	switch {
	case e.Timeout > 0:
		return fmt.Sprintf("timed out after %v in %s", e.Timeout, e.Call)
	case e.MemoryLimit > 0:
		return fmt.Sprintf("out of memory: limit %s in %s", formatBytes(e.MemoryLimit), e.Call)
	}
	why := firstLine(e.Message)
	var ee *sys.ExitError
	if errors.As(e.Err, &ee) && ee.ExitCode() != sys.ExitCodeContextCanceled && ee.ExitCode() != sys.ExitCodeDeadlineExceeded {
		if why == "" {
			return fmt.Sprintf("exited with code %d in %s", ee.ExitCode(), e.Call)
		}
		return fmt.Sprintf("exited with code %d in %s: %s", ee.ExitCode(), e.Call, why)
	}
	if why == "" && e.Err != nil {
		why = firstLine(e.Err.Error())
	}
	if why == "" {
		return "crashed in " + e.Call
	}
	return fmt.Sprintf("crashed in %s: %s", e.Call, why)
}

// crashMessage is the line of a ReportCrash text that says why. It is the
// first line, except for a Rust panic without a string payload (unwrap,
// expect, a formatted panic!): its first line is "<NO PAYLOAD>", and the
// message (older Rust) and location are taken from the panic's debug form
// that follows, as "panicked at FILE:LINE:COL: MESSAGE".
func crashMessage(text string) string {
	first := firstLine(text)
	if first != "<NO PAYLOAD>" {
		return first
	}
	var msg, file, line, col string
	inLoc := false
	lines := strings.Split(strings.ReplaceAll(text, "\r", ""), "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case l == "message: Some(" && i+1 < len(lines) && msg == "":
			msg = strings.TrimSuffix(strings.TrimSpace(lines[i+1]), ",")
		case l == "location: Location {":
			inLoc = true
		case inLoc && l == "},":
			inLoc = false
		case inLoc:
			k, v, _ := strings.Cut(strings.TrimSuffix(l, ","), ": ")
			switch k {
			case "file":
				file = strings.Trim(v, `"`)
			case "line":
				line = v
			case "col":
				col = v
			}
		}
	}
	if file == "" {
		if msg == "" {
			return first
		}
		return firstLine(msg)
	}
	where := "panicked at " + file + ":" + line + ":" + col
	if msg == "" {
		return where
	}
	return firstLine(where + ": " + msg)
}

// firstLine returns the first non-blank line of s, trimmed and clipped.
func firstLine(s string) string {
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			const maxLine = 300
			if len(l) > maxLine {
				l = l[:maxLine] + "…"
			}
			return l
		}
	}
	return ""
}

// formatBytes writes n as "256 MiB", "64 KiB" or "1000 bytes".
func formatBytes(n uint64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Is reports ErrCrashed.
func (e *CrashError) Is(target error) bool { return target == ErrCrashed }

// Unwrap returns the cause.
func (e *CrashError) Unwrap() error { return e.Err }

// Stats are a plugin's counters.
type Stats struct {
	// Calls is the number of guest calls made.
	Calls uint64
	// Commands is the number of commands received (including dropped ones).
	Commands uint64
	// Moves counts instances moved from the interpreter to compiled code
	// (HostConfig.Tiering).
	Moves uint64
	// MemoryTrimmed is the bytes of resident zero pages of the main
	// instance's memory given back to the system after idle periods
	// (summed over the trims; a page the guest touches again can be
	// counted again).
	MemoryTrimmed uint64
	// Incidents counts incidents by kind.
	Incidents map[IncidentKind]uint64
	// MemoryBytes is the linear memory of the plugin's instances (its main
	// instance and workers) now.
	MemoryBytes uint64
	// CallP50 and CallP99 are the median and 99th percentile of the
	// duration of its guest calls since it loaded (0 before any call),
	// at most 25 % above the true figure.
	CallP50, CallP99 time.Duration
}

// ActivityKind classifies an Activity.
type ActivityKind int

// Activity kinds.
const (
	// ActivityCommand: the guest issued a command (within the rate limit)
	// and the host decided what became of it (Activity.Outcome).
	ActivityCommand ActivityKind = iota
	// ActivityIncident: the host refused, dropped or cut something
	// (Activity.Incident).
	ActivityIncident
	// ActivityCrash: the plugin crashed (Activity.Crash); the last activity
	// of the plugin but for what its other instances were doing.
	ActivityCrash
	// ActivityStderr: one complete stderr line, without its newline, cut at
	// Limits.MaxStderrLine (Activity.Line).
	ActivityStderr
	// ActivityPipe: a CLI pipe request or completion (Activity.Pipe).
	ActivityPipe
	// ActivityFrame: a render frame, from Render, Resize or a render that
	// update or pipe asked for (Activity.Frame).
	ActivityFrame
)

var activityNames = [...]string{"command", "incident", "crash", "stderr", "pipe", "frame"}

// String returns a short name such as "command".
func (k ActivityKind) String() string {
	if k >= 0 && int(k) < len(activityNames) {
		return activityNames[k]
	}
	return fmt.Sprintf("activity(%d)", int(k))
}

// CommandOutcome says what became of a command.
type CommandOutcome int

// Command outcomes.
const (
	// CommandHost: the host carried the command out itself (Subscribe,
	// SetTimeout, GetPluginIds, workers, /host, pipes, ...).
	CommandHost CommandOutcome = iota
	// CommandDispatched: the Dispatcher handled it; Activity.Reply holds
	// the reply written back, if any, and Activity.Detail the Dispatcher's
	// error, if it failed.
	CommandDispatched
	// CommandDenied: the plugin lacks the permission (Activity.Detail names
	// it); dropped, and an empty reply written if the guest waits for one.
	CommandDenied
	// CommandUnsupported: nobody handles the command (no Dispatcher, or a
	// host command that is not available here); Activity.Detail says why.
	CommandUnsupported
)

var outcomeNames = [...]string{"host", "dispatched", "denied", "unsupported"}

// String returns "host", "dispatched", "denied" or "unsupported".
func (o CommandOutcome) String() string {
	if o >= 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// Activity is one thing a plugin did, as PluginConfig.Observer receives it.
//
// The observer is called on one goroutine per plugin, never concurrently,
// in the order the activities happened (Seq counts them from 1). A command
// the host carries out itself is reported before what it causes (a pipe
// request, a worker's commands); a dispatched, denied or unsupported one
// (and RequestPluginPermissions, WatchFilesystem) once the host has decided
// what became of it, after the incident that says why. Activities are queued, not dropped, while the observer runs: it must
// not block (forward to a channel or an inbox), or the queue grows. It may
// call any method of the plugin. Sync returns only once the activities of
// what it waited for have been observed; Close delivers what is queued
// before it returns.
type Activity struct {
	Kind ActivityKind
	// Seq numbers the plugin's activities from 1, without gaps.
	Seq uint64
	// Time is when the host observed it.
	Time   time.Time
	Plugin uint32
	// Worker is the worker concerned, "" for the main instance.
	Worker string

	// Command is the decoded command (ActivityCommand); the observer's to
	// keep.
	Command *pluginpb.PluginCommand
	// Outcome is what became of Command.
	Outcome CommandOutcome
	// Reply is the reply the Dispatcher gave to a reply-bearing command
	// (nil: an empty reply was written).
	Reply proto.Message
	// Detail explains a denied or unsupported command.
	Detail string

	// Incident is set for ActivityIncident.
	Incident Incident
	// Crash is set for ActivityCrash.
	Crash *CrashError
	// Line is the stderr line of ActivityStderr.
	Line string
	// Pipe is set for ActivityPipe.
	Pipe PipeControl
	// Frame is the frame of ActivityFrame, the observer's to keep. Line
	// feeds are as the guest printed them (see ToTerminal).
	Frame []byte
}

// PluginStatus is where a plugin is in its life.
type PluginStatus int

// Plugin statuses.
const (
	// StatusLoading: Load has not returned yet.
	StatusLoading PluginStatus = iota
	// StatusRunning: loaded, serving calls.
	StatusRunning
	// StatusCrashed: a guest call failed; PluginState.Crash says why.
	StatusCrashed
	// StatusClosed: Close was called.
	StatusClosed
)

var statusNames = [...]string{"loading", "running", "crashed", "closed"}

// String returns "loading", "running", "crashed" or "closed".
func (s PluginStatus) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// PluginState is a plugin's state at one moment, as one value.
type PluginState struct {
	ID, ClientID uint32
	URL          string
	Status       PluginStatus
	// Engine is what the main instance runs on now: EngineCompiler or
	// EngineInterpreter.
	Engine Engine
	// Rows and Cols are the size of the last render (0x0 before).
	Rows, Cols int
	// Subscriptions and Permissions are in enum order.
	Subscriptions []pluginpb.EventType
	Permissions   []pluginpb.PermissionType
	// Workers are the worker names, sorted; WorkersBusy counts messages
	// posted to them and not yet processed.
	Workers     []string
	WorkersBusy int
	Stats       Stats
	// Crash is the crash, nil unless Status is StatusCrashed (or a closed
	// plugin had crashed).
	Crash *CrashError
}
