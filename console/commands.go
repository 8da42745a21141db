package console

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
)

// Command groups, in help order.
const (
	groupInspect   = "inspect"
	groupAct       = "act"
	groupWorkspace = "workspace"
	groupFollow    = "follow"
	groupConsole   = "console"
)

func init() {
	list := func(name, kind, summary string) *Command {
		return &Command{Name: name, Args: "[ADDR]", Summary: summary, Group: groupInspect, Example: name,
			run: func(c *Console, ctx context.Context, args []string) error { return c.list(ctx, name, kind, args) }}
	}
	register(list("sessions", "session", "list sessions"))
	register(list("tabs", "tab", "list tabs"))
	register(list("panes", "pane", "list terminal and plugin panes"))
	register(list("plugins", "plugin", "list plugin panes and background plugins"))
	register(&Command{Name: "status", Summary: "the daemon: workspace, pid, uptime, counts", Group: groupInspect, Example: "status", run: (*Console).status})
	register(&Command{Name: "describe", Args: "ADDR", Summary: "everything about one object", Group: groupInspect, Example: "describe tests", run: (*Console).describe})
	register(&Command{Name: "screen", Args: "ADDR [--ansi]", Summary: "what a pane shows now (a terminal's rows, a plugin's last frame)", Group: groupInspect, Example: "screen shell", run: (*Console).screen})
	register(&Command{Name: "scrollback", Args: "ADDR [N] [--ansi]", Summary: "the last N lines of a terminal pane's history", Group: groupInspect, Example: "scrollback tests 50", run: (*Console).scrollback})
	register(&Command{Name: "render", Args: "ADDR [RxC] [--ansi]", Summary: "the plugin renders now, at that size", Group: groupInspect, Example: "render status 2x80", run: (*Console).render})
	register(&Command{Name: "write", Args: "ADDR TEXT", Summary: `write to a terminal pane (escapes \n \t \e \xNN)`, Group: groupAct, Example: `write shell 'ls -l\n'`, run: (*Console).write})
	register(&Command{Name: "keys", Args: "ADDR KEY...", Summary: "send keys by name to a pane or plugin", Group: groupAct, Example: "keys shell Ctrl+c Up Enter", run: (*Console).keys})
	register(&Command{Name: "resize", Args: "ADDR RxC", Summary: "set a pane's size (every pane is 24x80 until resized)", Group: groupAct, Example: "resize shell 40x120", run: (*Console).resize})
	register(&Command{Name: "reload", Args: "ADDR", Summary: "stop a plugin and load it again", Group: groupAct, Example: "reload status", run: (*Console).reload})
	register(&Command{Name: "restart", Args: "ADDR", Summary: "stop a terminal pane's process and start it again", Group: groupAct, Example: "restart tests", run: (*Console).restart})
	register(&Command{Name: "new-tab", Args: "[--session S] [NAME]", Summary: "open a tab at run time (unmanaged: apply leaves it alone)", Group: groupAct, Example: "new-tab scratch", run: (*Console).newTab})
	register(&Command{Name: "open", Args: "TAB [--name N] [CMD ARG...]", Summary: "open a terminal pane at run time in a tab (unmanaged)", Group: groupAct, Example: "open scratch --name top top", run: (*Console).open})
	register(&Command{Name: "close", Args: "ADDR", Summary: "close a pane, plugin or tab (managed ones return on the next apply)", Group: groupAct, Example: "close scratch", run: (*Console).close})
	register(&Command{Name: "plan", Summary: "what apply would change", Group: groupWorkspace, Example: "plan", run: (*Console).plan})
	register(&Command{Name: "apply", Summary: "make the running session match the workspace files", Group: groupWorkspace, Example: "apply", run: (*Console).apply})
	register(&Command{Name: "logs", Args: "[-f] [-n N] [ADDR]", Summary: "recent daemon log records (-f follows)", Group: groupFollow, Example: "logs -n 20 status", run: (*Console).logs})
	register(&Command{Name: "events", Args: "[--type T]... [-n N] [ADDR]", Summary: "follow the event stream (-n stops after N events)", Group: groupFollow, Example: "events --type pane -n 5", run: (*Console).events})
	register(&Command{Name: "watch", Args: "ADDR", Summary: "redraw a pane's or plugin's screen in place as it changes (Ctrl-C stops)", Group: groupFollow, Example: "watch status", run: (*Console).watch})
	register(&Command{Name: "help", Args: "[CMD]", Summary: "list commands, or one command's usage", Group: groupConsole, Example: "help screen", run: (*Console).help})
}

