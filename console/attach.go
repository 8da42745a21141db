package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/control/v1/controlv1connect"
)

// AttachOptions configure Attach.
type AttachOptions struct {
	// Address of the pane or plugin.
	Address string
	// In is the terminal's input, already in raw mode; nil (or ReadOnly)
	// sends nothing.
	In io.Reader
	// Out is the terminal the screen is drawn on.
	Out io.Writer
	// Size returns the terminal's size.
	Size func() (rows, cols int)
	// Resized receives a value each time the terminal changed size.
	Resized <-chan struct{}
	// DetachKey is the byte that detaches (Ctrl+q: 0x11) and DetachName
	// its name for the status line.
	DetachKey  byte
	DetachName string
	// ReadOnly follows the screen without sending input or giving the pane
	// this terminal's size (watch).
	ReadOnly bool
	// Hint replaces the status line's "DetachName detaches".
	Hint string
}

// ErrDetached is returned by Attach when the user pressed the detach key.
var ErrDetached = errors.New("detached")

// EndedError is returned by Attach when the daemon ended the attach (the
// pane was closed, the daemon stops).
type EndedError struct{ Reason string }

func (e *EndedError) Error() string { return e.Reason }

// Attach shows a pane or plugin full screen on opt.Out, live, and sends it
// what is typed on opt.In, until the detach key, the end of ctx, or the
// daemon ends it. The terminal is put back as it was (main screen, modes).
func Attach(ctx context.Context, client controlv1connect.ControlServiceClient, opt AttachOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream := client.Attach(ctx)
	rows, cols := opt.Size()
	start := &controlv1.AttachStart{Address: opt.Address, Rows: int32(max(rows-1, 1)), Cols: int32(max(cols, 1)), ReadOnly: opt.ReadOnly}
	if err := stream.Send(&controlv1.AttachInput{Input: &controlv1.AttachInput_Start{Start: start}}); err != nil {
		_ = stream.CloseRequest()
		if errors.Is(err, io.EOF) { // the daemon refused: its reason comes with the response
			if _, rerr := stream.Receive(); rerr != nil {
				return friendly(rerr)
			}
		}
		return friendly(err)
	}
	first, err := stream.Receive()
	if err != nil {
		_ = stream.CloseRequest()
		return friendly(err)
	}
	r := &renderer{out: opt.Out, opt: opt, termRows: rows, termCols: cols}
	r.enter()
	defer r.leave()

	var sendMu sync.Mutex
	send := func(in *controlv1.AttachInput) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return stream.Send(in)
	}
	detached := make(chan struct{})
	var detachOnce sync.Once
	detach := func() { detachOnce.Do(func() { close(detached) }) }

	if opt.In != nil && !opt.ReadOnly {
		go readInput(opt, r, send, detach)
	}
	go func() {
		for {
			select {
			case <-opt.Resized:
				rows, cols := opt.Size()
				r.resize(rows, cols)
				if !opt.ReadOnly {
					_ = send(&controlv1.AttachInput{Input: &controlv1.AttachInput_Resize{Resize: &controlv1.AttachSize{Rows: int32(max(rows-1, 1)), Cols: int32(max(cols, 1))}}})
				}
			case <-detached:
				return
			case <-ctx.Done():
				return
			}
		}
	}()

	msgs := make(chan *controlv1.AttachOutput, 16)
	recvErr := make(chan error, 1)
	go func() {
		for {
			m, err := stream.Receive()
			if err != nil {
				recvErr <- err
				close(msgs)
				return
			}
			msgs <- m
		}
	}()
	r.apply(first)
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				err := <-recvErr
				if errors.Is(err, io.EOF) {
					return &EndedError{Reason: "the daemon ended the attach"}
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return friendly(err)
			}
			if m.Ended != "" {
				_ = stream.CloseRequest()
				return &EndedError{Reason: m.Ended}
			}
			r.apply(m)
		case <-detached:
			sendMu.Lock()
			_ = stream.CloseRequest()
			sendMu.Unlock()
			// Wait for the daemon to finish the attach (it restores the
			// pane's size before the stream ends).
			for range msgs {
			}
			return ErrDetached
		case <-ctx.Done():
			_ = stream.CloseRequest()
			return ctx.Err()
		}
	}
}

