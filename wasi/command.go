package wasi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/frame"
	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// maxScanEntries bounds one ScanHostFolder answer.
const maxScanEntries = 10000

// maxCrashText bounds the text kept from ReportCrash.
const maxCrashText = 4096

// runCommand services one host_run_plugin_command call: it takes the
// command frame from the guest's stdout, decodes it, applies the rate limit
// and the permission gate, runs it, and writes exactly one reply line iff
// the guest will read one.
//
// The frame is the last JSON array in stdout; text printed before it stays
// in stdout and starts the next render frame (the reference host would
// treat it as part of a garbage command instead).
func (in *instance) runCommand(ctx context.Context) {
	p := in.p
	p.commands.Add(1)
	out := in.stdout.buf
	overflow := in.stdout.overflow
	prefix, fr := frame.SplitLast(out)
	var err error
	in.cmdBuf, err = frame.Decode(in.cmdBuf[:0], fr)
	if overflow > 0 {
		in.stdout.overflow = 0
		p.incident(Incident{Kind: IncidentStdoutOverflow, Worker: in.worker, Detail: fmt.Sprintf("%d bytes of output discarded", overflow)})
		if err == nil {
			err = fmt.Errorf("command frame cut by the output limit")
		}
	}
	if err != nil {
		in.stdout.buf = out[:0]
		p.incident(Incident{Kind: IncidentGarbageFrame, Worker: in.worker, Detail: fmt.Sprintf("%v: %q", err, clip(fr, 64))})
		return
	}
	in.stdout.buf = out[:len(prefix)]

	// Peek at the name first: an undecodable command that the guest waits
	// on still gets its (empty) reply.
	nameNum, _ := frame.PeekUvarintField1(in.cmdBuf)
	name := pluginpb.CommandName(nameNum)
	if nameNum > math.MaxInt32 {
		name = -1
	}
	reply := pluginpb.CommandReply(name)
	if !in.bucket.take(time.Now()) {
		p.incident(Incident{Kind: IncidentRateLimited, Worker: in.worker, Command: name,
			Detail: fmt.Sprintf("over %d commands per second", p.lim.CommandsPerSecond)})
		in.replyEmpty(reply)
		return
	}
	// Commands the host handles never outlive the call: decode them into
	// the instance's scratch message. Dispatched ones are the dispatcher's.
	var cmd *pluginpb.PluginCommand
	if hostHandled(name) {
		cmd = &in.scratch
		proto.Reset(cmd)
	} else {
		cmd = new(pluginpb.PluginCommand)
	}
	if err := proto.Unmarshal(in.cmdBuf, cmd); err != nil {
		p.incident(Incident{Kind: IncidentGarbageFrame, Worker: in.worker, Command: name, Detail: fmt.Sprintf("decode PluginCommand: %v", err)})
		in.replyEmpty(reply)
		return
	}
	if cmd.GetName() != name {
		// Field 1 repeated: the last value wins, as for the guest's decoder.
		name, reply = cmd.GetName(), pluginpb.CommandReply(cmd.GetName())
		if cmd == &in.scratch && !hostHandled(name) {
			cmd = proto.Clone(cmd).(*pluginpb.PluginCommand)
		}
	}
	// The observer's copy: scratch commands are reused, dispatched ones
	// belong to the dispatcher.
	var seen *pluginpb.PluginCommand
	if p.cfg.Observer != nil {
		seen = proto.Clone(cmd).(*pluginpb.PluginCommand)
	}
	if !p.cfg.Builtin {
		if perm, gated := pluginpb.CommandPermission(name); gated && !p.Granted(perm) {
			p.incident(Incident{Kind: IncidentDenied, Worker: in.worker, Command: name, Permission: perm})
			in.replyEmpty(reply)
			p.observe(Activity{Kind: ActivityCommand, Worker: in.worker, Command: seen, Outcome: CommandDenied, Detail: "needs " + perm.String()})
			return
		}
	}
	in.unsupported = ""
	if hostHandled(name) && name != pluginpb.CommandName_RequestPluginPermissions && name != pluginpb.CommandName_WatchFilesystem {
		// The outcome is known before: the command's activity comes
		// before what it causes (a worker's commands, pipe requests).
		p.observe(Activity{Kind: ActivityCommand, Worker: in.worker, Command: seen, Outcome: CommandHost})
		in.hostCommand(ctx, cmd)
		return
	}
	if in.hostCommand(ctx, cmd) {
		// Host-handled commands that carry a reply wrote it already.
		a := Activity{Kind: ActivityCommand, Worker: in.worker, Command: seen, Outcome: CommandHost}
		if in.unsupported != "" {
			a.Outcome, a.Detail = CommandUnsupported, in.unsupported
		}
		p.observe(a)
		return
	}
	outcome, msg, detail := in.dispatch(ctx, cmd, reply)
	p.observe(Activity{Kind: ActivityCommand, Worker: in.worker, Command: seen, Outcome: outcome, Reply: msg, Detail: detail})
}

