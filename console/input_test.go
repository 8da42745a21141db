package console

import (
	"reflect"
	"strings"
	"testing"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/zellij"
)

func keysOf(evs []InputEvent) []string {
	var out []string
	for _, e := range evs {
		if e.Mouse != nil {
			out = append(out, "mouse:"+e.Mouse.Action)
			continue
		}
		out = append(out, e.Key)
	}
	return out
}

func TestParseInput(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"ab ", []string{"a", "b", "Space"}},
		{"\r\t\x7f\x03\x1b", []string{"Enter", "Tab", "Backspace", "Ctrl+c", "Esc"}},
		{"\x1b[A\x1b[B\x1bOC\x1bOD", []string{"Up", "Down", "Right", "Left"}},
		{"\x1b[1;5A\x1b[1;3D\x1b[1;2H", []string{"Ctrl+Up", "Alt+Left", "Shift+Home"}},
		{"\x1b[3~\x1b[5~\x1b[6;5~\x1b[15~\x1bOP", []string{"Delete", "PageUp", "Ctrl+PageDown", "F5", "F1"}},
		{"\x1b[Z", []string{"Shift+Tab"}},
		{"\x1bx\x1b\x01", []string{"Alt+x", "Alt+Ctrl+a"}},
		{"é", []string{"é"}},
		{"\x1b[200~hi\x1b[201~", []string{"h", "i"}},
		{"\x1b[<0;3;5M\x1b[<0;3;5m\x1b[<64;1;1M\x1b[<32;2;2M", []string{"mouse:left", "mouse:release", "mouse:scroll-up", "mouse:hold"}},
		{"\x1b[M !!", []string{"mouse:left"}},
		{"\xff", nil},
	} {
		if got := keysOf(ParseInput([]byte(tc.in))); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseInput(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	m := ParseInput([]byte("\x1b[<0;3;5M"))[0].Mouse
	if want := (&controlv1.AttachMouse{Action: "left", Row: 4, Col: 2}); m.Row != want.Row || m.Col != want.Col {
		t.Errorf("mouse position = %d,%d, want 4,2 (0-based)", m.Row, m.Col)
	}
}

func TestParseDetachKey(t *testing.T) {
	for name, want := range map[string]byte{"Ctrl+q": 0x11, "ctrl+Q": 0x11, "Ctrl+]": 0x1d, `Ctrl+\`: 0x1c, "Ctrl+a": 1} {
		if got, err := ParseDetachKey(name); err != nil || got != want {
			t.Errorf("ParseDetachKey(%q) = %#x, %v; want %#x", name, got, err, want)
		}
	}
	for _, bad := range []string{"q", "Alt+q", "Ctrl+m", "Ctrl+qq", "Ctrl+1", ""} {
		if _, err := ParseDetachKey(bad); err == nil {
			t.Errorf("ParseDetachKey(%q) succeeded", bad)
		}
	}
}

func TestClipANSI(t *testing.T) {
	if got := clipANSI("\x1b[31mhello\x1b[0m world", 3); got != "\x1b[31mhel" {
		t.Errorf("clipANSI = %q", got)
	}
	if got := clipANSI("日本語", 5); got != "日本" {
		t.Errorf("clipANSI wide = %q", got)
	}
}

func FuzzParseInput(f *testing.F) {
	for _, s := range []string{"a\x1b[A", "\x1b[<0;1;1M", "\x1b[M", "\x1b[1;", "\x1bO", "\x1b[999999999999~"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, ev := range ParseInput(b) {
			if ev.Key == "" && ev.Mouse == nil {
				t.Fatalf("empty event from %q", b)
			}
			if ev.Mouse != nil && (ev.Mouse.Row < 0 || ev.Mouse.Col < 0) {
				t.Fatalf("negative mouse position from %q", b)
			}
			if ev.Key != "" {
				// What the daemon will parse for a plugin: every key but
				// characters beyond one byte must be understood.
				if _, err := zellij.ParseKey(ev.Key); err != nil && !strings.Contains(err.Error(), "cannot be sent") {
					t.Fatalf("key %q from %q: %v", ev.Key, b, err)
				}
			}
		}
	})
}
