package screen

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the expected sections of testdata/*.txtar")

// Golden files: testdata/NAME.txtar. The comment holds "size ROWSxCOLS" and
// optionally "style noarrows". Section "input" holds Go-quoted strings, one
// per line, concatenated into the frame. Sections "lines" (one row per line)
// and "ansi" (one Go-quoted row per line) are the expected output.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			runGolden(t, file)
		})
	}
}

func runGolden(t *testing.T, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ar := txtar.Parse(data)
	rows, cols := 0, 0
	st := DefaultStyle()
	for line := range strings.SplitSeq(string(ar.Comment), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "size":
			if _, err := fmt.Sscanf(f[1], "%dx%d", &rows, &cols); err != nil {
				t.Fatalf("bad size %q: %v", f[1], err)
			}
		case len(f) == 2 && f[0] == "style" && f[1] == "noarrows":
			st.ArrowFonts = false
		}
	}
	var input []byte
	sections := map[string]int{}
	for i, f := range ar.Files {
		sections[f.Name] = i
	}
	in, ok := sections["input"]
	if !ok {
		t.Fatal("no input section")
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(ar.Files[in].Data)), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		s, err := strconv.Unquote(strings.TrimSpace(line))
		if err != nil {
			t.Fatalf("input line %q: %v", line, err)
		}
		input = append(input, s...)
	}

	s := New(rows, cols)
	s.SetStyle(st)
	s.Frame(input)
	gotLines := strings.Join(s.Lines(), "\n") + "\n"
	var ansi strings.Builder
	for row := range strings.SplitAfterSeq(s.ANSI(), "\n") {
		if row != "" {
			ansi.WriteString(strconv.Quote(strings.TrimSuffix(row, "\n")) + "\n")
		}
	}
	got := map[string]string{"lines": gotLines, "ansi": ansi.String()}

	if *update {
		ar.Files = []txtar.File{ar.Files[in]}
		for _, name := range []string{"lines", "ansi"} {
			ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(got[name])})
		}
		if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, name := range []string{"lines", "ansi"} {
		i, ok := sections[name]
		if !ok {
			t.Errorf("no %s section (run with -update)", name)
			continue
		}
		if want := ar.Files[i].Data; !bytes.Equal(want, []byte(got[name])) {
			t.Errorf("%s differ\n--- got\n%s--- want\n%s", name, got[name], want)
		}
	}
}