// flags parses command flags that may appear anywhere among the words.
func parseFlags(cmd string, args []string, setup func(fs *flag.FlagSet)) ([]string, error) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	setup(fs)
	var pos []string
	rest := args
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			return nil, err
		}
		rest = fs.Args()
		if len(rest) > 0 {
			pos = append(pos, rest[0])
			rest = rest[1:]
		}
	}
	return pos, nil
}

func (c *Console) list(ctx context.Context, name, kind string, args []string) error {
	if len(args) > 1 {
		return usageError(registry[name])
	}
	req := &controlv1.ListRequest{Kinds: []string{kind}}
	if len(args) == 1 {
		req.Address = args[0]
	}
	res, err := c.client.List(ctx, connect.NewRequest(req))
	if err != nil {
		return err
	}
	if c.opt.JSON {
		return c.printJSON(res.Msg)
	}
	var t table
	switch kind {
	case "session":
		t.header("SESSION", "ADDRESS", "MANAGED")
		for _, o := range res.Msg.Objects {
			t.row(o.Name, o.Address, yesNo(o.Managed))
		}
	case "tab":
		t.header("SESSION", "TAB", "POS", "ADDRESS", "MANAGED", "FOCUS")
		for _, o := range res.Msg.Objects {
			t.row(o.Session, o.Name, strconv.Itoa(int(o.Position)), o.Address, yesNo(o.Managed), mark(o.Focused))
		}
	case "pane":
		t.header("ADDRESS", "KIND", "STATE", "PID", "SIZE", "COMMAND/PLUGIN")
		for _, o := range res.Msg.Objects {
			what := strings.Join(o.Command, " ")
			if o.PluginUrl != "" {
				what = o.PluginUrl
			}
			t.row(o.Address, shortKind(o.Kind), stateText(o), pidText(o), sizeText(o), what)
		}
	case "plugin":
		t.header("ADDRESS", "KIND", "STATE", "ID", "ENGINE", "URL")
		for _, o := range res.Msg.Objects {
			t.row(o.Address, shortKind(o.Kind), stateText(o), strconv.Itoa(int(o.Id)), o.Engine, o.PluginUrl)
		}
	}
	if len(res.Msg.Objects) == 0 {
		fmt.Fprintf(c.out, "no %s\n", name)
		return nil
	}
	return t.write(c.out, c.opt.Width)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func mark(b bool) string {
	if b {
		return "*"
	}
	return ""
}

func shortKind(k string) string {
	switch k {
	case "terminal_pane":
		return "terminal"
	case "plugin_pane":
		return "plugin"
	case "background_plugin":
		return "background"
	}
	return k
}

func stateText(o *controlv1.Object) string {
	s := o.State
	if o.State == "exited" {
		s = fmt.Sprintf("exited(%d)", o.ExitStatus)
	}
	if !o.Managed && (o.Kind != "session") {
		s += " (unmanaged)"
	}
	return s
}

func pidText(o *controlv1.Object) string {
	if o.Pid == 0 {
		return "-"
	}
	return strconv.Itoa(int(o.Pid))
}

func sizeText(o *controlv1.Object) string {
	if o.Rows == 0 && o.Cols == 0 {
		return "-"
	}
	return fmt.Sprintf("%dx%d", o.Rows, o.Cols)
}

func (c *Console) status(ctx context.Context, args []string) error {
	if len(args) != 0 {
		return usageError(registry["status"])
	}
	res, err := c.client.Status(ctx, connect.NewRequest(&controlv1.StatusRequest{}))
	if err != nil {
		return err
	}
	m := res.Msg
	if c.opt.JSON {
		return c.printJSON(m)
	}
	up := time.Since(time.Unix(0, m.StartedUnixNano)).Round(time.Second)
	fmt.Fprintf(c.out, "workspace  %s\npid        %d\nsocket     %s\nuptime     %s\nsessions   %s\npanes      %d\nplugins    %d\nlog        %s\n",
		m.Workspace, m.Pid, m.Socket, up, strings.Join(m.Sessions, ", "), m.Panes, m.Plugins, m.LogFile)
	if len(m.Diagnostics) > 0 {
		fmt.Fprintf(c.out, "config     invalid (%d diagnostics; `plan` shows them): running the last valid version\n", len(m.Diagnostics))
	}
	return nil
}

func (c *Console) describe(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return usageError(registry["describe"])
	}
	res, err := c.client.Describe(ctx, connect.NewRequest(&controlv1.DescribeRequest{Address: args[0]}))
	if err != nil {
		return err
	}
	if c.opt.JSON {
		return c.printJSON(res.Msg)
	}
	o := res.Msg.Object
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(c.out, "%-13s %s\n", k, v)
		}
	}
	kv("address", o.Address)
	kv("kind", shortKind(o.Kind))
	kv("state", stateText(o))
	kv("managed", yesNo(o.Managed))
	if o.Id != 0 {
		kv("id", strconv.Itoa(int(o.Id)))
	}
	if o.Pid != 0 {
		kv("pid", strconv.Itoa(int(o.Pid)))
	}
	if o.Kind != "session" && o.Kind != "tab" {
		kv("size", sizeText(o))
	}
	kv("command", strings.Join(o.Command, " "))
	kv("cwd", o.Cwd)
	kv("plugin", o.PluginUrl)
	kv("identity", o.Identity)
	kv("engine", o.Engine)
	kv("restart", o.RestartPolicy)
	if o.Restarts > 0 {
		kv("restarts", strconv.Itoa(int(o.Restarts)))
	}
	if o.StartedUnixNano != 0 {
		kv("started", time.Unix(0, o.StartedUnixNano).Format(time.DateTime))
	}
	if len(o.Config) > 0 {
		var parts []string
		for _, k := range sortedKeys(o.Config) {
			parts = append(parts, k+"="+o.Config[k])
		}
		kv("config", strings.Join(parts, " "))
	}
	kv("permissions", strings.Join(o.Permissions, ", "))
	kv("subscribed", strings.Join(o.Subscriptions, ", "))
	kv("workers", strings.Join(o.Workers, ", "))
	if s := o.Stats; s != nil {
		kv("calls", fmt.Sprintf("%d (commands %d, denied %d, unsupported %d, dropped %d)", s.Calls, s.Commands, s.Denied, s.Unsupported, s.Dropped))
		if s.Calls > 0 {
			kv("call time", fmt.Sprintf("p50 %s, p99 %s", micros(s.CallP50Micros), micros(s.CallP99Micros)))
		}
		if s.MemoryBytes > 0 {
			kv("memory", memBytes(s.MemoryBytes)+" of linear memory")
		}
	}
	kv("last error", o.LastError)
	if len(res.Msg.Children) > 0 {
		fmt.Fprintln(c.out, "children:")
		for _, ch := range res.Msg.Children {
			fmt.Fprintf(c.out, "  %s (%s, %s)\n", ch.Address, shortKind(ch.Kind), stateText(ch))
		}
	}
	if len(res.Msg.Recent) > 0 {
		fmt.Fprintln(c.out, "recent events:")
		for _, ev := range res.Msg.Recent {
			fmt.Fprintf(c.out, "  %s %-20s %s\n", time.Unix(0, ev.TimeUnixNano).Format("15:04:05.000"), ev.Type, ev.Message)
		}
	}
	return nil
}

