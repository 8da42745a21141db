package screen

import "unicode/utf8"

// Parser limits: input beyond them is dropped, never buffered.
const (
	maxParams     = 32        // CSI parameters and sub-parameters kept
	maxParamValue = 65535     // a larger parameter saturates
	maxDCSPayload = 512 << 10 // a longer DCS `z` component is dropped
	maxOSC        = 4096      // a longer OSC string is cut
)

type vtState uint8

const (
	stGround vtState = iota
	stEscape
	stEscInter  // ESC + intermediates, waiting for the final byte
	stCSI       // parameters, intermediates, final byte
	stCSIIgnore // malformed CSI: skip to the final byte
	stOSC       // OSC string, ignored
	stString    // SOS / PM / APC string, ignored
	stDCSEntry  // DCS parameters and intermediates
	stDCSZ      // DCS `z` payload, collected
	stDCSIgnore // other DCS strings, ignored
)

// vt is a VT500-style byte parser driving a Screen.
type vt struct {
	s      *Screen
	nested bool // parsing UI component text: DCS components are not expanded

	state vtState

	// UTF-8 sequence being decoded in ground state.
	utf     [utf8.UTFMax]byte
	utfLen  int
	utfNeed int

	// CSI / DCS parameters. sub[i] is true when params[i] was joined to the
	// previous one by ':'.
	params    [maxParams]int
	sub       [maxParams]bool
	nparams   int
	curSet    bool // a digit was seen for the current parameter
	private   byte // '<', '=', '>' or '?' before the parameters, or 0
	inter     byte // last intermediate byte, or 0
	overflow  bool // more than maxParams parameters
	dcsOver   bool // DCS payload exceeded maxDCSPayload
	escString bool // ESC seen inside a string: waiting for '\'
}

func (v *vt) reset() {
	v.state = stGround
	v.utfLen, v.utfNeed = 0, 0
	v.clearParams()
	v.escString = false
}

func (v *vt) clearParams() {
	v.nparams = 0
	v.curSet = false
	v.private = 0
	v.inter = 0
	v.overflow = false
	v.params[0] = 0
	v.sub[0] = false
}

func (v *vt) feed(b []byte) {
	s := v.s
	for i := 0; i < len(b); {
		c := b[i]
		if c >= 0x20 && c < 0x7f && v.state == stGround && v.utfNeed == 0 {
			// Printable ASCII, the common case: a whole run at once.
			if s.fastPrint() {
				j := i + 1
				for j < len(b) && b[j] >= 0x20 && b[j] < 0x7f {
					j++
				}
				s.printASCII(b[i:j])
				i = j
				continue
			}
			s.print(rune(c))
			i++
			continue
		}
		v.step(c)
		i++
	}
}

// fastPrint reports whether printable ASCII may take printASCII.
func (s *Screen) fastPrint() bool {
	if s.frameMode {
		return !s.charset[s.shift]
	}
	return !s.charset[s.shift] && !s.mode.Insert && s.mode.AutoWrap
}

// step consumes one byte.
func (v *vt) step(c byte) {
	switch v.state {
	case stOSC, stString, stDCSZ, stDCSIgnore:
		v.stringByte(c)
		return
	}
	if v.utfNeed > 0 {
		if c&0xc0 == 0x80 {
			v.utf[v.utfLen] = c
			v.utfLen++
			if v.utfLen == v.utfNeed {
				r, _ := utf8.DecodeRune(v.utf[:v.utfLen])
				v.utfNeed, v.utfLen = 0, 0
				v.s.print(r)
			}
			return
		}
		// Truncated sequence.
		v.utfNeed, v.utfLen = 0, 0
		v.s.print(utf8.RuneError)
	}
	// C0 controls act in every non-string state.
	if c < 0x20 || c == 0x7f {
		v.control(c)
		return
	}
	switch v.state {
	case stGround:
		v.ground(c)
	case stEscape:
		v.escape(c)
	case stEscInter:
		switch {
		case c >= 0x30 && c < 0x7f:
			v.state = stGround
			v.escInterDispatch(c)
		case c >= 0x80:
			v.state = stGround
		}
	case stCSI:
		v.csiByte(c)
	case stCSIIgnore:
		if c >= 0x40 && c < 0x7f || c >= 0x80 {
			v.state = stGround
		}
	case stDCSEntry:
		v.dcsEntryByte(c)
	}
}

