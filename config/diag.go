package config

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/mattn/go-runewidth"
)

// WriteDiagnostics renders diags for a terminal, one block per diagnostic:
//
//	main.hcl:12:5: error: Unsupported argument
//	   12 |     comand = "bash"
//	      |     ^^^^^^
//	  An argument named "comand" is not expected here. Did you mean "command"?
//
// files provides the source lines for the snippets; a diagnostic without a
// range has no position and no snippet. Diagnostics are written in the order
// given (Parse and Format sort them by position). Control characters,
// bidirectional overrides and invalid UTF-8 from the source are escaped
// (, ‮), so a hostile file cannot drive the terminal it is shown on.
func WriteDiagnostics(w io.Writer, files []File, diags hcl.Diagnostics) error {
	srcs := make(map[string][]byte, len(files))
	for _, f := range files {
		srcs[f.Name] = f.Src
	}
	var buf bytes.Buffer
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		if d.Subject != nil {
			fmt.Fprintf(&buf, "%s: %s: %s\n", escapeText(rangeString(*d.Subject)), sev, escapeText(d.Summary))
			writeSnippet(&buf, srcs[d.Subject.Filename], *d.Subject)
		} else {
			fmt.Fprintf(&buf, "%s: %s\n", sev, escapeText(d.Summary))
		}
		if d.Detail != "" {
			for _, line := range strings.Split(escapeText(d.Detail), "\n") {
				if line == "" {
					buf.WriteString("\n")
					continue
				}
				fmt.Fprintf(&buf, "  %s\n", line)
			}
		}
		buf.WriteString("\n")
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func writeSnippet(buf *bytes.Buffer, src []byte, r hcl.Range) {
	if src == nil || r.Start.Line < 1 {
		return
	}
	lineStart := 0
	for i := 1; i < r.Start.Line; i++ {
		j := bytes.IndexByte(src[lineStart:], '\n')
		if j < 0 {
			return
		}
		lineStart += j + 1
	}
	lineEnd := len(src)
	if j := bytes.IndexByte(src[lineStart:], '\n'); j >= 0 {
		lineEnd = lineStart + j
	}
	line := bytes.TrimSuffix(src[lineStart:lineEnd], []byte("\r"))
	// Byte offsets locate the range; columns (characters, not bytes) are the
	// fallback for a diagnostic whose offsets do not fall on this line.
	start := r.Start.Byte - lineStart
	if start < 0 || start > len(line) {
		start = columnOffset(line, r.Start.Column)
	}
	end := len(line)
	if r.End.Line == r.Start.Line {
		end = r.End.Byte - lineStart
		if end < start || end > len(line) {
			end = max(start, columnOffset(line, r.End.Column))
		}
	}
	text, col, width := renderLine(line, start, end)
	num := fmt.Sprintf("%5d", r.Start.Line)
	fmt.Fprintf(buf, "%s | %s\n", num, text)
	fmt.Fprintf(buf, "%s | %s%s\n", strings.Repeat(" ", len(num)), strings.Repeat(" ", col), strings.Repeat("^", max(1, width)))
}

// columnOffset is the byte offset of the 1-based character column col.
func columnOffset(line []byte, col int) int {
	off := 0
	for i := 1; i < col && off < len(line); i++ {
		_, n := utf8.DecodeRune(line[off:])
		off += n
	}
	return off
}

// renderLine makes a source line safe for a terminal: a tab becomes a space,
// and control characters, bidirectional overrides and invalid UTF-8 are
// escaped (\x1b, \u202e), so a snippet can neither move the cursor nor
// reorder what is shown. It returns the line with the display column of byte
// offset start and the display width of start..end.
func renderLine(line []byte, start, end int) (string, int, int) {
	var sb strings.Builder
	col, startCol, endCol := 0, -1, -1
	for off := 0; ; {
		if off >= start && startCol < 0 {
			startCol = col
		}
		if off >= end && endCol < 0 {
			endCol = col
		}
		if off >= len(line) {
			break
		}
		r, n := utf8.DecodeRune(line[off:])
		var piece string
		switch {
		case r == utf8.RuneError && n == 1:
			piece = fmt.Sprintf("\\x%02x", line[off])
		case r == '\t':
			piece = " "
		default:
			piece = escapeRune(r)
		}
		sb.WriteString(piece)
		col += runewidth.StringWidth(piece)
		off += n
	}
	return sb.String(), startCol, endCol - startCol
}

// escapeRune returns r, or its Go escape when printing it would control the
// terminal.
func escapeRune(r rune) string {
	switch {
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf("\\x%02x", r)
	case r >= 0x80 && r < 0xa0, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f:
		return fmt.Sprintf("\\u%04x", r)
	}
	return string(r)
}

// escapeText escapes control characters in a message, keeping newlines and
// tabs; messages quote names and values from the source.
func escapeText(s string) string {
	clean := true
	for _, r := range s {
		if r != '\n' && r != '\t' && escapeRune(r) != string(r) {
			clean = false
			break
		}
	}
	if clean && utf8.ValidString(s) {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&sb, "\\x%02x", s[i])
		case r == '\n' || r == '\t':
			sb.WriteRune(r)
		default:
			sb.WriteString(escapeRune(r))
		}
		i += n
	}
	return sb.String()
}

// JSONDiagnostic is the structured form of a diagnostic, as printed by
// validate --json and sent to consoles.
type JSONDiagnostic struct {
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail,omitempty"`
	Range    *JSONRange `json:"range,omitempty"`
}

// JSONRange is a source range with 1-based lines and columns.
type JSONRange struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line"`
	EndColumn int    `json:"end_column"`
}

// DiagnosticsJSON converts diags to their structured form.
func DiagnosticsJSON(diags hcl.Diagnostics) []JSONDiagnostic {
	out := make([]JSONDiagnostic, 0, len(diags))
	for _, d := range diags {
		j := JSONDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			j.Severity = "warning"
		}
		if s := d.Subject; s != nil {
			j.Range = &JSONRange{File: s.Filename, Line: s.Start.Line, Column: s.Start.Column, EndLine: s.End.Line, EndColumn: s.End.Column}
		}
		out = append(out, j)
	}
	return out
}