func (c *Console) screen(ctx context.Context, args []string) error {
	var ansi bool
	pos, err := parseFlags("screen", args, func(fs *flag.FlagSet) { fs.BoolVar(&ansi, "ansi", false, "") })
	if err != nil || len(pos) != 1 {
		return usageError(registry["screen"])
	}
	res, err := c.client.Screen(ctx, connect.NewRequest(&controlv1.ScreenRequest{Address: pos[0]}))
	if err != nil {
		return err
	}
	if c.opt.JSON {
		return c.printJSON(res.Msg)
	}
	if ansi {
		_, err := io.WriteString(c.out, res.Msg.Ansi)
		return err
	}
	return c.printLines(res.Msg.Lines)
}

// printLines prints rows as text, trailing blanks trimmed (the rows
// themselves are all printed, blank ones included, up to the last
// non-blank one).
func (c *Console) printLines(lines []string) error {
	last := len(lines)
	for last > 0 && strings.TrimRight(lines[last-1], " ") == "" {
		last--
	}
	for _, l := range lines[:last] {
		if _, err := fmt.Fprintln(c.out, strings.TrimRight(l, " ")); err != nil {
			return err
		}
	}
	return nil
}

func (c *Console) scrollback(ctx context.Context, args []string) error {
	var ansi bool
	pos, err := parseFlags("scrollback", args, func(fs *flag.FlagSet) { fs.BoolVar(&ansi, "ansi", false, "") })
	if err != nil || len(pos) < 1 || len(pos) > 2 {
		return usageError(registry["scrollback"])
	}
	n := 0
	if len(pos) == 2 {
		if n, err = strconv.Atoi(pos[1]); err != nil || n < 0 {
			return fmt.Errorf("the line count must be a number, got %q", pos[1])
		}
	}
	res, err := c.client.Scrollback(ctx, connect.NewRequest(&controlv1.ScrollbackRequest{Address: pos[0], Lines: int32(n), Ansi: ansi}))
	if err != nil {
		return err
	}
	if c.opt.JSON {
		return c.printJSON(res.Msg)
	}
	for _, l := range res.Msg.Lines {
		fmt.Fprintln(c.out, strings.TrimRight(l, " "))
	}
	return nil
}

