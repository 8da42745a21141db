package daemon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"connectrpc.com/connect"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

// CLI pipes (`tessera pipe`, the Pipe RPC). Each line of the client is one
// pipe message with the pipe's id as cli_source_id. A line is released once
// every plugin that got it has released it: it finished processing it
// without blocking the pipe (PipeDone, Blocked false), or, having blocked
// it, unblocked it later (PipeUnblock). Only then does the next line go
// out to plugins. The client may send a few lines ahead (they wait in the
// pipe's queue) and reads on as lines are released: back-pressure from
// the slowest plugin to the shell pipeline. What plugins write with cli_pipe_output goes back to
// the client as it comes. A recipient that goes away (crash, close) while
// it holds a line ends the pipe with an error naming it.

// pipeTable is the daemon's pipes: CLI pipes by id (loop-owned) and the
// couriers that deliver messages (guarded by their own lock).
type pipeTable struct {
	byID     map[string]*cliPipe
	couriers couriers
}

// cliPipe is one CLI pipe. Loop-owned, except out.
type cliPipe struct {
	id     string
	name   string
	target *pipeTarget // nil: broadcast
	args   []*pluginpb.Arg
	sess   string // the session a plugin is loaded in ("" the first)

	queue   []*controlv1.PipeLine // lines received, not sent yet
	sent    uint64                // lines sent to plugins
	busy    bool                  // the last line sent is not released yet
	holders map[*pane]*pipeHolder // recipients still holding it
	to      []string              // their addresses
	ended   bool                  // the client closed its side
	loaded  *pane                 // the plugin this pipe loaded, if any
	done    bool

	out *pipeOut
}

// pipeHolder is a recipient of the line in flight.
type pipeHolder struct {
	plugin uint32 // the instance's id when it got the line
	inCall bool   // its pipe call has not reported PipeDone yet
}

// pipeOut is what goes back to the client, in order; the handler sends it.
// It guards itself.
type pipeOut struct {
	mu     sync.Mutex
	items  []*controlv1.PipeResponse
	bytes  int // of plugin output in items
	err    error
	closed bool
	kick   chan struct{}
}

// pipeOutputMax bounds the plugin output a pipe holds for a client that
// does not read it (stopped, or slower than the plugin writes): past it the
// pipe ends with an error rather than grow the daemon without bound.
const pipeOutputMax = 16 << 20

func newPipeOut() *pipeOut { return &pipeOut{kick: make(chan struct{}, 1)} }

func (o *pipeOut) push(r *controlv1.PipeResponse) {
	o.mu.Lock()
	if !o.closed {
		o.items = append(o.items, r)
		o.bytes += len(r.Output)
	}
	o.mu.Unlock()
	o.wake()
}

// finish ends the stream after what is queued, with err (nil: success).
func (o *pipeOut) finish(err error) {
	o.mu.Lock()
	if !o.closed {
		o.closed, o.err = true, err
	}
	o.mu.Unlock()
	o.wake()
}

func (o *pipeOut) wake() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// take returns what is queued, and whether the stream is finished (then
// with its error).
func (o *pipeOut) take() (items []*controlv1.PipeResponse, finished bool, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	items, o.items, o.bytes = o.items, nil, 0
	return items, o.closed, o.err
}

// pending returns how many bytes of plugin output wait for the client.
func (o *pipeOut) pending() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.bytes
}

// pipeSendMax bounds the output of one message to a pipe's client, well
// under the transport's message size limit.
const pipeSendMax = 1 << 20

