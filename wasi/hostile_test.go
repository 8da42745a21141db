package wasi

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// expectCrash waits for OnCrash and checks the crash error and that later
// calls fail fast with it.
func expectCrash(t *testing.T, p *Plugin, r *rec, callErr error, wants ...string) *CrashError {
	t.Helper()
	var ce *CrashError
	if !errors.As(callErr, &ce) || !errors.Is(callErr, ErrCrashed) {
		t.Fatalf("call error is not a crash: %v", callErr)
	}
	select {
	case err := <-r.crash:
		if err != callErr {
			t.Fatalf("OnCrash got %v, call got %v", err, callErr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnCrash not called")
	}
	if p.Crashed() != callErr {
		t.Fatalf("Crashed() = %v", p.Crashed())
	}
	for _, w := range wants {
		if !strings.Contains(callErr.Error(), w) {
			t.Fatalf("crash error %q lacks %q", callErr, w)
		}
	}
	start := time.Now()
	if _, err := p.Update(ctxT(t), keyEvent('a')); err != callErr {
		t.Fatalf("update after crash: %v", err)
	}
	if _, err := p.Render(ctxT(t), 1, 1); err != callErr {
		t.Fatalf("render after crash: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("calls after crash took %v", d)
	}
	return ce
}

func pipeErr(p *Plugin, t *testing.T, action, arg string) error {
	_, err := p.Pipe(ctxT(t), &pluginpb.PipeMessage{Name: action, Payload: strp(arg)})
	return err
}

func TestSpinningPluginStoppedOthersRun(t *testing.T) {
	ra, rb := newRec(), newRec()
	a := loadProbe(t, ra.wire(PluginConfig{ID: 1, Limits: Limits{CallTimeout: 300 * time.Millisecond}}))
	b := loadProbe(t, rb.wire(PluginConfig{ID: 2}))
	errc := make(chan error, 1)
	go func() { errc <- pipeErr(a, t, "spin", "") }()
	// b keeps serving while a spins.
	for i := 0; i < 20; i++ {
		act(t, b, "log", "alive")
	}
	err := <-errc
	if !errors.Is(err, ErrCallTimeout) {
		t.Fatalf("spin: %v", err)
	}
	ce := expectCrash(t, a, ra, err, "plugin 1: timed out after 300ms in pipe")
	if ce.Call != "pipe" || ce.Plugin != 1 {
		t.Fatalf("crash %+v", ce)
	}
	mustContain(t, act(t, b, "ids", ""), "ids plugin=2")
}

func TestWorkerSpinCrashesPlugin(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Limits: Limits{CallTimeout: 200 * time.Millisecond}}))
	act(t, p, "post", "echo:spin:x")
	var err error
	select {
	case err = <-r.crash:
		r.crash <- err
	case <-time.After(10 * time.Second):
		t.Fatal("worker spin not stopped")
	}
	ce := expectCrash(t, p, r, err, "worker echo", "echo_worker", "timed out")
	if ce.Worker != "echo" {
		t.Fatalf("crash %+v", ce)
	}
}

func TestMemoryBomb(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Limits: Limits{MemoryBytes: 48 << 20, CallTimeout: 30 * time.Second}}))
	mustContain(t, act(t, p, "alloc", "8"), "alloc 8 MiB ok")
	err := pipeErr(p, t, "alloc", "100")
	if !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("memory bomb: %v", err)
	}
	ce := expectCrash(t, p, r, err, "plugin 1: out of memory: limit 48 MiB in pipe")
	if strings.Contains(ce.Error(), "\n") || ce.MemoryLimit != 48<<20 {
		t.Fatalf("crash %q (limit %d): want one line and the limit", ce, ce.MemoryLimit)
	}
	// Another plugin with more room is unaffected and may use more.
	q := loadProbe(t, PluginConfig{ID: 2, Limits: Limits{MemoryBytes: 256 << 20}})
	mustContain(t, act(t, q, "alloc", "64"), "alloc 64 MiB ok")
}

func TestInitialMemoryOverLimitRefused(t *testing.T) {
	_, err := testHost(t).Load(probeCtx(t), probeWasm(t), PluginConfig{ID: 1, Limits: Limits{MemoryBytes: 64 << 10}})
	if !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("load with a tiny memory limit: %v", err)
	}
}

func TestPanicReportsCrash(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1}))
	err := pipeErr(p, t, "panic", "boom")
	ce := expectCrash(t, p, r, err, "probe panicked: boom")
	if ce.Message != "probe panicked: boom" {
		t.Fatalf("message %q", ce.Message)
	}
}

func TestExitIsCrashWithStderrTail(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1}))
	act(t, p, "stderr", "partial:last words")
	err := pipeErr(p, t, "exit", "3")
	expectCrash(t, p, r, err, "plugin 1: exited with code 3 in pipe: last words")
}