// ParseSize reads "RxC" (rows x columns), e.g. 24x80.
func ParseSize(s string) (rows, cols int, err error) {
	r, cc, ok := strings.Cut(strings.ToLower(s), "x")
	if ok {
		rows, err = strconv.Atoi(r)
		if err == nil {
			cols, err = strconv.Atoi(cc)
		}
	}
	if !ok || err != nil || rows < 1 || cols < 1 {
		return 0, 0, fmt.Errorf("size %q: want ROWSxCOLS, e.g. 24x80", s)
	}
	return rows, cols, nil
}

func (c *Console) render(ctx context.Context, args []string) error {
	var ansi bool
	pos, err := parseFlags("render", args, func(fs *flag.FlagSet) { fs.BoolVar(&ansi, "ansi", false, "") })
	if err != nil || len(pos) < 1 || len(pos) > 2 {
		return usageError(registry["render"])
	}
	req := &controlv1.RenderRequest{Address: pos[0]}
	if len(pos) == 2 {
		r, cc, err := ParseSize(pos[1])
		if err != nil {
			return err
		}
		req.Rows, req.Cols = int32(r), int32(cc)
	}
	res, err := c.client.Render(ctx, connect.NewRequest(req))
	if err != nil {
		return err
	}
	if c.opt.JSON {
		return c.printJSON(res.Msg)
	}
	if ansi || c.opt.Color {
		_, err := io.WriteString(c.out, res.Msg.Ansi)
		return err
	}
	return c.printLines(res.Msg.Lines)
}

func (c *Console) write(ctx context.Context, args []string) error {
	if len(args) < 2 {
		return usageError(registry["write"])
	}
	data, err := Unescape(strings.Join(args[1:], " "))
	if err != nil {
		return err
	}
	_, err = c.client.Write(ctx, connect.NewRequest(&controlv1.WriteRequest{Address: args[0], Data: data}))
	if err == nil && c.opt.JSON {
		return c.printJSON(map[string]any{"address": args[0], "written": len(data)})
	}
	return err
}