// sendPipeItems sends items in order, merged into messages whose output is
// at most pipeSendMax bytes, cut at character boundaries.
func sendPipeItems(send func(*controlv1.PipeResponse) error, items []*controlv1.PipeResponse) error {
	var msg *controlv1.PipeResponse
	var out strings.Builder
	flush := func() error {
		if msg == nil {
			return nil
		}
		msg.Output = out.String()
		out.Reset()
		err := send(msg)
		msg = nil
		return err
	}
	for _, it := range items {
		rest := it.Output
		for {
			if msg != nil && out.Len()+len(rest) > pipeSendMax {
				n := pipeSendMax - out.Len()
				for n > 0 && n < len(rest) && !utf8.RuneStart(rest[n]) {
					n--
				}
				if n == 0 && out.Len() == 0 {
					n = pipeSendMax // not UTF-8: cut anywhere
				}
				out.WriteString(rest[:n])
				rest = rest[n:]
				if err := flush(); err != nil {
					return err
				}
			}
			if msg == nil {
				msg = &controlv1.PipeResponse{}
			}
			if len(rest) <= pipeSendMax-out.Len() {
				out.WriteString(rest)
				break
			}
		}
		if it.Released != nil {
			msg.Released = it.Released
		}
	}
	return flush()
}

func newPipeID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Pipe serves a CLI pipe.
func (a *api) Pipe(ctx context.Context, st *connect.BidiStream[controlv1.PipeRequest, controlv1.PipeResponse]) error {
	d := a.d
	first, err := st.Receive()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return cerr(connect.CodeInvalidArgument, "a pipe starts with its name and plugin (PipeOpen)")
		}
		return err
	}
	open := first.GetOpen()
	if open == nil {
		return cerr(connect.CodeInvalidArgument, "a pipe starts with its name and plugin (PipeOpen), not a line")
	}
	cp := &cliPipe{id: newPipeID(), args: pipeArgs(open.Args), sess: open.Session, holders: map[*pane]*pipeHolder{}, out: newPipeOut()}
	if open.Plugin != "" {
		src, err := parsePluginURL(open.Plugin, open.Cwd)
		if err != nil {
			return cerr(connect.CodeInvalidArgument, "--plugin: %v", err)
		}
		cp.target = &pipeTarget{src: src, cfg: open.PluginConfiguration}
	} else if len(open.PluginConfiguration) > 0 {
		return cerr(connect.CodeInvalidArgument, "a plugin configuration selects an instance of the plugin given with --plugin; without --plugin the message goes to every plugin")
	}
	// The name: --name, else the plugin URL, else the pipe id.
	cp.name = open.Name
	if cp.name == "" && open.Plugin != "" {
		cp.name = open.Plugin
	}
	if cp.name == "" {
		cp.name = cp.id
	}
	if err := a.onLoop(ctx, func() {
		if d.pipes.byID == nil {
			d.pipes.byID = map[string]*cliPipe{}
		}
		d.pipes.byID[cp.id] = cp
	}); err != nil {
		return err
	}
	defer d.post(func() { d.closeCliPipe(cp) })
	if err := st.Send(&controlv1.PipeResponse{Opened: &controlv1.PipeOpened{PipeId: cp.id, Name: cp.name}}); err != nil {
		return err
	}

	// The client's lines, read on their own goroutine.
	recvDone := make(chan struct{})
	go func() {
		defer close(recvDone)
		for {
			req, err := st.Receive()
			if errors.Is(err, io.EOF) {
				d.post(func() { d.pipeInputEnded(cp) })
				return
			}
			if err != nil {
				cp.out.finish(connect.NewError(connect.CodeCanceled, fmt.Errorf("the client went away: %w", err)))
				return
			}
			line := req.GetLine()
			if line == nil {
				cp.out.finish(cerr(connect.CodeInvalidArgument, "after PipeOpen, a pipe sends lines only"))
				return
			}
			if !d.post(func() { d.pipeLine(cp, line) }) {
				return
			}
		}
	}()

	for {
		items, finished, ferr := cp.out.take()
		// What is queued travels in as few messages as fit the transport's
		// message size: the output in order and the last release, which
		// releases every line before it too (a line goes out only once the
		// one before was released). Under load, several lines then cost
		// one frame and one write.
		if err := sendPipeItems(st.Send, items); err != nil {
			return err
		}
		if finished {
			return ferr
		}
		select {
		case <-cp.out.kick:
		case <-ctx.Done():
			return connect.NewError(connect.CodeCanceled, ctx.Err())
		case <-d.shutdownReq:
			return cerr(connect.CodeUnavailable, "the daemon is shutting down")
		case <-d.done:
			return cerr(connect.CodeUnavailable, "the daemon is shutting down")
		}
	}
}

