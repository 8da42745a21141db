//go:build unix

package config

import (
	"syscall"
	"time"
)

// processCPU is the user+system CPU time of the process so far: a figure
// that, unlike wall time, does not grow when other processes share the CPUs.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
