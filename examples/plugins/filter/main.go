//go:build wasip1

// Command filter is a grep-like CLI pipe filter with backpressure:
//
//	some-command | tessera pipe --plugin file:filter.wasm --config pattern='err|warn'
//
// Each line from the CLI arrives as a pipe message; matching lines go back
// to the CLI's stdout with CliPipeOutput, and UnblockCliPipeInput asks the
// CLI for the next line.
//
// Configuration:
//   - pattern: a regular expression (RE2 syntax); empty matches every line.
//   - invert=true: keep the lines that do not match.
//   - number=true: prefix each line with its line number.
//   - batch=N: write matching lines in batches of N. When a batch is full the
//     filter blocks the pipe (BlockCliPipeInput), writes the batch on the next
//     Timer event, then unblocks it: the CLI waits while the batch is written.
//   - interval: the delay before a full batch is written (a Go duration,
//     default 0s).
package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tessera-ws/tessera/sdk"
	"github.com/tessera-ws/tessera/sdk/pb"
	"github.com/tessera-ws/tessera/sdk/ui"
)

func init() { sdk.Register(&filter{pipes: map[string]*pipeState{}}) }

func main() {}

type filter struct {
	sdk.BasePlugin
	re       *regexp.Regexp
	invert   bool
	number   bool
	batch    int
	interval time.Duration
	err      string

	pipes   map[string]*pipeState
	seen    int
	matched int
	timerOn bool

	// head is the frame's fixed first part (title, pattern, error),
	// built on load; out holds the frame being drawn, reused.
	head []byte
	out  []byte
}

// pipeState is the progress of one CLI pipe.
type pipeState struct {
	lines   int      // lines read so far
	pending []string // matching lines not yet written
	blocked bool     // blocked until the pending batch is written
	ended   bool     // the CLI sent its last message
}

func (f *filter) Load(cfg map[string]string) {
	f.batch = 1
	var problems []string
	re, err := regexp.Compile(cfg["pattern"])
	if err != nil {
		problems = append(problems, "pattern: "+err.Error())
		re = regexp.MustCompile("")
	}
	f.re = re
	f.invert = cfg["invert"] == "true"
	f.number = cfg["number"] == "true"
	if s, ok := cfg["batch"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			problems = append(problems, fmt.Sprintf("batch: %q is not a positive number", s))
		} else {
			f.batch = n
		}
	}
	if s, ok := cfg["interval"]; ok {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			problems = append(problems, fmt.Sprintf("interval: %q is not a duration", s))
		} else {
			f.interval = d
		}
	}
	f.err = strings.Join(problems, "; ")
	if f.err != "" {
		fmt.Fprintln(os.Stderr, "filter:", f.err)
	}
	pal := ui.DefaultPalette()
	f.head = append(f.head[:0], pal.TextUnselected.EmphasisStyle(0).Paint("filter")+" /"+f.re.String()+"/"...)
	if f.invert {
		f.head = append(f.head, " (inverted)"...)
	}
	sdk.RequestPermission(pb.PermissionType_ReadCliPipes)
	sdk.Subscribe(pb.EventType_Timer)
}

func (f *filter) Pipe(msg *pb.PipeMessage) bool {
	if msg.GetSource() != pb.PipeSource_Cli || msg.CliSourceId == nil {
		return false // messages from plugins and keybindings are not filtered
	}
	id := msg.GetCliSourceId()
	st := f.pipes[id]
	if st == nil {
		st = &pipeState{}
		f.pipes[id] = st
	}
	if msg.Payload == nil {
		// The CLI's input is done: write what is left and let it exit.
		st.ended = true
		f.flush(id, st)
		return true
	}
	for _, line := range splitLines(msg.GetPayload()) {
		st.lines++
		f.seen++
		if f.re.MatchString(line) == f.invert {
			continue
		}
		f.matched++
		if f.number {
			line = strconv.Itoa(st.lines) + ":" + line
		}
		st.pending = append(st.pending, line)
	}
	if f.batch == 1 {
		f.flush(id, st) // write at once and ask for the next line
		return true
	}
	if len(st.pending) < f.batch {
		sdk.UnblockCliPipeInput(id) // the batch is not full: read on
		return true
	}
	// A full batch: hold the CLI until the batch is written.
	sdk.BlockCliPipeInput(id)
	st.blocked = true
	if !f.timerOn {
		sdk.SetTimeout(f.interval)
		f.timerOn = true
	}
	return true
}

func (f *filter) Update(ev *pb.Event) bool {
	if ev.GetName() != pb.EventType_Timer {
		return false
	}
	f.timerOn = false
	for id, st := range f.pipes {
		if st.blocked {
			f.flush(id, st)
		}
	}
	return true
}

// flush writes the pending lines of a pipe and releases it.
func (f *filter) flush(id string, st *pipeState) {
	if len(st.pending) > 0 {
		sdk.CliPipeOutput(id, strings.Join(st.pending, "\n")+"\n")
		st.pending = st.pending[:0]
	}
	st.blocked = false
	sdk.UnblockCliPipeInput(id)
	if st.ended {
		delete(f.pipes, id)
	}
}

// splitLines splits a payload into lines without their terminators.
func splitLines(s string) []string {
	s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

func (f *filter) Render(rows, cols int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	// Drawn on every message: built in one reused buffer.
	b := append(f.out[:0], f.head...)
	if f.err != "" {
		pal := ui.DefaultPalette()
		b = append(b, "\n"+pal.ExitCodeError.Style().Paint(ui.Truncate(f.err, cols, "…"))...)
	}
	if rows > 1 {
		blocked := 0
		for _, st := range f.pipes {
			if st.blocked {
				blocked++
			}
		}
		b = append(b, '\n')
		b = strconv.AppendInt(b, int64(f.seen), 10)
		b = append(b, " lines read, "...)
		b = strconv.AppendInt(b, int64(f.matched), 10)
		b = append(b, " matched, "...)
		b = strconv.AppendInt(b, int64(len(f.pipes)), 10)
		b = append(b, " pipes open, "...)
		b = strconv.AppendInt(b, int64(blocked), 10)
		b = append(b, " blocked"...)
	}
	f.out = b
	os.Stdout.Write(b)
}
