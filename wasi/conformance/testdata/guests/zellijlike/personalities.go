package main

import (
	"strconv"
	"strings"
)

// screen collects one render frame: at most rows lines, the last one
// without a newline, as zellij-tile plugins print them.
type screen struct {
	rows  int
	lines []string
}

func (s *screen) line(l string) {
	if len(s.lines) < s.rows {
		s.lines = append(s.lines, l)
	}
}

func (s *screen) flush() { writeOut([]byte(strings.Join(s.lines, "\n"))) }

// dcsText is a DCS `text` UI component; selected adds the x flag.
func dcsText(t string, selected bool) string {
	var b strings.Builder
	b.WriteString("\x1bPztext;")
	if selected {
		b.WriteByte('x')
	}
	for i := 0; i < len(t); i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(t[i])))
	}
	b.WriteString("\x1b\\")
	return b.String()
}

func clipCols(s string, cols int) string {
	if len(s) > cols {
		return s[:cols]
	}
	return s
}

// session state shared by the bars.
type sessionState struct {
	mode      *modeInfo
	tabs      []tabInfo
	keybinds  []modeKeys
	events    map[int]int
	clicks    int
	lastReply string
}

func (s *sessionState) observe(ev *event) {
	if s.events == nil {
		s.events = map[int]int{}
	}
	s.events[ev.name]++
	switch ev.name {
	case evModeUpdate:
		s.mode = ev.mode
		if len(ev.mode.keybinds) > 0 {
			s.keybinds = ev.mode.keybinds
		}
	case evInitialKeybinds:
		s.keybinds = ev.keys
	case evTabUpdate:
		s.tabs = ev.tabs
	}
}

func (s *sessionState) modeName() string {
	if s.mode == nil {
		return "NO MODE"
	}
	return modeNames[s.mode.mode]
}

func (s *sessionState) sessionName() string {
	if s.mode == nil || s.mode.session == "" {
		return "?"
	}
	return s.mode.session
}

// hint finds the key bound, in Normal mode, to switching to mode m (or,
// with m < 0, to Quit).
func (s *sessionState) hint(m int) string {
	for _, mk := range s.keybinds {
		if mk.mode != 0 {
			continue
		}
		for _, kb := range mk.binds {
			if len(kb.actions) != 1 {
				continue
			}
			a := kb.actions[0]
			if m < 0 && a.name == 0 {
				return kb.key.String()
			}
			if m >= 0 && a.name == 3 && switchTarget(a) == m {
				return kb.key.String()
			}
		}
	}
	return "UNBOUND"
}

func switchTarget(a action) int {
	for _, f := range parse(a.payload.b, "SwitchToModePayload") {
		if f.num == 1 {
			return int(f.v)
		}
	}
	return 0
}

func (s *sessionState) activeTab() string {
	for _, t := range s.tabs {
		if t.active {
			return t.name
		}
	}
	return ""
}

// ---- status-bar ----

type statusBar struct{ sessionState }

func (p *statusBar) load() {
	setSelectable(false)
	subscribe(evModeUpdate, evTabUpdate, evPaneUpdate, evCopyToClipboard, evInputReceived,
		evSystemClipboardFailure, evInitialKeybinds, evMouse)
}

func (p *statusBar) update(ev *event) bool {
	p.observe(ev)
	if ev.name == evMouse && ev.mouse.name == 2 {
		p.clicks++
		run(command(cmdNewPane), replyNone, "NewPane")
	}
	return true
}

func (p *statusBar) pipe([]field) bool { return false }

func (p *statusBar) render(rows, cols int) {
	s := &screen{rows: rows}
	l1 := " Zellij (" + p.sessionName() + ")  " + p.modeName() + "  " +
		p.hint(1) + " LOCK  " + p.hint(3) + " PANE  " + p.hint(4) + " TAB  " + p.hint(2) + " RESIZE  " + p.hint(-1) + " QUIT"
	s.line("\x1b[38;5;154m" + clipCols(l1, cols) + "\x1b[0K\x1b[0m")
	s.line(clipCols(" tab: "+p.activeTab()+"  tabs: "+strconv.Itoa(len(p.tabs))+"  clicks: "+strconv.Itoa(p.clicks), cols))
	s.flush()
}

