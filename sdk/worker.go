package sdk

import (
	"os"
	"strconv"
	"strings"

	"github.com/tessera-ws/tessera/sdk/pb"
)

// Worker handles messages posted to a named worker of the plugin.
//
// A worker runs in its own instance of the plugin module, with its own
// memory, alongside the main instance: it can do slow work without blocking
// the plugin. The host starts the worker instance but never calls Load in
// it; it calls the worker's export once per message, one message at a time.
// State kept in the Worker value persists from one message to the next.
// Workers answer with PostMessageToPlugin, which reaches the plugin's Update
// as a CustomMessage event (the plugin must subscribe to CustomMessage).
type Worker interface {
	OnMessage(name, payload string)
}

// WorkerFunc adapts a function to the Worker interface.
type WorkerFunc func(name, payload string)

// OnMessage calls f(name, payload).
func (f WorkerFunc) OnMessage(name, payload string) { f(name, payload) }

var workers = map[string]Worker{}

// RegisterWorker registers w as the worker called name. Call it from an init
// function, and export the worker entry point from package main with a
// function that calls RunWorker — the export's name must be name followed by
// "_worker", because that suffix is how the host finds workers:
//
//	func init() { sdk.RegisterWorker("primes", &primeCounter{}) }
//
//	//go:wasmexport primes_worker
//	func primesWorker() { sdk.RunWorker("primes") }
//
// Plugins address the worker as "primes" (PostMessageTo("primes", ...)).
//
// RegisterWorker panics if name is empty, contains characters other than
// ASCII letters, digits and '_', or is already registered, or if w is nil.
func RegisterWorker(name string, w Worker) {
	if w == nil {
		panic("sdk: RegisterWorker with a nil worker")
	}
	if !validWorkerName(name) {
		panic("sdk: invalid worker name " + strconv.Quote(name) + " (use letters, digits and '_')")
	}
	if _, dup := workers[name]; dup {
		panic("sdk: worker " + strconv.Quote(name) + " registered twice")
	}
	workers[name] = w
}

func validWorkerName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// RunWorker serves one message to the worker registered as name. Call it,
// and nothing else, from the worker's export (see RegisterWorker). It reads
// the message line from stdin and calls the worker's OnMessage; a message
// that cannot be read is reported on stderr and skipped. A panic in the
// worker is reported to the host as a crash, as in the plugin's exports.
func RunWorker(name string) {
	guard(name+"_worker", func() { runWorker(name) })
}

func runWorker(name string) {
	w, ok := workers[name]
	if !ok {
		panic(newError("no worker registered as " + strconv.Quote(name) + ": call sdk.RegisterWorker(" + strconv.Quote(name) + ", ...) from an init function"))
	}
	var msg pb.Message
	b, err := readFrame("worker message")
	if err == nil {
		if err = msg.Unmarshal(b); err != nil {
			err = decodeError("worker message", err)
		}
	}
	if err != nil {
		// Like the Rust workers: a message that cannot be decoded is
		// reported and dropped, and the worker stays alive.
		os.Stderr.WriteString("worker " + name + ": " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n")
		return
	}
	w.OnMessage(msg.GetName(), msg.GetPayload())
}
