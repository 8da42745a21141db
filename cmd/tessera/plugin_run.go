package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/tessera-ws/tessera/internal/runner"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

func init() {
	register(command{
		name:    "plugin",
		summary: "work with one plugin outside a session (plugin run FILE.wasm)",
		run:     runPlugin,
	})
}

// pluginSubcommands are the subcommands of `tessera plugin`.
var pluginSubcommands = map[string]struct {
	summary string
	run     func(ctx context.Context, args []string, s stdio) int
}{
	"run": {"run one plugin headless: feed events, play a script, print its screen", runPluginRun},
}

func runPlugin(ctx context.Context, args []string, s stdio) int {
	if len(args) == 0 {
		pluginUsage(s.err)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		pluginUsage(s.out)
		return exitOK
	}
	sub, ok := pluginSubcommands[args[0]]
	if !ok {
		fmt.Fprintf(s.err, "tessera plugin: unknown subcommand %q\n\n", args[0])
		pluginUsage(s.err)
		return exitUsage
	}
	return sub.run(ctx, args[1:], s)
}

func pluginUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: tessera plugin <subcommand> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "subcommands:")
	for _, name := range slices.Sorted(maps.Keys(pluginSubcommands)) {
		fmt.Fprintf(w, "  %s  %s\n", name, pluginSubcommands[name].summary)
	}
}

// prList collects a repeated flag.
type prList []string

// String joins the values with commas.
func (l *prList) String() string { return strings.Join(*l, ",") }

// Set appends one value.
func (l *prList) Set(s string) error { *l = append(*l, s); return nil }

const pluginRunUsage = `usage: tessera plugin run FILE.wasm [flags]

Loads FILE.wasm as a plugin (not built in: permissions apply) in a synthetic
session: session "tessera", one active tab "Tab #1" with a focused terminal
pane and the plugin's pane, Normal mode, the default theme and keybindings.
It feeds the plugin the events it subscribes to, applies the size (the first
resize always renders), plays the script, renders, and prints the final
screen: exactly ROWS lines of plain text, trailing blanks trimmed (colours
with --ansi, everything with --json).

Nothing runs on the host on the plugin's behalf: RunCommand is answered with
a RunCommandResult without exit code, panes and tabs are only recorded.

Script (--script FILE, - for stdin), one input a line, # comments:
  key KEY                  a, A, Ctrl+g, Alt+Shift+x, Down, Enter, F5, Esc, Space
  pipe NAME [PAYLOAD]      a CLI pipe message (payload: rest of line; no payload
                           ends the pipe); pipes of one NAME share one CLI pipe
                           and wait while the plugin keeps it blocked
  mouse left|right|hold|release|hover ROW COL    (0-based)
  mouse scroll-up|scroll-down|scroll-left|scroll-right [LINES]
  resize ROWSxCOLS
  wait DURATION            let timers fire, e.g. wait 200ms
  render                   snapshot the screen (in --json "snapshots")

Engines (--engine): auto (the default) starts a plugin never compiled
before at once on the interpreter while the compiler works in the
background, and moves it to compiled code when that is done; a plugin
compiled before starts compiled, from the cache. compiler compiles before
loading (seconds for a Go plugin on a cold cache). interpreter never
compiles (fast start, slow code). At exit, the runner waits at most
--compile-wait (default 3s) for an unfinished background compile (auto)
and cache writes, so that the next run starts compiled; a run that exits
earlier leaves the next one cold.

Calls running on the interpreter get 30 times the --timeout (interpreted
code is 20-40 times slower), so a plugin that merely starts interpreted is
not killed by a deadline sized for compiled code.

Permissions (--grant): as in Zellij, FullHdAccess is access to the whole
disk: with it a plugin may re-point /host anywhere with ChangeHostFolder,
outside its --mount (a read-only mount stays read-only after the switch).

Exit status: 0 the plugin ran without crashing, 1 it failed to load or
crashed or the run was interrupted (reason on stderr), 2 usage error.

Flags:
`

