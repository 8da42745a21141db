//go:build wasip1

// Command status is a status-line plugin: the session name, the current
// input mode and the tabs on the first line, details of the active tab on
// the second (when the pane has two rows). It draws with SGR colours taken
// from the session theme that ModeUpdate carries.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o status.wasm .
package main

import (
	"os"
	"strconv"
	"strings"

	"github.com/tessera-ws/tessera/sdk"
	"github.com/tessera-ws/tessera/sdk/pb"
	"github.com/tessera-ws/tessera/sdk/ui"
)

func init() { sdk.Register(&status{palette: ui.DefaultPalette()}) }

func main() {}

type status struct {
	sdk.BasePlugin
	session string
	mode    pb.InputMode
	palette ui.Palette
	tabs    []*pb.TabInfo

	// Derived on update, so that render only lays out: the mode's name,
	// each tab's label and its width in cells.
	modeName string
	labels   []string
	widths   []int
	// out holds the frame being drawn; kept between renders so that a
	// render allocates nothing once it has grown.
	out []byte
}

func (s *status) Load(map[string]string) {
	sdk.SetSelectable(false)
	sdk.RequestPermission(pb.PermissionType_ReadApplicationState)
	sdk.Subscribe(pb.EventType_ModeUpdate, pb.EventType_TabUpdate)
}

func (s *status) Update(ev *pb.Event) bool {
	switch ev.GetName() {
	case pb.EventType_ModeUpdate:
		m := ev.GetModeUpdatePayload()
		s.mode = m.GetCurrentMode()
		s.modeName = ""
		if name := m.GetSessionName(); name != "" {
			s.session = name
		}
		if m.GetStyle().GetStyling() != nil {
			s.palette, _ = ui.PaletteFromStyle(m.GetStyle())
		}
		return true
	case pb.EventType_TabUpdate:
		s.tabs = ev.GetTabUpdatePayload().GetTabInfo()
		s.labels, s.widths = s.labels[:0], s.widths[:0]
		for _, t := range s.tabs {
			l := tabLabel(t)
			s.labels = append(s.labels, l)
			s.widths = append(s.widths, ui.Width(l))
		}
		return true
	}
	return false
}

func (s *status) Render(rows, cols int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	l := &line{b: s.out[:0], width: cols}
	s.firstLine(l)
	if rows > 1 {
		l.b = append(l.b, '\n')
		l.width, l.used = cols, 0
		s.secondLine(l)
	}
	s.out = l.b
	os.Stdout.Write(l.b)
}

// line appends styled segments to b up to a width.
type line struct {
	b     []byte
	width int
	used  int
}

func (l *line) room() int { return l.width - l.used }

// add writes text in style st, cut to the remaining width. It reports
// whether all of text fitted.
func (l *line) add(st ui.Style, text string) bool {
	return l.addWidth(st, text, ui.Width(text))
}

// addWidth is add for text whose width w is known.
func (l *line) addWidth(st ui.Style, text string, w int) bool {
	fits := w <= l.room()
	if !fits {
		text = ui.Truncate(text, l.room(), "…")
		w = ui.Width(text)
	}
	if text == "" {
		return fits
	}
	l.b = st.AppendSGR(l.b)
	l.b = append(l.b, text...)
	l.used += w
	return fits
}

// fill paints the rest of the line with the bar's background.
func (l *line) fill(bar ui.Style) {
	l.b = bar.AppendSGR(l.b)
	l.b = append(l.b, ui.EraseLine...)
	l.b = append(l.b, ui.Reset...)
}

func (s *status) modeStyle() ui.Style {
	p := s.palette
	bg := p.TextUnselected.Emphasis[0]
	switch s.mode {
	case pb.InputMode_Normal:
		bg = p.RibbonSelected.Background
	case pb.InputMode_Locked:
		bg = p.ExitCodeError.Base
	}
	return ui.Style{Fg: p.RibbonSelected.Base, Bg: bg, Bold: true}
}

func (s *status) firstLine(l *line) {
	p := s.palette
	bar := p.TextUnselected.Style()
	if s.session != "" {
		l.add(p.TextUnselected.EmphasisStyle(0), " "+s.session+" ")
	}
	if s.modeName == "" {
		s.modeName = " " + strings.ToUpper(s.mode.String()) + " "
	}
	l.add(s.modeStyle(), s.modeName)
	l.add(bar, " ")
	s.addTabs(l)
	l.fill(bar)
}

func tabLabel(t *pb.TabInfo) string {
	label := " " + strconv.Itoa(int(t.GetPosition())+1) + " " + t.GetName() + " "
	if t.GetIsFullscreenActive() {
		label += "◆ "
	}
	return label
}

// addTabs draws as many tabs as fit, always including the active one, with
// a count of the tabs left out on each side.
func (s *status) addTabs(l *line) {
	p := s.palette
	if len(s.tabs) == 0 {
		dim := p.TextUnselected.Style()
		dim.Dim = true
		l.add(dim, "no tabs yet")
		return
	}
	labels, widths := s.labels, s.widths
	active := 0
	for i, t := range s.tabs {
		if t.GetActive() {
			active = i
		}
	}
	// Reserve room for the "‹N" and "N›" markers.
	const marker = 4
	width := func(from, to int) int {
		w := 0
		for i := from; i <= to; i++ {
			w += widths[i] + 1
		}
		return w
	}
	start := 0
	for start < active && width(start, active)+2*marker > l.room() {
		start++
	}
	if start > 0 {
		l.add(p.TextUnselected.EmphasisStyle(1), "‹"+strconv.Itoa(start)+" ")
	}
	end := start
	for end < len(labels) {
		rest := 0
		if end+1 < len(labels) {
			rest = marker
		}
		if widths[end]+1+rest > l.room() && end > active {
			break
		}
		st := p.RibbonUnselected.Style()
		if end == active {
			st = p.RibbonSelected.Style()
			st.Bold = true
		}
		l.addWidth(st, labels[end], widths[end])
		l.add(p.TextUnselected.Style(), " ")
		end++
	}
	if end < len(labels) {
		l.add(p.TextUnselected.EmphasisStyle(1), strconv.Itoa(len(labels)-end)+"›")
	}
}

func (s *status) secondLine(l *line) {
	p := s.palette
	bar := p.TextUnselected.Style()
	var tab *pb.TabInfo
	for _, t := range s.tabs {
		if t.GetActive() {
			tab = t
		}
	}
	if tab == nil {
		l.add(bar, " waiting for tab information…")
		l.fill(bar)
		return
	}
	key := p.TextUnselected.EmphasisStyle(2)
	l.add(bar, " Tab ")
	l.add(key, strconv.Itoa(int(tab.GetPosition())+1)+"/"+strconv.Itoa(len(s.tabs)))
	l.add(bar, " · "+tab.GetName())
	var flags []string
	if n := tab.GetPanesToHide(); n > 0 {
		flags = append(flags, strconv.Itoa(int(n))+" hidden")
	}
	if tab.GetIsFullscreenActive() {
		flags = append(flags, "fullscreen")
	}
	if tab.GetIsSyncPanesActive() {
		flags = append(flags, "sync")
	}
	if tab.GetAreFloatingPanesVisible() {
		flags = append(flags, "floating")
	}
	for _, f := range flags {
		l.add(bar, " · ")
		l.add(p.TextUnselected.EmphasisStyle(3), f)
	}
	if name := tab.GetActiveSwapLayoutName(); name != "" {
		l.add(bar, " · layout ")
		l.add(key, name)
		if tab.GetIsSwapLayoutDirty() {
			l.add(bar, "*")
		}
	}
	l.fill(bar)
}
