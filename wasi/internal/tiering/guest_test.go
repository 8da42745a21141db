package tiering

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// statefulGuest builds the stateful Go guest and rewrites it.
func statefulGuest(t testing.TB) (orig, out []byte, info *ModuleInfo) {
	return statefulGuestWith(t, Options{})
}

// statefulGuestWith is statefulGuest with rewrite options.
func statefulGuestWith(t testing.TB, opt Options) (orig, out []byte, info *ModuleInfo) {
	t.Helper()
	p, err := guestbuild.BuildPath("testdata/guests/stateful")
	if err != nil {
		t.Fatalf("build guest: %v", err)
	}
	orig, err = os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	out, info, err = Rewrite(orig, opt)
	if err != nil {
		t.Fatalf("rewrite: %v", err)
	}
	// The tests' compiler runtimes find it in testCache's directory.
	if err := guestbuild.PrecompileWazero(out, false); err != nil {
		t.Fatal(err)
	}
	return orig, out, info
}

// testCache shares compiled modules between the tests' runtimes, and with
// later runs on disk: statefulGuestWith compiles the Go guest there without
// the race detector (a cold compile under -race takes minutes).
var testCache = diskCache()

func diskCache() wazero.CompilationCache {
	c, err := wazero.NewCompilationCacheWithDir(guestbuild.WazeroCacheDir())
	if err != nil {
		return wazero.NewCompilationCache()
	}
	return c
}

// wasiRuntime returns a runtime of the given configuration with WASI,
// sharing testCache.
func wasiRuntime(t testing.TB, cfg wazero.RuntimeConfig) wazero.Runtime {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, cfg.WithCompilationCache(testCache))
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	t.Cleanup(func() { r.Close(ctx) })
	return r
}

// guestConfig is the module configuration a host would use; fresh selects
// whether the reactor's _initialize runs (first start) or not (a move).
func guestConfig(stderr *bytes.Buffer, fresh bool) wazero.ModuleConfig {
	cfg := wazero.NewModuleConfig().WithName("").WithStderr(stderr).WithStdout(stderr)
	if fresh {
		return cfg.WithStartFunctions("_initialize")
	}
	return cfg.WithStartFunctions()
}

func TestGoGuestInfo(t *testing.T) {
	_, _, info := statefulGuest(t)
	if ok, why := info.Migratable(); !ok {
		t.Fatalf("Go guest not migratable: %s", why)
	}
	if info.Memory == nil || info.Memory.Imported || info.Tables != 1 {
		t.Fatalf("memory %+v, tables %d", info.Memory, info.Tables)
	}
	mutable := 0
	for _, g := range info.Globals {
		if g.Mutable {
			mutable++
		}
	}
	if mutable == 0 {
		t.Fatal("no mutable globals found in a Go module (expected SP and friends)")
	}
	t.Logf("globals %d (mutable %d), memory min %d pages, data.drop %v",
		len(info.Globals), mutable, info.Memory.MinPages, info.UsesDataDrop)
}

// TestGoGuestMigration runs the stateful Go guest for a while on one
// engine, moves it (several times, both ways) and checks that every result
// matches a run that never moved.
func TestGoGuestMigration(t *testing.T) {
	t.Run("exports", func(t *testing.T) { testGoGuestMigration(t, Options{}) })
	t.Run("interrupt", func(t *testing.T) { testGoGuestMigration(t, Options{Interrupt: true}) })
}

