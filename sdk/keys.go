package sdk

import (
	"slices"

	"github.com/tessera-ws/tessera/sdk/pb"
)

// KeyRune returns the character of a key event and true, or false for a
// named key (arrows, Enter, F1, ...). The wire carries the character code
// itself; unlike Rust plugins, which keep only its low byte, KeyRune returns
// the whole code.
func KeyRune(k *pb.Key) (rune, bool) {
	if k == nil || k.Char == nil || k.Key != nil {
		return 0, false
	}
	return rune(k.GetChar()), true
}

// KeyNamed returns the named key of a key event and true, or false for a
// character key.
func KeyNamed(k *pb.Key) (pb.Key_NamedKey, bool) {
	if k == nil || k.Key == nil {
		return 0, false
	}
	return k.GetKey(), true
}

// KeyModifiers returns the modifiers held with the key, without duplicates:
// the union of the modifier field and the additional modifiers.
func KeyModifiers(k *pb.Key) []pb.Key_KeyModifier {
	var mods []pb.Key_KeyModifier
	if k != nil && k.Modifier != nil {
		mods = append(mods, k.GetModifier())
	}
	for _, m := range k.GetAdditionalModifiers() {
		if !slices.Contains(mods, m) {
			mods = append(mods, m)
		}
	}
	return mods
}

// HasModifier reports whether m is held with the key.
func HasModifier(k *pb.Key, m pb.Key_KeyModifier) bool {
	return (k != nil && k.Modifier != nil && k.GetModifier() == m) || slices.Contains(k.GetAdditionalModifiers(), m)
}

// IsPlainKey reports whether the key is the character r with no modifier.
func IsPlainKey(k *pb.Key, r rune) bool {
	c, ok := KeyRune(k)
	return ok && c == r && len(KeyModifiers(k)) == 0
}