func (c *Console) keys(ctx context.Context, args []string) error {
	if len(args) < 2 {
		return usageError(registry["keys"])
	}
	_, err := c.client.SendKeys(ctx, connect.NewRequest(&controlv1.SendKeysRequest{Address: args[0], Keys: args[1:]}))
	if err == nil && c.opt.JSON {
		return c.printJSON(map[string]any{"address": args[0], "keys": args[1:]})
	}
	return err
}

func (c *Console) resize(ctx context.Context, args []string) error {
	if len(args) != 2 {
		return usageError(registry["resize"])
	}
	r, cc, err := ParseSize(args[1])
	if err != nil {
		return err
	}
	_, err = c.client.Resize(ctx, connect.NewRequest(&controlv1.ResizeRequest{Address: args[0], Rows: int32(r), Cols: int32(cc)}))
	if err == nil && c.opt.JSON {
		return c.printJSON(map[string]any{"address": args[0], "rows": r, "cols": cc})
	}
	return err
}

func (c *Console) reload(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return usageError(registry["reload"])
	}
	res, err := c.client.Reload(ctx, connect.NewRequest(&controlv1.ReloadRequest{Address: args[0]}))
	if err != nil {
		return err
	}
	return c.reportObject("reloaded", res.Msg.Object)
}

func (c *Console) restart(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return usageError(registry["restart"])
	}
	res, err := c.client.Restart(ctx, connect.NewRequest(&controlv1.RestartRequest{Address: args[0]}))
	if err != nil {
		return err
	}
	return c.reportObject("restarted", res.Msg.Object)
}

func (c *Console) reportObject(verb string, o *controlv1.Object) error {
	if c.opt.JSON {
		return c.printJSON(o)
	}
	switch o.State {
	case "failed", "crashed":
		return fmt.Errorf("%s %s: %s", o.Address, o.State, o.LastError)
	}
	extra := ""
	if o.Pid != 0 {
		extra = fmt.Sprintf(" (pid %d)", o.Pid)
	}
	fmt.Fprintf(c.out, "%s %s: %s%s\n", verb, o.Address, o.State, extra)
	return nil
}

func (c *Console) plan(ctx context.Context, args []string) error {
	if len(args) != 0 {
		return usageError(registry["plan"])
	}
	res, err := c.client.Plan(ctx, connect.NewRequest(&controlv1.PlanRequest{}))
	if err != nil {
		return err
	}
	if c.opt.JSON {
		return c.printJSON(res.Msg)
	}
	io.WriteString(c.out, res.Msg.Text)
	if HasErrors(res.Msg.Diagnostics) {
		return errors.New("the workspace files have errors; nothing would change")
	}
	return nil
}

// HasErrors reports whether diagnostics from the daemon include an error.
func HasErrors(ds []*controlv1.Diagnostic) bool {
	for _, d := range ds {
		if d.Severity == "error" {
			return true
		}
	}
	return false
}

func (c *Console) apply(ctx context.Context, args []string) error {
	if len(args) != 0 {
		return usageError(registry["apply"])
	}
	res, err := c.client.Apply(ctx, connect.NewRequest(&controlv1.ApplyRequest{Wait: true}))
	if err != nil {
		return err
	}
	if c.opt.JSON {
		return c.printJSON(res.Msg)
	}
	WriteApply(c.out, res.Msg, false)
	if HasErrors(res.Msg.Diagnostics) {
		return errors.New("the workspace files have errors; nothing changed")
	}
	return nil
}

