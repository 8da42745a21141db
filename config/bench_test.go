package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// genWorkspace writes a workspace of sessions × tabs × panes panes: terminal
// panes (some from a pane template), plugin panes from manifests with
// per-instance config, variables, locals and functions. variant changes a
// tenth of the panes' commands and one manifest's config, for plan benchmarks.
func genWorkspace(sessions, tabs, panes int, variant bool) []File {
	var b strings.Builder
	b.WriteString(`variable "root" {
  default = "."
}

variable "flags" {
  type    = list(string)
  default = ["-race"]
}

locals {
  editor = env("EDITOR", "vi")
  logdir = pathjoin(var.root, "log")
}

pane_template "go_test" {
  param "pkg" {
    default = "./..."
  }
  command = "go"
  args    = concat(["test"], var.flags, [param.pkg])
  restart = "on-failure"
}
`)
	for i := 0; i < 5; i++ {
		theme := "dark"
		if variant && i == 0 {
			theme = "light"
		}
		fmt.Fprintf(&b, `
plugin "p%d" {
  source      = "./plugins/p%d.wasm"
  config      = { theme = %q, index = %d }
  permissions = ["ReadApplicationState", "OpenFiles"]
  inherit_env = ["LANG", "TERM"]
  mount "/host" {
    source    = var.root
    read_only = true
  }
  limits {
    memory       = "64MiB"
    call_timeout = "250ms"
  }
}
`, i, i, theme, i)
	}
	n := 0
	for s := 0; s < sessions; s++ {
		fmt.Fprintf(&b, "\nsession \"s%d\" {\n  cwd = var.root\n  env = { EDITOR = local.editor }\n", s)
		for t := 0; t < tabs; t++ {
			fmt.Fprintf(&b, "  tab \"t%d\" {\n    cwd = \"tab%d\"\n", t, t)
			for p := 0; p < panes; p++ {
				n++
				switch {
				case p%5 == 4:
					fmt.Fprintf(&b, "    plugin_pane \"p%d\" {\n      plugin = plugin.p%d\n      config = { pane = \"%d\" }\n    }\n", p, (n/10)%5, p)
				case p%5 == 3:
					fmt.Fprintf(&b, "    pane \"p%d\" {\n      template = pane_template.go_test\n      params   = { pkg = \"./pkg%d/...\" }\n    }\n", p, p)
				default:
					cmd := "tail"
					if variant && n%10 == 1 {
						cmd = "less"
					}
					fmt.Fprintf(&b, "    pane \"p%d\" {\n      command = %q\n      args    = [\"-F\", pathjoin(local.logdir, \"p%d.log\")]\n      env     = { N = \"%d\" }\n      restart = \"never\"\n    }\n", p, cmd, p, n)
				}
			}
			b.WriteString("  }\n")
		}
		b.WriteString("}\n")
	}
	return []File{{Name: "/ws/main.hcl", Src: []byte(b.String())}}
}

func countPanes(ws *Workspace) int {
	n := 0
	for _, s := range ws.Sessions {
		for _, t := range s.Tabs {
			n += len(t.Panes)
		}
	}
	return n
}

func TestGeneratedWorkspace(t *testing.T) {
	for _, variant := range []bool{false, true} {
		files := genWorkspace(10, 10, 10, variant)
		ws, diags := Parse(files, Options{Dir: "/ws"})
		if len(diags) > 0 {
			t.Fatalf("diagnostics: %v", diags)
		}
		if n := countPanes(ws); n != 1000 {
			t.Fatalf("%d panes", n)
		}
	}
	old, _ := Parse(genWorkspace(10, 10, 10, false), Options{Dir: "/ws"})
	neu, _ := Parse(genWorkspace(10, 10, 10, true), Options{Dir: "/ws"})
	checkSameObject(t, old, neu)
	p := Diff(old, neu)
	// The manifest p0 and its 40 instances are updated (config reload); the
	// first pane of every tab (100) changes its command and is replaced.
	if p.Summary.Create != 0 || p.Summary.Delete != 0 || p.Summary.Update != 41 || p.Summary.Replace != 100 {
		t.Errorf("summary %+v", p.Summary)
	}
}

// BenchmarkLoad1000Panes parses, decodes and validates a generated
// workspace of 1,000 panes (10 sessions × 10 tabs × 10 panes, 137 KB of HCL).
func BenchmarkLoad1000Panes(b *testing.B) {
	files := genWorkspace(10, 10, 10, false)
	b.SetBytes(int64(len(files[0].Src)))
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		ws, diags := Parse(files, Options{Dir: "/ws"})
		if ws == nil || diags.HasErrors() {
			b.Fatal(diags)
		}
	}
	reportCPU(b, start)
}

// reportCPU adds the process CPU time per operation (GC included) as a
// metric, since wall time on a shared machine measures the neighbours too.
func reportCPU(b *testing.B, start time.Duration) {
	if used := processCPU() - start; used > 0 {
		b.ReportMetric(float64(used)/float64(b.N)/1e6, "cpu-ms/op")
	}
}

// BenchmarkPlan1000Panes diffs two loaded 1,000-pane workspaces that differ
// in a tenth of their panes and in one manifest's config.
func BenchmarkPlan1000Panes(b *testing.B) {
	old, _ := Parse(genWorkspace(10, 10, 10, false), Options{Dir: "/ws"})
	neu, _ := Parse(genWorkspace(10, 10, 10, true), Options{Dir: "/ws"})
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		if p := Diff(old, neu); p.Empty() {
			b.Fatal("empty plan")
		}
	}
	reportCPU(b, start)
}

// BenchmarkPlanRender1000Panes renders that plan as text.
func BenchmarkPlanRender1000Panes(b *testing.B) {
	old, _ := Parse(genWorkspace(10, 10, 10, false), Options{Dir: "/ws"})
	neu, _ := Parse(genWorkspace(10, 10, 10, true), Options{Dir: "/ws"})
	p := Diff(old, neu)
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Render(discard{})
	}
}
