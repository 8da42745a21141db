package sdk_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"google.golang.org/protobuf/proto"
)

// The end-to-end tests build real guests with the SDK and run them in a
// minimal host written here: wazero with WASI, in-memory stdin and stdout
// per instance, and zellij.host_run_plugin_command decoding each command
// with pluginpb and answering the ones that read a reply.

var (
	cacheOnce sync.Once
	cache     wazero.CompilationCache
)

func compilationCache() wazero.CompilationCache {
	cacheOnce.Do(func() { cache = wazero.NewCompilationCache() })
	return cache
}

// queue is a host-owned byte pipe: an empty queue reads as end of file
// without being closed, as the reference host's pipes do.
type queue struct{ bytes.Buffer }

func (q *queue) Read(p []byte) (int, error) {
	if q.Len() == 0 {
		return 0, io.EOF
	}
	return q.Buffer.Read(p)
}

type instance struct {
	name   string // "" for the main instance, else the worker name
	mod    api.Module
	stdin  queue
	stdout bytes.Buffer
	stderr bytes.Buffer
}

// issued is one command a guest instance ran.
type issued struct {
	from string // "" main, else the worker name
	raw  []byte // the protobuf bytes
	cmd  *pluginpb.PluginCommand
}

type harness struct {
	t        testing.TB
	ctx      context.Context
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	byModule map[string]*instance
	main     *instance
	workers  map[string]*instance
	cmds     []issued

	// reply returns the reply line for a command that reads one; write
	// false to write nothing. Default: an empty message "[]".
	reply func(cmd *pluginpb.PluginCommand) (msg proto.Message, write bool)

	toWorkers []*pluginpb.Message // PostMessageTo, delivered by pump
	toMain    []*pluginpb.Event   // CustomMessage events, delivered by pump
}

func newHarness(t *testing.T, guestDir string) *harness { return newHarnessTB(t, guestDir, false) }

// newHarnessTB runs the guest on the interpreter, or on the compiler when
// compiler is set.
func newHarnessTB(t testing.TB, guestDir string, compiler bool) *harness {
	t.Helper()
	path := guestbuild.Build(t, guestDir)
	wasm, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The interpreter compiles a Go guest in a fraction of the compiler's
	// time (which dominates these tests, above all under -race); the guests'
	// work here is small.
	rc := wazero.NewRuntimeConfigInterpreter()
	if compiler {
		rc = wazero.NewRuntimeConfigCompiler()
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc.WithCompilationCache(compilationCache()))
	t.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	h := &harness{t: t, ctx: ctx, rt: rt, byModule: map[string]*instance{}, workers: map[string]*instance{}}
	if _, err := rt.NewHostModuleBuilder("zellij").NewFunctionBuilder().
		WithFunc(h.hostRunPluginCommand).Export("host_run_plugin_command").Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	if h.compiled, err = rt.CompileModule(ctx, wasm); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) instantiate(name string) *instance {
	h.t.Helper()
	in := &instance{name: name}
	modName := "main"
	if name != "" {
		modName = "worker:" + name
	}
	cfg := wazero.NewModuleConfig().WithName(modName).
		WithStdin(&in.stdin).WithStdout(&in.stdout).WithStderr(&in.stderr).
		WithSysWalltime().WithSysNanotime().
		WithStartFunctions("_initialize") // the reactor's runtime start
	mod, err := h.rt.InstantiateModule(h.ctx, h.compiled, cfg)
	if err != nil {
		h.t.Fatalf("instantiate %s: %v", modName, err)
	}
	in.mod = mod
	h.byModule[modName] = in
	if _, err := mod.ExportedFunction("_start").Call(h.ctx); err != nil {
		h.t.Fatalf("%s: _start: %v", modName, err)
	}
	return in
}

// start follows the host's load sequence: instance, _start, one instance per
// *_worker export (with _start), the configuration line, load.
func (h *harness) start(config map[string]string) error {
	h.t.Helper()
	h.main = h.instantiate("")
	var names []string
	for name := range h.compiled.ExportedFunctions() {
		if w, ok := strings.CutSuffix(name, "_worker"); ok {
			names = append(names, w)
		}
	}
	sort.Strings(names)
	for _, w := range names {
		h.workers[w] = h.instantiate(w)
	}
	pc := &pluginpb.PluginConfiguration{}
	keys := make([]string, 0, len(config))
	for k := range config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		pc.NameAndValue = append(pc.NameAndValue, &pluginpb.NameAndValue{Name: k, Value: config[k]})
	}
	h.writeLine(h.main, pc)
	_, err := h.main.mod.ExportedFunction("load").Call(h.ctx)
	return err
}

func (h *harness) writeLine(in *instance, m proto.Message) {
	b, err := proto.Marshal(m)
	if err != nil {
		h.t.Fatal(err)
	}
	frame := sdk.AppendFrame(nil, b)
	in.stdin.Write(frame[:len(frame)-1])
	in.stdin.WriteString("\r\n") // the reference host ends lines with CRLF
}