// WriteApply prints the outcome of an apply for people: the plan (only
// its summary line when brief), then what runs.
func WriteApply(w io.Writer, m *controlv1.ApplyResponse, brief bool) {
	if HasErrors(m.Diagnostics) || !brief {
		io.WriteString(w, m.Text)
	} else {
		for _, l := range strings.Split(m.Text, "\n") {
			if strings.HasPrefix(l, "Plan:") || strings.HasPrefix(l, "No changes") {
				fmt.Fprintln(w, l)
			}
		}
	}
	if HasErrors(m.Diagnostics) {
		return
	}
	if len(m.Started) > 0 {
		var t table
		t.header("ADDRESS", "KIND", "STATE", "PID/ID", "COMMAND/PLUGIN")
		for _, o := range m.Started {
			what := strings.Join(o.Command, " ")
			id := pidText(o)
			if o.PluginUrl != "" {
				what = o.PluginUrl
				id = strconv.Itoa(int(o.Id))
			}
			t.row(o.Address, shortKind(o.Kind), stateText(o), id, what)
		}
		fmt.Fprintln(w)
		t.write(w, 0)
	}
	for _, o := range m.Failed {
		fmt.Fprintf(w, "FAILED %s: %s\n", o.Address, o.LastError)
	}
	for _, p := range m.Pending {
		fmt.Fprintf(w, "waiting for a permission: %s\n", p)
	}
}

func (c *Console) logs(ctx context.Context, args []string) error {
	var follow bool
	var n int
	pos, err := parseFlags("logs", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&follow, "f", false, "")
		fs.IntVar(&n, "n", 50, "")
	})
	if err != nil || len(pos) > 1 {
		return usageError(registry["logs"])
	}
	req := &controlv1.LogsRequest{Follow: follow, Tail: int32(n)}
	if len(pos) == 1 {
		req.Address = pos[0]
	}
	stream, err := c.client.Logs(ctx, connect.NewRequest(req))
	if err != nil {
		return err
	}
	defer stream.Close()
	for stream.Receive() {
		r := stream.Msg()
		if c.opt.JSON {
			if err := c.printJSON(r); err != nil {
				return err
			}
			continue
		}
		var attrs []string
		for _, k := range sortedKeys(r.Attrs) {
			attrs = append(attrs, k+"="+quoteIfNeeded(r.Attrs[k]))
		}
		fmt.Fprintf(c.out, "%s %-5s %s %s\n", time.Unix(0, r.TimeUnixNano).Format("15:04:05.000"), r.Level, r.Message, strings.Join(attrs, " "))
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := stream.Err(); err != nil {
		return err
	}
	if follow {
		return errStreamEnded
	}
	return nil
}

