package sdk_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/internal/screen"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tetratelabs/wazero/api"
	"google.golang.org/protobuf/proto"
)

const (
	statusDir  = "../examples/plugins/status"
	filterDir  = "../examples/plugins/filter"
	workersDir = "../examples/plugins/workers"
	probeDir   = "testdata/guests/probe"
)

// TestExportsMatchRustPlugins checks each guest exports what the host looks
// up, with the signatures Rust plugins have, and imports only WASI and the
// one host function.
func TestExportsMatchRustPlugins(t *testing.T) {
	i32 := api.ValueTypeI32
	for _, tc := range []struct {
		dir     string
		workers []string
	}{{statusDir, nil}, {filterDir, nil}, {workersDir, []string{"compute_worker"}}, {probeDir, []string{"echo_worker"}}} {
		t.Run(tc.dir, func(t *testing.T) {
			h := newHarness(t, tc.dir)
			want := map[string][2][]api.ValueType{
				"_initialize":    {nil, nil},
				"_start":         {nil, nil},
				"load":           {nil, nil},
				"update":         {nil, {i32}},
				"pipe":           {nil, {i32}},
				"render":         {{i32, i32}, nil},
				"plugin_version": {nil, nil},
			}
			for _, w := range tc.workers {
				want[w] = [2][]api.ValueType{nil, nil}
			}
			got := h.compiled.ExportedFunctions()
			if len(got) != len(want) {
				var names []string
				for n := range got {
					names = append(names, n)
				}
				t.Errorf("exports = %v, want %d functions", names, len(want))
			}
			for name, sig := range want {
				f, ok := got[name]
				if !ok {
					t.Errorf("missing export %s", name)
					continue
				}
				if !equalTypes(f.ParamTypes(), sig[0]) || !equalTypes(f.ResultTypes(), sig[1]) {
					t.Errorf("%s: signature %v -> %v, want %v -> %v", name, f.ParamTypes(), f.ResultTypes(), sig[0], sig[1])
				}
			}
			for _, imp := range h.compiled.ImportedFunctions() {
				mod, name, _ := imp.Import()
				if mod != "wasi_snapshot_preview1" && !(mod == "zellij" && name == "host_run_plugin_command") {
					t.Errorf("unexpected import %s.%s", mod, name)
				}
			}
			// _start is harmless however often it is called; plugin_version
			// prints the interface version.
			in := h.instantiate("")
			for i := 0; i < 3; i++ {
				if _, err := in.mod.ExportedFunction("_start").Call(h.ctx); err != nil {
					t.Fatalf("_start again: %v", err)
				}
			}
			if _, err := in.mod.ExportedFunction("plugin_version").Call(h.ctx); err != nil {
				t.Fatal(err)
			}
			if got := in.stdout.String(); got != "0.45.0\n" {
				t.Errorf("plugin_version printed %q", got)
			}
		})
	}
}

func equalTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func screenLines(frame string, rows, cols int) []string {
	s := screen.New(rows, cols)
	s.Frame([]byte(frame))
	return s.Lines()
}

