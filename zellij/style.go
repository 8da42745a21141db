package zellij

import (
	"sync"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// The default palette, as xterm 256-colour indices. These are the values of
// Zellij's built-in default theme, which plugins are written against.
const (
	colWhite      = 255
	colGreen      = 154
	colGray       = 238
	colBrightGray = 245
	colRed        = 124
	colOrange     = 166
	colBlack      = 16
	colMagenta    = 201
	colCyan       = 51
	colYellow     = 226
	colBlue       = 45
	colPurple     = 99
	colGold       = 136
	colSilver     = 245
	colPink       = 207
	colBrown      = 215
)

// declaration is one style declaration: base, background, emphasis 0..3, in
// the order the Styling message carries them.
type declaration [6]uint32

func decl(base, bg, e0, e1, e2, e3 uint32) declaration {
	return declaration{base, bg, e0, e1, e2, e3}
}

// defaultDeclarations lists Styling fields 1..14 in field order; the zero
// value (field 10, frame_unselected) means "absent".
var defaultDeclarations = [14]declaration{
	decl(colBrightGray, colGray, colOrange, colCyan, colGreen, colMagenta), // 1 text_unselected
	decl(colBrightGray, colGray, colOrange, colCyan, colGreen, colMagenta), // 2 text_selected
	decl(colBlack, colGray, colRed, colWhite, colBlue, colMagenta),         // 3 ribbon_unselected
	decl(colBlack, colGreen, colRed, colOrange, colMagenta, colBlue),       // 4 ribbon_selected
	decl(colGreen, colGray, colOrange, colCyan, colGreen, colMagenta),      // 5 table_title
	decl(colBrightGray, colGray, colOrange, colCyan, colGreen, colMagenta), // 6 table_cell_unselected
	decl(colGreen, colGray, colOrange, colCyan, colRed, colMagenta),        // 7 table_cell_selected
	decl(colBrightGray, colGray, colOrange, colCyan, colGreen, colMagenta), // 8 list_unselected
	decl(colGreen, colGray, colOrange, colCyan, colRed, colMagenta),        // 9 list_selected
	{}, // 10 frame_unselected: absent
	decl(colGreen, colGray, colOrange, colCyan, colMagenta, colBrown),    // 11 frame_selected
	decl(colOrange, colGreen, colMagenta, colPurple, colGreen, colGreen), // 12 frame_highlight
	decl(colGreen, colGray, colCyan, colBlack, colMagenta, colBlue),      // 13 exit_code_success
	decl(colRed, colGray, colYellow, colGold, colSilver, colPurple),      // 14 exit_code_error
}

var defaultPlayers = [10]uint32{
	colMagenta, colBlue, colPurple, colYellow, colCyan, colGold, colRed, colSilver, colPink, colBrown,
}

func eightBit(n uint32) *pluginpb.Color {
	return &pluginpb.Color{
		ColorType: pluginpb.ColorType_EightBit,
		Payload:   &pluginpb.Color_EightBitColorPayload{EightBitColorPayload: n},
	}
}

func (d declaration) colors() []*pluginpb.Color {
	if d == (declaration{}) {
		return nil
	}
	out := make([]*pluginpb.Color, len(d))
	for i, n := range d {
		out[i] = eightBit(n)
	}
	return out
}

// DefaultStyling returns a complete Styling: exactly 6 colours in each of
// fields 1-9 and 11-14, none in field 10 (frame_unselected), and 10
// multiplayer colours. Guests panic on any other count.
func DefaultStyling() *pluginpb.Styling {
	d := defaultDeclarations
	players := make([]*pluginpb.Color, len(defaultPlayers))
	for i, n := range defaultPlayers {
		players[i] = eightBit(n)
	}
	return &pluginpb.Styling{
		TextUnselected:        d[0].colors(),
		TextSelected:          d[1].colors(),
		RibbonUnselected:      d[2].colors(),
		RibbonSelected:        d[3].colors(),
		TableTitle:            d[4].colors(),
		TableCellUnselected:   d[5].colors(),
		TableCellSelected:     d[6].colors(),
		ListUnselected:        d[7].colors(),
		ListSelected:          d[8].colors(),
		FrameUnselected:       d[9].colors(),
		FrameSelected:         d[10].colors(),
		FrameHighlight:        d[11].colors(),
		ExitCodeSuccess:       d[12].colors(),
		ExitCodeError:         d[13].colors(),
		MultiplayerUserColors: players,
	}
}

// DefaultStyle returns the Style sent in ModeUpdate: the default Styling,
// square corners, session name shown.
func DefaultStyle() *pluginpb.Style {
	return &pluginpb.Style{Styling: DefaultStyling()}
}

// sharedStyle is DefaultStyle built once, for events that only read it.
var sharedStyle = sync.OnceValue(DefaultStyle)
