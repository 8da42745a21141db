package console

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
)

// InputEvent is one key or mouse event read from a terminal's input.
type InputEvent struct {
	// Key is the key's name as `keys` takes it ("a", "Enter", "Ctrl+c",
	// "Alt+x", "Down", "Shift+Tab"); empty for a mouse event.
	Key string
	// Mouse is a mouse event (0-based position in the terminal).
	Mouse *controlv1.AttachMouse
}

// ParseInput splits what a terminal sends into keys and mouse events: UTF-8
// characters, control characters, xterm cursor, editing and function key
// sequences (with modifiers), Alt as an ESC prefix, and mouse reports (SGR
// 1006 and the classic X10 encoding). Bytes that form no known sequence
// become the keys they are (an ESC alone is Esc). It never fails.
func ParseInput(b []byte) []InputEvent {
	var out []InputEvent
	for len(b) > 0 {
		ev, n := parseOne(b)
		if n <= 0 {
			n = 1
		}
		if ev.Key != "" || ev.Mouse != nil {
			out = append(out, ev)
		}
		b = b[n:]
	}
	return out
}

func key(s string) InputEvent { return InputEvent{Key: s} }

// ctrlKey names a control byte.
func ctrlKey(c byte) string {
	switch c {
	case '\r', '\n':
		return "Enter"
	case '\t':
		return "Tab"
	case 0x7f, 0x08:
		return "Backspace"
	case 0x1b:
		return "Esc"
	case 0:
		return "Ctrl+Space"
	}
	if c >= 1 && c <= 26 {
		return "Ctrl+" + string(rune('a'+c-1))
	}
	switch c {
	case 0x1c:
		return `Ctrl+\`
	case 0x1d:
		return "Ctrl+]"
	case 0x1e:
		return "Ctrl+^"
	case 0x1f:
		return "Ctrl+_"
	}
	return ""
}

func charKey(r rune) string {
	if r == ' ' {
		return "Space"
	}
	return string(r)
}

func parseOne(b []byte) (InputEvent, int) {
	c := b[0]
	if c == 0x1b {
		if len(b) == 1 {
			return key("Esc"), 1
		}
		switch b[1] {
		case '[':
			if ev, n, ok := parseCSI(b); ok {
				return ev, n
			}
			return key("Alt+["), 2
		case 'O':
			if len(b) >= 3 {
				if k := ss3Key(b[2]); k != "" {
					return key(k), 3
				}
			}
			return key("Alt+O"), 2
		case 0x1b:
			return key("Esc"), 1
		}
		ev, n := parseOne(b[1:])
		if ev.Key != "" && !strings.Contains(ev.Key, "Alt+") {
			ev.Key = "Alt+" + ev.Key
		}
		return ev, n + 1
	}
	if c < 0x20 || c == 0x7f {
		return key(ctrlKey(c)), 1
	}
	r, n := utf8.DecodeRune(b)
	if r == utf8.RuneError && n <= 1 {
		return InputEvent{}, 1 // a stray byte: dropped
	}
	return key(charKey(r)), n
}

func ss3Key(c byte) string {
	switch c {
	case 'A':
		return "Up"
	case 'B':
		return "Down"
	case 'C':
		return "Right"
	case 'D':
		return "Left"
	case 'H':
		return "Home"
	case 'F':
		return "End"
	case 'P':
		return "F1"
	case 'Q':
		return "F2"
	case 'R':
		return "F3"
	case 'S':
		return "F4"
	case 'M':
		return "Enter"
	}
	return ""
}

var tildeKeys = map[int]string{
	1: "Home", 2: "Insert", 3: "Delete", 4: "End", 5: "PageUp", 6: "PageDown", 7: "Home", 8: "End",
	11: "F1", 12: "F2", 13: "F3", 14: "F4", 15: "F5", 17: "F6", 18: "F7", 19: "F8", 20: "F9", 21: "F10", 23: "F11", 24: "F12",
}

// modPrefix turns an xterm modifier parameter (1 + shift 1, alt 2, ctrl 4)
// into "Ctrl+Alt+Shift+" style prefixes.
func modPrefix(m int) string {
	if m < 2 || m > 16 {
		return ""
	}
	m--
	var p string
	if m&4 != 0 {
		p += "Ctrl+"
	}
	if m&2 != 0 {
		p += "Alt+"
	}
	if m&1 != 0 {
		p += "Shift+"
	}
	return p
}

// parseCSI reads ESC [ ... final: cursor and editing keys, mouse reports.
func parseCSI(b []byte) (InputEvent, int, bool) {
	if len(b) >= 3 && b[2] == 'M' { // X10 mouse: ESC [ M cb cx cy
		if len(b) < 6 {
			return InputEvent{}, len(b), true
		}
		m := mouseFrom(int(b[3])-32, int(b[4])-33, int(b[5])-33, true)
		return InputEvent{Mouse: m}, 6, true
	}
	i := 2
	private := byte(0)
	if i < len(b) && (b[i] == '<' || b[i] == '?' || b[i] == '>') {
		private = b[i]
		i++
	}
	start := i
	for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == ';') {
		i++
	}
	if i >= len(b) || i-start > 32 {
		return InputEvent{}, 0, false
	}
	final := b[i]
	var params []int
	for _, f := range strings.Split(string(b[start:i]), ";") {
		n, _ := strconv.Atoi(f)
		params = append(params, n)
	}
	p := func(k, def int) int {
		if k < len(params) && params[k] != 0 {
			return params[k]
		}
		return def
	}
	n := i + 1
	if private == '<' && (final == 'M' || final == 'm') && len(params) == 3 {
		cb := params[0]
		m := mouseFrom(cb, params[2]-1, params[1]-1, final == 'M')
		return InputEvent{Mouse: m}, n, true
	}
	if private != 0 {
		return InputEvent{}, n, true // a report we do not use
	}
	mods := modPrefix(p(1, 1))
	switch final {
	case 'A', 'B', 'C', 'D', 'H', 'F', 'P', 'Q', 'R', 'S':
		return key(mods + ss3Key(final)), n, true
	case 'Z':
		return key("Shift+Tab"), n, true
	case '~':
		if k, ok := tildeKeys[p(0, 0)]; ok {
			return key(mods + k), n, true
		}
		if p(0, 0) == 200 || p(0, 0) == 201 {
			return InputEvent{}, n, true // bracketed paste markers
		}
	case 'I', 'O':
		return InputEvent{}, n, true // focus in and out
	}
	return InputEvent{}, n, true
}

// mouseFrom decodes a mouse report's button byte (row and col 0-based).
func mouseFrom(cb, row, col int, press bool) *controlv1.AttachMouse {
	m := &controlv1.AttachMouse{Row: int32(max(row, 0)), Col: int32(max(col, 0))}
	motion := cb&32 != 0
	btn := cb & 3
	switch {
	case cb&64 != 0:
		m.Lines = 1
		switch btn {
		case 0:
			m.Action = "scroll-up"
		case 1:
			m.Action = "scroll-down"
		case 2:
			m.Action = "scroll-left"
		default:
			m.Action = "scroll-right"
		}
	case motion && btn == 3:
		m.Action = "hover"
	case motion:
		m.Action = "hold"
	case !press || btn == 3:
		m.Action = "release"
	case btn == 2:
		m.Action = "right"
	default:
		m.Action = "left"
	}
	return m
}

// ParseDetachKey reads a detach key name: Ctrl with a letter or one of
// @ [ \ ] ^ _ (e.g. "Ctrl+q", "Ctrl+]"). It returns the byte the
// terminal sends for it.
func ParseDetachKey(name string) (byte, error) {
	rest, ok := strings.CutPrefix(strings.ToLower(name), "ctrl+")
	if !ok || len(rest) != 1 {
		return 0, fmt.Errorf("detach key %q: use Ctrl and a letter, e.g. Ctrl+q or Ctrl+]", name)
	}
	c := rest[0]
	switch {
	case c >= 'a' && c <= 'z':
		if c == 'm' || c == 'i' || c == 'h' || c == 'j' {
			return 0, fmt.Errorf("detach key %q is Enter, Tab or Backspace on most terminals: pick another", name)
		}
		return c - 'a' + 1, nil
	case c == '@':
		return 0, nil
	case c >= '[' && c <= '_':
		return c - '@', nil
	}
	return 0, fmt.Errorf("detach key %q: use Ctrl and a letter, e.g. Ctrl+q or Ctrl+]", name)
}