func TestStatusPlugin(t *testing.T) {
	h := newHarness(t, statusDir)
	if err := h.start(nil); err != nil {
		t.Fatal(err)
	}
	cmds := h.take()
	if got := names(cmds); got != "SetSelectable,RequestPluginPermissions,Subscribe" {
		t.Fatalf("load commands = %s", got)
	}
	if got := cmds[0].raw; string(got) != string([]byte{8, 2, 32, 0}) {
		t.Errorf("SetSelectable(false) = %v, want [8 2 32 0]", got)
	}
	if got := cmds[1].cmd.GetRequestPluginPermissionPayload().GetPermissions(); len(got) != 1 || got[0] != pluginpb.PermissionType_ReadApplicationState {
		t.Errorf("permissions = %v", got)
	}
	subs := cmds[2].cmd.GetSubscribePayload().GetSubscriptions().GetEventTypes()
	if len(subs) != 2 || subs[0] != pluginpb.EventType_ModeUpdate || subs[1] != pluginpb.EventType_TabUpdate {
		t.Errorf("subscriptions = %v", subs)
	}

	// Before any event it still draws a bar.
	lines := screenLines(h.render(2, 80), 2, 80)
	if !strings.Contains(lines[0], "NORMAL") || !strings.Contains(lines[0], "no tabs yet") {
		t.Errorf("first frame = %q", lines)
	}

	session := "tessera"
	mode := &pluginpb.Event{Name: pluginpb.EventType_ModeUpdate, Payload: &pluginpb.Event_ModeUpdatePayload{
		ModeUpdatePayload: &pluginpb.ModeUpdatePayload{CurrentMode: pluginpb.InputMode_Locked, SessionName: &session},
	}}
	if render, err := h.update(mode); err != nil || !render {
		t.Fatalf("ModeUpdate: render=%v err=%v", render, err)
	}
	var tabs []*pluginpb.TabInfo
	for i, name := range []string{"editor", "logs", "build"} {
		tabs = append(tabs, &pluginpb.TabInfo{Position: uint32(i), Name: name, Active: i == 1, PanesToHide: uint32(i)})
	}
	layout := "compact"
	tabs[1].ActiveSwapLayoutName = &layout
	tabs[1].IsSyncPanesActive = true
	tab := &pluginpb.Event{Name: pluginpb.EventType_TabUpdate, Payload: &pluginpb.Event_TabUpdatePayload{
		TabUpdatePayload: &pluginpb.TabUpdatePayload{TabInfo: tabs},
	}}
	if render, err := h.update(tab); err != nil || !render {
		t.Fatalf("TabUpdate: render=%v err=%v", render, err)
	}
	frame := h.render(2, 80)
	lines = screenLines(frame, 2, 80)
	want0 := " tessera  LOCKED   1 editor   2 logs   3 build"
	if lines[0] != want0 {
		t.Errorf("line 1 = %q\n      want %q", lines[0], want0)
	}
	want1 := " Tab 2/3 · logs · 1 hidden · sync · layout compact"
	if lines[1] != want1 {
		t.Errorf("line 2 = %q\n      want %q", lines[1], want1)
	}
	if !strings.Contains(frame, "\x1b[0;") || !strings.Contains(frame, "\x1b[0K") {
		t.Errorf("frame has no SGR colours or line fill: %q", frame)
	}
	if strings.Count(frame, "\n") != 1 {
		t.Errorf("frame has %d newlines, want 1 for 2 rows", strings.Count(frame, "\n"))
	}

	// Narrow: the active tab stays visible, the others are counted.
	lines = screenLines(h.render(1, 30), 1, 30)
	if !strings.Contains(lines[0], "logs") || len([]rune(lines[0])) > 30 {
		t.Errorf("narrow line = %q", lines[0])
	}
	if got := h.render(0, 0); got != "" {
		t.Errorf("0x0 render = %q", got)
	}

	// With a theme in ModeUpdate, the active tab takes the theme's
	// selected-ribbon colours.
	rgb := func(r, g, b uint32) *pluginpb.Color {
		return &pluginpb.Color{Payload: &pluginpb.Color_RgbColorPayload{RgbColorPayload: &pluginpb.RgbColorPayload{Red: r, Green: g, Blue: b}}}
	}
	decl := func(base, bg *pluginpb.Color) []*pluginpb.Color {
		return []*pluginpb.Color{base, bg, rgb(200, 0, 0), rgb(0, 200, 0), rgb(0, 0, 200), rgb(9, 9, 9)}
	}
	grey := rgb(50, 50, 50)
	st := &pluginpb.Styling{
		TextUnselected: decl(rgb(250, 250, 250), grey), TextSelected: decl(grey, grey),
		RibbonUnselected: decl(grey, grey), RibbonSelected: decl(rgb(1, 2, 3), rgb(4, 5, 6)),
		TableTitle: decl(grey, grey), TableCellUnselected: decl(grey, grey), TableCellSelected: decl(grey, grey),
		ListUnselected: decl(grey, grey), ListSelected: decl(grey, grey), FrameSelected: decl(grey, grey),
		FrameHighlight: decl(grey, grey), ExitCodeSuccess: decl(grey, grey), ExitCodeError: decl(grey, grey),
	}
	for i := 0; i < 10; i++ {
		st.MultiplayerUserColors = append(st.MultiplayerUserColors, grey)
	}
	mode.GetModeUpdatePayload().Style = &pluginpb.Style{Styling: st}
	mode.GetModeUpdatePayload().CurrentMode = pluginpb.InputMode_Normal
	if _, err := h.update(mode); err != nil {
		t.Fatal(err)
	}
	frame = h.render(1, 80)
	if !strings.Contains(frame, "\x1b[0;1;38;2;1;2;3;48;2;4;5;6m 2 logs ") {
		t.Errorf("active tab not in the theme's colours: %q", frame)
	}
	if !strings.Contains(frame, "38;2;1;2;3;48;2;4;5;6m NORMAL ") {
		t.Errorf("Normal mode badge not in the theme's colours: %q", frame)
	}
}

