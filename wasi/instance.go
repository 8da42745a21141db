package wasi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/frame"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi/internal/tiering"
)

var osGetpid = os.Getpid

// instance is one wasm instance of a plugin: the main one or a worker. Only
// its owning goroutine touches it (the actor, or the worker's goroutine);
// host calls made by the guest run on that goroutine too.
type instance struct {
	p          *Plugin
	worker     string
	mod        api.Module
	mem        *memoryAllocator
	ctx        context.Context // carries the instance for host calls
	engine     Engine          // what mod runs on: EngineCompiler or EngineInterpreter
	moveFailed bool            // tiering: the move to compiled code failed

	// With interrupt deadlines: raises mod's interrupt flag (any goroutine),
	// the deadline timer, and whether it fired.
	interrupt atomic.Pointer[func()]
	timer     *time.Timer
	timedOut  atomic.Bool
	deadline  time.Time  // of the call in progress, for dispatchers
	raiseMu   sync.Mutex // serialises raises (they write the flag global)
	raised    bool

	stdin  inPipe
	stdout outPipe
	stderr stderrLines

	fnUpdate, fnPipe, fnRender api.Function

	stack     []uint64
	bucket    tokenBucket
	cmdBuf    []byte // decoded command bytes
	msgBuf    []byte // marshalled reply or event
	crashText string // from ReportCrash
	// unsupported is set by a host command that is not available here,
	// for its activity.
	unsupported string
	scratch     pluginpb.PluginCommand
}

const workerQueue = 256

// worker is a worker instance and its message queue.
type worker struct {
	name  string
	inst  *instance
	fn    api.Function
	queue chan *pluginpb.Message
	swap  chan struct{} // asks the worker goroutine to move its instance
}

// call runs one export with a deadline. Any failure is a crash of the
// plugin (or ErrClosed while closing).
func (in *instance) call(fn api.Function, name string, timeout time.Duration, params ...uint64) (uint64, error) {
	p := in.p
	if fn == nil {
		return 0, fmt.Errorf("plugin %d: export %s missing", p.cfg.ID, name)
	}
	in.stack[0], in.stack[1] = 0, 0
	copy(in.stack, params)
	if in.engine == EngineInterpreter {
		// Interpreted code is tens of times slower: a deadline sized for
		// compiled code would kill a plugin that merely runs on the
		// interpreter (EngineAuto before its compile is done).
		timeout = interpretedTimeout(timeout)
	}
	start := time.Now()
	in.deadline = start.Add(timeout)
	// An exit is explained by the stderr line being written or by one
	// this call completed, not by a line an earlier call completed.
	stderrLines := in.stderr.nlast
	var err error
	if in.interrupt.Load() != nil {
		in.timedOut.Store(false)
		if in.timer == nil {
			in.timer = time.AfterFunc(timeout, in.fire)
		} else {
			in.timer.Reset(timeout)
		}
		err = fn.CallWithStack(in.ctx, in.stack)
		if !in.timer.Stop() && err == nil {
			// The deadline fired as the call returned: the flag is raised
			// and would stop the next call, so this one counts as late.
			in.timedOut.Store(true)
			err = errors.New("call ended at its deadline")
		}
	} else {
		ctx, cancel := context.WithTimeout(in.ctx, timeout)
		err = fn.CallWithStack(ctx, in.stack)
		cancel()
	}
	p.calls.Add(1)
	p.callTimes.add(time.Since(start))
	if err == nil {
		return in.stack[0], nil
	}
	if p.closed.Load() {
		return 0, ErrClosed
	}
	if c := p.crash.Load(); c != nil {
		return 0, c // stopped because another instance crashed
	}
	ce := &CrashError{Plugin: p.cfg.ID, Worker: in.worker, Call: name, Stderr: in.stderr.tail(), Err: err}
	var ee *sys.ExitError
	if in.timedOut.Load() {
		ce.Timeout, ce.Err = timeout, fmt.Errorf("%w after %v: %w", ErrCallTimeout, timeout, err)
	} else if errors.As(err, &ee) {
		switch ee.ExitCode() {
		case sys.ExitCodeDeadlineExceeded:
			ce.Timeout, ce.Err = timeout, fmt.Errorf("%w after %v", ErrCallTimeout, timeout)
		case sys.ExitCodeContextCanceled:
			ce.Err = fmt.Errorf("interrupted: %w", err)
		default:
			ce.Err = fmt.Errorf("guest exited with code %d: %w", ee.ExitCode(), err)
		}
	}
	if in.mem.denied() {
		ce.Timeout, ce.MemoryLimit = 0, in.mem.limit
		ce.Err = fmt.Errorf("%w (%d bytes): %w", ErrMemoryLimit, in.mem.limit, ce.Err)
	}
	ce.Message = crashMessage(in.crashText)
	if ce.Message == "" {
		ce.Message = in.stderr.why
	}
	if ce.Message == "" && ce.Timeout == 0 && ce.MemoryLimit == 0 && ee != nil &&
		(in.stderr.nlast > stderrLines || len(in.stderr.partial) > 0) {
		// A guest that exits says why on stderr, last.
		ce.Message = firstLine(in.stderr.lastWords())
	}
	return 0, p.crashed(ce)
}