// ---- tab-bar ----

type region struct {
	from, to int
	tab      int // -1: the new-tab button
}

type tabBar struct {
	sessionState
	hint    string
	regions []region
}

func (p *tabBar) load() {
	setSelectable(false)
	subscribe(evModeUpdate, evMouse, evInitialKeybinds, evTabUpdate, evHintText, evActivePaneScroll,
		evTimer, evInputReceived)
}

func switchTabTo(pos uint64) {
	payload := enc(nil).varint(1, pos)
	run(command(cmdSwitchTabTo).bytes(11, payload), replyNone, "SwitchTabTo")
}

func newTab() string {
	b := run(command(cmdNewTab).bytes(112, nil), replyStrict, "NewTab")
	for _, f := range parse(b, "NewTabResponse") {
		switch f.num {
		case 1:
			want(f, 0, "NewTabResponse.tab_id")
			return "tab id " + strconv.FormatUint(f.v, 10)
		case 2:
			want(f, 0, "NewTabResponse.none")
			return "no tab"
		}
	}
	return "empty reply"
}

func (p *tabBar) update(ev *event) bool {
	p.observe(ev)
	switch ev.name {
	case evHintText:
		p.hint = "hint"
		setTimeout(5.0)
	case evTimer:
		p.hint = ""
	case evMouse:
		switch ev.mouse.name {
		case 2:
			for _, r := range p.regions {
				if int(ev.mouse.col) >= r.from && int(ev.mouse.col) < r.to {
					if r.tab < 0 {
						p.lastReply = newTab()
					} else {
						switchTabTo(uint64(r.tab) + 1)
					}
				}
			}
		case 0, 1:
			if n := len(p.tabs); n > 0 {
				cur := 0
				for i, t := range p.tabs {
					if t.active {
						cur = i
					}
				}
				if ev.mouse.name == 1 {
					cur = (cur + 1) % n
				} else {
					cur = (cur + n - 1) % n
				}
				switchTabTo(uint64(cur) + 1)
			}
		}
	}
	return len(p.tabs) > 0
}

func (p *tabBar) pipe([]field) bool { return false }

func (p *tabBar) render(rows, cols int) {
	p.regions = p.regions[:0]
	if len(p.tabs) == 0 {
		return
	}
	line := " Zellij (" + p.sessionName() + ") "
	plain := line
	for i, t := range p.tabs {
		label := " " + t.name + " "
		if t.active {
			label = "[" + t.name + "]"
		}
		p.regions = append(p.regions, region{from: len(plain), to: len(plain) + len(label), tab: i})
		plain += label
		line += label
	}
	p.regions = append(p.regions, region{from: len(plain), to: len(plain) + 3, tab: -1})
	line += " + "
	if p.lastReply != "" {
		line += " (" + p.lastReply + ")"
	}
	if p.hint != "" {
		line += " " + p.hint
	}
	s := &screen{rows: rows}
	s.line(clipCols(line, cols))
	s.flush()
}

// ---- compact-bar ----

type compactBar struct {
	sessionState
	ids pluginIds
}

func (p *compactBar) load() {
	p.ids = getPluginIds()
	setSelectable(false)
	subscribe(evTabUpdate, evPaneUpdate, evModeUpdate, evMouse, evCopyToClipboard, evInputReceived,
		evSystemClipboardFailure, evInitialKeybinds)
}

func (p *compactBar) update(ev *event) bool {
	p.observe(ev)
	if ev.name == evMouse && ev.mouse.name == 2 && len(p.tabs) > 0 {
		switchTabTo(uint64(ev.mouse.col)%uint64(len(p.tabs)) + 1)
	}
	return p.activeTab() != ""
}

func (p *compactBar) pipe([]field) bool { return false }

func (p *compactBar) render(rows, cols int) {
	if p.activeTab() == "" {
		return
	}
	line := " Zellij (" + p.sessionName() + ") "
	for _, t := range p.tabs {
		if t.active {
			line += "[" + t.name + "]"
		} else {
			line += " " + t.name + " "
		}
	}
	line += "  " + p.modeName() + "  plugin " + strconv.FormatInt(p.ids.pluginID, 10)
	s := &screen{rows: rows}
	s.line(clipCols(line, cols))
	s.flush()
}

