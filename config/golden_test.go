package config

import (
	"bufio"
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Output sections of the golden archives; every other section is an input.
const (
	secModel = "model.json"
	secDiags = "diagnostics"
	secPlan  = "plan"
	secJSON  = "plan.json"
	secVars  = "vars"
	secEnv   = "env"
	secVer   = "version"
)

// wsDir is the virtual directory the archives' files live in.
const wsDir = "/ws"

// archiveInput turns an archive into loader inputs: *.hcl files (old/ and
// new/ prefixes select a side for plan tests), vars, env, and a ReadFile
// serving the archive's other files.
func archiveInput(t *testing.T, a *txtar.Archive, prefix string) ([]File, Options) {
	t.Helper()
	opts := Options{Dir: wsDir, Env: map[string]string{}, Vars: map[string]string{}}
	others := map[string][]byte{}
	var files []File
	for _, f := range a.Files {
		switch f.Name {
		case secModel, secDiags, secPlan, secJSON:
			continue
		case secVer:
			opts.Version = strings.TrimSpace(string(f.Data))
			continue
		case secVars, secEnv:
			target := opts.Vars
			if f.Name == secEnv {
				target = opts.Env
			}
			sc := bufio.NewScanner(bytes.NewReader(f.Data))
			for sc.Scan() {
				if k, v, ok := strings.Cut(sc.Text(), "="); ok {
					target[k] = v
				}
			}
			continue
		}
		name := f.Name
		if prefix != "" {
			if !strings.HasPrefix(name, prefix) {
				continue
			}
			name = strings.TrimPrefix(name, prefix)
		}
		full := path.Join(wsDir, name)
		if strings.HasSuffix(name, ".hcl") {
			files = append(files, File{Name: full, Src: f.Data})
		} else {
			others[full] = f.Data
		}
	}
	opts.ReadFile = func(name string) ([]byte, error) {
		if b, ok := others[name]; ok {
			return b, nil
		}
		return nil, fs.ErrNotExist
	}
	return files, opts
}

func readArchive(t *testing.T, file string) *txtar.Archive {
	t.Helper()
	a, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkGolden compares got with the archive's section name, or rewrites it with -update.
func checkGolden(t *testing.T, file string, a *txtar.Archive, name string, got []byte) {
	t.Helper()
	if len(got) > 0 && got[len(got)-1] != '\n' {
		got = append(got, '\n')
	}
	for i, f := range a.Files {
		if f.Name == name {
			if *update {
				a.Files[i].Data = got
				writeArchive(t, file, a)
				return
			}
			if !bytes.Equal(f.Data, got) {
				t.Errorf("%s: section %s differs (run go test ./config -update)\n--- want\n%s\n--- got\n%s", file, name, f.Data, got)
			}
			return
		}
	}
	if !*update {
		t.Errorf("%s: no section %s (run go test ./config -update)\n--- got\n%s", file, name, got)
		return
	}
	a.Files = append(a.Files, txtar.File{Name: name, Data: got})
	writeArchive(t, file, a)
}

func writeArchive(t *testing.T, file string, a *txtar.Archive) {
	t.Helper()
	if err := os.WriteFile(file, txtar.Format(a), 0o644); err != nil {
		t.Fatal(err)
	}
}

func goldenFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files in testdata/%s: %v", dir, err)
	}
	return files
}

func renderDiags(t *testing.T, files []File, diags hcl.Diagnostics) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteDiagnostics(&buf, files, diags); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestValidGolden(t *testing.T) {
	for _, file := range goldenFiles(t, "valid") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a := readArchive(t, file)
			files, opts := archiveInput(t, a, "")
			ws, diags := Parse(files, opts)
			for _, d := range diags {
				if d.Severity == hcl.DiagError {
					t.Fatalf("unexpected diagnostics:\n%s", renderDiags(t, files, diags))
				}
			}
			if ws == nil {
				t.Fatal("no workspace")
			}
			checkGolden(t, file, a, secModel, ws.JSON())
		})
	}
}

func TestInvalidGolden(t *testing.T) {
	summaries := map[string]bool{}
	for _, file := range goldenFiles(t, "invalid") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a := readArchive(t, file)
			files, opts := archiveInput(t, a, "")
			ws, diags := Parse(files, opts)
			if ws != nil {
				t.Errorf("got a workspace despite errors")
			}
			if !diags.HasErrors() {
				t.Fatalf("no error diagnostics")
			}
			for _, d := range diags {
				if d.Severity == hcl.DiagError && d.Subject == nil {
					t.Errorf("error without a range: %s", d.Summary)
				}
				summaries[d.Summary] = true
			}
			checkGolden(t, file, a, secDiags, renderDiags(t, files, diags))
		})
	}
	t.Logf("%d distinct diagnostic summaries", len(summaries))
}

func TestPlanGolden(t *testing.T) {
	for _, file := range goldenFiles(t, "plan") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a := readArchive(t, file)
			load := func(prefix string) *Workspace {
				files, opts := archiveInput(t, a, prefix)
				if len(files) == 0 {
					return nil
				}
				ws, diags := Parse(files, opts)
				if diags.HasErrors() {
					t.Fatalf("%s: %s", prefix, renderDiags(t, files, diags))
				}
				return ws
			}
			old, neu := load("old/"), load("new/")
			checkSameObject(t, old, neu)
			p := Diff(old, neu)
			var buf bytes.Buffer
			if err := p.Render(&buf); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, file, a, secPlan, buf.Bytes())
			checkGolden(t, file, a, secJSON, p.JSON())
		})
	}
}

// checkSameObject checks that the plan's fast equality agrees with the
// attribute-level comparison for every address the two workspaces share.
func checkSameObject(t *testing.T, old, neu *Workspace) {
	t.Helper()
	if old == nil || neu == nil {
		return
	}
	olds := map[string]Object{}
	for _, o := range old.Objects() {
		olds[o.Address] = o
	}
	for _, n := range neu.Objects() {
		if o, ok := olds[n.Address]; ok {
			if fast, slow := sameObject(o.Value, n.Value), equalAttrs(attrsOf(o), attrsOf(n)); fast != slow {
				t.Errorf("%s: sameObject %v, attributes equal %v", n.Address, fast, slow)
			}
		}
	}
}
