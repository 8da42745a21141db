package daemon

import (
	"net/http"
	"net/http/pprof"
	"os"
)

// PprofEnv names the environment variable that, set to 1 in the daemon's
// environment, serves Go's runtime profiles on the control socket under
// /debug/pprof/ (heap, goroutine, profile?seconds=N, ...). The socket is
// the daemon's user's alone, so this exposes nothing to other users; it
// is off by default because a CPU profile slows the daemon while it runs.
// Read one with curl:
//
//	curl --unix-socket "$XDG_RUNTIME_DIR/tessera/NAME.sock" \
//	    -o heap.pb.gz http://tessera/debug/pprof/heap
//	go tool pprof -sample_index=inuse_space heap.pb.gz
const PprofEnv = "TESSERA_PPROF"

// handlePprof adds the profile handlers to mux when PprofEnv is 1.
func handlePprof(mux *http.ServeMux) bool {
	if os.Getenv(PprofEnv) != "1" {
		return false
	}
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return true
}
