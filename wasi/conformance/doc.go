// Package conformance checks the plugin host and the standalone runner
// against guests that behave like plugins built with zellij-tile, only
// stricter (testdata/guests/zellijlike): they read exactly one stdin line
// where zellij-tile reads one, convert events with zellij-tile's rules and
// crash on anything those rules reject. The package holds tests only.
package conformance
