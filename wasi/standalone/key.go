package standalone

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Modifier is a key modifier, numbered as the plugin ABI numbers them
// (KeyModifier: Ctrl=0, Alt=1, Shift=2, Super=3).
type Modifier int

// Key modifiers.
const (
	Ctrl  Modifier = 0
	Alt   Modifier = 1
	Shift Modifier = 2
	Super Modifier = 3
)

var modifierNames = map[string]Modifier{
	"ctrl": Ctrl, "control": Ctrl, "alt": Alt, "shift": Shift, "super": Super,
}

// String returns the modifier's name as written in scripts.
func (m Modifier) String() string {
	switch m {
	case Ctrl:
		return "Ctrl"
	case Alt:
		return "Alt"
	case Shift:
		return "Shift"
	case Super:
		return "Super"
	}
	return "Modifier(" + strconv.Itoa(int(m)) + ")"
}

// NamedKey is a non-character key, numbered as the plugin ABI's NamedKey enum.
type NamedKey int

// Named keys (values are the wire numbers of Key.NamedKey).
const (
	KeyPageDown    NamedKey = 0
	KeyPageUp      NamedKey = 1
	KeyLeft        NamedKey = 2
	KeyDown        NamedKey = 3
	KeyUp          NamedKey = 4
	KeyRight       NamedKey = 5
	KeyHome        NamedKey = 6
	KeyEnd         NamedKey = 7
	KeyBackspace   NamedKey = 8
	KeyDelete      NamedKey = 9
	KeyInsert      NamedKey = 10
	KeyF1          NamedKey = 11 // F2..F12 follow: F(n) = KeyF1 + n - 1
	KeyTab         NamedKey = 23
	KeyEsc         NamedKey = 24
	KeyCapsLock    NamedKey = 25
	KeyScrollLock  NamedKey = 26
	KeyNumLock     NamedKey = 27
	KeyPrintScreen NamedKey = 28
	KeyPause       NamedKey = 29
	KeyMenu        NamedKey = 30
	KeyEnter       NamedKey = 31
)

var namedKeys = map[string]NamedKey{
	"pagedown": KeyPageDown, "pgdn": KeyPageDown, "pageup": KeyPageUp, "pgup": KeyPageUp,
	"left": KeyLeft, "down": KeyDown, "up": KeyUp, "right": KeyRight,
	"home": KeyHome, "end": KeyEnd, "backspace": KeyBackspace,
	"delete": KeyDelete, "del": KeyDelete, "insert": KeyInsert, "ins": KeyInsert,
	"tab": KeyTab, "esc": KeyEsc, "escape": KeyEsc,
	"capslock": KeyCapsLock, "scrolllock": KeyScrollLock, "numlock": KeyNumLock,
	"printscreen": KeyPrintScreen, "pause": KeyPause, "menu": KeyMenu,
	"enter": KeyEnter, "return": KeyEnter,
}

var namedKeyNames = func() map[NamedKey]string {
	m := map[NamedKey]string{
		KeyPageDown: "PageDown", KeyPageUp: "PageUp", KeyLeft: "Left", KeyDown: "Down",
		KeyUp: "Up", KeyRight: "Right", KeyHome: "Home", KeyEnd: "End",
		KeyBackspace: "Backspace", KeyDelete: "Delete", KeyInsert: "Insert", KeyTab: "Tab",
		KeyEsc: "Esc", KeyCapsLock: "CapsLock", KeyScrollLock: "ScrollLock",
		KeyNumLock: "NumLock", KeyPrintScreen: "PrintScreen", KeyPause: "Pause",
		KeyMenu: "Menu", KeyEnter: "Enter",
	}
	for i := 1; i <= 12; i++ {
		m[KeyF1+NamedKey(i-1)] = "F" + strconv.Itoa(i)
	}
	return m
}()

// String returns the key's name as written in scripts.
func (k NamedKey) String() string {
	if s, ok := namedKeyNames[k]; ok {
		return s
	}
	return "NamedKey(" + strconv.Itoa(int(k)) + ")"
}

// Key is one key press: a character or a named key plus a set of modifiers.
type Key struct {
	// Mods holds each modifier once, sorted in ABI order (Ctrl, Alt, Shift, Super).
	Mods []Modifier
	// Named is the key when IsChar is false.
	Named NamedKey
	// Char is the character when IsChar is true; always in 0..255, because the
	// guest decodes the wire value as one byte.
	Char   rune
	IsChar bool
}

// String formats k the way ParseKey reads it, e.g. "Ctrl+Shift+a".
func (k Key) String() string {
	var b strings.Builder
	for _, m := range k.Mods {
		b.WriteString(m.String())
		b.WriteByte('+')
	}
	switch {
	case !k.IsChar:
		b.WriteString(k.Named.String())
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
			return Key{}, fmt.Errorf("key %q: modifier %s given twice", s, m)
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
			k.Named = KeyF1 + NamedKey(n-1)
			return k, nil
		}
	}
	return Key{}, fmt.Errorf("key %q: unknown key %q", s, base)
}

// wireModifiers splits k's modifiers as the wire format carries them: one in
// the optional `modifier` field and the rest in `additional_modifiers`. The
// guest takes the union, so the split does not change the meaning; this
// encoder puts the first modifier in ABI order in `modifier`, which gives the
// observed bytes for Ctrl+Shift+a (modifier=Ctrl, additional=[Shift]).
func (k Key) wireModifiers() (main *Modifier, additional []Modifier) {
	if len(k.Mods) == 0 {
		return nil, nil
	}
	m := k.Mods[0]
	return &m, append([]Modifier(nil), k.Mods[1:]...)
}
