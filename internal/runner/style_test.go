package runner

import (
	"testing"

	"github.com/tessera-ws/tessera/internal/screen"
	"github.com/tessera-ws/tessera/zellij"
)

// The styling sent to plugins is the one the screen draws components with.
func TestDefaultStylingMatchesScreen(t *testing.T) {
	got, ok := ScreenStyle(zellij.DefaultStyling(), true)
	if !ok {
		t.Fatal("ScreenStyle rejected the default styling")
	}
	if want := screen.DefaultStyle(); got != want {
		t.Fatalf("ScreenStyle(zellij.DefaultStyling()) =\n%+v\nwant screen.DefaultStyle()\n%+v", got, want)
	}
	bad := zellij.DefaultStyling()
	bad.TableTitle = bad.TableTitle[:5]
	if _, ok := ScreenStyle(bad, true); ok {
		t.Error("ScreenStyle accepted 5 colours in table_title")
	}
	bad = zellij.DefaultStyling()
	bad.MultiplayerUserColors = bad.MultiplayerUserColors[:9]
	if _, ok := ScreenStyle(bad, true); ok {
		t.Error("ScreenStyle accepted 9 multiplayer colours")
	}
}
