package daemon

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// tenLines is a terminal of 3 rows that was fed l1 … l10: l8–l10 on the
// screen, l1–l7 in the scrollback.
func tenLines(t *testing.T) *terminal {
	t.Helper()
	term := newTerminal(3, 20)
	var b strings.Builder
	for i := 1; i <= 10; i++ {
		if i > 1 {
			b.WriteString("\r\n")
		}
		fmt.Fprintf(&b, "\x1b[1ml%d\x1b[0m", i)
	}
	term.feed([]byte(b.String()))
	return term
}

func viewOf(term *terminal) []string {
	lines, _, _, _, _, _ := term.snapshot()
	return lines
}

func TestTerminalScrollViewport(t *testing.T) {
	term := tenLines(t)
	if got := viewOf(term); !slices.Equal(got, []string{"l8", "l9", "l10"}) {
		t.Fatalf("live screen = %q", got)
	}
	for _, step := range []struct {
		what string
		do   func() bool
		want []string
		off  int
	}{
		{"up 1", func() bool { return term.scrollBy(1) }, []string{"l7", "l8", "l9"}, 1},
		{"page up", func() bool { return term.scrollBy(3) }, []string{"l4", "l5", "l6"}, 4},
		{"up past the top is clamped", func() bool { return term.scrollBy(100) }, []string{"l1", "l2", "l3"}, 7},
		{"down 1", func() bool { return term.scrollBy(-1) }, []string{"l2", "l3", "l4"}, 6},
		{"bottom", func() bool { return term.scrollTo(0) }, []string{"l8", "l9", "l10"}, 0},
		{"down at the bottom moves nothing", func() bool { return term.scrollBy(-1) }, []string{"l8", "l9", "l10"}, 0},
		{"top", func() bool { return term.scrollTo(-1) }, []string{"l1", "l2", "l3"}, 7},
	} {
		step.do()
		if got := viewOf(term); !slices.Equal(got, step.want) || term.scrolled() != step.off {
			t.Errorf("%s: view %q at offset %d, want %q at %d", step.what, got, term.scrolled(), step.want, step.off)
		}
	}
	// The ANSI view carries the rows' styles; the cursor moves down with
	// the rows.
	term.scrollTo(2)
	_, ansi, _, _, crow, _ := term.snapshot()
	if want := "\x1b[1ml6\x1b[0m\n\x1b[1ml7\x1b[0m\n\x1b[1ml8\x1b[0m\n"; ansi != want {
		t.Errorf("scrolled ANSI = %q, want %q", ansi, want)
	}
	if crow != 4 {
		t.Errorf("cursor row when scrolled back 2 = %d, want 4 (below the view)", crow)
	}
	// New output snaps back to the live screen.
	term.feed([]byte("\r\nl11"))
	if got := viewOf(term); !slices.Equal(got, []string{"l9", "l10", "l11"}) || term.scrolled() != 0 {
		t.Errorf("after output: view %q at offset %d, want the live screen", got, term.scrolled())
	}
	// So does a resize.
	term.scrollBy(2)
	term.resize(3, 30)
	if term.scrolled() != 0 {
		t.Errorf("offset after a resize = %d, want 0", term.scrolled())
	}
	// The alternate screen has no scrollback to scroll.
	term.feed([]byte("\x1b[?1049h\x1b[Hfull"))
	if term.scrollBy(1) || term.scrolled() != 0 {
		t.Errorf("the alternate screen scrolled")
	}
}

func TestScrollWakesAndRedrawsAttach(t *testing.T) {
	a, tg := attachFixture(3, 20)
	tg.term = tenLines(t)
	tg.p.term = tg.term
	ctx := context.Background()
	c := &attachClient{rows: 3, cols: 20}
	pa := a.join(ctx, tg, c)
	defer a.leave(tg, pa, c)
	o := &attachOut{t: tg, c: c, first: true}
	if m, _ := o.next(); m == nil || !m.Full {
		t.Fatalf("first update = %v", m)
	}
	_, changed := o.next()
	tg.term.scrollBy(2)
	select {
	case <-changed:
	default:
		t.Fatal("scrolling did not wake the attach")
	}
	m, _ := o.next()
	var rows []string
	for _, r := range m.GetRowsChanged() {
		rows = append(rows, fmt.Sprintf("%d:%s", r.Row, r.Ansi))
	}
	want := []string{"0:\x1b[1ml6\x1b[0m", "1:\x1b[1ml7\x1b[0m", "2:\x1b[1ml8\x1b[0m"}
	if !slices.Equal(rows, want) || m.CursorVisible {
		t.Fatalf("scrolled update: rows %q cursor visible %v, want %q and no cursor", rows, m.CursorVisible, want)
	}
	tg.term.scrollTo(0)
	m, _ = o.next()
	rows = rows[:0]
	for _, r := range m.GetRowsChanged() {
		rows = append(rows, fmt.Sprintf("%d:%s", r.Row, r.Ansi))
	}
	want = []string{"0:\x1b[1ml8\x1b[0m", "1:\x1b[1ml9\x1b[0m", "2:\x1b[1ml10\x1b[0m"}
	if !slices.Equal(rows, want) || !m.CursorVisible {
		t.Fatalf("back at the bottom: rows %q cursor visible %v, want %q", rows, m.CursorVisible, want)
	}
}

