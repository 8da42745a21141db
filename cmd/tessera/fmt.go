package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tessera-ws/tessera/config"
)

func init() {
	register(command{
		name:    "fmt",
		summary: "rewrite workspace files in canonical HCL formatting",
		run:     runFmt,
	})
}

func runFmt(ctx context.Context, args []string, s stdio) int {
	fs := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fs.SetOutput(s.err)
	check := fs.Bool("check", false, "do not write; list the files that are not formatted and exit 1 if any")
	diff := fs.Bool("diff", false, "print a unified diff of the changes")
	fs.Usage = func() {
		fmt.Fprintln(s.err, "usage: tessera fmt [--check] [--diff] [PATH]...")
		fmt.Fprintln(s.err, "\nPATH is a file or a directory whose *.hcl files are formatted (default: the current directory).")
		fmt.Fprintln(s.err, "Without --check, files are rewritten in place and their names printed.")
		fmt.Fprintln(s.err, "Exit status: 0 formatted, 1 --check found unformatted files (or a file could not be written), 2 syntax errors or usage.")
		fs.PrintDefaults()
	}
	paths, err := cfgParseArgs(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var names []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(s.err, "tessera fmt: %v\n", err)
			return exitError
		}
		if !st.IsDir() {
			names = append(names, p)
			continue
		}
		m, _ := filepath.Glob(filepath.Join(p, "*.hcl"))
		sort.Strings(m)
		names = append(names, m...)
	}
	code := exitOK
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(s.err, "tessera fmt: %v\n", err)
			code = exitError
			continue
		}
		out, diags := config.Format(src, name)
		if diags.HasErrors() {
			_ = config.WriteDiagnostics(s.err, []config.File{{Name: name, Src: src}}, diags)
			code = max(code, exitUsage)
			continue
		}
		if bytes.Equal(src, out) {
			continue
		}
		fmt.Fprintln(s.out, name)
		if *diff {
			cfgUnifiedDiff(s.out, name, src, out)
		}
		if *check {
			code = max(code, exitError)
			continue
		}
		if err := cfgWriteFileAtomic(name, out); err != nil {
			fmt.Fprintf(s.err, "tessera fmt: %v\n", err)
			code = max(code, exitError)
		}
	}
	return code
}

// cfgWriteFileAtomic replaces name with data through a temporary file in the
// same directory, keeping the file's mode.
func cfgWriteFileAtomic(name string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(name); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// cfgUnifiedDiff prints a unified diff (3 lines of context) from a to b.
func cfgUnifiedDiff(w io.Writer, name string, a, b []byte) {
	al, bl := cfgSplitLines(a), cfgSplitLines(b)
	ops := cfgDiffLines(al, bl)
	fmt.Fprintf(w, "--- %s\n+++ %s (formatted)\n", name, name)
	const ctx = 3
	// Group operations into hunks separated by more than 2*ctx equal lines.
	i := 0
	for i < len(ops) {
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i >= len(ops) {
			break
		}
		start := max(0, i-ctx)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*ctx {
				end = min(run, end+ctx)
				break
			}
			end = run
		}
		aStart, bStart, aN, bN := ops[start].a, ops[start].b, 0, 0
		for _, op := range ops[start:end] {
			if op.kind != '+' {
				aN++
			}
			if op.kind != '-' {
				bN++
			}
		}
		fmt.Fprintf(w, "@@ -%d,%d +%d,%d @@\n", aStart+1, aN, bStart+1, bN)
		for _, op := range ops[start:end] {
			fmt.Fprintf(w, "%c%s\n", op.kind, op.text)
		}
		i = end
	}
}

type cfgDiffOp struct {
	kind byte // ' ', '-', '+'
	text string
	a, b int // line indexes in a and b where the op starts
}

func cfgSplitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// cfgDiffLines computes a line diff: common prefix and suffix are trimmed, and
// the middle is diffed by longest common subsequence when it is small enough,
// or shown as one replacement otherwise.
func cfgDiffLines(a, b []string) []cfgDiffOp {
	var ops []cfgDiffOp
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		ops = append(ops, cfgDiffOp{' ', a[p], p, p})
		p++
	}
	sfx := 0
	for sfx < len(a)-p && sfx < len(b)-p && a[len(a)-1-sfx] == b[len(b)-1-sfx] {
		sfx++
	}
	am, bm := a[p:len(a)-sfx], b[p:len(b)-sfx]
	if len(am)*len(bm) > 4_000_000 {
		for i, l := range am {
			ops = append(ops, cfgDiffOp{'-', l, p + i, p})
		}
		for i, l := range bm {
			ops = append(ops, cfgDiffOp{'+', l, p + len(am), p + i})
		}
	} else {
		// lcs[i][j] = LCS length of am[i:] and bm[j:].
		lcs := make([][]int32, len(am)+1)
		for i := range lcs {
			lcs[i] = make([]int32, len(bm)+1)
		}
		for i := len(am) - 1; i >= 0; i-- {
			for j := len(bm) - 1; j >= 0; j-- {
				if am[i] == bm[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(am) || j < len(bm) {
			switch {
			case i < len(am) && j < len(bm) && am[i] == bm[j]:
				ops = append(ops, cfgDiffOp{' ', am[i], p + i, p + j})
				i++
				j++
			case i < len(am) && (j == len(bm) || lcs[i+1][j] >= lcs[i][j+1]):
				ops = append(ops, cfgDiffOp{'-', am[i], p + i, p + j})
				i++
			default:
				ops = append(ops, cfgDiffOp{'+', bm[j], p + i, p + j})
				j++
			}
		}
	}
	for k := 0; k < sfx; k++ {
		ops = append(ops, cfgDiffOp{' ', a[len(a)-sfx+k], len(a) - sfx + k, len(b) - sfx + k})
	}
	return ops
}
