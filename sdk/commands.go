package sdk

import (
	"errors"
	"math"
	"slices"
	"sort"
	"time"

	protowire "github.com/tessera-ws/tessera/sdk/internal/wire"

	"github.com/tessera-ws/tessera/sdk/pb"
)

// ErrNoReply reports that the host wrote no reply line for a command that
// requires one.
var ErrNoReply = errors.New("host wrote no reply")

// ProtocolError is the panic value of the typed command functions when the
// host breaks the protocol (no reply, or a malformed reply, to a command
// that requires one). Inside an export the panic is reported to the host
// with ReportCrash and the instance traps, exactly as a Rust plugin does in
// the same situation. Use Run to handle such failures instead.
type ProtocolError struct {
	Command pb.CommandName
	Err     error
}

func (e *ProtocolError) Error() string {
	return "command " + e.Command.String() + ": " + e.Err.Error()
}

func (e *ProtocolError) Unwrap() error { return e.Err }

// Run sends cmd to the host and returns its reply, for any command, including
// those without a typed function here.
//
// Whether a reply is read follows pb.CommandReply(cmd.Name):
//   - ReplyNone: no stdin line is read; reply is nil.
//   - ReplyStrict: one line is read; a missing or empty line is ErrNoReply.
//   - ReplyLenient: one line is read if there is one; a missing or empty
//     line gives a nil reply and no error.
//
// A reply of "[]" (an empty message) is returned as a non-nil empty slice, so
// callers can tell "no reply" (nil) from "empty reply". Decode a reply with
// the Unmarshal method of the reply message the ABI names for the command
// (for example pb.NewTabResponse for NewTab).
//
// Run links the encoder of every command into the module; the typed
// functions encode only what they send.
func Run(cmd *pb.PluginCommand) (reply []byte, err error) {
	return runEncoded(cmd.GetName(), cmd.MarshalAppend(nil))
}

// runEncoded sends an encoded PluginCommand and reads its reply line as
// pb.CommandReply(name) says.
func runEncoded(name pb.CommandName, msg []byte) ([]byte, error) {
	if err := host.send(AppendFrame(make([]byte, 0, 4*len(msg)+3), msg)); err != nil {
		return nil, wrap("run "+name.String(), err)
	}
	kind := pb.CommandReply(name)
	if kind == pb.ReplyNone {
		return nil, nil
	}
	line, err := host.readLine()
	if errors.Is(err, ErrNoLine) {
		if kind == pb.ReplyLenient {
			return nil, nil
		}
		return nil, wrap("run "+name.String(), ErrNoReply)
	}
	if err != nil {
		return nil, wrap("run "+name.String()+": read reply", err)
	}
	reply, err := ParseFrame(line)
	if errors.Is(err, ErrEmptyFrame) {
		if kind == pb.ReplyLenient {
			return nil, nil
		}
		return nil, wrap("run "+name.String(), ErrNoReply)
	}
	if err != nil {
		return nil, wrap("run "+name.String()+": reply", err)
	}
	return reply, nil
}

// Payload field numbers of PluginCommand used by the typed commands.
const (
	fieldSubscribe         = 2
	fieldUnsubscribe       = 3
	fieldSetSelectable     = 4
	fieldOpenFile          = 5
	fieldOpenTerminal      = 7
	fieldOpenCommandPane   = 9
	fieldSwitchTabTo       = 11
	fieldSetTimeout        = 12
	fieldPostMessageTo     = 14
	fieldPostMessageToPlug = 15
	fieldShowSelf          = 16
	fieldRenamePluginPane  = 35
	fieldReportCrash       = 37
	fieldRequestPermission = 38
	fieldRunCommand        = 43
	fieldWebRequest        = 44
	fieldUnblockCliPipe    = 47
	fieldBlockCliPipe      = 48
	fieldCliPipeOutput     = 49
	fieldMessageToPlugin   = 50
	fieldScanHostFolder    = 61
	fieldChangeHostFolder  = 89
	fieldNewTab            = 112
	fieldGetSessionList    = 161
)

