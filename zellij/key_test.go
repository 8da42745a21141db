package zellij

import (
	"reflect"
	"testing"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

func TestParseKey(t *testing.T) {
	tests := []struct {
		in   string
		want Key
	}{
		{"a", Key{Char: 'a', IsChar: true}},
		{"A", Key{Char: 'A', IsChar: true}},
		{"Ctrl+g", Key{Mods: []pluginpb.Key_KeyModifier{pluginpb.Key_CTRL}, Char: 'g', IsChar: true}},
		{"ctrl+G", Key{Mods: []pluginpb.Key_KeyModifier{pluginpb.Key_CTRL}, Char: 'G', IsChar: true}},
		{"Shift+Alt+x", Key{Mods: []pluginpb.Key_KeyModifier{pluginpb.Key_ALT, pluginpb.Key_SHIFT}, Char: 'x', IsChar: true}},
		{"Alt+Shift+x", Key{Mods: []pluginpb.Key_KeyModifier{pluginpb.Key_ALT, pluginpb.Key_SHIFT}, Char: 'x', IsChar: true}},
		{"Super+Ctrl+Shift+Alt+z", Key{Mods: []pluginpb.Key_KeyModifier{pluginpb.Key_CTRL, pluginpb.Key_ALT, pluginpb.Key_SHIFT, pluginpb.Key_SUPER}, Char: 'z', IsChar: true}},
		{"Down", Key{Named: pluginpb.Key_DownArrow}},
		{"enter", Key{Named: pluginpb.Key_Enter}},
		{"Esc", Key{Named: pluginpb.Key_Esc}},
		{"F1", Key{Named: pluginpb.Key_F1}},
		{"F5", Key{Named: pluginpb.Key_F1 + 4}},
		{"f12", Key{Named: 22}},
		{"Tab", Key{Named: 23}},
		{"PageDown", Key{Named: 0}},
		{"Space", Key{Char: ' ', IsChar: true}},
		{"+", Key{Char: '+', IsChar: true}},
		{"Ctrl++", Key{Mods: []pluginpb.Key_KeyModifier{pluginpb.Key_CTRL}, Char: '+', IsChar: true}},
		{"Alt+=", Key{Mods: []pluginpb.Key_KeyModifier{pluginpb.Key_ALT}, Char: '=', IsChar: true}},
		{"é", Key{Char: 'é', IsChar: true}},
		{"Ctrl+Left", Key{Mods: []pluginpb.Key_KeyModifier{pluginpb.Key_CTRL}, Named: pluginpb.Key_LeftArrow}},
	}
	for _, tt := range tests {
		got, err := ParseKey(tt.in)
		if err != nil {
			t.Errorf("ParseKey(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseKey(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		// String round-trips.
		again, err := ParseKey(got.String())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("ParseKey(%q).String() = %q does not round-trip: %+v, %v", tt.in, got.String(), again, err)
		}
	}
}

func TestParseKeyErrors(t *testing.T) {
	for _, in := range []string{"", "Hyper+a", "Ctrl+Ctrl+a", "+a", "F13", "F0", "F01", "Foo", "Ctrl+", "€", "Ctrl+ab", "\x01"} {
		if k, err := ParseKey(in); err == nil {
			t.Errorf("ParseKey(%q) = %+v, want an error", in, k)
		}
	}
}