type pluginRunArgs struct {
	file        string
	config      map[string]string
	rows, cols  int
	mounts      []wasi.Mount
	env         map[string]string
	grant       []pluginpb.PermissionType
	timeout     time.Duration
	script      []runner.Step
	ansi, json  bool
	cacheDir    string
	engine      wasi.Engine
	compileWait time.Duration
	verbose     bool
	scriptLabel string
}

// parsePluginRunArgs parses the flags; errors are usage errors.
func parsePluginRunArgs(args []string, s stdio) (*pluginRunArgs, error) {
	fs := flag.NewFlagSet("tessera plugin run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var configs, mounts, envs, grants prList
	fs.Var(&configs, "config", "plugin configuration `KEY=VALUE` (repeat)")
	size := fs.String("size", "24x80", "pane content size `ROWSxCOLS`")
	fs.Var(&mounts, "mount", "mount a host directory: `GUEST=HOSTDIR[:ro]`, GUEST one of /host /data /cache /tmp (repeat; none by default)")
	fs.Var(&envs, "env", "guest environment `NAME[=VALUE]`; NAME alone copies the runner's value (repeat; empty by default)")
	fs.Var(&grants, "grant", "grant a `PERMISSION` (repeat, comma lists, or all)")
	timeout := fs.Duration("timeout", 0, "deadline for each guest call; load steps get at least 10s (default: the host's, 2s per call)")
	script := fs.String("script", "", "script `FILE` to play after load (- for stdin)")
	ansi := fs.Bool("ansi", false, "print the screen with colours (SGR)")
	asJSON := fs.Bool("json", false, "print one JSON object: screen, commands, crash, denied, unsupported, timings, ...")
	cacheDir := fs.String("cache-dir", "", "compilation cache `DIR` (default $XDG_CACHE_HOME/tessera)")
	engine := fs.String("engine", wasi.HostConfig{}.Engine.String(), "how plugin code runs: `auto`, compiler or interpreter (see above)")
	compileWait := fs.Duration("compile-wait", 3*time.Second, "how long exit waits for an unfinished background compile or cache write (0: do not wait)")
	verbose := fs.Bool("v", false, "log host records to stderr")
	// Errors get a one-line message and a hint, -h the whole usage.
	fs.Usage = func() {}
	printUsage := func() {
		fmt.Fprint(s.err, pluginRunUsage)
		fs.SetOutput(s.err)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}

	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printUsage()
			}
			return nil, err
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" {
			pos = append(pos, rest[1:]...)
			break
		}
		pos = append(pos, rest[0])
		rest = rest[1:]
	}
	if len(pos) != 1 {
		return nil, fmt.Errorf("want exactly one plugin file, got %d arguments", len(pos))
	}
	a := &pluginRunArgs{file: pos[0], config: map[string]string{}, env: map[string]string{},
		timeout: *timeout, ansi: *ansi, json: *asJSON, cacheDir: *cacheDir, verbose: *verbose,
		compileWait: *compileWait}
	var err error
	if a.engine, err = wasi.ParseEngine(*engine); err != nil {
		return nil, fmt.Errorf("--engine: %w", err)
	}
	if a.compileWait < 0 {
		return nil, fmt.Errorf("--compile-wait %s: must not be negative", a.compileWait)
	}
	if a.timeout < 0 {
		return nil, fmt.Errorf("--timeout %s: must not be negative", a.timeout)
	}
	if a.rows, a.cols, err = runner.ParseSize(*size); err != nil {
		return nil, fmt.Errorf("--size: %w", err)
	}
	for _, c := range configs {
		k, v, ok := strings.Cut(c, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--config %q: want KEY=VALUE", c)
		}
		a.config[k] = v
	}
	seen := map[string]bool{}
	for _, m := range mounts {
		mt, err := parseMount(m)
		if err != nil {
			return nil, err
		}
		if seen[mt.Guest] {
			return nil, fmt.Errorf("--mount %q: %s mounted twice", m, mt.Guest)
		}
		seen[mt.Guest] = true
		a.mounts = append(a.mounts, mt)
	}
	for _, e := range envs {
		k, v, ok := strings.Cut(e, "=")
		if k == "" || strings.ContainsRune(k, 0) {
			return nil, fmt.Errorf("--env %q: want NAME or NAME=VALUE", e)
		}
		if !ok {
			if v, ok = os.LookupEnv(k); !ok {
				return nil, fmt.Errorf("--env %s: not set in the environment (give NAME=VALUE)", k)
			}
		}
		a.env[k] = v
	}
	if a.grant, err = parseGrants(grants); err != nil {
		return nil, err
	}
	if *script != "" {
		var r io.Reader
		a.scriptLabel = *script
		if *script == "-" {
			r = s.in
			a.scriptLabel = "stdin"
		} else {
			f, err := os.Open(*script)
			if err != nil {
				return nil, fmt.Errorf("--script: %w", err)
			}
			defer f.Close()
			r = f
		}
		if a.script, err = runner.ParseScript(r); err != nil {
			return nil, scriptErrors{label: a.scriptLabel, err: err}
		}
	}
	return a, nil
}

