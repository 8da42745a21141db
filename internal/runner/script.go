package runner

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tessera-ws/tessera/zellij"
)

// StepKind says what one script line does.
type StepKind int

// Script step kinds.
const (
	StepKey    StepKind = iota // send a Key event
	StepPipe                   // send a pipe message
	StepMouse                  // send a Mouse event
	StepResize                 // resize the plugin (renders)
	StepWait                   // let time pass so timers fire
	StepRender                 // render and keep the frame
)

// String returns the script verb of the step kind.
func (k StepKind) String() string {
	switch k {
	case StepKey:
		return "key"
	case StepPipe:
		return "pipe"
	case StepMouse:
		return "mouse"
	case StepResize:
		return "resize"
	case StepWait:
		return "wait"
	case StepRender:
		return "render"
	}
	return "step(" + strconv.Itoa(int(k)) + ")"
}

// Pipe is a pipe step. HasPayload distinguishes `pipe NAME` (no payload,
// "end of input") from `pipe NAME ` with an empty payload.
type Pipe struct {
	Name       string
	Payload    string
	HasPayload bool
}

// Step is one parsed script line.
type Step struct {
	Line int // 1-based line number in the script
	Kind StepKind
	Key  zellij.Key
	Pipe Pipe
	// Mouse is set for StepMouse.
	Mouse zellij.MouseEvent
	// Rows and Cols are set for StepResize.
	Rows, Cols int
	// Wait is set for StepWait.
	Wait time.Duration
}

// Script limits: a script cannot ask for absurd sizes or waits.
const (
	MaxRows = 1000
	MaxCols = 1000
	MaxWait = 10 * time.Minute
)

// ScriptError is a script parse error with its line number.
type ScriptError struct {
	Line int
	Msg  string
}

// Error returns "line N: message".
func (e *ScriptError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ParseScript reads a script: one input a line, blank lines and lines starting
// with '#' ignored. Lines:
//
//	key KEY                   e.g. key a, key Ctrl+g, key Alt+Shift+x, key Down, key F5
//	pipe NAME [PAYLOAD]       PAYLOAD is the rest of the line, verbatim
//	mouse left|right|hold|release|hover ROW COL
//	mouse scroll-up|scroll-down|scroll-left|scroll-right [LINES]
//	resize ROWSxCOLS
//	wait DURATION             e.g. wait 100ms, wait 1.5s
//	render
//
// All errors are collected and returned together (errors.Join of *ScriptError).
func ParseScript(r io.Reader) ([]Step, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var steps []Step
	var errs []error
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		st, ok, err := parseLine(line)
		if err != nil {
			errs = append(errs, &ScriptError{Line: n, Msg: err.Error()})
			continue
		}
		if ok {
			st.Line = n
			steps = append(steps, st)
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("read script: %w", err))
	}
	return steps, errors.Join(errs...)
}

func parseLine(line string) (Step, bool, error) {
	trimmed := strings.TrimLeft(line, " \t")
	if trimmed == "" || trimmed[0] == '#' {
		return Step{}, false, nil
	}
	verb, rest, _ := strings.Cut(trimmed, " ")
	args := strings.Fields(rest)
	switch verb {
	case "key":
		if len(args) != 1 {
			return Step{}, false, fmt.Errorf("key: want one key, e.g. `key Ctrl+g`")
		}
		k, err := zellij.ParseKey(args[0])
		if err != nil {
			return Step{}, false, err
		}
		return Step{Kind: StepKey, Key: k}, true, nil
	case "pipe":
		name, payload, has := strings.Cut(rest, " ")
		name = strings.TrimSpace(name)
		if name == "" {
			return Step{}, false, fmt.Errorf("pipe: want a message name, e.g. `pipe refresh` or `pipe greet hello`")
		}
		return Step{Kind: StepPipe, Pipe: Pipe{Name: name, Payload: payload, HasPayload: has}}, true, nil
	case "mouse":
		return parseMouse(args)
	case "resize":
		if len(args) != 1 {
			return Step{}, false, fmt.Errorf("resize: want ROWSxCOLS, e.g. `resize 30x100`")
		}
		r, c, err := ParseSize(args[0])
		if err != nil {
			return Step{}, false, fmt.Errorf("resize: %w", err)
		}
		return Step{Kind: StepResize, Rows: r, Cols: c}, true, nil
	case "wait":
		if len(args) != 1 {
			return Step{}, false, fmt.Errorf("wait: want a duration, e.g. `wait 100ms`")
		}
		d, err := time.ParseDuration(args[0])
		if err != nil {
			return Step{}, false, fmt.Errorf("wait: bad duration %q (use a unit: 100ms, 2s)", args[0])
		}
		if d < 0 || d > MaxWait {
			return Step{}, false, fmt.Errorf("wait: duration %s out of range 0..%s", d, MaxWait)
		}
		return Step{Kind: StepWait, Wait: d}, true, nil
	case "render":
		if len(args) != 0 {
			return Step{}, false, fmt.Errorf("render: takes no arguments")
		}
		return Step{Kind: StepRender}, true, nil
	}
	return Step{}, false, fmt.Errorf("unknown command %q (want key, pipe, mouse, resize, wait or render)", verb)
}

func parseMouse(args []string) (Step, bool, error) {
	if len(args) == 0 {
		return Step{}, false, fmt.Errorf("mouse: want an action: left, right, hold, release, hover, scroll-up, scroll-down, scroll-left, scroll-right")
	}
	a, ok := zellij.ParseMouseAction(args[0])
	if !ok {
		return Step{}, false, fmt.Errorf("mouse: unknown action %q", args[0])
	}
	m := zellij.MouseEvent{Action: a}
	if zellij.IsScroll(a) {
		m.Lines = 1
		switch len(args) {
		case 1:
		case 2:
			n, err := strconv.Atoi(args[1])
			if err != nil || n < 1 || n > 10000 {
				return Step{}, false, fmt.Errorf("mouse %s: bad line count %q", args[0], args[1])
			}
			m.Lines = n
		default:
			return Step{}, false, fmt.Errorf("mouse %s: want at most a line count", args[0])
		}
		return Step{Kind: StepMouse, Mouse: m}, true, nil
	}
	if len(args) != 3 {
		return Step{}, false, fmt.Errorf("mouse %s: want ROW COL (0-based)", args[0])
	}
	row, err1 := strconv.Atoi(args[1])
	col, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil || row < 0 || col < 0 || row >= MaxRows || col >= MaxCols {
		return Step{}, false, fmt.Errorf("mouse %s: bad position %q %q (0-based ROW COL)", args[0], args[1], args[2])
	}
	m.Row, m.Col = row, col
	return Step{Kind: StepMouse, Mouse: m}, true, nil
}

// ParseSize reads "ROWSxCOLS", e.g. "24x80"; both must be in 1..1000.
func ParseSize(s string) (rows, cols int, err error) {
	a, b, ok := strings.Cut(strings.ToLower(s), "x")
	if !ok {
		return 0, 0, fmt.Errorf("bad size %q: want ROWSxCOLS, e.g. 24x80", s)
	}
	rows, err1 := strconv.Atoi(a)
	cols, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("bad size %q: want ROWSxCOLS, e.g. 24x80", s)
	}
	if rows < 1 || rows > MaxRows || cols < 1 || cols > MaxCols {
		return 0, 0, fmt.Errorf("bad size %q: rows and columns must be in 1..%d", s, MaxRows)
	}
	return rows, cols, nil
}
