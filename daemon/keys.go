package daemon

import (
	"fmt"
	"unicode/utf8"

	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/zellij"
)

// keyBytes encodes a key name as the bytes a terminal sends for it (xterm
// encoding). Names are read by zellij.ParseKey, so a pane takes exactly the
// names a plugin does ("Enter", "Ctrl+c", "Alt+x", "Down", "F5", "a",
// "Space"); a single character beyond what a plugin key can carry (CJK,
// emoji) is sent as its UTF-8.
func keyBytes(name string) ([]byte, error) {
	k, err := zellij.ParseKey(name)
	if err != nil {
		if r, size := utf8.DecodeRuneInString(name); size == len(name) && r != utf8.RuneError && r > 0xff {
			return utf8.AppendRune(nil, r), nil
		}
		return nil, err
	}
	var ctrl, alt, shift bool
	for _, m := range k.Mods {
		switch m {
		case pluginpb.Key_CTRL:
			ctrl = true
		case pluginpb.Key_ALT:
			alt = true
		case pluginpb.Key_SHIFT:
			shift = true
		default:
			return nil, fmt.Errorf("key %q: a terminal has no encoding for %s", name, zellij.ModifierName(m))
		}
	}
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
	var out []byte
	if k.IsChar {
		c := k.Char
		switch {
		case ctrl:
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
		default:
			if shift && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = utf8.AppendRune(nil, c)
		}
	} else {
		switch n := k.Named; {
		case n == pluginpb.Key_Enter:
			out = []byte{'\r'}
		case n == pluginpb.Key_Tab:
			if shift {
				return []byte("\x1b[Z"), nil
			}
			out = []byte{'\t'}
		case n == pluginpb.Key_Esc:
			out = []byte{0x1b}
		case n == pluginpb.Key_Backspace:
			out = []byte{0x7f}
		case n == pluginpb.Key_UpArrow:
			return csi('A'), nil
		case n == pluginpb.Key_DownArrow:
			return csi('B'), nil
		case n == pluginpb.Key_RightArrow:
			return csi('C'), nil
		case n == pluginpb.Key_LeftArrow:
			return csi('D'), nil
		case n == pluginpb.Key_Home:
			return csi('H'), nil
		case n == pluginpb.Key_End:
			return csi('F'), nil
		case n == pluginpb.Key_Insert:
			return tilde(2), nil
		case n == pluginpb.Key_Delete:
			return tilde(3), nil
		case n == pluginpb.Key_PageUp:
			return tilde(5), nil
		case n == pluginpb.Key_PageDown:
			return tilde(6), nil
		case n >= pluginpb.Key_F1 && n <= pluginpb.Key_F4:
			f := "PQRS"[n-pluginpb.Key_F1]
			if mod > 1 {
				return fmt.Appendf(nil, "\x1b[1;%d%c", mod, f), nil
			}
			return []byte{0x1b, 'O', f}, nil
		case n >= pluginpb.Key_F5 && n <= pluginpb.Key_F12:
			return tilde([]int{15, 17, 18, 19, 20, 21, 23, 24}[n-pluginpb.Key_F5]), nil
		default:
			return nil, fmt.Errorf("key %q: a terminal has no encoding for %s", name, zellij.NamedKeyName(n))
		}
	}
	if alt {
		out = append([]byte{0x1b}, out...)
	}
	return out, nil
}
