package wasi

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestTieringDeadlineAfterMove checks that a plugin moved from the
// interpreter (which runs the binary without interrupt checks) to compiled
// code (the binary with them) is still stopped by its call deadline: the
// compiled instance gets the interrupt flag of its own binary.
func TestTieringDeadlineAfterMove(t *testing.T) {
	h := tieringHost(t)
	spin := []byte{0x03, 0x40, 0x0c, 0x00, 0x0b, 0x41, 1, 0x0b} // loop { br 0 }; return 1
	p, err := h.Load(ctxT(t), tinyModule([]string{"_start"}, spin, "frame", true),
		PluginConfig{ID: 1, Limits: Limits{CallTimeout: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctxT(t))
	if e := p.Engine(); e != EngineInterpreter {
		t.Fatalf("started on %s", e)
	}
	if _, err := p.Render(ctxT(t), 1, 10); err != nil {
		t.Fatal(err)
	}
	close(fastGate(h))
	for i := 0; p.Engine() != EngineCompiler; i++ {
		if i > 60000 {
			t.Fatal("never moved to the compiler")
		}
		time.Sleep(time.Millisecond)
	}
	done := make(chan error, 1)
	go func() {
		_, err := p.Update(context.Background(), permResult())
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrCallTimeout) {
			t.Fatalf("update of a runaway loop: %v, want ErrCallTimeout", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the deadline did not stop compiled code after the move")
	}
}
