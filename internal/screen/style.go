package screen

import "fmt"

// Declaration is one colour declaration of a theme: a base (foreground)
// colour, a background and four emphasis colours. It mirrors a
// StyleDeclaration of the plugin ABI's Styling message, whose six Colors come
// in the order base, background, emphasis_0..3.
type Declaration struct {
	Base       Color
	Background Color
	Emphasis   [4]Color
}

// DeclarationFromColors builds a Declaration from the six colours of a
// Styling field in wire order (base, background, emphasis_0..3). It reports
// false, and returns the zero Declaration, unless exactly six are given.
func DeclarationFromColors(c []Color) (Declaration, bool) {
	if len(c) != 6 {
		return Declaration{}, false
	}
	return Declaration{Base: c[0], Background: c[1], Emphasis: [4]Color{c[2], c[3], c[4], c[5]}}, true
}

// Style holds the theme used to draw UI components (DCS `z`), taken from
// ModeUpdatePayload.style.styling. Field order and meaning follow the
// Styling message: fields 1–9 and 11–14 are declarations, field 10
// (frame_unselected) is optional, field 15 holds ten multiplayer colours.
type Style struct {
	TextUnselected      Declaration // Styling field 1
	TextSelected        Declaration // field 2
	RibbonUnselected    Declaration // field 3
	RibbonSelected      Declaration // field 4
	TableTitle          Declaration // field 5
	TableCellUnselected Declaration // field 6
	TableCellSelected   Declaration // field 7
	ListUnselected      Declaration // field 8
	ListSelected        Declaration // field 9
	FrameUnselected     Declaration // field 10; meaningful only when HasFrameUnselected
	HasFrameUnselected  bool
	FrameSelected       Declaration // field 11
	FrameHighlight      Declaration // field 12
	ExitCodeSuccess     Declaration // field 13
	ExitCodeError       Declaration // field 14
	MultiplayerColors   [10]Color   // field 15

	// ArrowFonts draws ribbons with powerline arrow separators
	// (ModeUpdatePayload.arrow_fonts_support). Without it a ribbon is its
	// text between two spaces.
	ArrowFonts bool
}

// Palette indices of the default theme.
const (
	defWhite      = 255
	defGreen      = 154
	defGray       = 238
	defBrightGray = 245
	defRed        = 124
	defOrange     = 166
	defBlack      = 16
	defMagenta    = 201
	defCyan       = 51
	defYellow     = 226
	defBlue       = 45
	defPurple     = 99
	defGold       = 136
	defSilver     = 245
	defPink       = 207
	defBrown      = 215
)

func decl(base, bg, e0, e1, e2, e3 uint8) Declaration {
	return Declaration{
		Base: Indexed(base), Background: Indexed(bg),
		Emphasis: [4]Color{Indexed(e0), Indexed(e1), Indexed(e2), Indexed(e3)},
	}
}

// DefaultStyle returns the built-in theme: every declaration filled with
// 256-colour palette entries (the values of Zellij's default theme), no
// frame_unselected, ten multiplayer colours, and arrow fonts on.
func DefaultStyle() Style {
	return Style{
		TextUnselected:      decl(defBrightGray, defGray, defOrange, defCyan, defGreen, defMagenta),
		TextSelected:        decl(defBrightGray, defGray, defOrange, defCyan, defGreen, defMagenta),
		RibbonUnselected:    decl(defBlack, defGray, defRed, defWhite, defBlue, defMagenta),
		RibbonSelected:      decl(defBlack, defGreen, defRed, defOrange, defMagenta, defBlue),
		TableTitle:          decl(defGreen, defGray, defOrange, defCyan, defGreen, defMagenta),
		TableCellUnselected: decl(defBrightGray, defGray, defOrange, defCyan, defGreen, defMagenta),
		TableCellSelected:   decl(defGreen, defGray, defOrange, defCyan, defRed, defMagenta),
		ListUnselected:      decl(defBrightGray, defGray, defOrange, defCyan, defGreen, defMagenta),
		ListSelected:        decl(defGreen, defGray, defOrange, defCyan, defRed, defMagenta),
		FrameSelected:       decl(defGreen, defGray, defOrange, defCyan, defMagenta, defBrown),
		FrameHighlight:      decl(defOrange, defGreen, defMagenta, defPurple, defGreen, defGreen),
		ExitCodeSuccess:     decl(defGreen, defGray, defCyan, defBlack, defMagenta, defBlue),
		ExitCodeError:       decl(defRed, defGray, defYellow, defGold, defSilver, defPurple),
		MultiplayerColors: [10]Color{
			Indexed(defMagenta), Indexed(defBlue), Indexed(defPurple), Indexed(defYellow), Indexed(defCyan),
			Indexed(defGold), Indexed(defRed), Indexed(defSilver), Indexed(defPink), Indexed(defBrown),
		},
		ArrowFonts: true,
	}
}

