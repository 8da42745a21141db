package config

import (
	"fmt"
	"strings"
	"testing"
)

// TestHostileNesting feeds inputs that would exhaust the stack of a recursive
// parser; they must be refused with a diagnostic, not crash the process.
func TestHostileNesting(t *testing.T) {
	const n = 200_000
	for name, src := range map[string]string{
		"brackets":      "x = " + strings.Repeat("[", n),
		"parens":        "x = " + strings.Repeat("(", n),
		"objects":       "x = " + strings.Repeat("{a=", n),
		"blocks":        strings.Repeat("session \"s\" {\n", n),
		"not":           "x = " + strings.Repeat("!", n) + "true",
		"negate":        "x = " + strings.Repeat("- ", n) + "1",
		"interpolation": "x = " + strings.Repeat("\"${", n),
		"sum":           "x = " + strings.Repeat("1 + ", n) + "1",
		"sum_in_parens": "x = (" + strings.Repeat("1 +\n", n) + "1)",
	} {
		t.Run(name, func(t *testing.T) {
			ws, diags := Parse([]File{{Name: "a.hcl", Src: []byte(src)}}, Options{})
			if ws != nil || len(diags) != 1 || diags[0].Summary != "Expression too complex" || diags[0].Subject == nil {
				t.Fatalf("diags: %v", diags)
			}
			if out, diags := Format([]byte(src), "a.hcl"); out != nil || !diags.HasErrors() {
				t.Fatal("Format accepted it")
			}
		})
	}
}

// TestLongFlatInputs checks long but flat inputs still load: a long chain of
// binary operators, many attributes and brackets inside strings and comments.
func TestLongFlatInputs(t *testing.T) {
	src := "locals {\n  sum = " + strings.Repeat("1 + ", 5_000) + "1\n  s = \"" + strings.Repeat("[", 1000) + "\"\n  # " + strings.Repeat("{", 1000) + "\n  t = \"$${" + strings.Repeat("(", 100) + "\"\n}\n" +
		"session \"s\" {\n  tab \"t\" {\n    pane \"p\" {\n      args = [tostring(local.sum), local.s]\n    }\n  }\n}\n"
	ws, diags := Parse([]File{{Name: "a.hcl", Src: []byte(src)}}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	// One session of 4,000 panes: many statements, each small.
	if _, diags := Parse(genWorkspace(1, 4, 1000, false), Options{Dir: "/ws"}); diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := ws.Sessions[0].Tabs[0].Panes[0].Terminal.Args[0]; got != "5001" {
		t.Errorf("sum = %s", got)
	}
}

func TestFileTooLarge(t *testing.T) {
	src := strings.Repeat("# comment\n", maxFileSize/10+1)
	_, diags := Parse([]File{{Name: "a.hcl", Src: []byte(src)}}, Options{})
	if len(diags) != 1 || diags[0].Summary != "File too large" || diags[0].Subject == nil {
		t.Fatalf("diags: %v", diags)
	}
}

func TestValueTooLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("locals {\n  a0 = \"0123456789abcdef\"\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "  a%d = \"${local.a%d}${local.a%d}\"\n", i, i-1, i-1)
	}
	b.WriteString("}\nsession \"s\" {\n  tab \"t\" {\n    pane \"p\" {\n      command = local.a40\n    }\n  }\n}\n")
	ws, diags := Parse([]File{{Name: "a.hcl", Src: []byte(b.String())}}, Options{})
	if ws != nil || len(diags) != 1 || diags[0].Summary != "Value too large" || diags[0].Subject.Start.Line != 19 {
		t.Fatalf("diags: %v", diags)
	}
}