// readInput forwards what is typed: raw bytes to a terminal pane, parsed
// keys and mouse events to a plugin; the detach key ends it.
func readInput(opt AttachOptions, r *renderer, send func(*controlv1.AttachInput) error, detach func()) {
	buf := make([]byte, 4096)
	for {
		n, err := opt.In.Read(buf)
		if n > 0 {
			b := buf[:n]
			stop := false
			if i := bytes.IndexByte(b, opt.DetachKey); i >= 0 {
				b, stop = b[:i], true
			}
			if len(b) > 0 {
				if r.isPlugin() {
					var keys []string
					flush := func() {
						if len(keys) > 0 {
							_ = send(&controlv1.AttachInput{Input: &controlv1.AttachInput_Keys{Keys: &controlv1.AttachKeys{Keys: keys}}})
							keys = nil
						}
					}
					for _, ev := range ParseInput(b) {
						if ev.Mouse != nil {
							flush()
							if int(ev.Mouse.Row) < r.paneRows() {
								_ = send(&controlv1.AttachInput{Input: &controlv1.AttachInput_Mouse{Mouse: ev.Mouse}})
							}
							continue
						}
						keys = append(keys, ev.Key)
					}
					flush()
				} else {
					_ = send(&controlv1.AttachInput{Input: &controlv1.AttachInput_Data{Data: append([]byte(nil), b...)}})
				}
			}
			if stop {
				detach()
				return
			}
		}
		if err != nil {
			detach()
			return
		}
	}
}

// renderer draws an attached screen and a status line on a terminal.
type renderer struct {
	mu                 sync.Mutex
	out                io.Writer
	opt                AttachOptions
	termRows, termCols int
	rows, cols         int // the pane's
	lines              []string
	cursor             [2]int
	cursorVis          bool
	modes              *controlv1.TerminalModes
	title, notice      string
	address, kind      string
	buf                bytes.Buffer
}

func (r *renderer) isPlugin() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.kind != "" && r.kind != "terminal_pane"
}

func (r *renderer) paneRows() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rows
}

func (r *renderer) enter() {
	io.WriteString(r.out, "\x1b[?1049h\x1b[?7l\x1b[H\x1b[2J")
}

// leave puts the terminal back: modes off, main screen, cursor shown.
func (r *renderer) leave() {
	r.mu.Lock()
	defer r.mu.Unlock()
	io.WriteString(r.out, "\x1b[?1l\x1b>\x1b[?2004l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1004l\x1b[0m\x1b[?7h\x1b[?25h\x1b[?1049l")
}

func (r *renderer) resize(rows, cols int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.termRows, r.termCols = rows, cols
	r.buf.Reset()
	r.buf.WriteString("\x1b[?25l\x1b[0m\x1b[H\x1b[2J")
	for y := range r.lines {
		r.drawRow(y)
	}
	r.drawStatus()
	r.drawCursor()
	r.flush()
}

// apply draws one update from the daemon.
func (r *renderer) apply(m *controlv1.AttachOutput) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf.Reset()
	r.buf.WriteString("\x1b[?25l")
	status := false
	if m.Address != "" {
		r.address, r.kind = m.Address, m.Kind
		status = true
		if r.kind != "terminal_pane" && !r.opt.ReadOnly {
			r.buf.WriteString("\x1b[?1002h\x1b[?1006h") // clicks and scrolls for the plugin
		}
	}
	if m.Notice != "" {
		r.notice = m.Notice
		status = true
	}
	if m.Full {
		if int(m.Rows) != r.rows || int(m.Cols) != r.cols {
			status = true
		}
		r.rows, r.cols = int(m.Rows), int(m.Cols)
		r.lines = make([]string, r.rows)
		r.buf.WriteString("\x1b[0m\x1b[H\x1b[2J")
		status = true
	}
	for _, row := range m.RowsChanged {
		y := int(row.Row)
		if y < 0 || y >= len(r.lines) {
			continue
		}
		r.lines[y] = row.Ansi
		r.drawRow(y)
	}
	if m.Modes != nil { // a notice alone carries no screen state
		r.setModes(m.Modes)
		if m.Title != r.title {
			r.title = m.Title
			status = true
		}
		r.cursor, r.cursorVis = [2]int{int(m.CursorRow), int(m.CursorCol)}, m.CursorVisible
	}
	if status {
		r.drawStatus()
	}
	r.drawCursor()
	r.flush()
}

