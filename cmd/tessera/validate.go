package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// cfgParseArgs parses flags that may appear before or after the
// positional arguments, and returns the positional arguments.
func cfgParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
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

// cfgLoad loads path with the process environment and the given vars,
// and returns the files with names relative to the working directory (for
// readable diagnostics) together with the diagnostics rewritten to match.
func cfgLoad(path string, vars map[string]string) (*config.Workspace, []config.File, hcl.Diagnostics) {
	ws, files, diags := config.Load(path, config.Options{Vars: vars, Env: cfgEnviron(), Version: version})
	wd, err := os.Getwd()
	if err != nil {
		return ws, files, diags
	}
	rel := func(name string) string {
		if r, err := filepath.Rel(wd, name); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		return name
	}
	out := make([]config.File, len(files))
	for i, f := range files {
		out[i] = config.File{Name: rel(f.Name), Src: f.Src}
	}
	for _, d := range diags {
		if d.Subject != nil {
			s := *d.Subject
			s.Filename = rel(s.Filename)
			d.Subject = &s
		}
		if d.Context != nil {
			c := *d.Context
			c.Filename = rel(c.Filename)
			d.Context = &c
		}
	}
	return ws, out, diags
}

func runValidate(ctx context.Context, args []string, s stdio) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(s.err)
	asJSON := fs.Bool("json", false, "print diagnostics as JSON on stdout")
	vars := cfgVarFlags{}
	fs.Var(vars, "var", "set a variable: --var NAME=VALUE (repeatable; also TESSERA_VAR_NAME)")
	fs.Usage = func() {
		fmt.Fprintln(s.err, "usage: tessera validate [--json] [--var NAME=VALUE]... [PATH]")
		fmt.Fprintln(s.err, "\nPATH is a workspace file or a directory of *.hcl files (default: workspace.hcl).")
		fmt.Fprintln(s.err, "Exit status: 0 valid (warnings allowed), 2 errors.")
		fs.PrintDefaults()
	}
	pos, err := cfgParseArgs(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if len(pos) > 1 {
		fs.Usage()
		return exitUsage
	}
	path := "workspace.hcl"
	if len(pos) == 1 {
		path = pos[0]
	}
	ws, files, diags := cfgLoad(path, vars)
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