func hostHandled(n pluginpb.CommandName) bool {
	switch n {
	case pluginpb.CommandName_Subscribe, pluginpb.CommandName_Unsubscribe, pluginpb.CommandName_GetPluginIds,
		pluginpb.CommandName_GetZellijVersion, pluginpb.CommandName_SetTimeout, pluginpb.CommandName_PostMessageTo,
		pluginpb.CommandName_PostMessageToPlugin, pluginpb.CommandName_ReportCrash, pluginpb.CommandName_RequestPluginPermissions,
		pluginpb.CommandName_BlockCliPipeInput, pluginpb.CommandName_UnblockCliPipeInput, pluginpb.CommandName_CliPipeOutput,
		pluginpb.CommandName_ScanHostFolder, pluginpb.CommandName_ChangeHostFolder, pluginpb.CommandName_WatchFilesystem:
		return true
	}
	return false
}

func (in *instance) replyEmpty(reply pluginpb.ReplyKind) {
	if reply != pluginpb.ReplyNone {
		in.writeEmpty()
	}
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// dispatch hands a command to the Dispatcher and writes its reply. It
// returns what became of the command and the reply written, if any.
func (in *instance) dispatch(ctx context.Context, cmd *pluginpb.PluginCommand, reply pluginpb.ReplyKind) (CommandOutcome, proto.Message, string) {
	p := in.p
	d := p.cfg.Dispatcher
	if d == nil {
		p.incident(Incident{Kind: IncidentUnsupported, Worker: in.worker, Command: cmd.GetName(), Detail: "no dispatcher"})
		in.replyEmpty(reply)
		return CommandUnsupported, nil, "no dispatcher"
	}
	// The guest call's context carries no deadline with interrupt
	// deadlines; give the dispatcher the call's.
	dctx, cancel := context.WithDeadline(ctx, in.deadline)
	msg, err := safeDispatch(dctx, d, &CommandContext{Plugin: p, Worker: in.worker, Reply: reply}, cmd)
	cancel()
	if errors.Is(err, ErrUnsupported) {
		p.incident(Incident{Kind: IncidentUnsupported, Worker: in.worker, Command: cmd.GetName(), Detail: err.Error()})
		in.replyEmpty(reply)
		return CommandUnsupported, nil, err.Error()
	}
	detail := ""
	if err != nil {
		p.incident(Incident{Kind: IncidentDispatchError, Worker: in.worker, Command: cmd.GetName(), Detail: err.Error()})
		msg, detail = nil, err.Error()
	}
	if reply == pluginpb.ReplyNone {
		return CommandDispatched, nil, detail
	}
	if msg == nil {
		in.writeEmpty()
		return CommandDispatched, nil, detail
	}
	if err := in.writeMessage(msg); err != nil {
		p.incident(Incident{Kind: IncidentDispatchError, Worker: in.worker, Command: cmd.GetName(), Detail: err.Error()})
		in.writeEmpty()
		return CommandDispatched, nil, ""
	}
	return CommandDispatched, msg, ""
}

// safeDispatch turns a Dispatcher panic into an error: a bug in one
// command's handling must not take the host down.
func safeDispatch(ctx context.Context, d Dispatcher, c *CommandContext, cmd *pluginpb.PluginCommand) (msg proto.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, fmt.Errorf("dispatcher panic: %v", r)
		}
	}()
	return d.HandleCommand(ctx, c, cmd)
}

