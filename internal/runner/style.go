package runner

import (
	"github.com/tessera-ws/tessera/internal/screen"
	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// ScreenStyle converts a Styling (as sent in ModeUpdate) to the theme the
// screen model draws UI components with. It reports false when the Styling
// is incomplete (a declaration without exactly six colours, or fewer than
// ten multiplayer colours): a guest would panic on it anyway.
func ScreenStyle(st *pluginpb.Styling, arrowFonts bool) (screen.Style, bool) {
	if st == nil {
		return screen.Style{}, false
	}
	conv := func(cs []*pluginpb.Color) ([]screen.Color, bool) {
		out := make([]screen.Color, len(cs))
		for i, c := range cs {
			switch p := c.GetPayload().(type) {
			case *pluginpb.Color_EightBitColorPayload:
				if p.EightBitColorPayload > 255 {
					return nil, false
				}
				out[i] = screen.Indexed(uint8(p.EightBitColorPayload))
			case *pluginpb.Color_RgbColorPayload:
				r := p.RgbColorPayload
				out[i] = screen.RGB(uint8(r.GetRed()), uint8(r.GetGreen()), uint8(r.GetBlue()))
			default:
				return nil, false
			}
		}
		return out, true
	}
	ok := true
	d := func(cs []*pluginpb.Color) screen.Declaration {
		colors, good := conv(cs)
		decl, good2 := screen.DeclarationFromColors(colors)
		ok = ok && good && good2
		return decl
	}
	out := screen.Style{
		TextUnselected:      d(st.TextUnselected),
		TextSelected:        d(st.TextSelected),
		RibbonUnselected:    d(st.RibbonUnselected),
		RibbonSelected:      d(st.RibbonSelected),
		TableTitle:          d(st.TableTitle),
		TableCellUnselected: d(st.TableCellUnselected),
		TableCellSelected:   d(st.TableCellSelected),
		ListUnselected:      d(st.ListUnselected),
		ListSelected:        d(st.ListSelected),
		FrameSelected:       d(st.FrameSelected),
		FrameHighlight:      d(st.FrameHighlight),
		ExitCodeSuccess:     d(st.ExitCodeSuccess),
		ExitCodeError:       d(st.ExitCodeError),
		ArrowFonts:          arrowFonts,
	}
	if len(st.FrameUnselected) > 0 {
		out.FrameUnselected = d(st.FrameUnselected)
		out.HasFrameUnselected = true
	}
	players, good := conv(st.MultiplayerUserColors)
	if !good || len(players) != len(out.MultiplayerColors) {
		return screen.Style{}, false
	}
	copy(out.MultiplayerColors[:], players)
	if !ok {
		return screen.Style{}, false
	}
	return out, true
}
