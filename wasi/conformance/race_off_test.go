//go:build !race

package conformance

// raceEnabled is true under the race detector.
const raceEnabled = false
