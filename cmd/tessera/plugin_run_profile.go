package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"
)

// profileEnv names a file to which `plugin run` writes a CPU profile of its
// way to the screen (from the start of the command to the output written),
// and after which it prints the process's CPU time up to that point to
// stderr. For finding what a cold start costs in a real process; not a
// documented flag.
const profileEnv = "TESSERA_PLUGIN_RUN_CPUPROFILE"

// startCPUProfile starts the profile profileEnv asks for and returns the
// function that stops it (safe to call more than once; a no-op without
// the variable). Failures are reported on w and do not stop the run.
func startCPUProfile(w io.Writer) func() {
	path := os.Getenv(profileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(w, "tessera plugin run: %s: %v\n", profileEnv, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(w, "tessera plugin run: %s: %v\n", profileEnv, err)
		f.Close()
		return func() {}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			f.Close()
			var ru syscall.Rusage
			if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
				fmt.Fprintf(w, "tessera plugin run: cpu to screen: user %v system %v\n",
					time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()))
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Fprintf(w, "tessera plugin run: heap: allocated %d MiB, in use %d MiB, from the OS %d MiB, %d GCs\n",
				ms.TotalAlloc>>20, ms.HeapInuse>>20, ms.HeapSys>>20, ms.NumGC)
			if st, err := os.ReadFile("/proc/self/status"); err == nil {
				for _, l := range strings.Split(string(st), "\n") {
					if strings.HasPrefix(l, "VmHWM") || strings.HasPrefix(l, "VmRSS") {
						fmt.Fprintf(w, "tessera plugin run: %s\n", strings.Join(strings.Fields(l), " "))
					}
				}
			}
		})
	}
}