func (h *harness) hostRunPluginCommand(ctx context.Context, m api.Module) {
	in := h.byModule[m.Name()]
	text := bytes.ReplaceAll(in.stdout.Bytes(), []byte("\n"), []byte("\n\r"))
	in.stdout.Reset()
	raw, err := sdk.ParseFrame(bytes.TrimSpace(text))
	if err != nil {
		h.t.Errorf("%s: command frame %q: %v", m.Name(), text, err)
		return
	}
	cmd := new(pluginpb.PluginCommand)
	if err := proto.Unmarshal(raw, cmd); err != nil {
		h.t.Errorf("%s: command %v: %v", m.Name(), raw, err)
		return
	}
	h.cmds = append(h.cmds, issued{from: in.name, raw: raw, cmd: cmd})
	switch cmd.GetName() {
	case pluginpb.CommandName_PostMessageTo:
		msg := cmd.GetPostMessageToPayload().GetMessage()
		h.toWorkers = append(h.toWorkers, msg)
	case pluginpb.CommandName_PostMessageToPlugin:
		msg := cmd.GetPostMessageToPluginPayload().GetMessage()
		h.toMain = append(h.toMain, &pluginpb.Event{
			Name: pluginpb.EventType_CustomMessage,
			Payload: &pluginpb.Event_CustomMessagePayload{CustomMessagePayload: &pluginpb.CustomMessagePayload{
				MessageName: msg.GetName(), Payload: msg.GetPayload(),
			}},
		})
	}
	if !pluginpb.CommandReply(cmd.GetName()).ReadsReply() {
		return
	}
	var reply proto.Message = &pluginpb.PluginIds{} // any empty message encodes as []
	write := true
	if h.reply != nil {
		if r, w := h.reply(cmd); w && r != nil {
			reply = r
		} else {
			write = w
		}
	}
	if write {
		h.writeLine(in, reply)
	}
}

func (h *harness) update(ev *pluginpb.Event) (bool, error) {
	h.writeLine(h.main, ev)
	r, err := h.main.mod.ExportedFunction("update").Call(h.ctx)
	if err != nil {
		return false, err
	}
	return r[0] == 1, nil
}

func (h *harness) pipe(msg *pluginpb.PipeMessage) (bool, error) {
	h.writeLine(h.main, msg)
	r, err := h.main.mod.ExportedFunction("pipe").Call(h.ctx)
	if err != nil {
		return false, err
	}
	return r[0] == 1, nil
}

// render calls render and returns the frame as the host collects it: all of
// stdout, with "\n" turned into "\n\r".
func (h *harness) render(rows, cols int) string {
	h.t.Helper()
	if _, err := h.main.mod.ExportedFunction("render").Call(h.ctx, api.EncodeI32(int32(rows)), api.EncodeI32(int32(cols))); err != nil {
		h.t.Fatalf("render: %v", err)
	}
	frame := strings.ReplaceAll(h.main.stdout.String(), "\n", "\n\r")
	h.main.stdout.Reset()
	return frame
}

// pump delivers queued worker messages and CustomMessage events until none
// are left, as the host's event loop would.
func (h *harness) pump() {
	h.t.Helper()
	for len(h.toWorkers) > 0 || len(h.toMain) > 0 {
		for len(h.toWorkers) > 0 {
			msg := h.toWorkers[0]
			h.toWorkers = h.toWorkers[1:]
			w := h.workers[msg.GetWorkerName()]
			if w == nil {
				h.t.Fatalf("message for unknown worker %q", msg.GetWorkerName())
			}
			h.writeLine(w, &pluginpb.Message{Name: msg.GetName(), Payload: msg.GetPayload()})
			if _, err := w.mod.ExportedFunction(msg.GetWorkerName() + "_worker").Call(h.ctx); err != nil {
				h.t.Fatalf("worker %s: %v", msg.GetWorkerName(), err)
			}
		}
		for len(h.toMain) > 0 {
			ev := h.toMain[0]
			h.toMain = h.toMain[1:]
			if _, err := h.update(ev); err != nil {
				h.t.Fatalf("update: %v", err)
			}
		}
	}
}

// take returns the commands issued since the last call.
func (h *harness) take() []issued {
	c := h.cmds
	h.cmds = nil
	return c
}

func names(cs []issued) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.cmd.GetName().String())
	}
	return strings.Join(s, ",")
}

func keyEvent(r rune) *pluginpb.Event {
	c := uint32(r)
	return &pluginpb.Event{Name: pluginpb.EventType_Key, Payload: &pluginpb.Event_KeyPayload{KeyPayload: &pluginpb.Key{Char: &c}}}
}

func (in *instance) String() string { return fmt.Sprintf("instance %q", in.name) }