func (v *vt) ground(c byte) {
	if c < 0x80 {
		v.s.print(rune(c))
		return
	}
	switch {
	case c&0xe0 == 0xc0:
		v.utfNeed = 2
	case c&0xf0 == 0xe0:
		v.utfNeed = 3
	case c&0xf8 == 0xf0:
		v.utfNeed = 4
	default:
		v.s.print(utf8.RuneError) // stray continuation or invalid lead byte
		return
	}
	v.utf[0] = c
	v.utfLen = 1
}

// control executes a C0 control byte.
func (v *vt) control(c byte) {
	s := v.s
	switch c {
	case 0x1b: // ESC
		v.clearParams()
		v.state = stEscape
		return
	case 0x18, 0x1a: // CAN, SUB: abort any sequence
		v.state = stGround
		return
	}
	switch c {
	case '\b':
		if s.x > 0 {
			s.x-- // from the pending-wrap column too, as tmux does
		}
	case '\t':
		s.tab(1)
	case '\n', '\v', '\f':
		if s.frameMode && c == '\n' || s.mode.NewLine && !s.frameMode {
			s.x = 0
		}
		s.index()
	case '\r':
		s.x = 0
	case 0x0e: // SO: G1 into GL
		s.shift = 1
	case 0x0f: // SI: G0 into GL
		s.shift = 0
	}
}

// escInterDispatch runs ESC intermediate final: charset designation and
// DECALN; others are ignored.
func (v *vt) escInterDispatch(final byte) {
	s := v.s
	switch v.inter {
	case '(', ')':
		g := 0
		if v.inter == ')' {
			g = 1
		}
		s.charset[g] = final == '0'
	case '#':
		if final == '8' && !s.frameMode {
			s.alignmentTest()
		}
	}
}

func (v *vt) escape(c byte) {
	s := v.s
	v.state = stGround
	switch {
	case c >= 0x20 && c < 0x30:
		v.inter = c
		v.state = stEscInter
		return
	case c >= 0x80:
		return
	}
	switch c {
	case '[':
		v.clearParams()
		v.state = stCSI
	case ']':
		s.oscBuf = s.oscBuf[:0]
		v.state = stOSC
	case 'P':
		v.clearParams()
		v.state = stDCSEntry
	case 'X', '^', '_':
		v.state = stString
	case '7':
		s.saveCursor()
	case '8':
		s.restoreCursor()
	case 'H':
		if s.cols > 0 {
			s.tabs[s.curX()] = true
		}
	case '=':
		s.mode.AppKeypad = true
	case '>':
		s.mode.AppKeypad = false
	case 'D':
		s.index()
	case 'E':
		s.x = 0
		s.index()
	case 'M':
		s.reverseIndex()
	case 'c':
		s.reset()
	}
}

// paramByte handles digits, ';' and ':' for CSI and DCS; it reports false
// for other bytes.
func (v *vt) paramByte(c byte) bool {
	switch {
	case c >= '0' && c <= '9':
		if v.overflow {
			return true
		}
		if v.nparams == 0 {
			v.nparams = 1
		}
		i := v.nparams - 1
		v.params[i] = min(v.params[i]*10+int(c-'0'), maxParamValue)
		v.curSet = true
		return true
	case c == ';' || c == ':':
		if v.nparams == 0 {
			v.nparams = 1 // the empty first parameter
		}
		if v.nparams == maxParams {
			v.overflow = true
			return true
		}
		v.params[v.nparams] = 0
		v.sub[v.nparams] = c == ':'
		v.nparams++
		v.curSet = false
		return true
	}
	return false
}

func (v *vt) csiByte(c byte) {
	switch {
	case v.paramByte(c):
		if v.inter != 0 {
			v.state = stCSIIgnore // parameter after an intermediate
		}
	case c >= '<' && c <= '?':
		if v.nparams > 0 || v.private != 0 || v.inter != 0 {
			v.state = stCSIIgnore
		} else {
			v.private = c
		}
	case c >= 0x20 && c < 0x30:
		v.inter = c
	case c >= 0x40 && c < 0x7f:
		v.state = stGround
		switch {
		case v.private == 0 && v.inter == 0:
			v.csiDispatch(c)
		default:
			v.csiPrivate(c)
		}
	default:
		v.state = stCSIIgnore
	}
}