// scriptErrors prefixes each script error with the script's name.
type scriptErrors struct {
	label string
	err   error
}

// Error lists the script errors, one per line, as NAME:line N: message.
func (e scriptErrors) Error() string {
	var lines []string
	var multi interface{ Unwrap() []error }
	if errors.As(e.err, &multi) {
		for _, err := range multi.Unwrap() {
			lines = append(lines, e.label+":"+err.Error())
		}
	} else {
		lines = append(lines, e.label+": "+e.err.Error())
	}
	return strings.Join(lines, "\n")
}

func parseMount(spec string) (wasi.Mount, error) {
	guest, host, ok := strings.Cut(spec, "=")
	if !ok || guest == "" || host == "" {
		return wasi.Mount{}, fmt.Errorf("--mount %q: want GUEST=HOSTDIR[:ro]", spec)
	}
	if !slices.Contains(wasi.GuestMountPoints(), guest) {
		return wasi.Mount{}, fmt.Errorf("--mount %q: guest path must be one of %s", spec, strings.Join(wasi.GuestMountPoints(), " "))
	}
	m := wasi.Mount{Guest: guest}
	switch {
	case strings.HasSuffix(host, ":ro"):
		host, m.ReadOnly = strings.TrimSuffix(host, ":ro"), true
	case strings.HasSuffix(host, ":rw"):
		host = strings.TrimSuffix(host, ":rw")
	}
	abs, err := filepath.Abs(host)
	if err != nil {
		return wasi.Mount{}, fmt.Errorf("--mount %q: %w", spec, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return wasi.Mount{}, fmt.Errorf("--mount %q: %w", spec, err)
	}
	if !fi.IsDir() {
		return wasi.Mount{}, fmt.Errorf("--mount %q: %s is not a directory", spec, abs)
	}
	m.Host = abs
	return m, nil
}

func parseGrants(grants []string) ([]pluginpb.PermissionType, error) {
	var out []pluginpb.PermissionType
	for _, g := range grants {
		for _, name := range strings.Split(g, ",") {
			name = strings.TrimSpace(name)
			if name == "all" {
				out = append(out, pluginpb.AllPermissions()...)
				continue
			}
			p, ok := pluginpb.ParsePermission(name)
			if !ok {
				var names []string
				for _, p := range pluginpb.AllPermissions() {
					names = append(names, p.String())
				}
				return nil, fmt.Errorf("--grant %q: unknown permission (want all or one of %s)", name, strings.Join(names, ", "))
			}
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// heapForCompile is the heap address space `plugin run` prepares for huge
// pages (hugePageHeap): more than a cold start of a 3.6 MB Go plugin
// allocates up to its first frame (about 150 MB with the GC target of 400 %).
const heapForCompile = 256 << 20

// pluginRunJSON is the --json output.
type pluginRunJSON struct {
	Plugin string `json:"plugin"`
	// Error is why the plugin could not be loaded (nothing else is set).
	Engine        string              `json:"engine,omitempty"`
	Rows          int                 `json:"rows"`
	Cols          int                 `json:"cols"`
	Screen        []string            `json:"screen"`
	ANSI          *string             `json:"ansi,omitempty"`
	Crashed       *string             `json:"crashed"`
	Commands      []runner.Record     `json:"commands"`
	CommandCount  uint64              `json:"command_count"`
	Denied        []runner.Record     `json:"denied"`
	Unsupported   []runner.Record     `json:"unsupported"`
	Incidents     []string            `json:"incidents"`
	PipeOutput    []runner.PipeOutput `json:"pipe_output"`
	Snapshots     []runner.Snapshot   `json:"snapshots"`
	Stderr        []string            `json:"stderr"`
	Subscriptions []string            `json:"subscriptions"`
	Permissions   []string            `json:"permissions"`
	Withheld      []runner.Withheld   `json:"withheld"`
	Timings       runner.Timings      `json:"timings"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func runPluginRun(ctx context.Context, args []string, s stdio) int {
	a, err := parsePluginRunArgs(args, s)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(s.err, "tessera plugin run: %v\n", err)
		if !errors.As(err, new(scriptErrors)) {
			fmt.Fprintln(s.err, "Run 'tessera plugin run -h' for usage.")
		}
		return exitUsage
	}
	stopProfile := startCPUProfile(s.err)
	defer stopProfile()
	abs, err := filepath.Abs(a.file)
	if err != nil {
		fmt.Fprintf(s.err, "tessera plugin run: %v\n", err)
		return exitError
	}
	if os.Getenv("GOGC") == "" {
		// Compiling a plugin allocates about 30 times the module's size
		// (110 MB for a 3.6 MB Go plugin on the interpreter); in a fresh
		// process the default GC target makes the collector run at every
		// doubling of a small heap, which costs a quarter of a cold start.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	// The heap about to be allocated is fresh memory: fault it in by huge
	// pages (see hugePageHeap). In the background: its collection takes
	// 5-20 ms of wall time, while reading the module, creating the host and
	// rewriting the module take longer and allocate little; the compile's
	// allocations come after it.
	go hugePageHeap(heapForCompile)
	wasm, err := os.ReadFile(abs)
	if err != nil {
		return pluginRunFailed(s, a, "file:"+abs, fmt.Errorf("read plugin: %w", err))
	}
	log := slog.New(slog.DiscardHandler)
	if a.verbose {
		log = slog.New(slog.NewTextHandler(s.err, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	url := "file:" + abs
	if slices.Contains(a.grant, pluginpb.PermissionType_FullHdAccess) && len(a.mounts) > 0 {
		fmt.Fprintln(s.err, "tessera plugin run: note: FullHdAccess lets the plugin re-point /host anywhere on the disk (ChangeHostFolder), beyond its --mount; read-only mounts stay read-only")
	}
	h, err := wasi.NewHost(ctx, wasi.HostConfig{CacheDir: a.cacheDir, Engine: a.engine, Logger: log})
	if err != nil {
		return pluginRunFailed(s, a, url, err)
	}
	defer func() {
		// The screen is out: now let an unfinished background compile
		// and the cache writes finish, so that the next run starts
		// compiled.
		if a.compileWait > 0 {
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.compileWait)
			if err := h.WaitCompiled(wctx); err != nil {
				log.Info("exit before the background compile finished; the next run starts on the interpreter again", "err", err)
			}
			cancel()
		}
		h.Close(context.Background())
	}()
	res, err := runner.Run(ctx, h, runner.Options{
		WASM:        wasm,
		URL:         url,
		Config:      a.config,
		Rows:        a.rows,
		Cols:        a.cols,
		Mounts:      a.mounts,
		Env:         a.env,
		Grant:       a.grant,
		CallTimeout: a.timeout,
		Steps:       a.script,
		Logger:      log,
	})
	if err != nil {
		// A crash while loading is one line, as later crashes are, not
		// "load plugin: load plugin 0: plugin 0: crashed in load: ...".
		var ce *wasi.CrashError
		if errors.As(err, &ce) {
			err = errors.New(crashLine(ce))
		}
		return pluginRunFailed(s, a, url, err)
	}
	interrupted := ctx.Err() != nil

	if a.json {
		out := pluginRunJSON{
			Plugin:        url,
			Engine:        res.Engine.String(),
			Rows:          res.Rows,
			Cols:          res.Cols,
			Screen:        nonNil(res.Lines),
			Commands:      nonNil(res.Commands),
			CommandCount:  res.CommandCount,
			Denied:        []runner.Record{},
			Unsupported:   []runner.Record{},
			Incidents:     nonNil(res.Incidents),
			PipeOutput:    nonNil(res.PipeOutput),
			Snapshots:     nonNil(res.Snapshots),
			Stderr:        nonNil(res.Stderr),
			Subscriptions: nonNil(res.Subscriptions),
			Permissions:   nonNil(res.Permissions),
			Withheld:      nonNil(res.Withheld),
			Timings:       res.Timings,
		}
		if a.ansi {
			out.ANSI = &res.ANSI
		}
		if res.Crashed != nil {
			msg := res.Crashed.Error()
			out.Crashed = &msg
		}
		for _, c := range res.Commands {
			switch c.Status {
			case runner.StatusDenied:
				out.Denied = append(out.Denied, c)
			case runner.StatusUnsupported:
				out.Unsupported = append(out.Unsupported, c)
			}
		}
		if err := writeJSON(s.out, out); err != nil {
			fmt.Fprintf(s.err, "tessera plugin run: write output: %v\n", err)
			return exitError
		}
	} else if a.ansi {
		io.WriteString(s.out, res.ANSI)
	} else {
		var b strings.Builder
		for _, l := range res.Lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		io.WriteString(s.out, b.String())
	}
	stopProfile() // the profile covers the way to the screen only

	if res.Crashed != nil {
		fmt.Fprintf(s.err, "tessera plugin run: %s: %s\n", a.file, crashLine(res.Crashed))
		return exitError
	}
	if !a.json {
		writeWithheldNote(s.err, res.Withheld)
		writeDeniedNote(s.err, res.Commands)
	}
	if interrupted {
		fmt.Fprintf(s.err, "tessera plugin run: interrupted: %v\n", context.Cause(ctx))
		return exitError
	}
	return exitOK
}

// crashLine is a crash as one line, without the plugin id the user did not
// choose: "worker compute timed out after 2s in compute_worker".
func crashLine(ce *wasi.CrashError) string {
	if ce.Worker != "" {
		return "worker " + ce.Worker + " " + ce.Reason()
	}
	return ce.Reason()
}

// pluginRunFailed reports a run that produced no screen: on stderr, and
// with --json as a JSON document on stdout too.
func pluginRunFailed(s stdio, a *pluginRunArgs, url string, err error) int {
	fmt.Fprintf(s.err, "tessera plugin run: %s: %v\n", a.file, err)
	if a.json {
		msg := err.Error()
		writeJSON(s.out, struct {
			Plugin string `json:"plugin"`
			Error  string `json:"error"`
		}{url, msg})
	}
	return exitError
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeDeniedNote tells the user which commands the permission gate
// dropped and which --grant would let them through, as for withheld events.
func writeDeniedNote(w io.Writer, recs []runner.Record) {
	byPerm := map[string][]string{}
	for _, r := range recs {
		perm, ok := strings.CutPrefix(r.Note, "needs ")
		if r.Status != runner.StatusDenied || !ok {
			continue
		}
		if !slices.Contains(byPerm[perm], r.Name) {
			byPerm[perm] = append(byPerm[perm], r.Name)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(byPerm)) {
		fmt.Fprintf(w, "tessera plugin run: note: %s denied: the plugin lacks %s (add --grant %s)\n",
			strings.Join(byPerm[p], ", "), p, p)
	}
}

// writeWithheldNote tells the user which subscribed events the permission
// filter kept from the plugin and which --grant would let them through: a
// plugin run from a file is not built in, so it receives state events only
// with the permission they need, as in a real session.
func writeWithheldNote(w io.Writer, withheld []runner.Withheld) {
	byPerm := map[string][]string{}
	var perms []string
	for _, wh := range withheld {
		if _, ok := byPerm[wh.Permission]; !ok {
			perms = append(perms, wh.Permission)
		}
		byPerm[wh.Permission] = append(byPerm[wh.Permission], wh.Event)
	}
	slices.Sort(perms)
	for _, p := range perms {
		fmt.Fprintf(w, "tessera plugin run: note: %s not sent: the plugin lacks %s (add --grant %s)\n",
			strings.Join(byPerm[p], ", "), p, p)
	}
}