// ---- strider ----

type strider struct {
	cwd      string // browse root from PluginIds.initial_cwd (a host path)
	path     string // current folder, a host path
	files    []fileEntry
	selected int
	search   string
	folders  []string // HostFolderChanged paths seen
	picker   string   // CLI pipe id of a pending filepicker request
}

func (p *strider) load() {
	ids := getPluginIds()
	p.cwd = ids.cwd
	subscribe(evKey, evMouse, evCustomMessage, evTimer, evFileSystemUpdate, evHostFolderChanged, evPermissionRequestResult)
	p.path = p.cwd
	if c, ok := config["caller_cwd"]; ok {
		p.path = c
	}
	if p.path != p.cwd {
		changeHostFolder(p.path)
	} else {
		scanHostFolder("/host")
	}
}

func scanHostFolder(dir string) {
	run(command(cmdScanHostFolder).str(61, dir), replyNone, "ScanHostFolder")
}

func changeHostFolder(dir string) {
	payload := enc(nil).str(1, dir)
	run(command(cmdChangeHostFolder).bytes(89, payload), replyNone, "ChangeHostFolder")
}

func (p *strider) update(ev *event) bool {
	switch ev.name {
	case evFileSystemUpdate:
		p.files = p.files[:0]
		for _, f := range ev.files {
			if !strings.HasPrefix(f.path, "/host/") {
				fail("FileSystemUpdate path outside /host: " + f.path)
			}
			name := strings.TrimPrefix(f.path, "/host/")
			if strings.HasPrefix(name, ".") && config["show_hidden_files"] != "true" {
				continue
			}
			f.path = name
			p.files = append(p.files, f)
		}
		if p.selected >= len(p.files) {
			p.selected = 0
		}
		return true
	case evHostFolderChanged:
		p.folders = append(p.folders, ev.text)
		scanHostFolder("/host")
		return true
	case evKey:
		k := ev.key
		switch {
		case k.mods != 0:
		case k.named == 3: // Down
			if p.selected+1 < len(p.files) {
				p.selected++
			}
		case k.named == 4: // Up
			if p.selected > 0 {
				p.selected--
			}
		case k.named == 5 || k.named == 31 || k.named == 23: // Right, Enter, Tab
			if p.selected < len(p.files) && !p.files[p.selected].isDir && p.picker != "" {
				p.pick(p.files[p.selected].path)
			} else if p.selected < len(p.files) && p.files[p.selected].isDir {
				p.path = strings.TrimSuffix(p.path, "/") + "/" + p.files[p.selected].path
				p.selected = 0
				changeHostFolder(p.path)
			}
		case k.named == 2: // Left
			if i := strings.LastIndexByte(p.path, '/'); i > 0 {
				p.path = p.path[:i]
				p.selected = 0
				changeHostFolder(p.path)
			}
		case k.named < 0:
			p.search += string(rune(k.char))
		}
		return true
	case evMouse:
		if ev.mouse.name == 2 && ev.mouse.line >= 2 && int(ev.mouse.line)-2 < len(p.files) {
			p.selected = int(ev.mouse.line) - 2
		}
		return true
	}
	return false
}

// pipe takes the filepicker request: a private message named filepicker;
// a CLI sender is kept blocked until a file is chosen.
func (p *strider) pipe(msg []field) bool {
	var name, cli string
	private, isCli := false, false
	for _, f := range msg {
		switch f.num {
		case 2:
			cli, isCli = string(f.b), true
		case 4:
			want(f, 2, "PipeMessage.name")
			name = string(f.b)
		case 7:
			want(f, 0, "PipeMessage.is_private")
			private = f.v != 0
		}
	}
	if !private || name != "filepicker" {
		return false
	}
	if isCli {
		run(command(cmdBlockCliPipeInput).str(48, cli), replyNone, "BlockCliPipeInput")
		p.picker = cli
	}
	return true
}