func cliPipe(id, payload string, hasPayload bool) *pluginpb.PipeMessage {
	m := &pluginpb.PipeMessage{Source: pluginpb.PipeSource_Cli, CliSourceId: &id, Name: "filter", IsPrivate: true}
	if hasPayload {
		m.Payload = &payload
	}
	return m
}

type pipeCmd struct{ name, arg, output string }

func pipeCmds(t *testing.T, cs []issued) []pipeCmd {
	t.Helper()
	var out []pipeCmd
	for _, c := range cs {
		switch c.cmd.GetName() {
		case pluginpb.CommandName_BlockCliPipeInput:
			out = append(out, pipeCmd{"block", c.cmd.GetBlockCliPipeInputPayload(), ""})
		case pluginpb.CommandName_UnblockCliPipeInput:
			out = append(out, pipeCmd{"unblock", c.cmd.GetUnblockCliPipeInputPayload(), ""})
		case pluginpb.CommandName_CliPipeOutput:
			p := c.cmd.GetCliPipeOutputPayload()
			out = append(out, pipeCmd{"output", p.GetPipeName(), p.GetOutput()})
		case pluginpb.CommandName_SetTimeout:
			out = append(out, pipeCmd{"timeout", "", ""})
		default:
			t.Errorf("unexpected command %s", c.cmd.GetName())
		}
	}
	return out
}

func equalPipeCmds(a, b []pipeCmd) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFilterLineByLine(t *testing.T) {
	h := newHarness(t, filterDir)
	if err := h.start(map[string]string{"pattern": "err(or)?", "number": "true"}); err != nil {
		t.Fatal(err)
	}
	if got := names(h.take()); got != "RequestPluginPermissions,Subscribe" {
		t.Fatalf("load commands = %s", got)
	}
	steps := []struct {
		msg  *pluginpb.PipeMessage
		want []pipeCmd
	}{
		{cliPipe("p1", "an error here", true), []pipeCmd{{"output", "p1", "1:an error here\n"}, {"unblock", "p1", ""}}},
		{cliPipe("p1", "all fine", true), []pipeCmd{{"unblock", "p1", ""}}},
		{cliPipe("p1", "err again\r\n", true), []pipeCmd{{"output", "p1", "3:err again\n"}, {"unblock", "p1", ""}}},
		{cliPipe("p1", "", false), []pipeCmd{{"unblock", "p1", ""}}}, // end of input
	}
	for i, s := range steps {
		if _, err := h.pipe(s.msg); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := pipeCmds(t, h.take()); !equalPipeCmds(got, s.want) {
			t.Errorf("step %d: commands %v, want %v", i, got, s.want)
		}
	}
	// Messages that are not from the CLI are left alone.
	if _, err := h.pipe(&pluginpb.PipeMessage{Source: pluginpb.PipeSource_Plugin, Name: "x"}); err != nil {
		t.Fatal(err)
	}
	if got := h.take(); len(got) != 0 {
		t.Errorf("plugin pipe message issued %s", names(got))
	}
	lines := screenLines(h.render(2, 60), 2, 60)
	if !strings.HasPrefix(lines[1], "3 lines read, 2 matched, 0 pipes open") {
		t.Errorf("render = %q", lines)
	}
}

