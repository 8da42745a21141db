package daemon

import (
	"fmt"
	"strings"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// A terminal pane has a viewport into its scrollback: scroll is how many
// lines it is scrolled back from the live screen (0 shows the live
// screen). Plugins move it (ScrollUp, PageScrollDown, ScrollToTop, …, and
// their InPaneId forms); screen, render and attach show what it shows.
// New output from the pane's program snaps the viewport back to the live
// screen, as leaving tmux's copy mode does: what a person sees after output
// is always the program's current screen. A resize does too. The alternate
// screen (full-screen programs) has no scrollback: scrolling it does
// nothing.

// scrollBy moves the viewport delta lines back (negative: forward),
// clamped to the scrollback kept; it reports whether the view moved.
func (t *terminal) scrollBy(delta int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.setScrollLocked(t.scroll + delta)
}

// scrollTo puts the viewport n lines back (clamped); n < 0 is the top of the
// scrollback.
func (t *terminal) scrollTo(n int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n < 0 {
		n = t.scr.ScrollbackLen()
	}
	return t.setScrollLocked(n)
}

func (t *terminal) setScrollLocked(n int) bool {
	if t.scr.Modes().AltScreen {
		n = 0
	}
	n = max(0, min(n, t.scr.ScrollbackLen()))
	if n == t.scroll {
		return false
	}
	t.scroll = n
	t.gen++
	close(t.changed)
	t.changed = make(chan struct{})
	return true
}

// scrolled returns the viewport's offset.
func (t *terminal) scrolled() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.scroll
}

// viewLocked returns the rows the viewport shows, as text (trailing blanks
// trimmed) and as ANSI rows (without their newlines). Called with t.mu held.
func (t *terminal) viewLocked() (lines, ansi []string) {
	rows, _ := t.scr.Size()
	screenLines := t.scr.Lines()
	screenANSI := splitRows(t.scr.ANSI())
	k := min(t.scroll, t.scr.ScrollbackLen())
	if k <= 0 {
		return screenLines, screenANSI
	}
	from := min(k, rows)
	histLines := t.scr.Scrollback(k)[:from]
	histANSI := splitRows(t.scr.ScrollbackANSI(k))[:from]
	lines = append(append(make([]string, 0, rows), histLines...), screenLines[:rows-from]...)
	ansi = append(append(make([]string, 0, rows), histANSI...), screenANSI[:rows-from]...)
	return lines, ansi
}

// splitRows splits text of rows each followed by "\n".
func splitRows(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// scrollCommand carries out the plugin commands that scroll a terminal
// pane's viewport: 37–42 on the focused pane of the plugin's active tab,
// 99–104 on a pane by id. handled is false for any other command. Loop
// only.
func (d *Daemon) scrollCommand(pn *pane, cmd *pluginpb.PluginCommand) (handled bool, err error) {
	var id *pluginpb.PaneId
	var op string
	switch cmd.GetName() {
	case pluginpb.CommandName_ScrollUp:
		op = "up"
	case pluginpb.CommandName_ScrollDown:
		op = "down"
	case pluginpb.CommandName_ScrollToTop:
		op = "top"
	case pluginpb.CommandName_ScrollToBottom:
		op = "bottom"
	case pluginpb.CommandName_PageScrollUp:
		op = "page-up"
	case pluginpb.CommandName_PageScrollDown:
		op = "page-down"
	case pluginpb.CommandName_ScrollUpInPaneId:
		op, id = "up", cmd.GetScrollUpInPaneIdPayload().GetPaneId()
	case pluginpb.CommandName_ScrollDownInPaneId:
		op, id = "down", cmd.GetScrollDownInPaneIdPayload().GetPaneId()
	case pluginpb.CommandName_ScrollToTopInPaneId:
		op, id = "top", cmd.GetScrollToTopInPaneIdPayload().GetPaneId()
	case pluginpb.CommandName_ScrollToBottomInPaneId:
		op, id = "bottom", cmd.GetScrollToBottomInPaneIdPayload().GetPaneId()
	case pluginpb.CommandName_PageScrollUpInPaneId:
		op, id = "page-up", cmd.GetPageScrollUpInPaneIdPayload().GetPaneId()
	case pluginpb.CommandName_PageScrollDownInPaneId:
		op, id = "page-down", cmd.GetPageScrollDownInPaneIdPayload().GetPaneId()
	default:
		return false, nil
	}
	var target *pane
	if id != nil {
		p, err := d.paneByID(pn.sess, id)
		if err != nil {
			return true, err
		}
		target = p
	} else {
		t := d.activeTab(pn.sess)
		if t == nil || len(t.panes) == 0 {
			return true, fmt.Errorf("the active tab has no pane")
		}
		target = t.panes[min(t.focus, len(t.panes)-1)]
	}
	if target.term == nil {
		return true, fmt.Errorf("pane %s is not a terminal pane: only terminals scroll", target.addr)
	}
	term := target.term
	term.mu.Lock()
	page := max(1, term.rows)
	term.mu.Unlock()
	switch op {
	case "up":
		term.scrollBy(1)
	case "down":
		term.scrollBy(-1)
	case "page-up":
		term.scrollBy(page)
	case "page-down":
		term.scrollBy(-page)
	case "top":
		term.scrollTo(-1)
	case "bottom":
		term.scrollTo(0)
	}
	return true, nil
}