// hostCommand runs the commands the host owns. It reports false for the
// others.
func (in *instance) hostCommand(ctx context.Context, cmd *pluginpb.PluginCommand) bool {
	p := in.p
	switch cmd.GetName() {
	case pluginpb.CommandName_Subscribe:
		var added uint64
		for _, t := range cmd.GetSubscribePayload().GetSubscriptions().GetEventTypes() {
			if t < 0 || t >= 64 {
				continue
			}
			bit := uint64(1) << uint(t)
			if p.subs.Or(bit)&bit == 0 {
				added |= bit
			}
		}
		if added&(1<<uint(pluginpb.EventType_InitialKeybinds)) != 0 {
			kb := p.cfg.InitialKeybinds
			if kb == nil {
				kb = &pluginpb.InitialKeybindsPayload{}
			}
			p.postInternal(&pluginpb.Event{
				Name:    pluginpb.EventType_InitialKeybinds,
				Payload: &pluginpb.Event_InitialKeybindsPayload{InitialKeybindsPayload: kb},
			}, false)
		}
	case pluginpb.CommandName_Unsubscribe:
		for _, t := range cmd.GetUnsubscribePayload().GetSubscriptions().GetEventTypes() {
			if t < 0 || t >= 64 {
				continue
			}
			p.subs.And(^(uint64(1) << uint(t)))
		}
	case pluginpb.CommandName_GetPluginIds:
		in.stdin.buf = append(in.stdin.buf, p.idsLine...)
	case pluginpb.CommandName_GetZellijVersion:
		in.stdin.buf = append(in.stdin.buf, p.versionLine...)
	case pluginpb.CommandName_SetTimeout:
		sec := cmd.GetSetTimeoutPayload().GetSeconds()
		if math.IsNaN(sec) || sec < 0 || sec > 365*24*3600 {
			p.incident(Incident{Kind: IncidentBadCommand, Worker: in.worker, Command: cmd.GetName(), Detail: fmt.Sprintf("invalid timeout %v", sec)})
			break
		}
		if !p.startTimer(time.Duration(sec*float64(time.Second)), sec) {
			p.incident(Incident{Kind: IncidentQueueFull, Worker: in.worker, Command: cmd.GetName(), Detail: "too many pending timers"})
		}
	case pluginpb.CommandName_PostMessageTo:
		m := cmd.GetPostMessageToPayload().GetMessage()
		if m == nil || m.WorkerName == nil {
			p.incident(Incident{Kind: IncidentBadCommand, Worker: in.worker, Command: cmd.GetName(), Detail: "message without worker_name"})
			break
		}
		p.postToWorker(in, m.GetWorkerName(), &pluginpb.Message{Name: m.GetName(), Payload: m.GetPayload()})
	case pluginpb.CommandName_PostMessageToPlugin:
		m := cmd.GetPostMessageToPluginPayload().GetMessage()
		p.postInternal(&pluginpb.Event{
			Name: pluginpb.EventType_CustomMessage,
			Payload: &pluginpb.Event_CustomMessagePayload{CustomMessagePayload: &pluginpb.CustomMessagePayload{
				MessageName: m.GetName(), Payload: m.GetPayload(),
			}},
		}, false)
	case pluginpb.CommandName_ReportCrash:
		t := cmd.GetReportCrashPayload()
		if len(t) > maxCrashText {
			t = t[:maxCrashText]
		}
		in.crashText = t
		p.log.Warn("plugin reported a crash", "worker", in.worker, "text", t)
	case pluginpb.CommandName_RequestPluginPermissions:
		in.requestPermissions(cmd.GetRequestPluginPermissionPayload().GetPermissions())
	case pluginpb.CommandName_BlockCliPipeInput:
		id := cmd.GetBlockCliPipeInputPayload()
		if in.worker == "" && id == p.curPipe && id != "" {
			p.curBlocked = true
		}
		p.pipeControl(PipeControl{Kind: PipeBlock, Worker: in.worker, PipeID: id})
	case pluginpb.CommandName_UnblockCliPipeInput:
		id := cmd.GetUnblockCliPipeInputPayload()
		if in.worker == "" && id == p.curPipe && id != "" {
			p.curUnblocked = true
		}
		p.pipeControl(PipeControl{Kind: PipeUnblock, Worker: in.worker, PipeID: id})
	case pluginpb.CommandName_CliPipeOutput:
		o := cmd.GetCliPipeOutputPayload()
		p.pipeControl(PipeControl{Kind: PipeOutput, Worker: in.worker, PipeID: o.GetPipeName(), Output: o.GetOutput()})
	case pluginpb.CommandName_ScanHostFolder:
		in.scanHostFolder(cmd.GetScanHostFolderPayload())
	case pluginpb.CommandName_ChangeHostFolder:
		in.changeHostFolder(cmd.GetChangeHostFolderPayload().GetNewHostFolder())
	case pluginpb.CommandName_WatchFilesystem:
		if err := p.watch(); err != nil {
			in.unsupported = err.Error()
			p.incident(Incident{Kind: IncidentUnsupported, Worker: in.worker, Command: cmd.GetName(), Detail: err.Error()})
		}
	default:
		return false
	}
	return true
}

