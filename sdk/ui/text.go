package ui

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Emphasis levels understood by the host when it draws a Text. Levels 0 to 3
// select the emphasis colours of the component's style declaration; the
// higher levels are modifiers that newer hosts also apply.
const (
	Emphasis0 = 0
	Emphasis1 = 1
	Emphasis2 = 2
	Emphasis3 = 3
	// Dim draws the characters dimmed.
	Dim = 4
	// Unbold draws the characters without the bold attribute.
	Unbold = 5
	// ErrorColor draws the characters in the theme's error colour.
	ErrorColor = 6
	// SuccessColor draws the characters in the theme's success colour.
	SuccessColor = 7
)

// maxLevel bounds emphasis levels so that a wild index cannot make a Text
// allocate a huge level table.
const maxLevel = 63

// Text is a run of text for the host-drawn components (text, ribbon, table
// cells, list items), with per-character emphasis and three flags.
//
// Text is an immutable value: every method returns a modified copy, so
// values can be shared and built up in expressions:
//
//	t := ui.NewText("FIND: _").ColorRange(ui.Emphasis2, 0, 6).Color(ui.Emphasis3, 6)
//
// Character indices count runes (Unicode code points), not bytes.
type Text struct {
	s        string
	selected bool
	opaque   bool
	disabled bool
	levels   [][]int
}

// NewText returns a Text with content s, no emphasis and no flags.
func NewText(s string) Text { return Text{s: s} }

// Content returns the text content.
func (t Text) Content() string { return t.s }

// Len returns the number of characters (runes) in the content.
func (t Text) Len() int { return utf8.RuneCountInString(t.s) }

// Selected marks the text as selected: the host draws it with the
// component's "selected" style.
func (t Text) Selected() Text { t.selected = true; return t }

// Opaque makes the host paint the component's background behind the text.
func (t Text) Opaque() Text { t.opaque = true; return t }

// Disabled marks the text as disabled.
func (t Text) Disabled() Text { t.disabled = true; return t }

// Color adds the characters at the given indices to emphasis level. Negative
// indices, negative levels and levels above 63 are ignored.
func (t Text) Color(level int, indices ...int) Text {
	if level < 0 || level > maxLevel || len(indices) == 0 {
		return t
	}
	t = t.withLevel(level)
	for _, i := range indices {
		if i >= 0 {
			t.levels[level] = append(t.levels[level], i)
		}
	}
	return t
}

// ColorRange adds characters start (inclusive) to end (exclusive) to
// emphasis level. The range is clipped to the content.
func (t Text) ColorRange(level, start, end int) Text {
	if n := t.Len(); end > n {
		end = n
	}
	if start < 0 {
		start = 0
	}
	if level < 0 || level > maxLevel || start >= end {
		return t
	}
	t = t.withLevel(level)
	for i := start; i < end; i++ {
		t.levels[level] = append(t.levels[level], i)
	}
	return t
}

// ColorAll adds every character to emphasis level.
func (t Text) ColorAll(level int) Text { return t.ColorRange(level, 0, t.Len()) }

// ColorSubstring adds every non-overlapping occurrence of sub to emphasis
// level.
func (t Text) ColorSubstring(level int, sub string) Text {
	if sub == "" {
		return t
	}
	subLen := utf8.RuneCountInString(sub)
	rest, base := t.s, 0
	for {
		i := strings.Index(rest, sub)
		if i < 0 {
			return t
		}
		start := base + utf8.RuneCountInString(rest[:i])
		t = t.ColorRange(level, start, start+subLen)
		rest = rest[i+len(sub):]
		base = start + subLen
	}
}

// withLevel returns t with its own copy of the level table, long enough to
// hold level. Copying keeps earlier values unchanged.
func (t Text) withLevel(level int) Text {
	n := len(t.levels)
	if level >= n {
		n = level + 1
	}
	levels := make([][]int, n)
	for i, l := range t.levels {
		levels[i] = append([]int(nil), l...)
	}
	t.levels = levels
	return t
}

// AppendSerialized appends the wire form of t used inside component escape
// sequences: the flags ("x" selected, "z" opaque, "d" disabled), then for each
// emphasis level from 0 the comma-separated character indices followed by
// "$", then the UTF-8 bytes of the content in decimal, comma-separated.
func (t Text) AppendSerialized(dst []byte) []byte {
	if t.selected {
		dst = append(dst, 'x')
	}
	if t.opaque {
		dst = append(dst, 'z')
	}
	if t.disabled {
		dst = append(dst, 'd')
	}
	for _, level := range t.levels {
		for i, idx := range level {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendInt(dst, int64(idx), 10)
		}
		dst = append(dst, '$')
	}
	for i := 0; i < len(t.s); i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, uint64(t.s[i]), 10)
	}
	return dst
}

// Serialized returns the wire form of t (see AppendSerialized).
func (t Text) Serialized() string { return string(t.AppendSerialized(nil)) }
