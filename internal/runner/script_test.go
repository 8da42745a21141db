package runner

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/zellij"
)

func TestParseScript(t *testing.T) {
	src := `# a comment
key a

  key Ctrl+g
pipe refresh
pipe greet hello  world 
pipe empty 
mouse left 3 10
mouse scroll-down
mouse scroll-up 4
mouse hover 0 0
resize 30x100
wait 150ms
render
`
	steps, err := ParseScript(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Line: 2, Kind: StepKey, Key: zellij.Key{Char: 'a', IsChar: true}},
		{Line: 4, Kind: StepKey, Key: zellij.Key{Mods: []pluginpb.Key_KeyModifier{pluginpb.Key_CTRL}, Char: 'g', IsChar: true}},
		{Line: 5, Kind: StepPipe, Pipe: Pipe{Name: "refresh"}},
		{Line: 6, Kind: StepPipe, Pipe: Pipe{Name: "greet", Payload: "hello  world ", HasPayload: true}},
		{Line: 7, Kind: StepPipe, Pipe: Pipe{Name: "empty", Payload: "", HasPayload: true}},
		{Line: 8, Kind: StepMouse, Mouse: zellij.MouseEvent{Action: pluginpb.MouseEventName_MouseLeftClick, Row: 3, Col: 10}},
		{Line: 9, Kind: StepMouse, Mouse: zellij.MouseEvent{Action: pluginpb.MouseEventName_MouseScrollDown, Lines: 1}},
		{Line: 10, Kind: StepMouse, Mouse: zellij.MouseEvent{Action: pluginpb.MouseEventName_MouseScrollUp, Lines: 4}},
		{Line: 11, Kind: StepMouse, Mouse: zellij.MouseEvent{Action: pluginpb.MouseEventName_MouseHover}},
		{Line: 12, Kind: StepResize, Rows: 30, Cols: 100},
		{Line: 13, Kind: StepWait, Wait: 150 * time.Millisecond},
		{Line: 14, Kind: StepRender},
	}
	if !reflect.DeepEqual(steps, want) {
		t.Fatalf("steps:\n got %+v\nwant %+v", steps, want)
	}
}

func TestParseScriptErrorsHaveLineNumbers(t *testing.T) {
	src := "key a\nkey Hyper+a\n\nresize 0x10\nwait forever\nbogus\nmouse left 1\nrender now\npipe\nkey\nmouse scroll-up x\nresize 2000x10\nwait -1s\n"
	_, err := ParseScript(strings.NewReader(src))
	if err == nil {
		t.Fatal("want errors")
	}
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var se *ScriptError
		if !errors.As(e, &se) {
			t.Fatalf("error %v is not a *ScriptError", e)
		}
		lines = append(lines, se.Line)
	}
	if want := []int{2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}; !reflect.DeepEqual(lines, want) {
		t.Fatalf("error lines = %v, want %v\n%v", lines, want, err)
	}
	if !strings.Contains(err.Error(), "line 6: unknown command \"bogus\"") {
		t.Errorf("error text: %v", err)
	}
}

func TestParseSize(t *testing.T) {
	r, c, err := ParseSize("24x80")
	if err != nil || r != 24 || c != 80 {
		t.Fatalf("ParseSize(24x80) = %d, %d, %v", r, c, err)
	}
	for _, bad := range []string{"", "24", "x80", "24x", "0x80", "24x0", "-1x5", "1001x80", "axb", "24x80x3"} {
		if _, _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q): want error", bad)
		}
	}
}

// FuzzParseScript: hostile scripts never panic, and every error names a line.
func FuzzParseScript(f *testing.F) {
	for _, s := range []string{
		"key a\nkey Ctrl+Shift+a\n", "pipe x y z\n", "mouse left 1 2\nmouse scroll-up 3\n",
		"resize 10x20\nwait 1ms\nrender\n", "key ++\n", "key Ctrl+\n", "# c\n\n\tkey Esc\r\n", "wait 1h\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		steps, err := ParseScript(strings.NewReader(src))
		if err != nil {
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var se *ScriptError
				if errors.As(e, &se) && se.Line < 1 {
					t.Fatalf("error without a line: %v", e)
				}
			}
		}
		for _, st := range steps {
			if st.Kind == StepKey {
				st.Key.Proto() // must not panic
				if st.Key.IsChar && (st.Key.Char < 0 || st.Key.Char > 255) {
					t.Fatalf("char %U escaped the 0-255 range", st.Key.Char)
				}
			}
			if st.Kind == StepResize && (st.Rows < 1 || st.Cols < 1 || st.Rows > MaxRows || st.Cols > MaxCols) {
				t.Fatalf("size %dx%d", st.Rows, st.Cols)
			}
		}
	})
}
