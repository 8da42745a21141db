package wasi

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// tinyModule assembles a minimal plugin by hand: a wasm "command" or
// "reactor" whose init function (exported under initNames) traps when run
// twice, a load that traps unless init ran, an update with the given body
// and a render that writes text to stdout.
func tinyModule(initNames []string, updateBody []byte, text string, withRender bool) []byte {
	uleb := func(b []byte, n uint64) []byte {
		for {
			c := byte(n & 0x7f)
			n >>= 7
			if n != 0 {
				b = append(b, c|0x80)
				continue
			}
			return append(b, c)
		}
	}
	vec := func(items ...[]byte) []byte {
		b := uleb(nil, uint64(len(items)))
		for _, it := range items {
			b = append(b, it...)
		}
		return b
	}
	name := func(s string) []byte { return append(uleb(nil, uint64(len(s))), s...) }
	section := func(id byte, body []byte) []byte { return append(uleb([]byte{id}, uint64(len(body))), body...) }
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	body := func(code ...byte) []byte {
		c := append([]byte{0}, code...)
		return append(uleb(nil, uint64(len(c))), c...)
	}

	types := vec(
		[]byte{0x60, 0, 0},                               // 0: () -> ()
		[]byte{0x60, 0, 1, 0x7f},                         // 1: () -> i32
		[]byte{0x60, 2, 0x7f, 0x7f, 0},                   // 2: (i32, i32) -> ()
		[]byte{0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f}, // 3: fd_write
	)
	imports := vec(
		cat(name("wasi_snapshot_preview1"), name("fd_write"), []byte{0, 3}),
		cat(name("zellij"), name("host_run_plugin_command"), []byte{0, 0}),
	)
	funcs := [][]byte{{0}, {0}, {1}}
	codes := [][]byte{
		body(0x23, 0, 0x04, 0x40, 0x00, 0x0b, 0x41, 1, 0x24, 0, 0x0b), // init
		body(0x23, 0, 0x45, 0x04, 0x40, 0x00, 0x0b, 0x0b),             // load
		body(updateBody...), // update
	}
	exports := [][]byte{
		cat(name("memory"), []byte{2, 0}),
		cat(name("load"), []byte{0, 3}),
		cat(name("update"), []byte{0, 4}),
	}
	for _, n := range initNames {
		exports = append(exports, cat(name(n), []byte{0, 2}))
	}
	if withRender {
		funcs = append(funcs, []byte{2})
		codes = append(codes, body(0x41, 1, 0x41, 0, 0x41, 1, 0x41, 8, 0x10, 0, 0x1a, 0x0b))
		exports = append(exports, cat(name("render"), []byte{0, 5}))
	}
	data := make([]byte, 16+len(text))
	binary.LittleEndian.PutUint32(data[0:], 16)
	binary.LittleEndian.PutUint32(data[4:], uint32(len(text)))
	copy(data[16:], text)
	return cat(
		[]byte{0, 'a', 's', 'm', 1, 0, 0, 0},
		section(1, types),
		section(2, imports),
		section(3, vec(funcs...)),
		section(5, vec([]byte{0, 1})),
		section(6, vec([]byte{0x7f, 1, 0x41, 0, 0x0b})),
		section(7, vec(exports...)),
		section(10, vec(codes...)),
		section(11, vec(cat([]byte{0, 0x41, 0, 0x0b}, uleb(nil, uint64(len(data))), data))),
	)
}

var returnOne = []byte{0x41, 1, 0x0b}

func permResult() *pluginpb.Event {
	return &pluginpb.Event{Name: pluginpb.EventType_PermissionRequestResult, Payload: &pluginpb.Event_PermissionRequestResultPayload{PermissionRequestResultPayload: &pluginpb.PermissionRequestResultPayload{}}}
}

func TestHandAssembledLifecycles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		inits []string
	}{
		{"command _start only", []string{"_start"}},
		{"reactor _initialize only", []string{"_initialize"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRec()
			// init traps if run twice, load traps if init never ran.
			p, err := testHost(t).Load(ctxT(t), tinyModule(tc.inits, returnOne, "frame-ok\n", true), r.wire(PluginConfig{ID: 9}))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(ctxT(t))
			p.Resize(3, 10)
			rendered, err := p.Update(ctxT(t), permResult())
			if err != nil || !rendered {
				t.Fatalf("rendered=%v err=%v", rendered, err)
			}
			if err := p.Sync(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			if len(r.frames) != 2 || r.frames[1] != "frame-ok\n" {
				t.Fatalf("frames %q", r.frames)
			}
			if got := string(ToTerminal([]byte(r.frames[1]))); got != "frame-ok\n\r" {
				t.Fatalf("ToTerminal = %q", got)
			}
		})
	}
}

func TestInitRunTwiceTraps(t *testing.T) {
	// Exporting one guarded init as both _initialize and _start makes the
	// host call it twice: the guard traps and the load fails cleanly.
	_, err := testHost(t).Load(ctxT(t), tinyModule([]string{"_initialize", "_start"}, returnOne, "x", true), PluginConfig{ID: 1})
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("load: %v", err)
	}
}

func TestTrapInUpdate(t *testing.T) {
	r := newRec()
	p, err := testHost(t).Load(ctxT(t), tinyModule([]string{"_start"}, []byte{0x00, 0x0b}, "x", true), r.wire(PluginConfig{ID: 1}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctxT(t))
	_, err = p.Update(ctxT(t), permResult())
	expectCrash(t, p, r, err, "crashed in update", "unreachable")
}

func TestMissingExportRefused(t *testing.T) {
	_, err := testHost(t).Load(ctxT(t), tinyModule([]string{"_start"}, returnOne, "x", false), PluginConfig{ID: 1})
	if !errors.Is(err, ErrNotPlugin) || !strings.Contains(err.Error(), "not a Zellij plugin: missing export render") {
		t.Fatalf("load: %v", err)
	}
	_, err = testHost(t).Load(ctxT(t), []byte("not wasm"), PluginConfig{ID: 1})
	if !errors.Is(err, ErrNotPlugin) || !strings.Contains(err.Error(), "not a Zellij plugin: not a WebAssembly module") {
		t.Fatalf("load garbage: %v", err)
	}
}

func TestGoCommandModuleExplained(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a guest")
	}
	out := filepath.Join(t.TempDir(), "command.wasm")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = "testdata/guests/command"
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	_, err = testHost(t).Load(ctxT(t), wasm, PluginConfig{ID: 1})
	if err == nil || !strings.Contains(err.Error(), "build a reactor") {
		t.Fatalf("load Go command module: %v", err)
	}
}

func TestUnreadStdinDoesNotAccumulate(t *testing.T) {
	// The tiny guest never reads stdin: each call's line replaces the last.
	p, err := testHost(t).Load(ctxT(t), tinyModule([]string{"_start"}, returnOne, "x", true), PluginConfig{ID: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctxT(t))
	for i := 0; i < 100; i++ {
		if _, err := p.Update(ctxT(t), permResult()); err != nil {
			t.Fatal(err)
		}
	}
	// Update's reply orders the actor's writes before this read.
	if n := p.main.stdin.pending(); n == 0 || n > 32 {
		t.Fatalf("stdin holds %d bytes after 100 unread events", n)
	}
}