// param returns parameter i, or def when it is absent or zero.
func (v *vt) param(i, def int) int {
	if i >= v.nparams || v.params[i] == 0 {
		return def
	}
	return v.params[i]
}

func (v *vt) csiDispatch(final byte) {
	s := v.s
	n := v.param(0, 1)
	switch final {
	case 'm':
		v.sgr()
	case 'H', 'f':
		s.cup(v.param(0, 1)-1, v.param(1, 1)-1)
	case 'A':
		s.cursorUp(n)
	case 'B', 'e':
		s.cursorDown(n)
	case 'C', 'a':
		s.moveTo(s.y, s.curX()+n)
	case 'D':
		s.moveTo(s.y, s.curX()-n)
	case 'E':
		s.cursorDown(n)
		s.x = 0
	case 'F':
		s.cursorUp(n)
		s.x = 0
	case 'G', '`':
		s.moveTo(s.y, n-1)
	case 'd':
		s.cup(n-1, s.curX())
	case 'K':
		switch v.param(0, 0) {
		case 0:
			s.erase(s.y, s.x, s.cols)
		case 1:
			s.erase(s.y, 0, s.curX()+1)
		case 2:
			s.erase(s.y, 0, s.cols)
		}
	case 'J':
		s.eraseDisplay(v.param(0, 0))
	case 'X':
		x := s.curX()
		s.erase(s.y, x, x+n)
	case 's':
		s.saveCursor()
	case 'u':
		s.restoreCursor()
	case 'r':
		if s.frameMode {
			return
		}
		top, bottom := v.param(0, 1), v.param(1, s.rows)
		if top < bottom && bottom <= s.rows {
			s.top, s.bottom = top-1, bottom
			s.cup(0, 0)
		}
	case '@':
		if s.rows > 0 && s.cols > 0 {
			s.x = s.curX()
			s.insertCells(s.row(s.y), s.x, n)
			s.touch(s.y)
		}
	case 'P':
		if s.rows > 0 && s.cols > 0 {
			s.x = s.curX()
			s.deleteCells(s.y, s.x, n)
		}
	case 'L':
		if s.y >= s.top && s.y < s.bottom {
			s.scrollDown(s.y, s.bottom, n)
			s.x = 0
		}
	case 'M':
		if s.y >= s.top && s.y < s.bottom {
			s.scrollUp(s.y, s.bottom, n, false)
			s.x = 0
		}
	case 'S':
		s.scrollUp(s.top, s.bottom, n, true)
	case 'T':
		if v.nparams <= 1 {
			s.scrollDown(s.top, s.bottom, n)
		}
	case 'I':
		s.tab(min(n, s.cols))
	case 'Z':
		s.tab(-min(n, s.cols))
	case 'g':
		switch v.param(0, 0) {
		case 0:
			if s.cols > 0 {
				s.tabs[s.curX()] = false
			}
		case 3:
			clear(s.tabs)
		}
	case 'b':
		if s.lastRune != 0 {
			r := s.lastRune
			for range min(n, s.rows*s.cols) {
				s.print(r)
			}
		}
	case 'h':
		v.setMode(false, true)
	case 'l':
		v.setMode(false, false)
	case 'c', 'n':
		v.report(final)
	}
}

// csiPrivate dispatches CSI sequences with a private marker or an
// intermediate byte.
func (v *vt) csiPrivate(final byte) {
	s := v.s
	switch {
	case v.private == '?' && v.inter == 0:
		switch final {
		case 'h':
			v.setMode(true, true)
		case 'l':
			v.setMode(true, false)
		case 'n':
			v.report(final)
		case 'J':
			s.eraseDisplay(v.param(0, 0))
		case 'K':
			v.private = 0
			v.csiDispatch(final)
		}
	case v.private == '>' && v.inter == 0 && final == 'c':
		v.report(final)
	case v.inter == '$' && final == 'p' && (v.private == 0 || v.private == '?'):
		v.report(final)
	case v.private == 0 && v.inter == '!' && final == 'p':
		s.softReset()
	}
	// Others (DECSCUSR, XTMODKEYS, window operations…) are ignored.
}

