package zellij

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

var modifierNames = map[string]pluginpb.Key_KeyModifier{
	"ctrl": pluginpb.Key_CTRL, "control": pluginpb.Key_CTRL, "alt": pluginpb.Key_ALT,
	"shift": pluginpb.Key_SHIFT, "super": pluginpb.Key_SUPER,
}

// ModifierName returns a modifier's name as ParseKey reads it: "Ctrl",
// "Alt", "Shift" or "Super".
func ModifierName(m pluginpb.Key_KeyModifier) string {
	switch m {
	case pluginpb.Key_CTRL:
		return "Ctrl"
	case pluginpb.Key_ALT:
		return "Alt"
	case pluginpb.Key_SHIFT:
		return "Shift"
	case pluginpb.Key_SUPER:
		return "Super"
	}
	return "Modifier(" + strconv.Itoa(int(m)) + ")"
}

var namedKeys = map[string]pluginpb.Key_NamedKey{
	"pagedown": pluginpb.Key_PageDown, "pgdn": pluginpb.Key_PageDown,
	"pageup": pluginpb.Key_PageUp, "pgup": pluginpb.Key_PageUp,
	"left": pluginpb.Key_LeftArrow, "down": pluginpb.Key_DownArrow,
	"up": pluginpb.Key_UpArrow, "right": pluginpb.Key_RightArrow,
	"home": pluginpb.Key_Home, "end": pluginpb.Key_End, "backspace": pluginpb.Key_Backspace,
	"delete": pluginpb.Key_Delete, "del": pluginpb.Key_Delete,
	"insert": pluginpb.Key_Insert, "ins": pluginpb.Key_Insert,
	"tab": pluginpb.Key_Tab, "esc": pluginpb.Key_Esc, "escape": pluginpb.Key_Esc,
	"capslock": pluginpb.Key_CapsLock, "scrolllock": pluginpb.Key_ScrollLock,
	"numlock": pluginpb.Key_NumLock, "printscreen": pluginpb.Key_PrintScreen,
	"pause": pluginpb.Key_Pause, "menu": pluginpb.Key_Menu,
	"enter": pluginpb.Key_Enter, "return": pluginpb.Key_Enter,
}

// NamedKeyName returns a named key's name as ParseKey reads it: "Left",
// "PageDown", "F5", "Enter", ...
func NamedKeyName(k pluginpb.Key_NamedKey) string {
	switch k {
	case pluginpb.Key_LeftArrow:
		return "Left"
	case pluginpb.Key_RightArrow:
		return "Right"
	case pluginpb.Key_UpArrow:
		return "Up"
	case pluginpb.Key_DownArrow:
		return "Down"
	}
	if _, ok := pluginpb.Key_NamedKey_name[int32(k)]; ok {
		return k.String()
	}
	return "NamedKey(" + strconv.Itoa(int(k)) + ")"
}

// Key is one key press: a character or a named key plus a set of modifiers.
type Key struct {
	// Mods holds each modifier once, sorted in ABI order (Ctrl, Alt, Shift,
	// Super).
	Mods []pluginpb.Key_KeyModifier
	// Named is the key when IsChar is false.
	Named pluginpb.Key_NamedKey
	// Char is the character when IsChar is true; always in 0..255, because
	// the guest decodes the wire value as one byte.
	Char   rune
	IsChar bool
}

// String formats k the way ParseKey reads it, e.g. "Ctrl+Shift+a".
func (k Key) String() string {
	var b strings.Builder
	for _, m := range k.Mods {
		b.WriteString(ModifierName(m))
		b.WriteByte('+')
	}
	switch {
	case !k.IsChar:
		b.WriteString(NamedKeyName(k.Named))
	case k.Char == ' ':
		b.WriteString("Space")
	default:
		b.WriteRune(k.Char)
	}
	return b.String()
}

