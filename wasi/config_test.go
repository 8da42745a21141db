package wasi

import (
	"testing"
	"time"
)

func TestInterpretedTimeout(t *testing.T) {
	for _, c := range []struct{ base, want time.Duration }{
		{100 * time.Millisecond, 3 * time.Second},
		{2 * time.Second, time.Minute},         // the call default: 60 s
		{10 * time.Second, MaxInterpretedCall}, // the load default: 300 s capped
		{2 * time.Minute, 2 * time.Minute},     // a limit set above the cap is kept
		{MaxInterpretedCall, MaxInterpretedCall},
	} {
		if got := interpretedTimeout(c.base); got != c.want {
			t.Errorf("interpretedTimeout(%v) = %v, want %v", c.base, got, c.want)
		}
	}
}
