package tiering

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// loopShapes is a hand-written module with the loop shapes the interrupt
// checks must stop or preserve:
//
//   - short(n i32) -> i32: a loop of n passes (n-1 back edges), returns max(n, 1);
//   - calls(): an endless loop that calls short(3), so most back edges are
//     in short activations whose counter local starts afresh every call;
//   - nest(): an endless loop around three nested loops of two passes each;
//   - calc(n i32, m i64) -> i64: nested loops over parameters and two
//     groups of locals, so a counter local at a wrong index would change
//     the result (or fail validation);
//   - chain(): an endless loop whose every pass calls short(2) two calls
//     deep (through hop2 and hop, which have no loops).
func loopShapes() []byte {
	i32, i64 := byte(0x7f), byte(0x7e)
	inc := func(l byte, limit byte) []byte { // l += 1; br_if 0 (l < limit)
		return []byte{0x20, l, 0x41, 0x01, 0x6a, 0x22, l, 0x41, limit, 0x49, 0x0d, 0x00}
	}
	short := body([]byte{0x01, 0x01, i32},
		[]byte{0x03, 0x40, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x22, 0x01, 0x20, 0x00, 0x49, 0x0d, 0x00, 0x0b},
		[]byte{0x20, 0x01, 0x0b})
	calls := body([]byte{0x00},
		[]byte{0x03, 0x40, 0x41, 0x03, 0x10, 0x00, 0x1a, 0x0c, 0x00, 0x0b, 0x0b})
	nest := body([]byte{0x01, 0x03, i32},
		[]byte{0x03, 0x40, 0x41, 0x00, 0x21, 0x00},  // loop L0: a = 0
		[]byte{0x03, 0x40, 0x41, 0x00, 0x21, 0x01},  //   loop L1: b = 0
		[]byte{0x03, 0x40, 0x41, 0x00, 0x21, 0x02},  //     loop L2: c = 0
		[]byte{0x03, 0x40}, inc(2, 2), []byte{0x0b}, //       loop L3: c++ while c < 2
		inc(1, 2), []byte{0x0b}, //     b++ while b < 2
		inc(0, 2), []byte{0x0b}, //   a++ while a < 2
		[]byte{0x0c, 0x00, 0x0b, 0x0b}) // br L0
	// calc: locals 2 i32 (i = 2, j = 3), 1 i64 (acc = 4).
	calc := body([]byte{0x02, 0x02, i32, 0x01, i64},
		[]byte{0x03, 0x40, 0x41, 0x00, 0x21, 0x03}, // loop A: j = 0
		[]byte{0x03, 0x40},                         // loop B
		[]byte{0x20, 0x04, 0x20, 0x01, 0x7e, 0x20, 0x02, 0x20, 0x03, 0x6a, 0xad, 0x7c, 0x21, 0x04}, // acc = acc*m + u64(i+j)
		inc(3, 3), []byte{0x0b}, // j++ while j < 3
		[]byte{0x20, 0x02, 0x41, 0x01, 0x6a, 0x22, 0x02, 0x20, 0x00, 0x49, 0x0d, 0x00, 0x0b}, // i++ while i < n
		[]byte{0x20, 0x04, 0x0b})
	hop := body([]byte{0x00}, []byte{0x41, 0x02, 0x10, 0x00, 0x0b})                           // short(2)
	chain := body([]byte{0x00}, []byte{0x03, 0x40, 0x10, 0x05, 0x1a, 0x0c, 0x00, 0x0b, 0x0b}) // loop { drop(hop2()) }
	hop2 := body([]byte{0x00}, []byte{0x10, 0x04, 0x0b})                                      // hop()
	return cat(wasmHeader,
		sec(secType, vec(
			[]byte{0x60, 0x01, i32, 0x01, i32},      // t0 (i32) -> i32
			[]byte{0x60, 0x00, 0x00},                // t1 () -> ()
			[]byte{0x60, 0x02, i32, i64, 0x01, i64}, // t2 (i32, i64) -> i64
			[]byte{0x60, 0x00, 0x01, i32},           // t3 () -> i32
		)),
		sec(secFunction, vec([]byte{0}, []byte{1}, []byte{1}, []byte{2}, []byte{3}, []byte{3}, []byte{1})),
		sec(secMemory, vec([]byte{0x00, 0x01})),
		sec(secExport, vec(
			cat(str("short"), []byte{0x00, 0x00}),
			cat(str("calls"), []byte{0x00, 0x01}),
			cat(str("nest"), []byte{0x00, 0x02}),
			cat(str("calc"), []byte{0x00, 0x03}),
			cat(str("chain"), []byte{0x00, 0x06}),
		)),
		sec(secCode, vec(short, calls, nest, calc, hop, hop2, chain)))
}