// command starts the encoding of a PluginCommand: its name (omitted when
// 0, as proto3 omits zero values).
func command(name pb.CommandName) []byte {
	if name == 0 {
		return nil
	}
	b := protowire.AppendTag(make([]byte, 0, 64), 1, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(name))
}

// withBytes adds a length-delimited payload (a message or a string).
func withBytes(b []byte, field protowire.Number, payload []byte) []byte {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendBytes(b, payload)
}

// withBool adds a boolean payload, written even when false.
func withBool(b []byte, field protowire.Number, v bool) []byte {
	b = protowire.AppendTag(b, field, protowire.VarintType)
	return protowire.AppendVarint(b, protowire.EncodeBool(v))
}

// send runs an encoded command whose failure a plugin cannot act on. A
// failure is a broken host boundary: it panics with a *ProtocolError.
func send(name pb.CommandName, msg []byte) []byte {
	reply, err := runEncoded(name, msg)
	if err != nil {
		panic(&ProtocolError{Command: name, Err: err})
	}
	return reply
}

func replyError(name pb.CommandName, err error) *ProtocolError {
	return &ProtocolError{Command: name, Err: wrap("decode reply", err)}
}

// ---- Subscriptions and settings ----

func eventList(types []pb.EventType) []byte {
	uniq := make([]pb.EventType, 0, len(types))
	for _, t := range types {
		if !slices.Contains(uniq, t) {
			uniq = append(uniq, t)
		}
	}
	list := &pb.EventNameList{EventTypes: uniq}
	return (&pb.SubscribePayload{Subscriptions: list}).MarshalAppend(nil)
}

// Subscribe asks the host to deliver events of the given types to Update.
// Duplicates are sent once.
func Subscribe(types ...pb.EventType) {
	name := pb.CommandName_Subscribe
	send(name, withBytes(command(name), fieldSubscribe, eventList(types)))
}

// Unsubscribe stops the delivery of events of the given types.
func Unsubscribe(types ...pb.EventType) {
	name := pb.CommandName_Unsubscribe
	// UnsubscribePayload has the same shape as SubscribePayload.
	send(name, withBytes(command(name), fieldUnsubscribe, eventList(types)))
}

// SetSelectable sets whether the user can focus the plugin's pane. Plugins
// that take no keyboard input (bars) set it to false.
func SetSelectable(selectable bool) {
	name := pb.CommandName_SetSelectable
	send(name, withBool(command(name), fieldSetSelectable, selectable))
}

// RequestPermission asks for permissions. The answer arrives as a
// PermissionRequestResult event (delivered even without a subscription).
func RequestPermission(perms ...pb.PermissionType) {
	name := pb.CommandName_RequestPluginPermissions
	p := &pb.RequestPluginPermissionPayload{Permissions: perms}
	send(name, withBytes(command(name), fieldRequestPermission, p.MarshalAppend(nil)))
}

// ---- Queries ----

// GetPluginIds returns the plugin's id, the host's process id, the plugin's
// initial working directory and the client id.
func GetPluginIds() *pb.PluginIds {
	name := pb.CommandName_GetPluginIds
	ids := new(pb.PluginIds)
	if err := ids.Unmarshal(send(name, command(name))); err != nil {
		panic(replyError(name, err))
	}
	return ids
}

// GetZellijVersion returns the host's version of the plugin interface.
func GetZellijVersion() string {
	name := pb.CommandName_GetZellijVersion
	v := new(pb.ZellijVersion)
	if err := v.Unmarshal(send(name, command(name))); err != nil {
		panic(replyError(name, err))
	}
	return v.GetVersion()
}