// pick answers the filepicker request with the chosen file.
func (p *strider) pick(file string) {
	chosen := strings.TrimSuffix(p.path, "/") + "/" + file
	out := enc(nil).str(1, p.picker).str(2, chosen)
	run(command(cmdCliPipeOutput).bytes(49, out), replyNone, "CliPipeOutput")
	run(command(cmdUnblockCliPipeInput).str(47, p.picker), replyNone, "UnblockCliPipeInput")
	p.picker = ""
}

func (p *strider) render(rows, cols int) {
	s := &screen{rows: rows}
	s.line(dcsText("FIND: "+p.search+"_", false))
	head := p.path + "/"
	if p.picker != "" {
		head += " (pick a file)"
	}
	s.line(dcsText(clipCols(head, cols), false))
	for i, f := range p.files {
		if len(s.lines) >= rows-1 {
			break
		}
		name := f.path
		if f.isDir {
			name += "/"
		} else if f.meta {
			name += " (" + strconv.FormatUint(f.size, 10) + " B)"
		}
		s.line(dcsText(clipCols(name, cols), i == p.selected))
	}
	for len(s.lines) < rows-1 {
		s.line("")
	}
	s.line(dcsText(clipCols("<Up/Down> navigate <Enter> open", cols), false))
	s.flush()
}

// ---- session-manager ----

type sessionManager struct {
	sessionState
	ids       pluginIds
	sessions  []sessionInfo
	timers    int
	lastSaved string
	selected  int
	visible   bool
}

func (p *sessionManager) load() {
	subscribe(evSessionUpdate, evKey, evModeUpdate, evRunCommandResult, evTimer, evVisible)
	p.ids = getPluginIds()
	name := enc(nil).varint(1, uint64(uint32(p.ids.pluginID))).str(2, "Session Manager")
	run(command(cmdRenamePluginPane).bytes(35, name), replyNone, "RenamePluginPane")
	p.sessions = decodeSessionList(run(command(cmdGetSessionList).bytes(161, nil), replyStrict, "GetSessionList"))
	if config["welcome_screen"] != "true" {
		setTimeout(1.0)
	}
}

func (p *sessionManager) update(ev *event) bool {
	p.observe(ev)
	switch ev.name {
	case evTimer:
		p.timers++
		b := run(command(cmdCurrentSessionLastSavedTime).bytes(138, nil), replyStrict, "CurrentSessionLastSavedTime")
		p.lastSaved = "never"
		for _, f := range parse(b, "CurrentSessionLastSavedTimeResponse") {
			if f.num == 1 {
				want(f, 0, "CurrentSessionLastSavedTimeResponse.timestamp_millis")
				p.lastSaved = strconv.FormatUint(f.v, 10) + "ms ago"
			}
		}
		p.sessions = decodeSessionList(run(command(cmdGetSessionList).bytes(161, nil), replyStrict, "GetSessionList"))
		setTimeout(1.0)
	case evSessionUpdate:
		p.sessions = ev.session
	case evVisible:
		p.visible = ev.flag
	case evKey:
		switch ev.key.named {
		case 3:
			if p.selected+1 < len(p.sessions) {
				p.selected++
			}
		case 4:
			if p.selected > 0 {
				p.selected--
			}
		}
	}
	return true
}

func (p *sessionManager) pipe([]field) bool { return false }

func (p *sessionManager) render(rows, cols int) {
	s := &screen{rows: rows}
	s.line("\x1b[1;1H" + dcsText(clipCols("Sessions ("+strconv.Itoa(len(p.sessions))+")", cols), false))
	for i, se := range p.sessions {
		l := se.name + " [" + strconv.Itoa(len(se.tabs)) + " tabs, " + strconv.FormatUint(se.clients, 10) + " clients]"
		if se.current {
			l += " (current)"
		}
		if len(se.tabs) > 0 {
			l += " " + se.tabs[0].name
		}
		s.line(dcsText(clipCols(l, cols), i == p.selected))
	}
	s.line(clipCols("mode "+p.modeName()+"  timers "+strconv.Itoa(p.timers)+"  saved "+p.lastSaved, cols))
	s.flush()
}

// ---- a third-party plugin: asks for permissions, runs commands, has a worker ----

type thirdParty struct {
	sessionState
	permission string
	results    []string
	worker     string
	sent       int
}

