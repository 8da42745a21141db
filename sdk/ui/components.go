package ui

import (
	"io"
	"strconv"
)

// The host draws four UI components itself, with the session's theme, when a
// plugin prints them as a DCS escape sequence during render:
//
//	ESC P z <component> ; [x/y/width/height ;] <parameters> ESC \
//
// The coordinates are optional; when given, the component is drawn at that
// cell (0-based, within the plugin's content area) and clipped to width and
// height, either of which may be left out.

const (
	dcsStart = "\x1bPz"
	dcsEnd   = "\x1b\\"
)

// Component is something the host draws from a DCS "z" escape sequence:
// a Text (the text component), a Ribbon, a *Table or a NestedList.
type Component interface {
	// AppendComponent appends the complete escape sequence to dst; at, when
	// not nil, places the component.
	AppendComponent(dst []byte, at *Coordinates) []byte
}

// Coordinates place a component. Width and Height of 0 mean "not given":
// the host then uses the space to the edge of the content area.
type Coordinates struct {
	X, Y          int
	Width, Height int
}

// At returns coordinates for the cell at column x, row y (both 0-based),
// with no size limit.
func At(x, y int) *Coordinates { return &Coordinates{X: x, Y: y} }

// Sized returns c with the given width and height (0 = not given).
func (c *Coordinates) Sized(width, height int) *Coordinates {
	cc := *c
	cc.Width, cc.Height = width, height
	return &cc
}

func appendHeader(dst []byte, kind string, at *Coordinates) []byte {
	dst = append(dst, dcsStart...)
	dst = append(dst, kind...)
	dst = append(dst, ';')
	if at != nil {
		dst = strconv.AppendInt(dst, int64(max(at.X, 0)), 10)
		dst = append(dst, '/')
		dst = strconv.AppendInt(dst, int64(max(at.Y, 0)), 10)
		dst = append(dst, '/')
		if at.Width > 0 {
			dst = strconv.AppendInt(dst, int64(at.Width), 10)
		}
		dst = append(dst, '/')
		if at.Height > 0 {
			dst = strconv.AppendInt(dst, int64(at.Height), 10)
		}
		dst = append(dst, ';')
	}
	return dst
}

// AppendComponent appends t as a text component.
func (t Text) AppendComponent(dst []byte, at *Coordinates) []byte {
	dst = appendHeader(dst, "text", at)
	dst = t.AppendSerialized(dst)
	return append(dst, dcsEnd...)
}

// Ribbon is a text drawn as a ribbon (a tab-like label with separators), as
// in the tab bar and status bar.
type Ribbon Text

// AsRibbon returns t as a ribbon component.
func AsRibbon(t Text) Ribbon { return Ribbon(t) }

// AppendComponent appends r as a ribbon component.
func (r Ribbon) AppendComponent(dst []byte, at *Coordinates) []byte {
	dst = appendHeader(dst, "ribbon", at)
	dst = Text(r).AppendSerialized(dst)
	return append(dst, dcsEnd...)
}

// Table is a grid of Text cells; the first row is the title row. Build it
// with NewTable and AddRow or AddStyledRow.
type Table struct {
	rows [][]Text
}

// NewTable returns an empty table.
func NewTable() *Table { return &Table{} }

// AddRow appends a row of plain cells and returns the table.
func (tb *Table) AddRow(cells ...string) *Table {
	row := make([]Text, len(cells))
	for i, c := range cells {
		row[i] = NewText(c)
	}
	tb.rows = append(tb.rows, row)
	return tb
}

// AddStyledRow appends a row of styled cells and returns the table.
func (tb *Table) AddStyledRow(cells ...Text) *Table {
	tb.rows = append(tb.rows, append([]Text(nil), cells...))
	return tb
}

// Rows returns the number of rows.
func (tb *Table) Rows() int { return len(tb.rows) }

// Columns returns the number of columns: the length of the longest row.
func (tb *Table) Columns() int {
	n := 0
	for _, r := range tb.rows {
		n = max(n, len(r))
	}
	return n
}

// AppendComponent appends tb as a table component: the column and row
// counts, then every cell in row-major order. Rows shorter than the longest
// one are padded with empty cells, so the grid is always complete.
func (tb *Table) AppendComponent(dst []byte, at *Coordinates) []byte {
	cols := tb.Columns()
	dst = appendHeader(dst, "table", at)
	dst = strconv.AppendInt(dst, int64(cols), 10)
	dst = append(dst, ';')
	dst = strconv.AppendInt(dst, int64(len(tb.rows)), 10)
	dst = append(dst, ';')
	first := true
	for _, r := range tb.rows {
		for c := 0; c < cols; c++ {
			if !first {
				dst = append(dst, ';')
			}
			first = false
			if c < len(r) {
				dst = r[c].AppendSerialized(dst)
			}
		}
	}
	return append(dst, dcsEnd...)
}

// ListItem is one line of a NestedList: a Text indented by Indent levels.
type ListItem struct {
	Text   Text
	Indent int
}

// Item returns a list item with plain text s at the given indentation.
func Item(s string, indent int) ListItem { return ListItem{Text: NewText(s), Indent: indent} }

// NestedList is an indented list of items.
type NestedList []ListItem

// AppendComponent appends l as a nested_list component; each item is its
// Text prefixed by one "|" per indentation level.
func (l NestedList) AppendComponent(dst []byte, at *Coordinates) []byte {
	dst = appendHeader(dst, "nested_list", at)
	for i, it := range l {
		if i > 0 {
			dst = append(dst, ';')
		}
		for j := 0; j < it.Indent; j++ {
			dst = append(dst, '|')
		}
		dst = it.Text.AppendSerialized(dst)
	}
	return append(dst, dcsEnd...)
}

// Serialize returns the escape sequence that draws c where the cursor is.
func Serialize(c Component) string { return string(c.AppendComponent(nil, nil)) }

// SerializeAt returns the escape sequence that draws c at the coordinates.
func SerializeAt(c Component, at *Coordinates) string { return string(c.AppendComponent(nil, at)) }

// Print writes the escape sequence that draws c (at the coordinates, when
// not nil) to w, typically os.Stdout during Render.
func Print(w io.Writer, c Component, at *Coordinates) error {
	_, err := w.Write(c.AppendComponent(nil, at))
	return err
}

var (
	_ Component = Text{}
	_ Component = Ribbon{}
	_ Component = (*Table)(nil)
	_ Component = NestedList(nil)
)