func TestFilterBatchBlocksUntilWritten(t *testing.T) {
	h := newHarness(t, filterDir)
	if err := h.start(map[string]string{"pattern": "^x", "batch": "2", "interval": "10ms"}); err != nil {
		t.Fatal(err)
	}
	h.take()
	step := func(msg *pluginpb.PipeMessage, ev *pluginpb.Event, want ...pipeCmd) {
		t.Helper()
		var err error
		if msg != nil {
			_, err = h.pipe(msg)
		} else {
			_, err = h.update(ev)
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := pipeCmds(t, h.take()); !equalPipeCmds(got, want) {
			t.Fatalf("commands %v, want %v", got, want)
		}
	}
	timer := &pluginpb.Event{Name: pluginpb.EventType_Timer, Payload: &pluginpb.Event_TimerPayload{TimerPayload: 0.01}}
	// Two pipes at once; the first batch is not full: read on.
	step(cliPipe("a", "x1", true), nil, pipeCmd{"unblock", "a", ""})
	step(cliPipe("b", "x9", true), nil, pipeCmd{"unblock", "b", ""})
	step(cliPipe("a", "y", true), nil, pipeCmd{"unblock", "a", ""})
	// Full batch: the pipe is held and a timer set.
	step(cliPipe("a", "x2", true), nil, pipeCmd{"block", "a", ""}, pipeCmd{"timeout", "", ""})
	// The timer writes the batch and releases the pipe; b is not blocked.
	step(nil, timer, pipeCmd{"output", "a", "x1\nx2\n"}, pipeCmd{"unblock", "a", ""})
	// b ends with a partial batch: it is written and released.
	step(cliPipe("b", "", false), nil, pipeCmd{"output", "b", "x9\n"}, pipeCmd{"unblock", "b", ""})
	for _, c := range h.cmds {
		if c.cmd.GetName() == pluginpb.CommandName_SetTimeout {
			if s := c.cmd.GetSetTimeoutPayload().GetSeconds(); s != 0.01 {
				t.Errorf("timeout %v s", s)
			}
		}
	}
}

func TestFilterBadConfig(t *testing.T) {
	h := newHarness(t, filterDir)
	if err := h.start(map[string]string{"pattern": "(", "batch": "zero"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.main.stderr.String(), "pattern: error parsing regexp") {
		t.Errorf("stderr = %q", h.main.stderr.String())
	}
	lines := screenLines(h.render(3, 100), 3, 100)
	if !strings.Contains(lines[1], "batch: \"zero\" is not a positive number") {
		t.Errorf("render = %q", lines)
	}
}

func TestWorkersRoundTrip(t *testing.T) {
	h := newHarness(t, workersDir)
	if len(h.workers) != 0 {
		t.Fatal("workers before start")
	}
	if err := h.start(map[string]string{"step": "1000", "hash_rounds": "100"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.workers["compute"]; !ok {
		t.Fatalf("no compute worker instance")
	}
	if got := names(h.take()); got != "Subscribe,PostMessageTo" {
		t.Fatalf("load commands = %s", got)
	}
	h.pump()
	cs := h.take()
	if got := names(cs); got != "PostMessageToPlugin" || cs[0].from != "compute" {
		t.Fatalf("after pump: %s from %q", got, cs[0].from)
	}
	if _, err := h.update(keyEvent('2')); err != nil {
		t.Fatal(err)
	}
	post := h.take()
	if len(post) != 1 || post[0].cmd.GetPostMessageToPayload().GetMessage().GetWorkerName() != "compute" {
		t.Fatalf("key 2 issued %s", names(post))
	}
	h.pump()
	if _, err := h.update(keyEvent('h')); err != nil {
		t.Fatal(err)
	}
	h.pump()
	lines := screenLines(h.render(8, 100), 8, 100)
	text := strings.Join(lines, "\n")
	// pi(1000) = 168, pi(2000) = 303; the worker counts the jobs it served,
	// so its state survived between messages.
	for _, want := range []string{"0 pending", " 168 ", " 303 ", "primes", "sha256"} {
		if !strings.Contains(text, want) {
			t.Errorf("render lacks %q:\n%s", want, text)
		}
	}
	sum := sha256.Sum256([]byte("tessera"))
	for i := 1; i < 100; i++ {
		sum = sha256.Sum256(sum[:])
	}
	if want := hex.EncodeToString(sum[:])[:15] + "…"; !strings.Contains(text, want) {
		t.Errorf("render lacks the hash chain %q:\n%s", want, text)
	}
	var served []string
	for _, l := range lines[2:5] {
		f := strings.Fields(l)
		served = append(served, f[len(f)-1])
	}
	if strings.Join(served, ",") != "3,2,1" {
		t.Errorf("worker job counts (newest first) = %v, want 3,2,1\n%s", served, text)
	}
}

func TestProbeCommandsAndReplies(t *testing.T) {
	h := newHarness(t, probeDir)
	h.reply = func(cmd *pluginpb.PluginCommand) (proto.Message, bool) {
		switch cmd.GetName() {
		case pluginpb.CommandName_GetPluginIds:
			return &pluginpb.PluginIds{PluginId: 7, ZellijPid: 4242, InitialCwd: "/tmp", ClientId: 1}, true
		case pluginpb.CommandName_GetZellijVersion:
			return &pluginpb.ZellijVersion{Version: "0.45.0"}, true
		case pluginpb.CommandName_NewTab:
			return &pluginpb.NewTabResponse{Result: &pluginpb.NewTabResponse_TabId{TabId: 12}}, true
		case pluginpb.CommandName_OpenFile:
			return nil, false // lenient: no line at all
		}
		return nil, true
	}
	if err := h.start(map[string]string{"greeting": "hi"}); err != nil {
		t.Fatal(err)
	}
	subs := h.take()[0].cmd.GetSubscribePayload().GetSubscriptions().GetEventTypes()
	if len(subs) != 2 {
		t.Errorf("duplicate subscription sent: %v", subs)
	}
	for _, k := range "ivotcw" {
		if _, err := h.update(keyEvent(k)); err != nil {
			t.Fatalf("key %c: %v", k, err)
		}
	}
	h.pump()
	cs := h.take()
	if got := names(cs); got != "GetPluginIds,GetZellijVersion,OpenFile,NewTab,PostMessageTo,PostMessageToPlugin" {
		t.Errorf("commands = %s", got)
	}
	of := cs[2].cmd.GetOpenFilePayload()
	if of.GetFileToOpen().GetPath() != "/host/a.txt" || of.GetFileToOpen().GetLineNumber() != 3 || of.GetContext()[0].GetName() != "k" {
		t.Errorf("OpenFile payload = %v", of)
	}
	if tp := cs[3].cmd.GetNewTabPayload(); tp.GetName() != "logs" || tp.Cwd != nil {
		t.Errorf("NewTab payload = %v", tp)
	}
	if msg := cs[4].cmd.GetPostMessageToPayload().GetMessage(); msg.GetName() != "ping" || msg.GetPayload() != "hello" || msg.GetWorkerName() != "echo" {
		t.Errorf("PostMessageTo = %v", msg)
	}
	if msg := cs[5].cmd.GetPostMessageToPluginPayload().GetMessage(); msg.WorkerName != nil {
		t.Errorf("worker set worker_name: %v", msg)
	}
	h.pipe(&pluginpb.PipeMessage{Source: pluginpb.PipeSource_Keybind, Name: "bind", Payload: proto.String("x")})
	frame := h.render(10, 40)
	want := "10x40\n\rids=7/4242//tmp/1\n\rversion=0.45.0\n\ropen=false\n\rtab=12/true\n\rconfig=hi\n\recho:ping=hello\n\rpipe=bind:x"
	if frame != want {
		t.Errorf("frame = %q\nwant    %q", frame, want)
	}
}

// TestQueuedLinesInOrder writes several lines before the calls: each call
// consumes exactly one, in order, and the rest stay buffered in the guest.
func TestQueuedLinesInOrder(t *testing.T) {
	h := newHarness(t, probeDir)
	if err := h.start(nil); err != nil {
		t.Fatal(err)
	}
	h.writeLine(h.main, keyEvent('c'))
	h.writeLine(h.main, &pluginpb.PipeMessage{Name: "second", Payload: proto.String("2")})
	h.writeLine(h.main, keyEvent('c'))
	for _, export := range []string{"update", "pipe", "update"} {
		if _, err := h.main.mod.ExportedFunction(export).Call(h.ctx); err != nil {
			t.Fatalf("%s: %v", export, err)
		}
	}
	if got := h.render(1, 10); got != "1x10\n\rconfig=\n\rpipe=second:2\n\rconfig=" {
		t.Errorf("frame = %q", got)
	}
}

func crashMessages(cs []issued) []string {
	var out []string
	for _, c := range cs {
		if c.cmd.GetName() == pluginpb.CommandName_ReportCrash {
			out = append(out, c.cmd.GetReportCrashPayload())
		}
	}
	return out
}

func TestPanicReportsCrashAndTraps(t *testing.T) {
	h := newHarness(t, probeDir)
	if err := h.start(nil); err != nil {
		t.Fatal(err)
	}
	h.take()
	_, err := h.update(keyEvent('p'))
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("update error = %v, want an unreachable trap", err)
	}
	msgs := crashMessages(h.take())
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0], "panic in update: boom\n") || !strings.Contains(msgs[0], "main.(*probe).Update") {
		t.Errorf("ReportCrash = %q", msgs)
	}
}

func TestWorkerPanicReportsCrash(t *testing.T) {
	h := newHarness(t, probeDir)
	if err := h.start(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := h.update(keyEvent('b')); err != nil {
		t.Fatal(err)
	}
	h.take()
	w := h.workers["echo"]
	h.writeLine(w, &pluginpb.Message{Name: "boom", Payload: "now"})
	h.toWorkers = nil
	_, err := w.mod.ExportedFunction("echo_worker").Call(h.ctx)
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("worker error = %v", err)
	}
	cs := h.take()
	msgs := crashMessages(cs)
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0], "panic in echo_worker: worker exploded: now") || cs[0].from != "echo" {
		t.Errorf("ReportCrash = %q", msgs)
	}
}

