package wasi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

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
	// ErrMailboxFull: Update, Pipe or Render could not be queued in time.
	ErrMailboxFull = errors.New("plugin mailbox full")
)

// CrashError describes why a plugin crashed. errors.Is(err, ErrCrashed)
// holds, and it unwraps to the cause (ErrCallTimeout, ErrMemoryLimit, or
// the runtime's trap or exit error).
type CrashError struct {
	Plugin uint32
	// Worker is the crashing worker, "" for the main instance.
	Worker string
	// Call is the export being called ("update", "render", "load", ...).
	Call string
	// Message is what the guest reported (ReportCrash) or, failing that, the
	// last lines it wrote to stderr.
	Message string
	// Err is the cause.
	Err error
}

// Error describes the crash.
func (e *CrashError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plugin %d", e.Plugin)
	if e.Worker != "" {
		fmt.Fprintf(&b, " worker %s", e.Worker)
	}
	fmt.Fprintf(&b, " crashed in %s", e.Call)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
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
	// Incidents counts incidents by kind.
	Incidents map[IncidentKind]uint64
}