// GetSessionList returns the live and resurrectable sessions. The error is
// the host's own error message, when it sent one.
func GetSessionList() (*pb.SessionListSnapshot, error) {
	name := pb.CommandName_GetSessionList
	r := new(pb.GetSessionListResponse)
	// The payload is an empty message, present on the wire.
	if err := r.Unmarshal(send(name, withBytes(command(name), fieldGetSessionList, nil))); err != nil {
		panic(replyError(name, err))
	}
	if r.Error != nil {
		return nil, newError("get session list: " + *r.Error)
	}
	if r.Snapshot != nil {
		return r.Snapshot, nil
	}
	return &pb.SessionListSnapshot{}, nil
}

// ---- Timers, workers and messages ----

// SetTimeout asks for a Timer event after d. The event's payload is the
// elapsed time in seconds. Negative durations count as zero.
func SetTimeout(d time.Duration) {
	name := pb.CommandName_SetTimeout
	p := &pb.SetTimeoutPayload{Seconds: math.Max(d.Seconds(), 0)}
	send(name, withBytes(command(name), fieldSetTimeout, p.MarshalAppend(nil)))
}

// PostMessageTo posts a message to the plugin's worker called worker (see
// RegisterWorker). The host delivers it to the worker's OnMessage.
func PostMessageTo(worker, msgName, payload string) {
	name := pb.CommandName_PostMessageTo
	p := &pb.PluginMessagePayload{Message: &pb.Message{Name: msgName, Payload: payload, WorkerName: &worker}}
	send(name, withBytes(command(name), fieldPostMessageTo, p.MarshalAppend(nil)))
}

// PostMessageToPlugin posts a message to the plugin (from a worker, or from
// the plugin itself). It arrives in Update as a CustomMessage event, if the
// plugin subscribed to CustomMessage.
func PostMessageToPlugin(msgName, payload string) {
	name := pb.CommandName_PostMessageToPlugin
	p := &pb.PluginMessagePayload{Message: &pb.Message{Name: msgName, Payload: payload}}
	send(name, withBytes(command(name), fieldPostMessageToPlug, p.MarshalAppend(nil)))
}

// MessageToPlugin sends a pipe message to other plugins: to the plugin at
// PluginUrl (loading it if needed, "zellij:OWN_URL" meaning this plugin's own
// location), to DestinationPluginId, or to every plugin when neither is set.
// It arrives in their Pipe with source Plugin.
func MessageToPlugin(m *pb.MessageToPluginPayload) {
	name := pb.CommandName_MessageToPlugin
	send(name, withBytes(command(name), fieldMessageToPlugin, m.MarshalAppend(nil)))
}

// ReportCrash tells the host the plugin failed, with a message it shows the
// user. The SDK sends it itself when plugin code panics.
func ReportCrash(message string) {
	send(pb.CommandName_ReportCrash, reportCrash(message))
}

func reportCrash(message string) []byte {
	return withBytes(command(pb.CommandName_ReportCrash), fieldReportCrash, []byte(message))
}

// ---- CLI pipes ----

// BlockCliPipeInput holds the CLI pipe pipeID: the CLI sends no further
// input until some plugin calls UnblockCliPipeInput. pipeID is the
// CliSourceId of the PipeMessage (source Cli).
func BlockCliPipeInput(pipeID string) {
	name := pb.CommandName_BlockCliPipeInput
	send(name, withBytes(command(name), fieldBlockCliPipe, []byte(pipeID)))
}

// UnblockCliPipeInput releases the CLI pipe pipeID: the CLI sends its next
// line (or exits when its input is done).
func UnblockCliPipeInput(pipeID string) {
	name := pb.CommandName_UnblockCliPipeInput
	send(name, withBytes(command(name), fieldUnblockCliPipe, []byte(pipeID)))
}

// CliPipeOutput makes the CLI of pipe pipeID print output on its stdout. It
// does not unblock the pipe.
func CliPipeOutput(pipeID, output string) {
	name := pb.CommandName_CliPipeOutput
	p := &pb.CliPipeOutputPayload{PipeName: pipeID, Output: output}
	send(name, withBytes(command(name), fieldCliPipeOutput, p.MarshalAppend(nil)))
}

// ---- Panes and tabs ----

