package daemon

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPprofOptIn(t *testing.T) {
	for _, on := range []bool{false, true} {
		if on {
			t.Setenv(PprofEnv, "1")
		} else {
			t.Setenv(PprofEnv, "")
		}
		mux := http.NewServeMux()
		if got := handlePprof(mux); got != on {
			t.Fatalf("%s=%v: handlers added %v", PprofEnv, on, got)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", "/debug/pprof/heap?debug=1", nil))
		if on && (rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "HeapAlloc")) {
			t.Fatalf("heap profile: %d %.200s", rec.Code, rec.Body.String())
		}
		if !on && rec.Code != http.StatusNotFound {
			t.Fatalf("profiles served without %s: %d", PprofEnv, rec.Code)
		}
	}
}