func TestScrollCommands(t *testing.T) {
	d := &Daemon{}
	s := &session{addr: "session.s", name: "s"}
	tb := &tab{addr: "session.s.tab.t", sess: s}
	s.tabs = []*tab{tb}
	term := &pane{addr: "session.s.tab.t.pane.log", kind: KindTerminal, sess: s, tab: tb, id: 1, term: tenLines(t)}
	plug := &pane{addr: "session.s.tab.t.pane.bar", kind: KindPluginPane, sess: s, tab: tb, id: 2,
		plug: &pluginObj{id: 5, view: newPluginView(1, 20)}}
	tb.panes = []*pane{term, plug}
	termID := &pluginpb.PaneId{PaneType: pluginpb.PaneType_Terminal, Id: 1}
	run := func(cmd *pluginpb.PluginCommand) error {
		t.Helper()
		handled, err := d.scrollCommand(plug, cmd)
		if !handled {
			t.Fatalf("%s not handled", cmd.GetName())
		}
		return err
	}
	// The focused pane (the terminal, focus 0).
	for _, step := range []struct {
		name pluginpb.CommandName
		off  int
	}{
		{pluginpb.CommandName_ScrollUp, 1},
		{pluginpb.CommandName_PageScrollUp, 4},
		{pluginpb.CommandName_ScrollDown, 3},
		{pluginpb.CommandName_ScrollToTop, 7},
		{pluginpb.CommandName_PageScrollDown, 4},
		{pluginpb.CommandName_ScrollToBottom, 0},
	} {
		if err := run(&pluginpb.PluginCommand{Name: step.name}); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if got := term.term.scrolled(); got != step.off {
			t.Errorf("after %s: offset %d, want %d", step.name, got, step.off)
		}
	}
	// By pane id.
	for _, step := range []struct {
		cmd *pluginpb.PluginCommand
		off int
	}{
		{&pluginpb.PluginCommand{Name: pluginpb.CommandName_ScrollUpInPaneId, Payload: &pluginpb.PluginCommand_ScrollUpInPaneIdPayload{
			ScrollUpInPaneIdPayload: &pluginpb.ScrollUpInPaneIdPayload{PaneId: termID}}}, 1},
		{&pluginpb.PluginCommand{Name: pluginpb.CommandName_PageScrollUpInPaneId, Payload: &pluginpb.PluginCommand_PageScrollUpInPaneIdPayload{
			PageScrollUpInPaneIdPayload: &pluginpb.PageScrollUpInPaneIdPayload{PaneId: termID}}}, 4},
		{&pluginpb.PluginCommand{Name: pluginpb.CommandName_ScrollDownInPaneId, Payload: &pluginpb.PluginCommand_ScrollDownInPaneIdPayload{
			ScrollDownInPaneIdPayload: &pluginpb.ScrollDownInPaneIdPayload{PaneId: termID}}}, 3},
		{&pluginpb.PluginCommand{Name: pluginpb.CommandName_ScrollToTopInPaneId, Payload: &pluginpb.PluginCommand_ScrollToTopInPaneIdPayload{
			ScrollToTopInPaneIdPayload: &pluginpb.ScrollToTopInPaneIdPayload{PaneId: termID}}}, 7},
		{&pluginpb.PluginCommand{Name: pluginpb.CommandName_PageScrollDownInPaneId, Payload: &pluginpb.PluginCommand_PageScrollDownInPaneIdPayload{
			PageScrollDownInPaneIdPayload: &pluginpb.PageScrollDownInPaneIdPayload{PaneId: termID}}}, 4},
		{&pluginpb.PluginCommand{Name: pluginpb.CommandName_ScrollToBottomInPaneId, Payload: &pluginpb.PluginCommand_ScrollToBottomInPaneIdPayload{
			ScrollToBottomInPaneIdPayload: &pluginpb.ScrollToBottomInPaneIdPayload{PaneId: termID}}}, 0},
	} {
		if err := run(step.cmd); err != nil {
			t.Fatalf("%s: %v", step.cmd.GetName(), err)
		}
		if got := term.term.scrolled(); got != step.off {
			t.Errorf("after %s: offset %d, want %d", step.cmd.GetName(), got, step.off)
		}
	}
	// A plugin pane does not scroll; an unknown pane is an error.
	err := run(&pluginpb.PluginCommand{Name: pluginpb.CommandName_ScrollUpInPaneId, Payload: &pluginpb.PluginCommand_ScrollUpInPaneIdPayload{
		ScrollUpInPaneIdPayload: &pluginpb.ScrollUpInPaneIdPayload{PaneId: &pluginpb.PaneId{PaneType: pluginpb.PaneType_Plugin, Id: 5}}}})
	if err == nil || !strings.Contains(err.Error(), "not a terminal pane") {
		t.Errorf("scrolling a plugin pane: %v", err)
	}
	err = run(&pluginpb.PluginCommand{Name: pluginpb.CommandName_ScrollUpInPaneId, Payload: &pluginpb.PluginCommand_ScrollUpInPaneIdPayload{
		ScrollUpInPaneIdPayload: &pluginpb.ScrollUpInPaneIdPayload{PaneId: &pluginpb.PaneId{PaneType: pluginpb.PaneType_Terminal, Id: 99}}}})
	if err == nil || !strings.Contains(err.Error(), "no terminal pane 99") {
		t.Errorf("scrolling an unknown pane: %v", err)
	}
	if handled, _ := d.scrollCommand(plug, &pluginpb.PluginCommand{Name: pluginpb.CommandName_Write}); handled {
		t.Error("Write was taken for a scroll command")
	}
}