func (in *instance) requestPermissions(req []pluginpb.PermissionType) {
	p := in.p
	var perms []pluginpb.PermissionType
	seen := uint64(0)
	missing := false
	for _, t := range req {
		if t < 0 || t >= 64 || seen&(1<<uint(t)) != 0 {
			continue
		}
		seen |= 1 << uint(t)
		perms = append(perms, t)
		missing = missing || !p.Granted(t)
	}
	r := &PermissionRequest{Plugin: p, Worker: in.worker, Permissions: perms}
	p.permPending.Add(1) // until the result is delivered; events wait meanwhile
	switch {
	case !missing:
		r.Respond(true)
	case p.cfg.Permissions == nil:
		r.Respond(false)
	default:
		p.cfg.Permissions(r)
	}
}

// hostPath maps a guest path under /host to a path relative to the /host
// mount's root, refusing anything else.
func hostRel(guest string) (string, bool) {
	g := path.Clean("/" + guest)
	if g == "/host" {
		return ".", true
	}
	rel, ok := strings.CutPrefix(g, "/host/")
	return rel, ok
}

func (in *instance) scanHostFolder(guest string) {
	p := in.p
	bad := func(detail string) {
		p.incident(Incident{Kind: IncidentBadCommand, Worker: in.worker, Command: pluginpb.CommandName_ScanHostFolder, Detail: detail})
	}
	if p.hostFS == nil {
		bad("no /host mount")
		return
	}
	rel, ok := hostRel(guest)
	if !ok {
		bad(fmt.Sprintf("%q is not under /host", guest))
		return
	}
	root, err := os.OpenRoot(p.hostFS.Root())
	if err != nil {
		bad(err.Error())
		return
	}
	defer root.Close()
	dir, err := root.Open(rel)
	if err != nil {
		bad(err.Error())
		return
	}
	ents, err := dir.ReadDir(maxScanEntries + 1)
	dir.Close()
	if err != nil && len(ents) == 0 {
		bad(err.Error())
		return
	}
	if len(ents) > maxScanEntries {
		ents = ents[:maxScanEntries]
		bad(fmt.Sprintf("%s: only the first %d entries reported", guest, maxScanEntries))
	}
	slices.SortFunc(ents, func(a, b os.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	base := path.Join("/host", rel)
	fl := &pluginpb.FileListPayload{}
	for _, e := range ents {
		fl.Paths = append(fl.Paths, path.Join(base, e.Name()))
		fl.PathsMetadata = append(fl.PathsMetadata, fileMetadata(root, path.Join(rel, e.Name())))
	}
	p.postInternal(&pluginpb.Event{
		Name:    pluginpb.EventType_FileSystemUpdate,
		Payload: &pluginpb.Event_FileListPayload{FileListPayload: fl},
	}, false)
}

func (in *instance) changeHostFolder(hostDir string) {
	p := in.p
	fail := func(msg string) {
		p.postInternal(&pluginpb.Event{
			Name: pluginpb.EventType_FailedToChangeHostFolder,
			Payload: &pluginpb.Event_FailedToChangeHostFolderPayload{FailedToChangeHostFolderPayload: &pluginpb.FailedToChangeHostFolderPayload{
				ErrorMessage: proto.String(msg),
			}},
		}, false)
	}
	if p.hostFS == nil {
		fail("no /host mount")
		return
	}
	if strings.HasPrefix(p.cfg.InitialCwd, "/host") {
		// The plugin was told its cwd as a guest path, so it names
		// folders the same way (strider joins initial_cwd and a folder
		// name): resolve /host/... against the mounted folder.
		if rel, ok := hostRel(hostDir); ok {
			dir, err := p.guestHostFolder(rel)
			if err != nil {
				fail(err.Error())
				return
			}
			hostDir = dir
		}
	}
	if err := p.hostFS.SetRoot(hostDir); err != nil {
		fail(err.Error())
		return
	}
	p.rewatch()
	p.postInternal(&pluginpb.Event{
		Name: pluginpb.EventType_HostFolderChanged,
		Payload: &pluginpb.Event_HostFolderChangedPayload{HostFolderChangedPayload: &pluginpb.HostFolderChangedPayload{
			NewHostFolderPath: p.hostFS.Root(),
		}},
	}, false)
}

// guestHostFolder maps rel, a folder relative to /host as mounted (not as
// changed since), to its host path, refusing anything that leaves the mount.
func (p *Plugin) guestHostFolder(rel string) (string, error) {
	var base string
	for _, m := range p.cfg.Mounts {
		if m.Guest == "/host" {
			base = m.Host
		}
	}
	root, err := os.OpenRoot(base)
	if err != nil {
		return "", fmt.Errorf("change host folder: %w", err)
	}
	defer root.Close()
	fi, err := root.Stat(rel)
	if err != nil {
		return "", fmt.Errorf("change host folder /host/%s: %w", rel, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("change host folder /host/%s: not a directory", rel)
	}
	realBase, err := filepath.EvalSymlinks(base)
	if err != nil {
		return "", fmt.Errorf("change host folder: %w", err)
	}
	dir, err := filepath.EvalSymlinks(filepath.Join(base, filepath.FromSlash(rel)))
	if err != nil {
		return "", fmt.Errorf("change host folder /host/%s: %w", rel, err)
	}
	if r, err := filepath.Rel(realBase, dir); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("change host folder /host/%s: outside the /host mount", rel)
	}
	return dir, nil
}

// watch starts reporting changes under /host (once; WatchFilesystem).
func (p *Plugin) watch() error {
	if p.hostFS == nil {
		return fmt.Errorf("no /host mount to watch")
	}
	p.watchMu.Lock()
	defer p.watchMu.Unlock()
	if p.watcher != nil {
		return nil
	}
	if p.closed.Load() {
		return ErrClosed
	}
	w, err := startWatcher(p, p.hostFS.Root())
	if err != nil {
		return fmt.Errorf("watch /host: %w", err)
	}
	p.watcher = w
	return nil
}

// rewatch moves an active watcher to the new /host folder.
func (p *Plugin) rewatch() {
	p.watchMu.Lock()
	w := p.watcher
	p.watcher = nil
	p.watchMu.Unlock()
	if w != nil {
		w.close()
		p.watch()
	}
}

// stopWatch ends the watcher (Close).
func (p *Plugin) stopWatch() {
	p.watchMu.Lock()
	w := p.watcher
	p.watcher = nil
	p.watchMu.Unlock()
	if w != nil {
		w.close()
	}
}
