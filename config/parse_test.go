package config

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestChunkedParseMatches checks that parsing large files in parallel chunks
// gives exactly the model and diagnostics of a whole-file parse: every golden
// input and example is loaded with chunking forced on and off.
func TestChunkedParseMatches(t *testing.T) {
	type input struct {
		name  string
		files []File
		opts  Options
	}
	var inputs []input
	for _, dir := range []string{"valid", "invalid"} {
		names, _ := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
		for _, n := range names {
			a, err := txtar.ParseFile(n)
			if err != nil {
				t.Fatal(err)
			}
			files, opts := archiveInput(t, a, "")
			inputs = append(inputs, input{n, files, opts})
		}
	}
	inputs = append(inputs, input{"generated", genWorkspace(3, 3, 7, false), Options{Dir: "/ws"}})
	// Interpolations with braces and quotes, comments with braces: the
	// splitter may cut wrongly, and must then fall back to a whole parse.
	tricky := "locals {\n  a = \"${ \"}\" }\"\n}\n# } {\nsession \"s\" {\n  tab \"t\" {\n    pane \"p\" {\n      command = \"${ \"}\" }\"\n    }\n  }\n}\nsession \"u\" {\n  tab \"t\" {\n    pane \"p\" {}\n  }\n}\n"
	inputs = append(inputs, input{"tricky", []File{{Name: "/ws/t.hcl", Src: []byte(tricky)}}, Options{}})
	broken := strings.Replace(string(genWorkspace(2, 2, 5, false)[0].Src), "session \"s1\" {", "session \"s1\" {\n  bogus = 1", 1)
	inputs = append(inputs, input{"broken", []File{{Name: "/ws/b.hcl", Src: []byte(broken)}}, Options{Dir: "/ws"}})

	for _, in := range inputs {
		if msg := compareChunked(in.files, in.opts); msg != "" {
			t.Errorf("%s: %s", in.name, msg)
		}
	}
	if got := splitPoints(genWorkspace(10, 10, 10, false)[0].Src, 2); len(got) != 2 {
		t.Errorf("the generated workspace is cut at %v", got)
	}
}

// compareChunked loads files whole and in forced chunks and describes any
// difference in models or rendered diagnostics ("" when they match).
func compareChunked(files []File, opts Options) string {
	wsWhole, dWhole := parse(files, opts, 1<<62)
	wsSplit, dSplit := parse(files, opts, 0)
	var a, b bytes.Buffer
	_ = WriteDiagnostics(&a, files, dWhole)
	_ = WriteDiagnostics(&b, files, dSplit)
	if a.String() != b.String() {
		return "diagnostics differ:\n" + a.String() + "\n---\n" + b.String()
	}
	if (wsWhole == nil) != (wsSplit == nil) || (wsWhole != nil && !bytes.Equal(wsWhole.JSON(), wsSplit.JSON())) {
		return "models differ"
	}
	return ""
}
