package wasi

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

func TestLoadReactorWithStart(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 3, ClientID: 1}))
	f := render(t, p)
	// _initialize then _start, exactly once; empty configuration is "[]".
	mustContain(t, f, "rows=24 cols=80 updates=0 starts=1 stale=0", `config [] raw="[]\r\n"`)
	if strings.HasSuffix(f, "\n") {
		t.Fatalf("frame should end without a newline (print! output kept intact): %q", f)
	}
	// Compiled with an interrupt flag: deadlines need no per-call watcher.
	if p.cm.tinfo == nil || p.main.interrupt.Load() == nil || p.Engine() != EngineCompiler {
		t.Fatal("probe does not run interruptible compiled code")
	}
	if got := p.Workers(); len(got) != 1 || got[0] != "echo" {
		t.Fatalf("workers = %v", got)
	}
}

func TestConfigSortedAndFramed(t *testing.T) {
	p := loadProbe(t, PluginConfig{ID: 1, Config: map[string]string{"b": "2", "a": "1", "quiet": "1"}})
	f := render(t, p)
	// PluginConfiguration{name_and_value{a=1}, {b=2}, {quiet=1}} in key order.
	mustContain(t, f, "config [a=1,b=2,quiet=1]", `raw="[10,6,10,1,97,18,1,49,10,6,10,1,98,18,1,50,`, `]\r\n"`)
}

func TestGetPluginIdsAndVersion(t *testing.T) {
	p := loadProbe(t, PluginConfig{ID: 7, ClientID: 2, InitialCwd: "/host/src"})
	act(t, p, "ids", "")
	f := act(t, p, "version", "")
	mustContain(t, f, "ids plugin=7 pid="+strconv.Itoa(os.Getpid())+" cwd=/host/src client=2", "version 0.45.0", "stale=0")
}

func TestPrintedTextPrecedesNextFrame(t *testing.T) {
	p := loadProbe(t, PluginConfig{ID: 1})
	if _, err := p.Pipe(ctxT(t), &pluginpb.PipeMessage{Name: "print", Payload: strp("early text|")}); err != nil {
		t.Fatal(err)
	}
	// A command issued after printing: the text before the frame stays.
	if _, err := p.Pipe(ctxT(t), &pluginpb.PipeMessage{Name: "ids"}); err != nil {
		t.Fatal(err)
	}
	f := render(t, p)
	if !strings.HasPrefix(f, "early text|rows=24") {
		t.Fatalf("printed text should start the next frame: %q", f)
	}
	mustContain(t, f, "ids plugin=1", "stale=0")
}

func TestUpdateRendersWhenSized(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Builtin: true, Config: map[string]string{"subscribe": "3"}}))
	rendered, err := p.Update(ctxT(t), keyEvent('a'))
	if err != nil || rendered {
		t.Fatalf("update before any size: rendered=%v err=%v", rendered, err)
	}
	p.Resize(10, 40)
	rendered, err = p.Update(ctxT(t), keyEvent('b'))
	if err != nil || !rendered {
		t.Fatalf("update after resize: rendered=%v err=%v", rendered, err)
	}
	p.Sync(ctxT(t))
	r.mu.Lock()
	frames := append([]string(nil), r.frames...)
	r.mu.Unlock()
	if len(frames) != 2 {
		t.Fatalf("want 2 frames (resize, update), got %d: %q", len(frames), frames)
	}
	mustContain(t, frames[0], "rows=10 cols=40 updates=1", "key a")
	mustContain(t, frames[1], "updates=2", "key b")
	// Same size again: no render.
	p.Resize(10, 40)
	rendered, _ = p.Update(ctxT(t), keyEvent('c'))
	p.Sync(ctxT(t))
	r.mu.Lock()
	n := len(r.frames)
	r.mu.Unlock()
	if !rendered || n != 3 {
		t.Fatalf("resize to the same size rendered again: %d frames", n)
	}
}

func TestClosedPluginErrors(t *testing.T) {
	p := loadProbe(t, PluginConfig{ID: 1})
	if err := p.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(ctxT(t)); err != nil {
		t.Fatal("second close:", err)
	}
	if _, err := p.Render(ctxT(t), 1, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("render after close: %v", err)
	}
	if p.Post(event(pluginpb.EventType_Visible)) {
		t.Fatal("post after close accepted")
	}
}

func strp(s string) *string { return &s }