// FileToOpen names a file to open in an editor pane.
type FileToOpen struct {
	// Path of the file; guest paths under /host, /data, /cache and /tmp
	// and relative paths are mapped to host paths by the host.
	Path string
	// LineNumber to place the cursor on; 0 for none.
	LineNumber int
	// Cwd for the editor; empty for the host's choice.
	Cwd string
}

func (f FileToOpen) proto() *pb.File {
	pf := &pb.File{Path: f.Path}
	if f.LineNumber > 0 {
		n := int32(min(f.LineNumber, math.MaxInt32))
		pf.LineNumber = &n
	}
	if f.Cwd != "" {
		pf.Cwd = &f.Cwd
	}
	return pf
}

// CommandToRun is a command to run in a command pane.
type CommandToRun struct {
	Path string
	Args []string
	// Cwd for the command; empty for the host's choice.
	Cwd string
}

func (c CommandToRun) proto() *pb.Command {
	pc := &pb.Command{Path: c.Path, Args: c.Args}
	if c.Cwd != "" {
		pc.Cwd = &c.Cwd
	}
	return pc
}

// contextItems encodes a string map in key order, as the host expects
// context and configuration maps.
func contextItems(m map[string]string) []*pb.ContextItem {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	items := make([]*pb.ContextItem, len(keys))
	for i, k := range keys {
		items[i] = &pb.ContextItem{Name: k, Value: m[k]}
	}
	return items
}

// OpenFile opens f in the user's editor in a new pane. context is handed
// back in the events about that pane. It returns the new pane's id, or nil
// when the host did not report one.
func OpenFile(f FileToOpen, context map[string]string) *pb.PaneId {
	name := pb.CommandName_OpenFile
	p := &pb.OpenFilePayload{FileToOpen: f.proto(), Context: contextItems(context)}
	r := new(pb.OpenFileResponse)
	if err := r.Unmarshal(send(name, withBytes(command(name), fieldOpenFile, p.MarshalAppend(nil)))); err != nil {
		panic(replyError(name, err))
	}
	return r.PaneId
}

// OpenTerminal opens a terminal pane in directory dir. It returns the new
// pane's id, or nil when none was opened.
func OpenTerminal(dir string) *pb.PaneId {
	name := pb.CommandName_OpenTerminal
	p := &pb.OpenFilePayload{FileToOpen: &pb.File{Path: dir}}
	r := new(pb.OpenTerminalResponse)
	if err := r.Unmarshal(send(name, withBytes(command(name), fieldOpenTerminal, p.MarshalAppend(nil)))); err != nil {
		panic(replyError(name, err))
	}
	return r.PaneId
}

// OpenCommandPane runs c in a new command pane (the user can re-run it and
// sees its exit status). context is handed back in the events about that
// pane. It returns the new pane's id, or nil when none was opened.
func OpenCommandPane(c CommandToRun, context map[string]string) *pb.PaneId {
	name := pb.CommandName_OpenCommandPane
	p := &pb.OpenCommandPanePayload{CommandToRun: c.proto(), Context: contextItems(context)}
	r := new(pb.OpenCommandPaneResponse)
	if err := r.Unmarshal(send(name, withBytes(command(name), fieldOpenCommandPane, p.MarshalAppend(nil)))); err != nil {
		panic(replyError(name, err))
	}
	return r.PaneId
}

// SwitchTabTo focuses the tab at position, counted from 1 (TabInfo.Position
// is 0-based: pass Position+1).
func SwitchTabTo(position uint32) {
	name := pb.CommandName_SwitchTabTo
	p := &pb.SwitchTabToPayload{TabIndex: position}
	send(name, withBytes(command(name), fieldSwitchTabTo, p.MarshalAppend(nil)))
}