func (r *renderer) setModes(m *controlv1.TerminalModes) {
	if r.kind != "terminal_pane" || r.opt.ReadOnly {
		return
	}
	old := r.modes
	if old == nil {
		old = &controlv1.TerminalModes{}
	}
	flag := func(was, now bool, on, off string) {
		if was != now {
			if now {
				r.buf.WriteString(on)
			} else {
				r.buf.WriteString(off)
			}
		}
	}
	flag(old.AppCursor, m.AppCursor, "\x1b[?1h", "\x1b[?1l")
	flag(old.AppKeypad, m.AppKeypad, "\x1b=", "\x1b>")
	flag(old.BracketedPaste, m.BracketedPaste, "\x1b[?2004h", "\x1b[?2004l")
	flag(old.FocusEvents, m.FocusEvents, "\x1b[?1004h", "\x1b[?1004l")
	flag(old.MouseSgr, m.MouseSgr, "\x1b[?1006h", "\x1b[?1006l")
	if old.Mouse != m.Mouse {
		if old.Mouse != 0 {
			fmt.Fprintf(&r.buf, "\x1b[?%dl", old.Mouse)
		}
		if m.Mouse != 0 {
			fmt.Fprintf(&r.buf, "\x1b[?%dh", m.Mouse)
		}
	}
	r.modes = m
}

// drawRow draws pane row y if it fits above the status line.
func (r *renderer) drawRow(y int) {
	if y >= r.termRows-1 {
		return
	}
	fmt.Fprintf(&r.buf, "\x1b[%d;1H\x1b[0m", y+1)
	line := r.lines[y]
	if r.cols > r.termCols {
		line = clipANSI(line, r.termCols)
	}
	r.buf.WriteString(line)
	r.buf.WriteString("\x1b[0m\x1b[K")
}

func (r *renderer) drawStatus() {
	if r.termRows < 2 {
		return
	}
	hint := r.opt.Hint
	if hint == "" {
		hint = r.opt.DetachName + " detaches"
	}
	left := " " + r.address + "  " + hint
	if r.notice != "" {
		left += "  · " + r.notice
	}
	right := ""
	if r.rows > 0 && (r.rows != r.termRows-1 || r.cols != r.termCols) {
		right = fmt.Sprintf("pane %dx%d ", r.rows, r.cols)
	}
	if r.title != "" {
		right = r.title + "  " + right
	}
	w := r.termCols
	left = runewidth.Truncate(left, w, "…")
	pad := w - runewidth.StringWidth(left) - runewidth.StringWidth(right)
	if pad < 1 {
		right, pad = "", max(w-runewidth.StringWidth(left), 0)
	}
	fmt.Fprintf(&r.buf, "\x1b[%d;1H\x1b[0;7m%s%s%s\x1b[0m", r.termRows, left, strings.Repeat(" ", pad), right)
}

func (r *renderer) drawCursor() {
	y, x := r.cursor[0], r.cursor[1]
	if y >= r.termRows-1 || x >= r.termCols {
		return
	}
	r.buf.WriteString("\x1b[")
	r.buf.WriteString(strconv.Itoa(y + 1))
	r.buf.WriteByte(';')
	r.buf.WriteString(strconv.Itoa(x + 1))
	r.buf.WriteByte('H')
	if r.cursorVis && r.kind == "terminal_pane" {
		r.buf.WriteString("\x1b[?25h")
	}
}

func (r *renderer) flush() {
	_, _ = r.out.Write(r.buf.Bytes())
}

// clipANSI cuts an ANSI row to width columns, keeping its escapes.
func clipANSI(s string, width int) string {
	var b strings.Builder
	w := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			j := i + 1
			if j < len(s) && s[j] == '[' {
				j++
				for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
					j++
				}
				j++
			}
			j = min(j, len(s))
			b.WriteString(s[i:j])
			i = j
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		rw := runewidth.RuneWidth(r)
		if w+rw > width {
			break
		}
		w += rw
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}
