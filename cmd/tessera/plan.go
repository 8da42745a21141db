package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/tessera-ws/tessera/config"
)

func init() {
	register(command{
		name:    "plan",
		summary: "show the changes that turn one workspace configuration into another",
		run:     runPlan,
	})
}

func runPlan(ctx context.Context, args []string, s stdio) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(s.err)
	from := fs.String("from", "", "the current workspace file or directory (omit to plan from nothing)")
	to := fs.String("to", "", "the desired workspace file or directory")
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	detailed := fs.Bool("detailed-exitcode", false, "exit 0 with no changes, 2 with changes, 1 on errors")
	vars := cfgVarFlags{}
	fs.Var(vars, "var", "set a variable in both configurations: --var NAME=VALUE (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(s.err, "usage: tessera plan [--from OLD] --to NEW [--json] [--detailed-exitcode] [--var NAME=VALUE]...")
		fmt.Fprintln(s.err, "\nCompares two workspace configurations. Planning against a running session is done by the daemon.")
		fmt.Fprintln(s.err, "Exit status: 0 planned, 2 diagnostics or usage; with --detailed-exitcode 0 no changes, 1 errors, 2 changes.")
		fs.PrintDefaults()
	}
	pos, err := cfgParseArgs(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if *to == "" && len(pos) == 1 {
		*to = pos[0]
		pos = nil
	}
	if *to == "" || len(pos) > 0 {
		fs.Usage()
		return exitUsage
	}
	failed := exitUsage
	if *detailed {
		failed = exitError
	}
	var old *config.Workspace
	if *from != "" {
		ws, files, diags := cfgLoad(*from, vars)
		if diags.HasErrors() {
			_ = config.WriteDiagnostics(s.err, files, diags)
			fmt.Fprintf(s.err, "%s: %s; nothing planned\n", *from, cfgCountDiags(diags))
			return failed
		}
		old = ws
	}
	neu, files, diags := cfgLoad(*to, vars)
	if diags.HasErrors() {
		_ = config.WriteDiagnostics(s.err, files, diags)
		fmt.Fprintf(s.err, "%s: %s; nothing planned\n", *to, cfgCountDiags(diags))
		return failed
	}
	if len(diags) > 0 {
		_ = config.WriteDiagnostics(s.err, files, diags)
	}
	p := config.Diff(old, neu)
	if *asJSON {
		fmt.Fprintf(s.out, "%s\n", p.JSON())
	} else if err := p.Render(s.out); err != nil {
		return exitError
	}
	if *detailed && !p.Empty() {
		return exitUsage
	}
	return exitOK
}
