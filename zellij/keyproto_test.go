package zellij

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// jsonBytes formats b the way the framing carries it: "[8,3,42,2,24,97]".
func jsonBytes(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprint(c)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func TestKeyEventBytes(t *testing.T) {
	tests := []struct {
		key  string
		want string
	}{
		// Observed bytes (ABI.md §2).
		{"a", "[8,3,42,2,24,97]"},
		{"Ctrl+Shift+a", "[8,3,42,6,8,0,24,97,32,2]"},
		// Ctrl alone: the modifier field is present although its value is 0.
		{"Ctrl+g", "[8,3,42,4,8,0,24,103]"},
		// A named key: field 2.
		{"Down", "[8,3,42,2,16,3]"},
		{"Enter", "[8,3,42,2,16,31]"},
		{"F5", "[8,3,42,2,16,15]"},
		// Three modifiers: one in modifier, the other two unpacked in field 4.
		{"Alt+Shift+Super+x", "[8,3,42,8,8,1,24,120,32,2,32,3]"},
		// The char trap: the wire value is the character code, 'é' = 233.
		{"é", "[8,3,42,3,24,233,1]"},
	}
	for _, tt := range tests {
		k, err := ParseKey(tt.key)
		if err != nil {
			t.Fatalf("ParseKey(%q): %v", tt.key, err)
		}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(KeyEvent(k))
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonBytes(b); got != tt.want {
			t.Errorf("key %q encodes as %s, want %s", tt.key, got, tt.want)
		}
	}
}

// TestKeyModifierUnion checks that every modifier set survives the split
// into modifier + additional_modifiers exactly once.
func TestKeyModifierUnion(t *testing.T) {
	all := []pluginpb.Key_KeyModifier{pluginpb.Key_CTRL, pluginpb.Key_ALT, pluginpb.Key_SHIFT, pluginpb.Key_SUPER}
	for mask := 0; mask < 16; mask++ {
		var mods []string
		want := map[pluginpb.Key_KeyModifier]bool{}
		for i, m := range all {
			if mask&(1<<i) != 0 {
				mods = append(mods, ModifierName(m))
				want[m] = true
			}
		}
		k, err := ParseKey(strings.Join(append(mods, "q"), "+"))
		if err != nil {
			t.Fatal(err)
		}
		pk := k.Proto()
		got := map[pluginpb.Key_KeyModifier]int{}
		if pk.Modifier != nil {
			got[*pk.Modifier]++
		}
		for _, m := range pk.AdditionalModifiers {
			got[m]++
		}
		if len(got) != len(want) {
			t.Errorf("mask %b: modifiers %v, want %v", mask, got, want)
		}
		for m, n := range got {
			if !want[m] || n != 1 {
				t.Errorf("mask %b: modifier %v appears %d times (wanted: %v)", mask, m, n, want[m])
			}
		}
		if pk.GetChar() != 'q' || pk.Key != nil {
			t.Errorf("mask %b: main key %v / %v", mask, pk.Char, pk.Key)
		}
	}
}

func TestMouseEvent(t *testing.T) {
	ev := MouseEvent{Action: pluginpb.MouseEventName_MouseLeftClick, Row: 2, Col: 5}.Event()
	p := ev.GetMouseEventPayload()
	if ev.Name != pluginpb.EventType_Mouse || p.MouseEventName != pluginpb.MouseEventName_MouseLeftClick ||
		p.GetPosition().GetLine() != 2 || p.GetPosition().GetColumn() != 5 {
		t.Fatalf("left click: %v", ev)
	}
	ev = MouseEvent{Action: pluginpb.MouseEventName_MouseScrollDown, Lines: 3}.Event()
	p = ev.GetMouseEventPayload()
	if p.MouseEventName != pluginpb.MouseEventName_MouseScrollDown || p.GetLineCount() != 3 || p.GetPosition() != nil {
		t.Fatalf("scroll: %v", ev)
	}
}
