package screen

import "unicode/utf8"

// Parser limits: input beyond them is dropped, never buffered.
const (
	maxParams     = 32        // CSI parameters and sub-parameters kept
	maxParamValue = 65535     // a larger parameter saturates
	maxDCSPayload = 512 << 10 // a longer DCS `z` component is dropped
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
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && v.state == stGround && v.utfNeed == 0 {
			v.s.print(rune(c)) // printable ASCII, the common case
			continue
		}
		v.step(c)
	}
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
		if c >= 0x30 && c < 0x7f {
			v.state = stGround // final byte of an unsupported sequence
		} else if c >= 0x80 {
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
			s.x = s.curX() - 1
			if s.x < 0 {
				s.x = 0
			}
		}
	case '\t':
		if s.cols > 0 {
			next := (s.curX()/8 + 1) * 8
			s.x = min(next, s.cols-1)
		}
	case '\n':
		s.x = 0
		s.index()
	case '\v', '\f':
		s.index()
	case '\r':
		s.x = 0
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
		v.state = stOSC
	case 'P':
		v.clearParams()
		v.state = stDCSEntry
	case 'X', '^', '_':
		v.state = stString
	case '7':
		s.saved.x, s.saved.y, s.saved.pen = s.x, s.y, s.pen
	case '8':
		s.x, s.y, s.pen = min(s.saved.x, s.cols), min(s.saved.y, max(s.rows-1, 0)), s.saved.pen
		s.lastY = -1
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
		if v.private == 0 && v.inter == 0 {
			v.csiDispatch(c)
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
	switch final {
	case 'm':
		v.sgr()
	case 'H', 'f':
		s.moveTo(v.param(0, 1)-1, v.param(1, 1)-1)
	case 'A':
		s.moveTo(s.y-v.param(0, 1), s.curX())
	case 'B', 'e':
		s.moveTo(s.y+v.param(0, 1), s.curX())
	case 'C', 'a':
		s.moveTo(s.y, s.curX()+v.param(0, 1))
	case 'D':
		s.moveTo(s.y, s.curX()-v.param(0, 1))
	case 'E':
		s.moveTo(s.y+v.param(0, 1), 0)
	case 'F':
		s.moveTo(s.y-v.param(0, 1), 0)
	case 'G', '`':
		s.moveTo(s.y, v.param(0, 1)-1)
	case 'd':
		s.moveTo(v.param(0, 1)-1, s.curX())
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
		switch v.param(0, 0) {
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
		case 2, 3:
			for y := 0; y < s.rows; y++ {
				s.erase(y, 0, s.cols)
			}
		}
	case 'X':
		x := s.curX()
		s.erase(s.y, x, x+v.param(0, 1))
	case 's':
		s.saved.x, s.saved.y, s.saved.pen = s.x, s.y, s.pen
	case 'u':
		s.x, s.y, s.pen = min(s.saved.x, s.cols), min(s.saved.y, max(s.rows-1, 0)), s.saved.pen
		s.lastY = -1
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
			v.state = stGround
			return
		}
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
		if c == 'z' && v.inter == 0 && !v.nested {
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