// setInterrupt arms interrupt deadlines when cm runs interruptible
// compiled code (see tiering.Interrupter); otherwise calls use a context.
func (in *instance) setInterrupt(cm *compiled) {
	in.raiseMu.Lock()
	defer in.raiseMu.Unlock()
	in.raised = false
	if cm.tinfo == nil || cm.eng != in.p.h.eng || in.p.h.deadline != deadlineInterrupt {
		in.interrupt.Store(nil)
		return
	}
	f, err := tiering.Interrupter(in.mod, cm.tinfo)
	if err != nil {
		in.p.log.Error("no interrupter", "err", err)
		in.interrupt.Store(nil)
		return
	}
	in.interrupt.Store(&f)
}

// fire is the deadline timer's function.
func (in *instance) fire() {
	in.timedOut.Store(true)
	in.raiseInterrupt()
}

// raiseInterrupt stops the call running on the instance (and every later
// one): the instance is dead afterwards. Safe from any goroutine.
func (in *instance) raiseInterrupt() {
	in.raiseMu.Lock()
	defer in.raiseMu.Unlock()
	if f := in.interrupt.Load(); f != nil && !in.raised {
		in.raised = true
		(*f)()
	}
}

// writeMessage appends m as one framed line to the guest's stdin.
func (in *instance) writeMessage(m proto.Message) error {
	var err error
	in.msgBuf, err = proto.MarshalOptions{}.MarshalAppend(in.msgBuf[:0], m)
	if err != nil {
		return fmt.Errorf("plugin %d: marshal %T: %w", in.p.cfg.ID, m, err)
	}
	in.stdin.buf = frame.AppendLine(in.stdin.buf, in.msgBuf)
	return nil
}

// writeInput starts a call that carries one input line (configuration,
// event, pipe message, worker message). Anything the guest left unread from
// earlier calls is dropped first: it would otherwise be read as this call's
// line and corrupt the stream, and a guest that never reads would make the
// buffer grow without bound.
func (in *instance) writeInput(m proto.Message) error {
	if in.stdin.pending() > 0 {
		in.p.log.Debug("dropping unread stdin", "worker", in.worker, "bytes", in.stdin.pending())
	}
	in.stdin.reset()
	return in.writeMessage(m)
}

// writeEmpty appends the empty message line `[]`.
func (in *instance) writeEmpty() {
	in.stdin.buf = append(in.stdin.buf, frame.EmptyLine...)
}

// runWorker serves one worker's queue until the plugin stops or crashes.
func (p *Plugin) runWorker(w *worker) {
	defer p.wg.Done()
	for {
		select {
		case <-p.stop:
			return
		case <-w.swap:
			p.moveInstance(w.inst, w)
		case m := <-w.queue:
			served := p.serveWorker(w, m)
			p.workerDone()
			if served && w.inst.engine != p.h.eng.kind && p.swapWant.Load() {
				p.moveInstance(w.inst, w) // retry a move that had to wait
			}
		}
	}
}

// serveWorker delivers one message to a worker; false if it could not.
func (p *Plugin) serveWorker(w *worker, m *pluginpb.Message) bool {
	if p.crash.Load() != nil {
		return false // drain; the plugin is dead
	}
	in := w.inst
	if err := in.writeInput(m); err != nil {
		p.log.Error("worker message", "worker", w.name, "err", err)
		return false
	}
	in.call(w.fn, w.name+"_worker", p.lim.CallTimeout)
	// Nothing reads a worker's stdout; text printed outside a
	// command is dropped after each message.
	in.stdout.buf = in.stdout.buf[:0]
	in.stdout.overflow = 0
	return true
}

// postToWorker queues a message for a worker without blocking.
func (p *Plugin) postToWorker(from *instance, name string, m *pluginpb.Message) {
	w, ok := p.workers[name]
	if !ok {
		p.incident(Incident{Kind: IncidentBadCommand, Worker: from.worker, Command: pluginpb.CommandName_PostMessageTo,
			Detail: fmt.Sprintf("no worker %q (workers: %v)", name, p.cm.info.workers)})
		return
	}
	p.workerPosted()
	select {
	case w.queue <- m:
	default:
		p.workerDone()
		p.incident(Incident{Kind: IncidentQueueFull, Worker: from.worker, Command: pluginpb.CommandName_PostMessageTo,
			Detail: fmt.Sprintf("worker %q queue full: message %q dropped", name, m.GetName())})
	}
}