// closeCliPipe forgets a pipe whose stream ended. Loop only.
func (d *Daemon) closeCliPipe(cp *cliPipe) {
	cp.done = true
	delete(d.pipes.byID, cp.id)
}

// failPipe ends a pipe with an error. Loop only.
func (d *Daemon) failPipe(cp *cliPipe, err error) {
	if cp.done {
		return
	}
	cp.done = true
	delete(d.pipes.byID, cp.id)
	code := connect.CodeAborted
	var ge *pipeGoneError
	if !errors.As(err, &ge) {
		code = connect.CodeFailedPrecondition
	}
	d.log.Info("pipe failed", "pipe", cp.id, "name", cp.name, "err", err)
	cp.out.finish(connect.NewError(code, err))
}

// pipeLine queues a line of the client. Loop only.
func (d *Daemon) pipeLine(cp *cliPipe, line *controlv1.PipeLine) {
	if cp.done {
		return
	}
	cp.queue = append(cp.queue, line)
	d.pipeNext(cp)
}

// pipeInputEnded: the client sent its last line. Loop only.
func (d *Daemon) pipeInputEnded(cp *cliPipe) {
	if cp.done {
		return
	}
	cp.ended = true
	d.pipeNext(cp)
}

// pipeNext sends the next line when the last one was released, and ends
// the pipe when the input ended and everything was released. Loop only.
func (d *Daemon) pipeNext(cp *cliPipe) {
	if cp.done || cp.busy {
		return
	}
	if len(cp.queue) == 0 {
		if cp.ended {
			cp.done = true
			delete(d.pipes.byID, cp.id)
			cp.out.finish(nil)
		}
		return
	}
	// Who gets it.
	var to []*pane
	if cp.target == nil {
		to = d.runningPlugins(nil)
		if len(to) == 0 {
			d.failPipe(cp, errors.New("no plugin is running to receive the message (name one with --plugin to load it)"))
			return
		}
	} else {
		r := d.resolveTarget(cp.target)
		switch {
		case len(r.running) > 0:
			to = r.running
		case r.loading != nil:
			d.whenSettled(r.loading, func() { d.pipeNext(cp) })
			return
		case r.broken != nil:
			d.failPipe(cp, goneError(r.broken, brokenWhy(r.broken)))
			return
		case cp.loaded != nil:
			// The plugin this pipe loaded went away before it ran.
			d.failPipe(cp, goneError(cp.loaded, brokenWhy(cp.loaded)))
			return
		default:
			s := d.pipeSession(cp.sess)
			if s == nil {
				d.failPipe(cp, fmt.Errorf("no session %q to load %s in", cp.sess, cp.target))
				return
			}
			pn, err := d.loadForMessage(s, cp.target, "pipe "+cp.name)
			if err != nil {
				d.failPipe(cp, err)
				return
			}
			cp.loaded = pn
			d.whenSettled(pn, func() { d.pipeNext(cp) })
			return
		}
	}
	line := cp.queue[0]
	cp.queue[0] = nil
	cp.queue = cp.queue[1:]
	cp.sent++
	cp.busy = true
	cp.to = cp.to[:0]
	id := cp.id
	msg := &pluginpb.PipeMessage{
		Source:      pluginpb.PipeSource_Cli,
		CliSourceId: &id,
		Name:        cp.name,
		Payload:     line.Payload,
		Args:        cp.args,
		IsPrivate:   cp.target != nil,
	}
	for _, pn := range to {
		cp.holders[pn] = &pipeHolder{plugin: pn.plug.id, inCall: true}
		cp.to = append(cp.to, pn.addr)
		pn, p := pn, pn.plug.p
		failed := func(err error) {
			d.post(func() { d.pipeDeliveryFailed(cp, pn, p, err) })
		}
		if err := d.deliver(p, msg, failed); err != nil {
			failed(err)
		}
	}
	sort.Strings(cp.to)
}

