package console

import (
	"reflect"
	"testing"
)

func TestSplitCommands(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want [][]string
	}{
		{"panes", [][]string{{"panes"}}},
		{"panes; screen tests\nstatus", [][]string{{"panes"}, {"screen", "tests"}, {"status"}}},
		{`write shell 'ls -l\n'`, [][]string{{"write", "shell", `ls -l\n`}}},
		{`write shell "say \"hi\"; bye"`, [][]string{{"write", "shell", `say "hi"; bye`}}},
		{"# a comment\npanes # trailing", [][]string{{"panes"}}},
		{`keys a b\ c`, [][]string{{"keys", "a", "b c"}}},
		{"  ;; \n ", nil},
	} {
		got, err := SplitCommands(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitCommands(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{`write 'x`, `write "x`} {
		if _, err := SplitCommands(bad); err == nil {
			t.Errorf("SplitCommands(%q) succeeded", bad)
		}
	}
}

func TestUnescape(t *testing.T) {
	got, err := Unescape(`a\nb\tc\e[1m\x41\\\q`)
	if err != nil || string(got) != "a\nb\tc\x1b[1mA\\\\q" {
		t.Errorf("Unescape = %q, %v", got, err)
	}
	for _, bad := range []string{`\x4`, `\xzz`} {
		if _, err := Unescape(bad); err == nil {
			t.Errorf("Unescape(%q) succeeded", bad)
		}
	}
}

func FuzzSplitCommands(f *testing.F) {
	for _, s := range []string{"panes", `write a 'b\n'; keys x Enter`, `"unterminated`, "#\n;;", `a\ b "c\"d"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cmds, err := SplitCommands(s)
		if err != nil {
			return
		}
		for _, c := range cmds {
			if len(c) == 0 {
				t.Fatalf("empty command from %q", s)
			}
		}
		for _, c := range cmds {
			for _, w := range c {
				_, _ = Unescape(w)
			}
		}
	})
}
