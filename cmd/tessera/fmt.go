package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tessera-ws/tessera/config"
	"github.com/tessera-ws/tessera/internal/fsutil"
)

func init() {
	register(command{
		name:    "fmt",
		summary: "rewrite workspace files in canonical HCL formatting",
		run:     runFmt,
	})
}

const fmtHelp = `usage: tessera fmt [--check] [--diff] [PATH]...

Formats workspace files canonically. PATH is a file, a directory whose *.hcl
files are formatted (default: the current directory), or - for stdin.

Files are rewritten in place (atomically, keeping their mode; a symbolic link
stays a link and its target is rewritten) and their names printed. --diff
prints a unified diff instead of writing; --check writes nothing and lists
the files that are not formatted. - prints the formatted input on stdout
(with --check or --diff, as for a file named "<stdin>").

Exit status: 0 formatted, 1 --check found unformatted files or a file could
not be read or written, 2 syntax errors or usage.
`

// fmtStdinName names standard input in output and diagnostics.
const fmtStdinName = "<stdin>"

func runFmt(ctx context.Context, args []string, s stdio) int {
	fs := newFlagSet("fmt")
	check := fs.Bool("check", false, "do not write; list the files that are not formatted and exit 1 if any")
	diff := fs.Bool("diff", false, "do not write; print a unified diff of the changes")
	paths, code, done := parseFlags(fs, args, s, fmtHelp)
	if done {
		return code
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var names []string
	for _, p := range paths {
		if p == "-" {
			names = append(names, p)
			continue
		}
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
	code = exitOK
	for _, name := range names {
		if ctx.Err() != nil {
			return max(code, exitError)
		}
		code = max(code, fmtOne(s, name, *check, *diff))
	}
	return code
}

// fmtOne formats one file (or stdin for "-") and returns its exit status.
func fmtOne(s stdio, name string, check, diff bool) int {
	var src []byte
	var err error
	display := name
	if name == "-" {
		display = fmtStdinName
		src, err = fsutil.ReadAll(s.in, "standard input", fsutil.MaxWorkspaceFile)
	} else {
		src, err = fsutil.ReadFile(name, fsutil.MaxWorkspaceFile)
	}
	if err != nil {
		fmt.Fprintf(s.err, "tessera fmt: %v\n", err)
		return exitError
	}
	out, diags := config.Format(src, display)
	if diags.HasErrors() {
		_ = config.WriteDiagnostics(s.err, []config.File{{Name: display, Src: src}}, diags)
		return exitUsage
	}
	if name == "-" && !check && !diff {
		if _, err := s.out.Write(out); err != nil {
			fmt.Fprintf(s.err, "tessera fmt: %v\n", err)
			return exitError
		}
		return exitOK
	}
	if bytes.Equal(src, out) {
		return exitOK
	}
	if check || !diff {
		fmt.Fprintln(s.out, display)
	}
	if diff {
		cfgUnifiedDiff(s.out, display, src, out)
	}
	switch {
	case check:
		return exitError
	case diff:
		return exitOK
	}
	if err := cfgWriteFileAtomic(name, out); err != nil {
		fmt.Fprintf(s.err, "tessera fmt: %v\n", err)
		return exitError
	}
	return exitOK
}

// cfgWriteFileAtomic replaces name's contents with data through a temporary
// file in the same directory, keeping the file's mode. A symbolic link is
// followed: its target is replaced and the link stays a link.
func cfgWriteFileAtomic(name string, data []byte) error {
	target, err := filepath.EvalSymlinks(name)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(target); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp*")
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
	if err := os.Rename(tmp.Name(), target); err != nil {
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
