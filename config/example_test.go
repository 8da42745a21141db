package config_test

import (
	"fmt"
	"os"

	"github.com/tessera-ws/tessera/config"
)

func ExampleParse() {
	src := `
plugin "files" {
  source      = "zellij:strider"
  permissions = ["ReadApplicationState"]
}

session "dev" {
  tab "code" {
    pane "shell" {}
    plugin_pane "files" {
      plugin = plugin.files
    }
  }
}
`
	ws, diags := config.Parse([]config.File{{Name: "/src/workspace.hcl", Src: []byte(src)}}, config.Options{})
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	for _, o := range ws.Objects() {
		fmt.Println(o.Kind, o.Address)
	}
	// Output:
	// plugin plugin.files
	// session session.dev
	// tab session.dev.tab.code
	// pane session.dev.tab.code.pane.shell
	// pane session.dev.tab.code.pane.files
}

func ExampleWriteDiagnostics() {
	files := []config.File{{Name: "main.hcl", Src: []byte("session \"dev\" {\n  tab \"main\" {\n    pane \"shell\" {\n      comand = \"bash\"\n    }\n  }\n}\n")}}
	_, diags := config.Parse(files, config.Options{})
	_ = config.WriteDiagnostics(os.Stdout, files, diags)
	// Output:
	// main.hcl:4:7: error: Unsupported argument
	//     4 |       comand = "bash"
	//       |       ^^^^^^
	//   An argument named "comand" is not expected here. Did you mean "command"?
}

func ExampleDiff() {
	load := func(cmd string) *config.Workspace {
		src := fmt.Sprintf("session \"dev\" {\n  tab \"t\" {\n    pane \"p\" {\n      command = %q\n    }\n  }\n}\n", cmd)
		ws, _ := config.Parse([]config.File{{Name: "/w/main.hcl", Src: []byte(src)}}, config.Options{})
		return ws
	}
	_ = config.Diff(load("htop"), load("btop")).Render(os.Stdout)
	// Output:
	// Tessera will perform the following actions:
	//
	//   # session.dev.tab.t.pane.p (pane) must be replaced
	// -/+ session.dev.tab.t.pane.p {
	//       ~ command = "htop" -> "btop"  # forces replacement
	//     }
	//
	// Plan: 0 to create, 0 to update in place, 1 to replace, 0 to delete.
}
