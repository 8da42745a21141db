// Command tessera is the single binary of Tessera: the workspace daemon, its
// console, the config tools and the headless plugin runner.
//
// main only wires flags and signals; each subcommand lives in its own file and
// registers itself with register, so it can be tested in-process through run.
//
// On SIGINT or SIGTERM every command's context is cancelled; the process
// exits with 128+signal (130, 143) as soon as the command returns, or after
// the command's stop grace (half a second unless it sets one) if it does not.
// A second signal exits at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Exit codes shared by every subcommand.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// defaultStopGrace is how long a command may take to return once its
// context is cancelled by a signal, before the process exits anyway.
const defaultStopGrace = 500 * time.Millisecond

// stdio carries a subcommand's streams, so tests can run commands in-process.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, s stdio) int
	// stopGrace is how long the command may take to return after a signal
	// cancelled its context (0: defaultStopGrace). A daemon that must stop
	// its children sets a longer one.
	stopGrace time.Duration
}

var commands = map[string]command{}

// register adds a subcommand; it is called from init functions and panics on
// a duplicate, which is a programming error.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("tessera: duplicate command " + c.name)
	}
	commands[c.name] = c
}

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "stopped by " + e.sig.String() }

// signalExitCode is the shell's status for a process ended by sig.
func signalExitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitError
}

func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	signal.Ignore(syscall.SIGPIPE)
	ctx, cancel := context.WithCancelCause(context.Background())
	args := os.Args[1:]
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}) }()
	select {
	case code := <-done:
		os.Exit(code)
	case sig := <-sigs:
		cancel(&signalError{sig})
		grace := defaultStopGrace
		if len(args) > 0 {
			if c, ok := commands[args[0]]; ok && c.stopGrace > 0 {
				grace = c.stopGrace
			}
		}
		t := time.NewTimer(grace)
		select {
		case <-done:
		case <-t.C: // blocked in a read of stdin, for example
		case <-sigs:
		}
		os.Exit(signalExitCode(sig))
	}
}

func run(ctx context.Context, args []string, s stdio) int {
	if len(args) == 0 {
		usage(s.err)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(s.out)
		return exitOK
	case "-v", "--version", "-version":
		return runVersion(ctx, args[1:], s)
	case "help":
		if len(args) == 1 {
			usage(s.out)
			return exitOK
		}
		if _, ok := commands[args[1]]; !ok {
			fmt.Fprintf(s.err, "tessera help: unknown command %q\n\n", args[1])
			usage(s.err)
			return exitUsage
		}
		// help CMD [SUB] is CMD [SUB] -h.
		return run(ctx, append(append([]string(nil), args[1:]...), "-h"), s)
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(s.err, "tessera: unknown command %q\n\n", args[0])
		usage(s.err)
		return exitUsage
	}
	return c.run(ctx, args[1:], s)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: tessera <command> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %s  %s\n", n+strings.Repeat(" ", width-len(n)), commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'tessera help <command>' (or 'tessera <command> -h') for a command's flags;")
	fmt.Fprintln(w, "'tessera --version' prints the version.")
}

// newFlagSet returns the FlagSet of `tessera name`. It prints nothing
// itself: parseFlags reports errors and help.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("tessera "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args, flags allowed before and after the positional
// arguments ("--" ends the flags), and returns the positional arguments. On
// -h it prints help (the text, then the flags) on stdout and returns done with
// exitOK; on a flag error it prints "tessera NAME: ERROR" and where to find
// help on stderr and returns done with exitUsage.
func parseFlags(fs *flag.FlagSet, args []string, s stdio, help string) (pos []string, code int, done bool) {
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(s.out, help)
			if hasFlags(fs) {
				fmt.Fprintln(s.out, "\nflags:")
				fs.SetOutput(s.out)
				fs.PrintDefaults()
				fs.SetOutput(io.Discard)
			}
			return nil, exitOK, true
		}
		if err != nil {
			return nil, usageError(fs, s, "%v", err), true
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, exitOK, false
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), exitOK, false
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// usageError prints a usage error of the command whose FlagSet is fs, and
// where to find its help; it returns exitUsage.
func usageError(fs *flag.FlagSet, s stdio, format string, args ...any) int {
	fmt.Fprintf(s.err, "%s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fmt.Fprintf(s.err, "Run '%s -h' for usage.\n", fs.Name())
	return exitUsage
}