// ParseKey reads a key such as "a", "A", "Ctrl+g", "Alt+Shift+x", "Down",
// "Enter", "F5", "Esc", "Space", "Ctrl++" (names are case-insensitive,
// modifiers are joined with '+').
func ParseKey(s string) (Key, error) {
	if s == "" {
		return Key{}, fmt.Errorf("empty key")
	}
	var parts []string
	rest := s
	for {
		i := strings.IndexByte(rest, '+')
		// A '+' as the last element ("Ctrl++", "+") is the key itself.
		if i < 0 || i == len(rest)-1 {
			parts = append(parts, rest)
			break
		}
		if i == 0 {
			return Key{}, fmt.Errorf("key %q: empty modifier", s)
		}
		parts = append(parts, rest[:i])
		rest = rest[i+1:]
	}
	var k Key
	for _, p := range parts[:len(parts)-1] {
		m, ok := modifierNames[strings.ToLower(p)]
		if !ok {
			return Key{}, fmt.Errorf("key %q: unknown modifier %q (want Ctrl, Alt, Shift or Super)", s, p)
		}
		if slices.Contains(k.Mods, m) {
			return Key{}, fmt.Errorf("key %q: modifier %s given twice", s, ModifierName(m))
		}
		k.Mods = append(k.Mods, m)
	}
	slices.Sort(k.Mods)
	base := parts[len(parts)-1]
	if utf8.RuneCountInString(base) == 1 {
		r, _ := utf8.DecodeRuneInString(base)
		if r > 255 {
			return Key{}, fmt.Errorf("key %q: character %U cannot be sent (the key encoding carries one byte, 0-255)", s, r)
		}
		if r < 0x20 || r == 0x7f {
			return Key{}, fmt.Errorf("key %q: control character; use a named key or a modifier", s)
		}
		k.Char, k.IsChar = r, true
		return k, nil
	}
	low := strings.ToLower(base)
	if low == "space" {
		k.Char, k.IsChar = ' ', true
		return k, nil
	}
	if nk, ok := namedKeys[low]; ok {
		k.Named = nk
		return k, nil
	}
	if len(low) >= 2 && low[0] == 'f' {
		if n, err := strconv.Atoi(low[1:]); err == nil && n >= 1 && n <= 12 && low[1] != '0' {
			k.Named = pluginpb.Key_F1 + pluginpb.Key_NamedKey(n-1)
			return k, nil
		}
	}
	return Key{}, fmt.Errorf("key %q: unknown key %q", s, base)
}

// MouseEvent describes one mouse event for a plugin: a position (0-based,
// within the plugin's content area) for clicks, hold, release and hover; a
// line count for scrolls.
type MouseEvent struct {
	Action   pluginpb.MouseEventName
	Row, Col int
	Lines    int
}

var mouseActions = map[string]pluginpb.MouseEventName{
	"left": pluginpb.MouseEventName_MouseLeftClick, "right": pluginpb.MouseEventName_MouseRightClick,
	"hold": pluginpb.MouseEventName_MouseHold, "release": pluginpb.MouseEventName_MouseRelease,
	"hover":     pluginpb.MouseEventName_MouseHover,
	"scroll-up": pluginpb.MouseEventName_MouseScrollUp, "scroll-down": pluginpb.MouseEventName_MouseScrollDown,
	"scroll-left": pluginpb.MouseEventName_MouseScrollLeft, "scroll-right": pluginpb.MouseEventName_MouseScrollRight,
}

// ParseMouseAction reads a mouse action name: left, right, hold, release,
// hover, scroll-up, scroll-down, scroll-left or scroll-right
// (case-insensitive).
func ParseMouseAction(s string) (pluginpb.MouseEventName, bool) {
	a, ok := mouseActions[strings.ToLower(s)]
	return a, ok
}

// IsScroll reports whether a mouse event of action a carries a line count
// rather than a position.
func IsScroll(a pluginpb.MouseEventName) bool {
	switch a {
	case pluginpb.MouseEventName_MouseScrollUp, pluginpb.MouseEventName_MouseScrollDown,
		pluginpb.MouseEventName_MouseScrollLeft, pluginpb.MouseEventName_MouseScrollRight:
		return true
	}
	return false
}