// StylingFields is the number of colour fields of a Styling message.
const StylingFields = 15

// Styling field numbers with special counts.
const (
	fieldFrameUnselected = 10
	fieldMultiplayer     = 15
)

// declarations returns pointers to the declaration of each Styling field
// (index 0 is field 1); the multiplayer field's entry is nil.
func (st *Style) declarations() [StylingFields]*Declaration {
	return [StylingFields]*Declaration{
		&st.TextUnselected, &st.TextSelected, &st.RibbonUnselected, &st.RibbonSelected,
		&st.TableTitle, &st.TableCellUnselected, &st.TableCellSelected, &st.ListUnselected,
		&st.ListSelected, &st.FrameUnselected, &st.FrameSelected, &st.FrameHighlight,
		&st.ExitCodeSuccess, &st.ExitCodeError, nil,
	}
}

// StyleFromFields builds a Style from the colours of Styling fields 1–15
// (fields[0] is field 1), in wire order. Fields 1–9 and 11–14 must hold
// exactly six colours, field 10 none or six, field 15 exactly ten; any
// other count is an error naming the field (a guest handed such a Styling
// panics). arrowFonts sets Style.ArrowFonts.
func StyleFromFields(fields [StylingFields][]Color, arrowFonts bool) (Style, error) {
	st := Style{ArrowFonts: arrowFonts}
	decls := st.declarations()
	for i, colors := range fields {
		field := i + 1
		switch {
		case field == fieldMultiplayer:
			if len(colors) != len(st.MultiplayerColors) {
				return Style{}, fmt.Errorf("styling field %d: %d colours, want %d", field, len(colors), len(st.MultiplayerColors))
			}
			copy(st.MultiplayerColors[:], colors)
		case field == fieldFrameUnselected && len(colors) == 0:
		default:
			d, ok := DeclarationFromColors(colors)
			if !ok {
				return Style{}, fmt.Errorf("styling field %d: %d colours, want 6", field, len(colors))
			}
			*decls[i] = d
			if field == fieldFrameUnselected {
				st.HasFrameUnselected = true
			}
		}
	}
	return st, nil
}

// Fields returns the colours of Styling fields 1–15 in wire order (index 0
// is field 1), the inverse of StyleFromFields: field 10 is empty unless
// HasFrameUnselected.
func (st Style) Fields() [StylingFields][]Color {
	var out [StylingFields][]Color
	for i, d := range st.declarations() {
		switch {
		case i+1 == fieldMultiplayer:
			out[i] = append([]Color(nil), st.MultiplayerColors[:]...)
		case i+1 == fieldFrameUnselected && !st.HasFrameUnselected:
			out[i] = []Color{}
		default:
			out[i] = []Color{d.Base, d.Background, d.Emphasis[0], d.Emphasis[1], d.Emphasis[2], d.Emphasis[3]}
		}
	}
	return out
}