// TestRewriteInterruptPreservesLoops checks that the counter local added
// to functions with loops changes no result, on both engines, for loops
// shorter and longer than one counter chunk and than the whole budget.
func TestRewriteInterruptPreservesLoops(t *testing.T) {
	ctx := context.Background()
	plain, _, err := ExportState(loopShapes())
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := Rewrite(loopShapes(), Options{Interrupt: true})
	if err != nil {
		t.Fatal(err)
	}
	interp, comp := newRuntimes(t)
	for _, r := range []wazero.Runtime{interp, comp} {
		mp, err := r.InstantiateWithConfig(ctx, plain, wazero.NewModuleConfig().WithName(""))
		if err != nil {
			t.Fatal(err)
		}
		mi, err := r.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithName(""))
		if err != nil {
			t.Fatalf("instantiate rewritten: %v", err)
		}
		for _, n := range []uint64{0, 1, 2, counterChunk - 1, counterChunk, counterChunk + 1, 3*counterChunk*checkBudget + 7} {
			if x, y := mustCall(t, mi, "short", n)[0], mustCall(t, mp, "short", n)[0]; x != y {
				t.Errorf("short(%d) = %d with checks, %d without", n, x, y)
			}
			if n > 100000 {
				n /= 3 // calc runs 3n passes
			}
			if x, y := mustCall(t, mi, "calc", n, 6364136223846793005)[0], mustCall(t, mp, "calc", n, 6364136223846793005)[0]; x != y {
				t.Errorf("calc(%d) = %d with checks, %d without", n, x, y)
			}
		}
	}
}

// TestInterruptLoopShapes stops endless loops of every shape in
// loopShapes on the compiler while another goroutine collects garbage in
// a loop: the call must end, which needs both the flag check and the
// regular exits to Go (without them the collector's stop-the-world would
// wait for the loop forever and the timer raising the flag would never
// run). "flag" raises only the flag, so the budget must drain by itself;
// "interrupter" uses Interrupter, which also shortens the budget.
func TestInterruptLoopShapes(t *testing.T) {
	ctx := context.Background()
	out, info, err := Rewrite(loopShapes(), Options{Interrupt: true})
	if err != nil {
		t.Fatal(err)
	}
	_, comp := newRuntimes(t)
	cm, err := comp.CompileModule(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
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
	for _, fn := range []string{"calls", "nest", "chain"} {
		for _, how := range []string{"flag", "interrupter"} {
			t.Run(fn+"/"+how, func(t *testing.T) {
				m, err := comp.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName(""))
				if err != nil {
					t.Fatal(err)
				}
				defer m.Close(ctx)
				var raise func()
				if how == "flag" {
					flag := m.ExportedGlobal(info.Globals[info.interrupt].Export).(api.MutableGlobal)
					raise = func() { flag.Set(1) }
				} else if raise, err = Interrupter(m, info); err != nil {
					t.Fatal(err)
				}
				timer := time.AfterFunc(20*time.Millisecond, raise)
				defer timer.Stop()
				done := make(chan error, 1)
				go func() {
					_, err := m.ExportedFunction(fn).Call(ctx)
					done <- err
				}()
				select {
				case err := <-done:
					if err == nil || !strings.Contains(err.Error(), "unreachable") {
						t.Fatalf("%s returned %v, want an unreachable trap", fn, err)
					}
				case <-time.After(2 * time.Minute): // a hang, not a speed limit
					t.Fatalf("%s still running two minutes after the flag was raised", fn)
				}
			})
		}
	}
}