// NewTab opens a new tab, named tabName (empty for a default name) in
// directory cwd (empty for the default). It returns the new tab's id and
// true, or false when no tab was created.
func NewTab(tabName, cwd string) (tabID uint64, ok bool) {
	name := pb.CommandName_NewTab
	p := &pb.NewTabPayload{}
	if tabName != "" {
		p.Name = &tabName
	}
	if cwd != "" {
		p.Cwd = &cwd
	}
	r := new(pb.NewTabResponse)
	if err := r.Unmarshal(send(name, withBytes(command(name), fieldNewTab, p.MarshalAppend(nil)))); err != nil {
		panic(replyError(name, err))
	}
	if r.TabId != nil {
		return *r.TabId, true
	}
	return 0, false
}

// RenamePluginPane renames the plugin pane with the given id (see
// GetPluginIds for the plugin's own id).
func RenamePluginPane(id uint32, newName string) {
	name := pb.CommandName_RenamePluginPane
	p := &pb.IdAndNewName{Id: id, NewName: newName}
	send(name, withBytes(command(name), fieldRenamePluginPane, p.MarshalAppend(nil)))
}

// HideSelf hides the plugin's pane.
func HideSelf() { send(pb.CommandName_HideSelf, command(pb.CommandName_HideSelf)) }

// ShowSelf shows the plugin's pane and focuses it; a hidden pane comes back
// floating when shouldFloatIfHidden is set.
func ShowSelf(shouldFloatIfHidden bool) {
	name := pb.CommandName_ShowSelf
	send(name, withBool(command(name), fieldShowSelf, shouldFloatIfHidden))
}

// CloseSelf closes the plugin's pane and unloads the plugin.
func CloseSelf() { send(pb.CommandName_CloseSelf, command(pb.CommandName_CloseSelf)) }

// ---- Files and processes ----

// ScanHostFolder lists the guest folder path (under /host) and delivers the
// entries as a FileSystemUpdate event.
func ScanHostFolder(path string) {
	name := pb.CommandName_ScanHostFolder
	send(name, withBytes(command(name), fieldScanHostFolder, []byte(path)))
}

// ChangeHostFolder makes the host folder path the plugin's /host. The
// outcome arrives as HostFolderChanged or FailedToChangeHostFolder.
func ChangeHostFolder(path string) {
	name := pb.CommandName_ChangeHostFolder
	p := &pb.ChangeHostFolderPayload{NewHostFolder: path}
	send(name, withBytes(command(name), fieldChangeHostFolder, p.MarshalAppend(nil)))
}

// WatchFilesystem starts watching the session's folder; changes arrive as
// FileSystemCreate, FileSystemUpdate and FileSystemDelete events.
func WatchFilesystem() { send(pb.CommandName_WatchFilesystem, command(pb.CommandName_WatchFilesystem)) }

// RunCommand runs a command on the host in the background. The outcome
// (exit code, stdout, stderr and context) arrives as a RunCommandResult
// event. env adds environment variables; cwd may be empty.
func RunCommand(commandLine []string, env map[string]string, cwd string, context map[string]string) {
	name := pb.CommandName_RunCommand
	var vars []*pb.EnvVariable
	for _, kv := range contextItems(env) {
		vars = append(vars, &pb.EnvVariable{Name: kv.Name, Value: kv.Value})
	}
	p := &pb.RunCommandPayload{CommandLine: commandLine, EnvVariables: vars, Cwd: cwd, Context: contextItems(context)}
	send(name, withBytes(command(name), fieldRunCommand, p.MarshalAppend(nil)))
}

// WebRequest performs an HTTP request from the host. The response (status,
// headers, body and context) arrives as a WebRequestResult event.
func WebRequest(url string, verb pb.HttpVerb, headers map[string]string, body []byte, context map[string]string) {
	name := pb.CommandName_WebRequest
	var hs []*pb.Header
	for _, kv := range contextItems(headers) {
		hs = append(hs, &pb.Header{Name: kv.Name, Value: kv.Value})
	}
	p := &pb.WebRequestPayload{Url: url, Verb: verb, Headers: hs, Body: body, Context: contextItems(context)}
	send(name, withBytes(command(name), fieldWebRequest, p.MarshalAppend(nil)))
}
