package sdk

import (
	"runtime"
)

// trapped is the panic value of trap where WebAssembly traps are not
// available (tests on the build machine). guard lets it through.
type trapped struct{}

// maxCrashMessage bounds the text sent with ReportCrash; the stack trace is
// cut to fit.
const maxCrashMessage = 8 << 10

// guard runs f, the body of an export. If f panics, the host is told with a
// ReportCrash command carrying the panic value and the stack, and the
// instance then traps, so the host sees a crash with a message — as with
// Rust plugins, whose panic hook does the same.
func guard(export string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(trapped); ok {
				panic(r)
			}
			crash(crashMessage(export, r, stack()))
		}
	}()
	f()
}

func crashMessage(export string, r any, stack []byte) string {
	msg := "panic in " + export + ": " + describe(r) + "\n\n"
	if room := maxCrashMessage - len(msg); room > 0 {
		if len(stack) > room {
			stack = append(stack[:room:room], "\n..."...)
		}
		msg += string(stack)
	}
	return msg
}

// crash reports msg to the host and traps. It does not return.
func crash(msg string) {
	_ = host.send(AppendFrame(nil, reportCrash(msg)))
	trap()
}

// stack returns the calling goroutine's stack trace (runtime/debug.Stack
// would do, but links package fmt).
func stack() []byte {
	buf := make([]byte, 16<<10)
	return buf[:runtime.Stack(buf, false)]
}
