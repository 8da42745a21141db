package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/tessera-ws/tessera/config"
)

func init() {
	register(command{
		name:    "plan",
		summary: "show the changes that turn one workspace configuration into another",
		run:     runPlan,
	})
}

const planHelp = `usage: tessera plan [-w PATH] [--json] [--detailed-exitcode] [PATH]
       tessera plan [--from OLD] --to NEW [--root DIR] [--json] [--detailed-exitcode] [--var NAME=VALUE]...

The first form asks the running daemon what ` + "`tessera apply`" + ` would change:
PATH (default: the daemon's own workspace) against what runs, with the
objects opened at run time listed as unmanaged. When no daemon runs for
PATH, it plans PATH from nothing.

The second form compares two workspace configurations (files or
directories of *.hcl files); without --from, it plans NEW from nothing.

Relative paths in both configurations (plugin sources, cwd, mounts, file())
resolve against one root: --root, by default the directory of NEW. So a copy
of an old version saved elsewhere plans without false path changes:

  git show HEAD~1:ws.hcl > /tmp/old.hcl
  tessera plan --from /tmp/old.hcl --to ws.hcl

Missing local plugin files of NEW are reported as warnings: a plan compares
configurations (tessera validate reports them as errors).

Exit status: 0 planned, 2 errors or usage. With --detailed-exitcode: 0 no
changes, 1 errors, 2 changes pending.
`

func runPlan(ctx context.Context, args []string, s stdio) int {
	fs := newFlagSet("plan")
	from := fs.String("from", "", "the current workspace file or `directory` (omit to plan from nothing)")
	to := fs.String("to", "", "the desired workspace file or `directory`")
	root := fs.String("root", "", "resolve relative paths of both workspaces against `DIR` (default: the directory of --to)")
	asJSON := fs.Bool("json", false, "print the plan as JSON (before/after as JSON values)")
	detailed := fs.Bool("detailed-exitcode", false, "exit 0 with no changes, 2 with changes, 1 on errors")
	vars := cfgVarFlags{}
	fs.Var(vars, "var", "set a variable in both configurations: --var NAME=VALUE (repeatable)")
	ws := workspaceFlag(fs)
	// With --detailed-exitcode, 2 means changes: every error, usage errors
	// included (even one found before the flag is parsed), exits 1.
	failed := exitUsage
	if planDetailedRequested(args) {
		failed = exitError
	}
	pos, code, done := parseFlags(fs, args, s, planHelp)
	if done {
		if code == exitUsage {
			return failed
		}
		return code
	}
	if *from == "" && *to == "" && len(pos) <= 1 {
		if socket, path, ok := planDaemon(*ws, pos); ok {
			return remotePlan(ctx, socket, path, *asJSON, *detailed, s)
		}
		if *ws != "" {
			fmt.Fprintf(s.err, "tessera plan: no daemon is running for %s: start it with `tessera up %s`\n", *ws, *ws)
			return failed
		}
	}
	if *to == "" && len(pos) == 1 {
		*to = pos[0]
		pos = nil
	}
	switch {
	case len(pos) > 0:
		usageError(fs, s, "unexpected argument %q", pos[0])
		return failed
	case *to == "":
		usageError(fs, s, "--to NEW is required")
		return failed
	}
	if !*detailed {
		failed = exitUsage
	}
	dir := *root
	if dir == "" {
		dir = *to
		if st, err := os.Stat(*to); err == nil && !st.IsDir() {
			dir = filepath.Dir(*to)
		}
	} else if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(s.err, "tessera plan: --root %s is not a directory\n", dir)
		return failed
	}
	opts := config.Options{Vars: vars, Dir: dir}
	var old *config.Workspace
	if *from != "" {
		ws, files, diags := cfgLoad(*from, opts)
		if diags.HasErrors() {
			_ = config.WriteDiagnostics(s.err, files, diags)
			fmt.Fprintf(s.err, "%s: %s; nothing planned\n", *from, cfgCountDiags(diags))
			return failed
		}
		if len(diags) > 0 {
			_ = config.WriteDiagnostics(s.err, files, diags)
		}
		old = ws
	}
	if ctx.Err() != nil {
		return failed
	}
	neu, files, diags := cfgLoad(*to, opts)
	if diags.HasErrors() {
		_ = config.WriteDiagnostics(s.err, files, diags)
		fmt.Fprintf(s.err, "%s: %s; nothing planned\n", *to, cfgCountDiags(diags))
		return failed
	}
	for _, d := range config.CheckSources(neu) {
		d.Severity = hcl.DiagWarning
		diags = append(diags, d)
	}
	if diags = cfgSorted(cfgRelDiags(diags)); len(diags) > 0 {
		_ = config.WriteDiagnostics(s.err, files, diags)
	}
	p := config.Diff(old, neu)
	if *asJSON {
		fmt.Fprintf(s.out, "%s\n", p.JSON())
	} else if err := p.Render(s.out); err != nil {
		return failed
	}
	if *detailed && !p.Empty() {
		return exitUsage
	}
	return exitOK
}

// planDetailedRequested reports whether args ask for --detailed-exitcode
// (before any "--"), for errors found before the flags are parsed.
func planDetailedRequested(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-detailed-exitcode", "--detailed-exitcode", "-detailed-exitcode=true", "--detailed-exitcode=true":
			return true
		}
	}
	return false
}
