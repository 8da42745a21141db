package console

import (
	"fmt"
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
)

// table prints aligned columns; the last column is cut to fit a width.
type table struct {
	rows [][]string
}

func (t *table) header(cols ...string) { t.rows = append(t.rows, cols) }
func (t *table) row(cols ...string)    { t.rows = append(t.rows, cols) }

func (t *table) write(w io.Writer, width int) error {
	if len(t.rows) == 0 {
		return nil
	}
	n := len(t.rows[0])
	widths := make([]int, n)
	for _, r := range t.rows {
		for i, c := range r {
			widths[i] = max(widths[i], runewidth.StringWidth(c))
		}
	}
	for _, r := range t.rows {
		var b strings.Builder
		for i, c := range r {
			if i == n-1 {
				if width > 0 {
					room := width - runewidth.StringWidth(b.String())
					if room < 4 {
						room = 4
					}
					c = runewidth.Truncate(c, room, "…")
				}
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-runewidth.StringWidth(c)+2))
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(b.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}
