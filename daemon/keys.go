package daemon

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// keyBytes encodes a key name ("Enter", "Ctrl+c", "Alt+x", "Down", "F5",
// "a", "Space") as the bytes a terminal sends for it (xterm encoding).
func keyBytes(name string) ([]byte, error) {
	if name == "" {
		return nil, fmt.Errorf("empty key name")
	}
	var ctrl, alt, shift bool
	rest := name
	for {
		i := strings.IndexByte(rest, '+')
		if i <= 0 || i == len(rest)-1 {
			break
		}
		switch strings.ToLower(rest[:i]) {
		case "ctrl", "control":
			ctrl = true
		case "alt", "meta":
			alt = true
		case "shift":
			shift = true
		default:
			return nil, fmt.Errorf("unknown modifier %q in key %q (use Ctrl, Alt or Shift)", rest[:i], name)
		}
		rest = rest[i+1:]
	}
	var out []byte
	mod := 1
	if shift {
		mod++
	}
	if alt {
		mod += 2
	}
	if ctrl {
		mod += 4
	}
	csi := func(final byte) []byte {
		if mod > 1 {
			return fmt.Appendf(nil, "\x1b[1;%d%c", mod, final)
		}
		return []byte{0x1b, '[', final}
	}
	tilde := func(n int) []byte {
		if mod > 1 {
			return fmt.Appendf(nil, "\x1b[%d;%d~", n, mod)
		}
		return fmt.Appendf(nil, "\x1b[%d~", n)
	}
	switch strings.ToLower(rest) {
	case "enter", "return":
		out = []byte{'\r'}
	case "tab":
		if shift {
			return []byte("\x1b[Z"), nil
		}
		out = []byte{'\t'}
	case "esc", "escape":
		out = []byte{0x1b}
	case "space":
		out = []byte{' '}
	case "backspace":
		out = []byte{0x7f}
	case "up":
		return csi('A'), nil
	case "down":
		return csi('B'), nil
	case "right":
		return csi('C'), nil
	case "left":
		return csi('D'), nil
	case "home":
		return csi('H'), nil
	case "end":
		return csi('F'), nil
	case "insert":
		return tilde(2), nil
	case "delete", "del":
		return tilde(3), nil
	case "pageup":
		return tilde(5), nil
	case "pagedown":
		return tilde(6), nil
	default:
		if f, ok := functionKey(rest); ok {
			if f <= 4 {
				if mod > 1 {
					return fmt.Appendf(nil, "\x1b[1;%d%c", mod, "PQRS"[f-1]), nil
				}
				return []byte{0x1b, 'O', "PQRS"[f-1]}, nil
			}
			return tilde([]int{15, 17, 18, 19, 20, 21, 23, 24}[f-5]), nil
		}
		r, size := utf8.DecodeRuneInString(rest)
		if size != len(rest) || r == utf8.RuneError {
			return nil, fmt.Errorf("unknown key %q (named keys: Enter, Tab, Esc, Space, Backspace, Up, Down, Left, Right, Home, End, PageUp, PageDown, Insert, Delete, F1-F12)", name)
		}
		if ctrl {
			c := r
			switch {
			case c >= 'a' && c <= 'z':
				c -= 'a' - 1
			case c >= 'A' && c <= 'Z':
				c -= 'A' - 1
			case c >= '@' && c <= '_':
				c -= '@'
			case c == '?':
				c = 0x7f
			case c == ' ':
				c = 0
			default:
				return nil, fmt.Errorf("key %q has no control code", name)
			}
			out = []byte{byte(c)}
		} else {
			if shift && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			out = utf8.AppendRune(nil, r)
		}
	}
	if alt {
		out = append([]byte{0x1b}, out...)
	}
	return out, nil
}

func functionKey(s string) (int, bool) {
	if len(s) < 2 || (s[0] != 'F' && s[0] != 'f') {
		return 0, false
	}
	n := 0
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 1 && n <= 12
}
