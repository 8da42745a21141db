// Package tiering moves a live WebAssembly instance from one wazero engine
// to another, so a plugin can start at once on the interpreter (which
// compiles a module in about a tenth of the time) and continue on compiled
// code once a background compilation has finished.
//
// The state of an instance between two guest calls is its linear memory,
// its mutable globals and its tables. ExportState rewrites a binary so every
// global is reachable through wazero's API and reports whether the module
// keeps state that cannot be carried (a table its code mutates, a mutable
// reference or v128 global, an imported or shared memory, a start section).
// Capture and Restore (or Transfer, which skips the intermediate copy) move
// memory and globals between two instances of the same rewritten binary.
//
// The host's part of a move:
//
//   - run the rewritten binary on both engines (one wazero.Runtime each,
//     each with the same host modules);
//   - move only between guest calls, when no host call is pending;
//   - instantiate the target with ModuleConfig.WithStartFunctions() so that
//     neither _start nor _initialize runs a second time, and with the same
//     stdin, stdout, stderr, environment and mounts as the source;
//   - move only when the guest holds no open files or directories other
//     than the preopens (the WASI descriptor table is not carried);
//   - close the source instance afterwards.
package tiering