// cursorUp is CUU: it stops at the top margin when starting below it.
func (s *Screen) cursorUp(n int) {
	lim := 0
	if s.y >= s.top {
		lim = s.top
	}
	s.moveTo(max(s.y-n, lim), s.curX())
}

// cursorDown is CUD: it stops at the bottom margin when starting above it.
func (s *Screen) cursorDown(n int) {
	lim := s.rows - 1
	if s.y < s.bottom {
		lim = s.bottom - 1
	}
	s.moveTo(min(s.y+n, lim), s.curX())
}

// eraseDisplay is ED.
func (s *Screen) eraseDisplay(mode int) {
	switch mode {
	case 0:
		s.erase(s.y, s.x, s.cols)
		for y := s.y + 1; y < s.rows; y++ {
			s.erase(y, 0, s.cols)
		}
	case 1:
		for y := 0; y < s.y; y++ {
			s.erase(y, 0, s.cols)
		}
		s.erase(s.y, 0, s.curX()+1)
	case 2:
		if s.terminal && !s.frameMode && !s.altOn && s.hist.limit > 0 {
			// Like tmux: a cleared screen's content goes to scrollback.
			last := s.rows - 1
			for last >= 0 && rowBlank(s.row(last)) {
				last--
			}
			s.scrollUp(0, s.rows, last+1, true)
		}
		for y := 0; y < s.rows; y++ {
			s.erase(y, 0, s.cols)
		}
	case 3:
		if s.frameMode || !s.terminal {
			for y := 0; y < s.rows; y++ {
				s.erase(y, 0, s.cols)
			}
			return
		}
		s.hist.clear()
	}
}

// stringByte consumes a byte of an OSC, DCS, SOS, PM or APC string. The
// string ends with ST (ESC \), BEL for OSC, or CAN/SUB (aborted).
func (v *vt) stringByte(c byte) {
	if v.escString {
		v.escString = false
		v.endString(true)
		if c == '\\' {
			v.state = stGround
			return
		}
		// ESC followed by something else: the string ended, a new sequence starts.
		v.clearParams()
		v.state = stEscape
		v.step(c)
		return
	}
	switch c {
	case 0x1b:
		v.escString = true
		return
	case 0x18, 0x1a:
		v.endString(false)
		v.state = stGround
		return
	case 0x07:
		if v.state == stOSC {
			v.endString(true)
			v.state = stGround
			return
		}
	}
	if v.state == stOSC {
		if len(v.s.oscBuf) < maxOSC {
			v.s.oscBuf = append(v.s.oscBuf, c)
		}
		return
	}
	if v.state == stDCSZ {
		if len(v.s.dcs) >= maxDCSPayload {
			v.dcsOver = true
			return
		}
		v.s.dcs = append(v.s.dcs, c)
	}
}

// endString finishes the current string; complete reports whether it was
// terminated normally (and a DCS component should be drawn).
func (v *vt) endString(complete bool) {
	if v.state == stOSC {
		if complete && !v.nested {
			v.s.oscDispatch(v.s.oscBuf)
		}
		v.s.oscBuf = v.s.oscBuf[:0]
		return
	}
	if v.state == stDCSZ {
		payload := v.s.dcs
		over := v.dcsOver
		v.s.dcs = v.s.dcs[:0]
		v.dcsOver = false
		v.state = stGround
		if complete && !over && !v.nested {
			v.s.component(payload)
		}
	}
}

func (v *vt) dcsEntryByte(c byte) {
	switch {
	case v.paramByte(c):
	case c >= '<' && c <= '?':
		if v.private == 0 && v.nparams == 0 {
			v.private = c
		}
	case c >= 0x20 && c < 0x30:
		v.inter = c
	case c >= 0x40 && c < 0x7f:
		if c == 'z' && v.inter == 0 && !v.nested && v.s.frameMode {
			v.s.dcs = v.s.dcs[:0]
			v.dcsOver = false
			v.state = stDCSZ
		} else {
			v.state = stDCSIgnore
		}
	default:
		v.state = stDCSIgnore
	}
}
