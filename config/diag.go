package config

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// WriteDiagnostics renders diags for a terminal, one block per diagnostic:
//
//	main.hcl:12:5: error: Unsupported argument
//	   12 |     comand = "bash"
//	      |     ^^^^^^
//	  An argument named "comand" is not expected here. Did you mean "command"?
//
// files provides the source lines for the snippets; a diagnostic without a
// range has no position and no snippet.
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
			fmt.Fprintf(&buf, "%s: %s: %s\n", rangeString(*d.Subject), sev, d.Summary)
			writeSnippet(&buf, srcs[d.Subject.Filename], *d.Subject)
		} else {
			fmt.Fprintf(&buf, "%s: %s\n", sev, d.Summary)
		}
		if d.Detail != "" {
			for _, line := range strings.Split(d.Detail, "\n") {
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
	lines := bytes.Split(src, []byte("\n"))
	if r.Start.Line > len(lines) {
		return
	}
	line := strings.TrimRight(strings.ReplaceAll(string(lines[r.Start.Line-1]), "\t", " "), "\r")
	num := fmt.Sprintf("%5d", r.Start.Line)
	fmt.Fprintf(buf, "%s | %s\n", num, line)
	start := r.Start.Column - 1
	if start > len(line) {
		start = len(line)
	}
	end := len(line)
	if r.End.Line == r.Start.Line {
		end = min(r.End.Column-1, len(line))
	}
	width := max(1, len([]rune(safeSlice(line, start, end))))
	fmt.Fprintf(buf, "%s | %s%s\n", strings.Repeat(" ", len(num)), strings.Repeat(" ", len([]rune(line[:start]))), strings.Repeat("^", width))
}

func safeSlice(s string, i, j int) string {
	if i < 0 || j > len(s) || i > j {
		return ""
	}
	return s[i:j]
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