func (p *thirdParty) load() {
	var perms enc
	for _, t := range []uint64{0, 1, 3} { // ReadApplicationState, ChangeApplicationState, RunCommands
		perms = perms.raw(t)
	}
	run(command(cmdRequestPluginPermissions).bytes(38, enc(nil).bytes(1, perms)), replyNone, "RequestPluginPermissions")
	p.permission = "pending"
	subscribe(evModeUpdate, evTabUpdate, evPermissionRequestResult, evKey, evRunCommandResult, evCustomMessage)
}

func (p *thirdParty) update(ev *event) bool {
	p.observe(ev)
	switch ev.name {
	case evPermissionRequestResult:
		p.permission = "denied"
		if ev.flag {
			p.permission = "granted"
		}
	case evKey:
		switch {
		case ev.key.named < 0 && ev.key.char == 'r':
			ctx := enc(nil).str(1, "id").str(2, strconv.Itoa(len(p.results)+1))
			payload := enc(nil).str(1, "echo").str(1, "hi").str(3, "/host").bytes(4, ctx)
			run(command(cmdRunCommand).bytes(43, payload), replyNone, "RunCommand")
		case ev.key.named < 0 && (ev.key.char == 'w' || ev.key.char == 'i'):
			p.sent++
			payload := strconv.Itoa(p.sent)
			if ev.key.char == 'i' {
				payload = "ids"
			}
			msg := enc(nil).str(1, "ping").str(2, payload).str(3, "search")
			run(command(cmdPostMessageTo).bytes(14, enc(nil).bytes(1, msg)), replyNone, "PostMessageTo")
		}
	case evRunCommandResult:
		r := "exit="
		code, id := "none", ""
		for _, f := range parse(ev.payload.b, "RunCommandResultPayload") {
			switch f.num {
			case 1:
				want(f, 0, "RunCommandResultPayload.exit_code")
				code = strconv.Itoa(int(int32(f.v)))
			case 2, 3:
				want(f, 2, "RunCommandResultPayload output")
			case 4:
				want(f, 2, "RunCommandResultPayload.context")
				for _, g := range parse(f.b, "ContextItem") {
					if g.num == 2 {
						want(g, 2, "ContextItem.value")
						id = string(g.b)
					}
				}
			}
		}
		p.results = append(p.results, r+code+" id="+id)
	case evCustomMessage:
		for _, f := range parse(ev.payload.b, "CustomMessagePayload") {
			if f.num == 2 {
				p.worker = string(f.b)
			}
		}
	}
	return true
}

func (p *thirdParty) pipe([]field) bool { return false }

func (p *thirdParty) render(rows, cols int) {
	s := &screen{rows: rows}
	s.line(clipCols("permission: "+p.permission+"  mode: "+p.modeName()+"  tabs: "+strconv.Itoa(len(p.tabs)), cols))
	s.line(clipCols("runs: "+strings.Join(p.results, ", "), cols))
	s.line(clipCols("worker: "+p.worker, cols))
	s.flush()
}

// ---- sweep: issues every command listed in the configuration ----

// sweep sends, during load, each command of config "commands" (a comma
// list of NUMBER:KIND, KIND one of none, strict, lenient) without payload
// and checks the reply framing of each; replies must be well-formed
// protobuf.
type sweep struct{ done, replies int }

func (p *sweep) load() {
	subscribe(evCustomMessage, evTimer)
	for _, item := range strings.Split(config["commands"], ",") {
		num, kind, _ := strings.Cut(item, ":")
		n, err := strconv.Atoi(num)
		if err != nil {
			fail("sweep: bad command " + item)
		}
		k := replyNone
		switch kind {
		case "strict":
			k = replyStrict
		case "lenient":
			k = replyLenient
		case "none":
		default:
			fail("sweep: bad reply kind " + item)
		}
		b := run(command(n), k, "command "+num)
		if b != nil {
			parse(b, "reply to command "+num)
			p.replies++
		}
		p.done++
	}
}

func (p *sweep) update(*event) bool { return true }

func (p *sweep) pipe([]field) bool { return false }

func (p *sweep) render(rows, cols int) {
	s := &screen{rows: rows}
	s.line("sweep: " + strconv.Itoa(p.done) + " commands, " + strconv.Itoa(p.replies) + " replies")
	s.flush()
}
