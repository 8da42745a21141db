package console

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnterminated is returned for a line that ends inside quotes.
var ErrUnterminated = errors.New("unterminated quote")

// SplitCommands splits a script into commands: one per line or
// ';'-separated, each split into words with shell-like quoting ('single',
// "double" with \" and \\ escapes, backslash outside quotes). '#' starts a
// comment at the start of a word. Escapes such as \n inside words are kept
// for the command to interpret (write does).
func SplitCommands(script string) ([][]string, error) {
	var cmds [][]string
	var words []string
	var cur strings.Builder
	inWord := false
	flushWord := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	flushCmd := func() {
		flushWord()
		if len(words) > 0 {
			cmds = append(cmds, words)
			words = nil
		}
	}
	line := 1
	for i := 0; i < len(script); i++ {
		c := script[i]
		switch {
		case c == '\n':
			flushCmd()
			line++
		case c == ';':
			flushCmd()
		case c == ' ' || c == '\t' || c == '\r':
			flushWord()
		case c == '#' && !inWord:
			for i < len(script) && script[i] != '\n' {
				i++
			}
			i--
		case c == '\'':
			inWord = true
			j := strings.IndexByte(script[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("line %d: %w", line, ErrUnterminated)
			}
			cur.WriteString(script[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			inWord = true
			i++
			for ; i < len(script) && script[i] != '"'; i++ {
				if script[i] == '\\' && i+1 < len(script) && (script[i+1] == '"' || script[i+1] == '\\') {
					i++
				}
				if script[i] == '\n' {
					line++
				}
				cur.WriteByte(script[i])
			}
			if i >= len(script) {
				return nil, fmt.Errorf("line %d: %w", line, ErrUnterminated)
			}
		case c == '\\' && i+1 < len(script) && (script[i+1] == ' ' || script[i+1] == ';' || script[i+1] == '\'' || script[i+1] == '"' || script[i+1] == '#'):
			inWord = true
			cur.WriteByte(script[i+1])
			i++
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	flushCmd()
	return cmds, nil
}

// Unescape turns the escapes of `write` (\n \r \t \e \a \b \0 \\ \xNN)
// into bytes; other backslashes stay as they are.
func Unescape(s string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i == len(s)-1 {
			out = append(out, c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'e':
			out = append(out, 0x1b)
		case 'a':
			out = append(out, 7)
		case 'b':
			out = append(out, 8)
		case '0':
			out = append(out, 0)
		case '\\':
			out = append(out, '\\')
		case 'x':
			if i+2 >= len(s) {
				return nil, fmt.Errorf(`\x needs two hex digits`)
			}
			var v byte
			for _, h := range []byte(s[i+1 : i+3]) {
				v <<= 4
				switch {
				case h >= '0' && h <= '9':
					v |= h - '0'
				case h >= 'a' && h <= 'f':
					v |= h - 'a' + 10
				case h >= 'A' && h <= 'F':
					v |= h - 'A' + 10
				default:
					return nil, fmt.Errorf(`\x needs two hex digits, got %q`, s[i+1:i+3])
				}
			}
			out = append(out, v)
			i += 2
		default:
			out = append(out, '\\', s[i])
		}
	}
	return out, nil
}
