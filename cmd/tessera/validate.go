package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/tessera-ws/tessera/config"
)

func init() {
	register(command{
		name:    "validate",
		summary: "check a workspace file or directory and print diagnostics",
		run:     runValidate,
	})
}

// cfgVarFlags collects repeated --var k=v flags.
type cfgVarFlags map[string]string

func (v cfgVarFlags) String() string { return "" }

func (v cfgVarFlags) Set(s string) error {
	k, val, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	v[k] = val
	return nil
}

func cfgEnviron() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// cfgLoad loads path with the process environment, the running version
// and opts (vars, root), and returns the files with names relative to the
// working directory (for readable diagnostics) together with the
// diagnostics rewritten to match.
func cfgLoad(path string, opts config.Options) (*config.Workspace, []config.File, hcl.Diagnostics) {
	opts.Env = cfgEnviron()
	opts.Version = version
	ws, files, diags := config.Load(path, opts)
	out := make([]config.File, len(files))
	for i, f := range files {
		out[i] = config.File{Name: cfgRel(f.Name), Src: f.Src}
	}
	return ws, out, cfgRelDiags(diags)
}

// cfgRel shortens an absolute name to one relative to the working directory
// when it is below it.
func cfgRel(name string) string {
	wd, err := os.Getwd()
	if err != nil {
		return name
	}
	if r, err := filepath.Rel(wd, name); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return name
}

// cfgRelDiags rewrites the file names of diags' ranges with cfgRel.
func cfgRelDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	for _, d := range diags {
		if d.Subject != nil {
			s := *d.Subject
			s.Filename = cfgRel(s.Filename)
			d.Subject = &s
		}
		if d.Context != nil {
			c := *d.Context
			c.Filename = cfgRel(c.Filename)
			d.Context = &c
		}
	}
	return diags
}

// cfgSorted sorts diagnostics by position, those without a range first, as
// config does.
func cfgSorted(diags hcl.Diagnostics) hcl.Diagnostics {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	return diags
}

const validateHelp = `usage: tessera validate [--json] [--var NAME=VALUE]... [PATH]

Checks a workspace: PATH is a workspace file or a directory of *.hcl files
(default: workspace.hcl). Every diagnostic is printed with file:line:col, a
snippet and what to do; local plugin files (source = "./x.wasm") must exist
and be WebAssembly modules.

Exit status: 0 valid (warnings allowed), 2 errors or usage.
`

func runValidate(ctx context.Context, args []string, s stdio) int {
	fs := newFlagSet("validate")
	asJSON := fs.Bool("json", false, "print diagnostics as JSON on stdout")
	vars := cfgVarFlags{}
	fs.Var(vars, "var", "set a variable: --var NAME=VALUE (repeatable; also TESSERA_VAR_NAME)")
	pos, code, done := parseFlags(fs, args, s, validateHelp)
	if done {
		return code
	}
	if len(pos) > 1 {
		return usageError(fs, s, "want one PATH, got %d", len(pos))
	}
	path := "workspace.hcl"
	if len(pos) == 1 {
		path = pos[0]
	}
	ws, files, diags := cfgLoad(path, config.Options{Vars: vars})
	if ws != nil {
		diags = cfgSorted(append(diags, cfgRelDiags(config.CheckSources(ws))...))
		if diags.HasErrors() {
			ws = nil
		}
	}
	if *asJSON {
		return cfgValidateJSON(s.out, ws, diags)
	}
	if len(diags) > 0 {
		if err := config.WriteDiagnostics(s.err, files, diags); err != nil {
			return exitError
		}
	}
	if diags.HasErrors() {
		fmt.Fprintf(s.err, "%s: %s\n", path, cfgCountDiags(diags))
		return exitUsage
	}
	fmt.Fprintf(s.out, "%s is valid: %s.\n", path, cfgDescribe(ws))
	return exitOK
}

func cfgCountDiags(diags hcl.Diagnostics) string {
	e, w := 0, 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			e++
		} else {
			w++
		}
	}
	return fmt.Sprintf("%s, %s", cfgPlural(e, "error"), cfgPlural(w, "warning"))
}

func cfgPlural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func cfgDescribe(ws *config.Workspace) string {
	tabs, panes := 0, 0
	for _, s := range ws.Sessions {
		tabs += len(s.Tabs)
		for _, t := range s.Tabs {
			panes += len(t.Panes)
		}
	}
	return fmt.Sprintf("%s, %s, %s, %s", cfgPlural(len(ws.Sessions), "session"), cfgPlural(tabs, "tab"), cfgPlural(panes, "pane"), cfgPlural(len(ws.Plugins), "plugin manifest"))
}

func cfgValidateJSON(w io.Writer, ws *config.Workspace, diags hcl.Diagnostics) int {
	out := struct {
		Valid        bool                    `json:"valid"`
		ErrorCount   int                     `json:"error_count"`
		WarningCount int                     `json:"warning_count"`
		Diagnostics  []config.JSONDiagnostic `json:"diagnostics"`
	}{Valid: ws != nil, Diagnostics: config.DiagnosticsJSON(diags)}
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			out.ErrorCount++
		} else {
			out.WarningCount++
		}
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	fmt.Fprintf(w, "%s\n", b)
	if diags.HasErrors() {
		return exitUsage
	}
	return exitOK
}
