package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/tessera-ws/tessera/internal/fsutil"
)

// maxNesting bounds how deeply brackets, braces, parentheses, string
// interpolations and chains of unary operators may nest. The HCL parser is
// recursive and a hostile file of nested brackets would otherwise exhaust the
// goroutine stack, which Go cannot recover from. Real workspaces nest a few
// levels deep.
const maxNesting = 64

// maxOperators bounds the operators of one expression (one line of a body
// or object, or everything inside parentheses and brackets): a long operator chain builds a deep
// tree that is evaluated recursively.
const maxOperators = 10_000

// maxFileSize bounds one configuration file (4 MiB), when it is read and
// again when it is parsed, for callers of Parse.
const maxFileSize = fsutil.MaxWorkspaceFile

// checkNesting scans src like a simplified HCL lexer (strings, interpolation,
// comments) and returns an error diagnostic at the first place that nests
// deeper than maxNesting.
func checkNesting(src []byte, filename string) *hcl.Diagnostic {
	var stack []byte // '(' '[' '{' in code, 's' a string, 'i' an interpolation inside a string
	if len(src) > maxFileSize {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "File too large",
			Detail:   fmt.Sprintf("%s has %s; a workspace file may have at most %s. Split the workspace into several *.hcl files in one directory.", filename, fsutil.FormatSize(int64(len(src))), fsutil.FormatSize(maxFileSize)),
			Subject:  &hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.Pos{Line: 1, Column: 1, Byte: 0}},
		}
	}
	unary, ops := 0, 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		if n := len(stack); n > 0 && stack[n-1] == 's' {
			switch {
			case c == '\\':
				i++
			case c == '"':
				stack = stack[:n-1]
			case (c == '$' || c == '%') && i+1 < len(src) && src[i+1] == c:
				i++ // $${ and %%{ are literal
			case (c == '$' || c == '%') && i+1 < len(src) && src[i+1] == '{':
				stack = append(stack, 'i')
				i++
			case c == '\n':
				stack = stack[:n-1] // an unterminated string ends at the line end
			}
			if len(stack) > maxNesting {
				return nestingDiag(src, filename, i)
			}
			continue
		}
		switch c {
		case '\n':
			if n := len(stack); n == 0 || stack[n-1] == '{' {
				ops = 0 // a new statement, block item or object item
			}
			continue
		case ' ', '\t', '\r':
			continue
		case '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case '/':
			if i+1 < len(src) && src[i+1] == '/' {
				for i < len(src) && src[i] != '\n' {
					i++
				}
				continue
			}
			if i+1 < len(src) && src[i+1] == '*' {
				i += 2
				for i+1 < len(src) && !(src[i] == '*' && src[i+1] == '/') {
					i++
				}
				i++
				continue
			}
		case '"':
			stack = append(stack, 's')
		case '(', '[', '{':
			stack = append(stack, c)
		case ')', ']', '}':
			if n := len(stack); n > 0 {
				stack = stack[:n-1]
			}
		}
		if c == '!' || c == '-' {
			unary++
		} else {
			unary = 0
		}
		switch c {
		case '+', '-', '*', '/', '%', '<', '>', '=', '!', '&', '|', '?', ':', '.', '[':
			ops++
		}
		if len(stack) > maxNesting || unary > maxNesting || ops > maxOperators {
			return nestingDiag(src, filename, i)
		}
	}
	return nil
}

func nestingDiag(src []byte, filename string, off int) *hcl.Diagnostic {
	pos := hcl.Pos{Line: 1, Column: 1, Byte: off}
	for _, c := range src[:off] {
		if c == '\n' {
			pos.Line++
			pos.Column = 1
		} else if c < 0x80 || c >= 0xC0 {
			pos.Column++
		}
	}
	end := pos
	end.Byte++
	end.Column++
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Expression too complex",
		Detail:   fmt.Sprintf("Brackets, braces, strings or unary operators nest more than %d levels deep here, or one expression has more than %d operators. Split it into locals.", maxNesting, maxOperators),
		Subject:  &hcl.Range{Filename: filename, Start: pos, End: end},
	}
}