func testGoGuestMigration(t *testing.T, opt Options) {
	ctx := context.Background()
	_, out, info := statefulGuestWith(t, opt)
	interp := wasiRuntime(t, wazero.NewRuntimeConfigInterpreter())
	comp := wasiRuntime(t, wazero.NewRuntimeConfigCompiler())
	icm, err := interp.CompileModule(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	ccm, err := comp.CompileModule(ctx, out)
	if err != nil {
		t.Fatal(err)
	}

	const steps = 120
	var refErr bytes.Buffer
	ref, err := comp.InstantiateModule(ctx, ccm, guestConfig(&refErr, true))
	if err != nil {
		t.Fatalf("instantiate reference: %v (%s)", err, refErr.String())
	}
	want := make([]uint64, steps)
	for i := range want {
		want[i] = mustCall(t, ref, "step", uint64(i))[0]
	}
	wantWork := mustCall(t, ref, "work", 3)[0]

	var stderr bytes.Buffer
	cur, err := interp.InstantiateModule(ctx, icm, guestConfig(&stderr, true))
	if err != nil {
		t.Fatalf("instantiate: %v (%s)", err, stderr.String())
	}
	// Move at these steps, alternating engines; the last move goes to the
	// compiler. Alternate between Capture+Restore and Transfer.
	moves := map[int]bool{30: true, 55: true, 80: true}
	onCompiler := false
	startPages := cur.Memory().Size() / pageSize
	for i := 0; i < steps; i++ {
		if moves[i] {
			rt, cm := comp, ccm
			if onCompiler {
				rt, cm = interp, icm
			}
			next, err := rt.InstantiateModule(ctx, cm, guestConfig(&stderr, false))
			if err != nil {
				t.Fatalf("instantiate target at step %d: %v", i, err)
			}
			if i == 55 {
				err = Transfer(ctx, cur, next, info)
			} else {
				var snap *Snapshot
				if snap, err = Capture(ctx, cur, info); err == nil {
					err = Restore(ctx, next, info, snap)
				}
			}
			if err != nil {
				t.Fatalf("move at step %d: %v", i, err)
			}
			cur.Close(ctx)
			cur = next
			onCompiler = !onCompiler
		}
		got := mustCall(t, cur, "step", uint64(i))[0]
		if got != want[i] {
			t.Fatalf("step %d = %#x after moving, want %#x (stderr: %s)", i, got, want[i], stderr.String())
		}
	}
	if !onCompiler {
		t.Fatal("test ends on the interpreter; expected the compiler")
	}
	if got := mustCall(t, cur, "work", 3)[0]; got != wantWork {
		t.Errorf("work = %#x, want %#x", got, wantWork)
	}
	if got := mustCall(t, cur, "history_len")[0]; got != steps {
		t.Errorf("history_len = %d, want %d", got, steps)
	}
	endPages := cur.Memory().Size() / pageSize
	if endPages <= startPages {
		t.Errorf("memory did not grow (%d pages → %d): the test should cover growth across moves", startPages, endPages)
	}
	if endPages != ref.Memory().Size()/pageSize {
		t.Errorf("memory %d pages, reference %d", endPages, ref.Memory().Size()/pageSize)
	}
	t.Logf("memory %d → %d pages", startPages, endPages)
}

// TestGoGuestUnmovedControl checks that the comparison above can fail: a
// moved instance that misses its globals diverges or crashes.
func TestGoGuestUnmovedControl(t *testing.T) {
	ctx := context.Background()
	_, out, info := statefulGuest(t)
	comp := wasiRuntime(t, wazero.NewRuntimeConfigCompiler())
	var stderr bytes.Buffer
	a, err := comp.InstantiateWithConfig(ctx, out, guestConfig(&stderr, true))
	if err != nil {
		t.Fatal(err)
	}
	b, err := comp.InstantiateWithConfig(ctx, out, guestConfig(&stderr, false))
	if err != nil {
		t.Fatal(err)
	}
	var want uint64
	for i := 0; i < 10; i++ {
		want = mustCall(t, a, "step", uint64(i))[0]
	}
	snap, err := Capture(ctx, a, info)
	if err != nil {
		t.Fatal(err)
	}
	snap.Globals = make([]uint64, len(snap.Globals)) // drop the globals
	if err := Restore(ctx, b, info, snap); err != nil {
		t.Fatal(err)
	}
	next := mustCall(t, a, "step", 10)[0]
	res, err := b.ExportedFunction("step").Call(ctx, 10)
	if err == nil && res[0] == next {
		t.Fatalf("instance with zeroed globals still produced %#x (last %#x): the migration test cannot fail", res[0], want)
	}
}

// TestInterruptGoGuest ends a runaway call of the Go guest on the compiler
// by raising the interrupt flag from a timer goroutine.
func TestInterruptGoGuest(t *testing.T) {
	ctx := context.Background()
	_, out, info := statefulGuestWith(t, Options{Interrupt: true})
	comp := wasiRuntime(t, wazero.NewRuntimeConfigCompiler())
	var stderr bytes.Buffer
	m, err := comp.InstantiateWithConfig(ctx, out, guestConfig(&stderr, true))
	if err != nil {
		t.Fatal(err)
	}
	raise, err := Interrupter(m, info)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		mustCall(t, m, "step", uint64(i)) // runs normally while the flag is down
	}
	// The garbage collector stops the world while the guest spins: a check
	// that never leaves compiled code would deadlock the process here (the
	// timer goroutine could not run until the spinning goroutine yields).
	stop := make(chan struct{})
	gcDone := make(chan struct{})
	go func() {
		defer close(gcDone)
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
				time.Sleep(time.Millisecond)
			}
		}
	}()
	defer func() { close(stop); <-gcDone }()
	timer := time.AfterFunc(50*time.Millisecond, raise)
	defer timer.Stop()
	_, err = m.ExportedFunction("spin").Call(ctx, 1<<62) // ~centuries without the interrupt
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("spin returned %v, want an unreachable trap", err)
	}
	if _, err := Interrupter(m, &ModuleInfo{}); err == nil {
		t.Error("Interrupter accepted a module without the flag")
	}
}

// TestCloseDoesNotStopCompiledLoop records the wazero behaviour that makes
// the interrupt flag necessary: without WithCloseOnContextDone, closing a
// module from another goroutine does not end a loop running on the
// compiler (nothing in the compiled code looks at the module's state).
// The flag then ends the call, so the test leaves nothing running.
func TestCloseDoesNotStopCompiledLoop(t *testing.T) {
	ctx := context.Background()
	out, info, err := Rewrite(tightLoop(), Options{Interrupt: true})
	if err != nil {
		t.Fatal(err)
	}
	comp := wasiRuntime(t, wazero.NewRuntimeConfigCompiler())
	m, err := comp.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	raise, err := Interrupter(m, info)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := m.ExportedFunction("loop").Call(ctx, 1<<62)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := m.CloseWithExitCode(ctx, 2); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Logf("wazero now observes close in compiled loops (call returned %v): WithCloseOnContextDone-free deadlines may not need the flag", err)
	case <-time.After(300 * time.Millisecond):
		raise()
		if err := <-done; err == nil {
			t.Fatal("loop returned without error after the interrupt")
		}
	}
}
