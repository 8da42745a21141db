// Command tessera is the single binary of Tessera: the workspace daemon, its
// console, the config tools and the headless plugin runner.
//
// main only wires flags and signals; each subcommand lives in its own file and
// registers itself with register, so it can be tested in-process through run.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes shared by every subcommand.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// stdio carries a subcommand's streams, so tests can run commands in-process.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, s stdio) int
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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	signal.Ignore(syscall.SIGPIPE)
	code := run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, s stdio) int {
	if len(args) == 0 {
		usage(s.err)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(s.out)
		return exitOK
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
	fmt.Fprintln(w, "Run 'tessera <command> -h' for a command's flags.")
}