func TestMissingStrictReplyCrashes(t *testing.T) {
	h := newHarness(t, probeDir)
	h.reply = func(*pluginpb.PluginCommand) (proto.Message, bool) { return nil, false }
	if err := h.start(nil); err != nil {
		t.Fatal(err)
	}
	h.take()
	// OpenFile is lenient: no reply is fine.
	if _, err := h.update(keyEvent('o')); err != nil {
		t.Fatalf("lenient command without reply: %v", err)
	}
	// GetPluginIds is strict: no reply crashes, like a Rust plugin.
	_, err := h.update(keyEvent('i'))
	if err == nil {
		t.Fatal("strict command without reply did not crash")
	}
	msgs := crashMessages(h.take())
	if len(msgs) != 1 || !strings.Contains(msgs[0], "command GetPluginIds: run GetPluginIds: host wrote no reply") {
		t.Errorf("ReportCrash = %q", msgs)
	}
}

func TestMalformedInputCrashes(t *testing.T) {
	for _, tc := range []struct {
		name, line, want string
	}{
		{"not json", "hello\r\n", "read event: parse byte array"},
		{"bad protobuf", "[8,3,42,5,24]\r\n", "read event: decode"},
		{"no line", "", "read event: no line on stdin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, probeDir)
			if err := h.start(nil); err != nil {
				t.Fatal(err)
			}
			h.take()
			h.main.stdin.WriteString(tc.line)
			if _, err := h.main.mod.ExportedFunction("update").Call(h.ctx); err == nil {
				t.Fatal("no crash")
			}
			msgs := crashMessages(h.take())
			if len(msgs) != 1 || !strings.Contains(msgs[0], tc.want) {
				t.Errorf("ReportCrash = %q, want %q", msgs, tc.want)
			}
		})
	}
}

// TestPrintOutsideRender: text printed during update reaches the next frame,
// as with Rust plugins (stdout is drained only by render and commands).
func TestPrintOutsideRender(t *testing.T) {
	h := newHarness(t, probeDir)
	if err := h.start(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := h.update(keyEvent('m')); err != nil {
		t.Fatal(err)
	}
	if got := h.render(1, 5); got != "early 1x5" {
		t.Errorf("frame = %q", got)
	}
}