func quoteIfNeeded(s string) string {
	if strings.ContainsAny(s, " \t\n\"") {
		return strconv.Quote(s)
	}
	return s
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func (c *Console) events(ctx context.Context, args []string) error {
	var types multiFlag
	n := 0
	pos, err := parseFlags("events", args, func(fs *flag.FlagSet) {
		fs.Var(&types, "type", "")
		fs.IntVar(&n, "n", 0, "")
	})
	if err != nil || len(pos) > 1 {
		return usageError(registry["events"])
	}
	req := &controlv1.EventsRequest{Types: types}
	if len(pos) == 1 {
		req.Address = pos[0]
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.client.Events(ctx, connect.NewRequest(req))
	if err != nil {
		return err
	}
	defer stream.Close()
	seen := 0
	for stream.Receive() {
		ev := stream.Msg()
		if ev.Type == "subscribed" {
			continue
		}
		if c.opt.JSON {
			if err := c.printJSON(ev); err != nil {
				return err
			}
		} else if ev.Lagged {
			fmt.Fprintf(c.out, "%s -- lagged: %d events were dropped (this console fell behind) --\n", time.Unix(0, ev.TimeUnixNano).Format("15:04:05.000"), ev.Dropped)
		} else {
			addr := ev.Address
			if addr == "" {
				addr = "-"
			}
			fmt.Fprintf(c.out, "%s %-22s %-40s %s\n", time.Unix(0, ev.TimeUnixNano).Format("15:04:05.000"), ev.Type, addr, ev.Message)
		}
		seen++
		if n > 0 && seen >= n {
			return nil
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := stream.Err(); err != nil {
		return err
	}
	return errStreamEnded
}

func (c *Console) help(_ context.Context, args []string) error {
	if len(args) == 1 {
		cmd, ok := registry[args[0]]
		if !ok {
			msg := fmt.Sprintf("no command %q", args[0])
			if near := nearestName(args[0]); near != "" {
				msg += fmt.Sprintf("; did you mean %q?", near)
			}
			return errors.New(msg)
		}
		fmt.Fprintf(c.out, "usage: %s\n\n%s.\n\nexample: %s\n", cmd.Usage(), cmd.Summary, cmd.Example)
		return nil
	}
	if len(args) > 1 {
		return usageError(registry["help"])
	}
	fmt.Fprintln(c.out, "ADDR is a config address (session.dev.tab.code.pane.tests) or a unique suffix of one (tests).")
	for _, g := range []string{groupInspect, groupAct, groupPerms, groupWorkspace, groupFollow, groupConsole} {
		fmt.Fprintf(c.out, "\n%s:\n", g)
		for _, cmd := range Commands() {
			if cmd.Group == g {
				fmt.Fprintf(c.out, "  %-32s %s\n", cmd.Usage(), cmd.Summary)
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func (c *Console) newTab(ctx context.Context, args []string) error {
	var sess string
	pos, err := parseFlags("new-tab", args, func(fs *flag.FlagSet) { fs.StringVar(&sess, "session", "", "") })
	if err != nil || len(pos) > 1 {
		return usageError(registry["new-tab"])
	}
	req := &controlv1.NewTabRequest{Session: sess}
	if len(pos) == 1 {
		req.Name = pos[0]
	}
	res, err := c.client.NewTab(ctx, connect.NewRequest(req))
	if err != nil {
		return err
	}
	if c.opt.JSON {
		return c.printJSON(res.Msg.Tab)
	}
	fmt.Fprintf(c.out, "opened %s\n", res.Msg.Tab.Address)
	return nil
}

func (c *Console) open(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError(registry["open"])
	}
	req := &controlv1.OpenPaneRequest{Tab: args[0]}
	rest := args[1:]
	if len(rest) >= 2 && (rest[0] == "--name" || rest[0] == "-name") {
		req.Name, rest = rest[1], rest[2:]
	}
	if len(rest) > 0 && rest[0] == "--" {
		rest = rest[1:]
	}
	req.Command = rest
	res, err := c.client.OpenPane(ctx, connect.NewRequest(req))
	if err != nil {
		return err
	}
	return c.reportObject("opened", res.Msg.Pane)
}

func (c *Console) close(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return usageError(registry["close"])
	}
	if _, err := c.client.Close(ctx, connect.NewRequest(&controlv1.CloseRequest{Address: args[0]})); err != nil {
		return err
	}
	if c.opt.JSON {
		return c.printJSON(map[string]any{"closed": args[0]})
	}
	fmt.Fprintf(c.out, "closed %s\n", args[0])
	return nil
}

func (c *Console) watch(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return usageError(registry["watch"])
	}
	if c.term == nil || !IsTerminal(c.term) {
		return errors.New("watch draws on a terminal: run it at the console prompt, or use `screen ADDR` in scripts")
	}
	// Keys typed while watching are neither echoed over the screen nor
	// left for the prompt; Ctrl-C still stops.
	if restore, err := NoEcho(c.term); err == nil {
		defer restore()
	}
	resized, stop := WatchResize()
	defer stop()
	err := Attach(ctx, c.client, AttachOptions{
		Address:  args[0],
		Out:      c.term,
		Size:     func() (int, int) { return TermSize(c.term) },
		Resized:  resized,
		ReadOnly: true,
		Hint:     "watching: Ctrl-C stops",
	})
	var ended *EndedError
	switch {
	case ctx.Err() != nil:
		return nil
	case errors.As(err, &ended):
		return errors.New(ended.Reason)
	}
	return err
}