// pipeDeliveryFailed: a recipient could not process the line. Loop only.
func (d *Daemon) pipeDeliveryFailed(cp *cliPipe, pn *pane, p *wasi.Plugin, err error) {
	h := cp.holders[pn]
	if cp.done || h == nil || h.plugin != p.ID() {
		return
	}
	why := "could not process the message: " + oneLine(err.Error())
	var ce *wasi.CrashError
	switch {
	case errors.As(err, &ce):
		why = ce.Reason()
	case errors.Is(err, wasi.ErrClosed):
		why = "was closed"
	}
	d.failPipe(cp, goneError(pn, why))
}

// pipeReleased releases pn's hold on the line in flight. Loop only.
func (d *Daemon) pipeReleased(cp *cliPipe, pn *pane) {
	delete(cp.holders, pn)
	if len(cp.holders) > 0 || !cp.busy {
		return
	}
	cp.busy = false
	cp.out.push(&controlv1.PipeResponse{Released: &controlv1.PipeReleased{Line: cp.sent, Recipients: append([]string(nil), cp.to...)}})
	d.pipeNext(cp)
}

// pipeSession is the session a pipe loads its plugin in.
func (d *Daemon) pipeSession(name string) *session {
	if name == "" {
		if len(d.sessions) > 0 {
			return d.sessions[0]
		}
		return nil
	}
	for _, s := range d.sessions {
		if s.name == name || s.addr == name {
			return s
		}
	}
	return nil
}

// onPipeControl handles a plugin's pipe control. Loop only, in the order
// the plugin issued them.
func (d *Daemon) onPipeControl(pn *pane, pc wasi.PipeControl) {
	cp := d.pipes.byID[pc.PipeID]
	if cp == nil || cp.done {
		return
	}
	switch pc.Kind {
	case wasi.PipeOutput:
		if n := cp.out.pending(); n+len(pc.Output) > pipeOutputMax {
			d.failPipe(cp, fmt.Errorf("the client has not read %d bytes of output of %s: pipe ended (read the pipe's output as it comes)", n, pn.addr))
			return
		}
		cp.out.push(&controlv1.PipeResponse{Output: pc.Output})
	case wasi.PipeDone:
		h := cp.holders[pn]
		if h == nil || h.plugin != pc.Plugin || !h.inCall {
			return
		}
		if p := pn.plug.p; p == nil || p.ID() != pc.Plugin || p.Crashed() != nil {
			// The call ended with the plugin: the courier reports why.
			return
		}
		h.inCall = false
		if !pc.Blocked {
			d.pipeReleased(cp, pn)
		}
	case wasi.PipeUnblock:
		// An unblock during the call shows in its PipeDone; later ones
		// release a holder that blocked.
		if h := cp.holders[pn]; h != nil && h.plugin == pc.Plugin && !h.inCall {
			d.pipeReleased(cp, pn)
		}
	case wasi.PipeBlock:
		// Blocking outside the pipe call has nothing to hold: the line was
		// released already, or PipeDone reports the block.
	}
}

// pipesPluginGone ends the pipes whose line pn holds, and the pipe that
// waits for pn to load. Loop only.
func (d *Daemon) pipesPluginGone(pn *pane, why string) {
	for _, cp := range d.pipes.byID {
		if cp.done {
			continue
		}
		if _, ok := cp.holders[pn]; ok {
			d.failPipe(cp, goneError(pn, why))
		}
	}
}

// brokenWhy says why a plugin that should get a message cannot.
func brokenWhy(pn *pane) string {
	po := pn.plug
	switch {
	case po.state == StateCrashed && po.lastErr != "":
		return crashWhy(po.lastErr)
	case po.lastErr != "":
		return po.state + ": " + po.lastErr
	}
	return "is " + po.state
}