func TestGarbageFrames(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Builtin: true}))
	for _, g := range []string{"hello world", "", "[1,2", "[300]\n", "[8,3]]", "[18,5,1]\n", "{}"} {
		mustContain(t, act(t, p, "garbage", g), "garbage survived", "stale=0")
		act(t, p, "clear", "")
	}
	if n := len(r.incidentsOf(IncidentGarbageFrame)); n != 7 {
		t.Fatalf("garbage frames recorded: %d", n)
	}
	if p.Crashed() != nil {
		t.Fatal(p.Crashed())
	}
	mustContain(t, act(t, p, "ids", ""), "ids plugin=1")
}

func TestUndecodableStrictCommandStillReplied(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Builtin: true}))
	// name=7 (OpenTerminal, strict) then a truncated field 7.
	mustContain(t, act(t, p, "raw", "8,7,58,9,1|reply"), `raw reply "[]\r\n"`, "stale=0")
	if len(r.incidentsOf(IncidentGarbageFrame)) != 1 {
		t.Fatal("not recorded")
	}
}

func TestCommandFloodRateLimited(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Limits: Limits{CommandsPerSecond: 100}}))
	f := act(t, p, "flood", "2000")
	var full, empty, missing int
	for _, l := range strings.Split(f, "\n") {
		if strings.HasPrefix(l, "flood ") {
			if _, err := sscanf(l, &full, &empty, &missing); err != nil {
				t.Fatal(err)
			}
		}
	}
	if missing != 0 || full+empty != 2000 || full < 100 || full > 1000 {
		t.Fatalf("flood: full=%d empty=%d missing=%d", full, empty, missing)
	}
	if n := len(r.incidentsOf(IncidentRateLimited)); n != empty {
		t.Fatalf("rate-limited incidents %d, empty replies %d", n, empty)
	}
	if p.Crashed() != nil {
		t.Fatal("flood crashed the plugin")
	}
	if s := p.Stats(); s.Incidents[IncidentRateLimited] != uint64(empty) || s.Commands < 2000 {
		t.Fatalf("stats %+v", s)
	}
}

func sscanf(l string, full, empty, missing *int) (int, error) {
	var n int
	for _, part := range strings.Fields(l)[1:] {
		k, v, _ := strings.Cut(part, "=")
		x := 0
		for _, c := range v {
			x = x*10 + int(c-'0')
		}
		switch k {
		case "full":
			*full = x
		case "empty":
			*empty = x
		case "missing":
			*missing = x
		}
		n++
	}
	return n, nil
}

func TestHugeRenderTruncated(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Limits: Limits{MaxRenderBytes: 1000}}))
	f := act(t, p, "pad", "5000")
	if len(f) != 1000 {
		t.Fatalf("frame of %d bytes", len(f))
	}
	if len(r.incidentsOf(IncidentRenderTruncated)) == 0 {
		t.Fatal("truncation not recorded")
	}
	act(t, p, "pad", "0")
	if f := render(t, p); len(f) >= 1000 || !strings.HasPrefix(f, "rows=24") {
		t.Fatalf("after shrinking: %d bytes", len(f))
	}
}

func TestHugeStderrLineCut(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Limits: Limits{MaxStderrLine: 100}}))
	act(t, p, "stderr", "100000")
	act(t, p, "stderr", "10")
	act(t, p, "stderr", "partial:abc")
	act(t, p, "stderr", "partial:def")
	act(t, p, "stderr", "3")
	lines := r.stderrLines()
	want := []string{strings.Repeat("x", 100), strings.Repeat("x", 10), "abcdefxxx"}
	if len(lines) != len(want) {
		t.Fatalf("stderr lines %d: %q", len(lines), lines)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Fatalf("line %d = %q, want %q", i, lines[i], want[i])
		}
	}
	if len(r.incidentsOf(IncidentStderrTruncated)) != 1 {
		t.Fatal("cut not recorded")
	}
}

func TestConcurrentUse(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Builtin: true, Config: map[string]string{"subscribe": "3,9,10"}}))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				switch i % 5 {
				case 0:
					p.Update(ctxT(t), keyEvent('a'+rune(g)))
				case 1:
					p.Post(event(pluginpb.EventType_Visible))
				case 2:
					p.Render(ctxT(t), 10+g, 20)
				case 3:
					p.Resize(g, i)
				case 4:
					p.Pipe(ctxT(t), &pluginpb.PipeMessage{Name: "post", Payload: strp("echo:ping:x")})
				}
				p.Subscribed(pluginpb.EventType_Key)
				p.Stats()
			}
		}(g)
	}
	wg.Wait()
	if p.Crashed() != nil {
		t.Fatal(p.Crashed())
	}
	mustContain(t, render(t, p), "stale=0")
	// Close while calls are in flight.
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if _, err := p.Update(ctxT(t), keyEvent('z')); err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("update during close: %v", err)
					}
					return
				}
			}
		}()
	}
	time.Sleep(time.Millisecond)
	if err := p.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}
