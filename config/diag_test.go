package config

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// Control characters from a source file are escaped in snippets and
// messages, and the caret still points at the range.
func TestSnippetEscapesControlCharacters(t *testing.T) {
	src := "session \"s\" {\n  tab \"t\" {\n    pane \"p\" {\n\tcomand = \"\x1b[2J\x1b]0;owned\x07\u202e\"\n    }\n  }\n}\n"
	files := []File{{Name: "ws.hcl", Src: []byte(src)}}
	_, diags := Parse(files, Options{})
	got := diagText(files, diags)
	want := "ws.hcl:4:2: error: Unsupported argument\n" +
		"    4 |  comand = \"\\x1b[2J\\x1b]0;owned\\x07\\u202e\"\n" +
		"      |  ^^^^^^\n"
	if !strings.HasPrefix(got, want) {
		t.Errorf("got\n%s\nwant prefix\n%s", got, want)
	}
	if strings.ContainsAny(got, "\x1b\x07\u202e") {
		t.Errorf("raw control characters in %q", got)
	}
}

// The caret lines up under wide and multi-byte characters, and a range
// after an escaped character is shifted by the escape's width.
func TestSnippetCaretColumns(t *testing.T) {
	for _, c := range []struct {
		line       string
		start, end int // byte offsets in line
		want       string
	}{
		{`a = "日本" + x`, 15, 16, "    1 | a = \"日本\" + x\n      |              ^\n"},
		{"a = \"\x01\" + x", 10, 11, "    1 | a = \"\\x01\" + x\n      |              ^\n"},
		{"a = \"\xff\" + x", 4, 7, "    1 | a = \"\\xff\" + x\n      |     ^^^^^^\n"},
		{"é = 1", 0, 2, "    1 | é = 1\n      | ^\n"},
	} {
		d := hcl.Range{Filename: "f", Start: hcl.Pos{Line: 1, Column: 1, Byte: c.start}, End: hcl.Pos{Line: 1, Column: 2, Byte: c.end}}
		out := snippetString([]byte(c.line), d)
		if out != c.want {
			t.Errorf("%q: got\n%s\nwant\n%s", c.line, out, c.want)
		}
	}
}

func TestEscapeText(t *testing.T) {
	if got, want := escapeText("a\nb\tc\x1bd\u009be\xfe"), "a\nb\tc\\x1bd\\u009be\\xfe"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if s := "plain 日本\n"; escapeText(s) != s {
		t.Errorf("changed %q", s)
	}
}

func snippetString(src []byte, r hcl.Range) string {
	var buf bytes.Buffer
	writeSnippet(&buf, src, r)
	return buf.String()
}

// Format's diagnostics come sorted by position and without repeats, like
// Parse's (hclwrite reports a late error first here).
func TestFormatDiagnosticsSorted(t *testing.T) {
	src := "a = [1,\nb = {\nsession \"x\" {\n  c = 1 +\n}\nd = \"\n"
	_, diags := Format([]byte(src), "f.hcl")
	if len(diags) < 2 {
		t.Fatalf("diagnostics: %v", diags)
	}
	seen := map[string]bool{}
	for i, d := range diags {
		if i > 0 && d.Subject.Start.Byte < diags[i-1].Subject.Start.Byte {
			t.Errorf("unsorted: %v", diags)
		}
		k := d.Subject.String() + d.Summary
		if seen[k] {
			t.Errorf("repeated %s", k)
		}
		seen[k] = true
	}
}
