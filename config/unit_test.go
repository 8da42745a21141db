package config

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		err  bool
	}{
		{"64MiB", 64 << 20, false},
		{"512KiB", 512 << 10, false},
		{"1GiB", 1 << 30, false},
		{"10MB", 10_000_000, false},
		{"65536", 65536, false},
		{"1.5MiB", 3 << 19, false},
		{" 2 GiB ", 2 << 30, false},
		{"MiB", 0, true},
		{"64mb", 0, true},
		{"1TiB", 0, true},
		{"99999999999999GiB", 0, true},
		{"", 0, true},
	} {
		got, err := parseSize(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, err %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	if got := formatSize(64 << 20); got != "64MiB" {
		t.Errorf("formatSize = %q", got)
	}
}

func TestParseSource(t *testing.T) {
	const sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	for _, tc := range []struct {
		raw, sha string
		want     Source
		summary  string
	}{
		{"./p/x.wasm", "", Source{Kind: "file", Location: "/ws/p/x.wasm"}, ""},
		{"p/x.wasm", "", Source{Kind: "file", Location: "/ws/p/x.wasm"}, ""},
		{"file:../x.wasm", "", Source{Kind: "file", Location: "/x.wasm"}, ""},
		{"file:/abs/x.wasm", "", Source{Kind: "file", Location: "/abs/x.wasm"}, ""},
		{"file:~/x.wasm", "", Source{Kind: "file", Location: "~/x.wasm"}, ""},
		{"https://h/x.wasm", sha, Source{Kind: "https", Location: "https://h/x.wasm", SHA256: sha}, ""},
		{"https://h/x.wasm", "", Source{}, "Missing sha256"},
		{"https:///x.wasm", sha, Source{}, "Invalid plugin URL"},
		{"http://h/x.wasm", sha, Source{}, "Insecure plugin URL"},
		{"zellij:tab-bar", "", Source{Kind: "zellij", Location: "tab-bar"}, ""},
		{"zellij:nope", "", Source{}, "Unknown built-in plugin"},
		{"builtin:status", "", Source{Kind: "builtin", Location: "status"}, ""},
		{"builtin:Bad_Name", "", Source{}, "Invalid built-in plugin name"},
		{"ftp:x", "", Source{}, "Unknown plugin source scheme"},
		{"file:", "", Source{}, "Empty plugin source"},
		{"./x.wasm", "ABC", Source{}, "Invalid sha256"},
	} {
		got, summary, _ := parseSource(tc.raw, tc.sha, "/ws", nil)
		if summary != tc.summary {
			t.Errorf("%q: summary %q, want %q", tc.raw, summary, tc.summary)
			continue
		}
		if summary == "" && got != tc.want {
			t.Errorf("%q: %+v, want %+v", tc.raw, got, tc.want)
		}
	}
	if _, summary, _ := parseSource("builtin:other", "", "/ws", []string{"status"}); summary != "Unknown built-in plugin" {
		t.Errorf("restricted builtins: %q", summary)
	}
	if got := (Source{Kind: "file", Location: "/a.wasm"}).URL(); got != "file:/a.wasm" {
		t.Errorf("URL = %q", got)
	}
}

func TestPermissionsTable(t *testing.T) {
	if len(Permissions) != 17 || Permissions[0] != "ReadApplicationState" || Permissions[16] != "ReadSessionEnvironmentVariables" {
		t.Errorf("permission table: %v", Permissions)
	}
}

func TestFormat(t *testing.T) {
	out, diags := Format([]byte("session \"s\" {\ntab \"t\" {\npane \"p\" {\ncommand=\"x\"\n}\n}\n}\n"), "f.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := "session \"s\" {\n  tab \"t\" {\n    pane \"p\" {\n      command = \"x\"\n    }\n  }\n}\n"
	if string(out) != want {
		t.Errorf("got\n%s", out)
	}
	if out, diags := Format([]byte("session {"), "f.hcl"); out != nil || !diags.HasErrors() {
		t.Errorf("syntax error: %q %v", out, diags)
	}
}

func TestWorkspaceJSONRoundTrip(t *testing.T) {
	ws, diags := Parse([]File{{Name: "/ws/main.hcl", Src: []byte(`
plugin "p" {
  source = "zellij:strider"
  limits {
    call_timeout = "1500ms"
  }
}
session "s" {
  tab "t" {
    plugin_pane "x" {
      plugin = plugin.p
    }
  }
}
`)}}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var back Workspace
	if err := json.Unmarshal(ws.JSON(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Plugins[0].Limits.CallTimeout != ws.Plugins[0].Limits.CallTimeout {
		t.Errorf("duration lost: %v", back.Plugins[0].Limits.CallTimeout)
	}
	back.Plugins[0].Range = ws.Plugins[0].Range
	back.Plugins[0].SourceRange = ws.Plugins[0].SourceRange
	if !reflect.DeepEqual(back.Plugins[0], ws.Plugins[0]) {
		t.Errorf("round trip: %+v != %+v", back.Plugins[0], ws.Plugins[0])
	}
}

func TestIdentityAndLookup(t *testing.T) {
	src := func(cfg string) []File {
		return []File{{Name: "/ws/main.hcl", Src: []byte(`
plugin "p" {
  source = "./p.wasm"
  config = { a = "1" }
}
session "s" {
  tab "t" {
    plugin_pane "one" {
      plugin = plugin.p
      config = ` + cfg + `
    }
    plugin_pane "two" {
      source = "./p.wasm"
      config = { a = "1", b = "2" }
    }
  }
}
`)}}
	}
	ws, diags := Parse(src(`{ b = "2" }`), Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	one, ok1 := ws.Lookup("session.s.tab.t.pane.one")
	two, ok2 := ws.Lookup("session.s.tab.t.pane.two")
	if !ok1 || !ok2 {
		t.Fatal("lookup failed")
	}
	// Same resolved source and merged config: the same plugin, whether it
	// comes from a manifest or not.
	if a, b := one.Value.(*Pane).Plugin.Identity, two.Value.(*Pane).Plugin.Identity; a != b {
		t.Errorf("identities differ: %s %s", a, b)
	}
	ws2, _ := Parse(src(`{ b = "3" }`), Options{})
	one2, _ := ws2.Lookup("session.s.tab.t.pane.one")
	if one.Value.(*Pane).Plugin.Identity == one2.Value.(*Pane).Plugin.Identity {
		t.Error("a config change kept the identity")
	}
	if one.Hash() == one2.Hash() {
		t.Error("a config change kept the object hash")
	}
	if _, ok := ws.Lookup("session.s.tab.nope"); ok {
		t.Error("lookup of a missing address succeeded")
	}
}

func TestErrorsYieldNoModel(t *testing.T) {
	// A valid session beside one bad attribute: nothing is loaded.
	ws, diags := Parse([]File{{Name: "a.hcl", Src: []byte("session \"ok\" {\n  tab \"t\" {\n    pane \"p\" {}\n  }\n}\n")},
		{Name: "b.hcl", Src: []byte("session \"bad\" {\n  tab \"t\" {\n    pane \"p\" {\n      restart = 1\n    }\n  }\n}\n")}}, Options{})
	if ws != nil || !diags.HasErrors() {
		t.Fatalf("ws=%v diags=%v", ws, diags)
	}
	if len(diags) != 1 || diags[0].Subject == nil || diags[0].Subject.Filename != "b.hcl" {
		t.Errorf("diags: %v", diags)
	}
}

func TestVarsAndEnvPrecedence(t *testing.T) {
	files := []File{{Name: "/ws/main.hcl", Src: []byte(`
variable "n" {
  type    = number
  default = 1
}
variable "s" {
  default = "d"
}
session "s" {
  tab "t" {
    pane "p" {
      args = [tostring(var.n), var.s]
    }
  }
}
`)}}
	args := func(opts Options) string {
		ws, diags := Parse(files, opts)
		if diags.HasErrors() {
			return "error: " + diags.Error()
		}
		return strings.Join(ws.Sessions[0].Tabs[0].Panes[0].Terminal.Args, ",")
	}
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{}, "1,d"},
		{Options{Env: map[string]string{"TESSERA_VAR_n": "2", "TESSERA_VAR_s": "e"}}, "2,e"},
		{Options{Env: map[string]string{"TESSERA_VAR_n": "2"}, Vars: map[string]string{"n": "3 + 1", "s": "3 + 1"}}, "4,3 + 1"},
	} {
		if got := args(tc.opts); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.opts, got, tc.want)
		}
	}
	if got := args(Options{Vars: map[string]string{"n": "x"}}); !strings.Contains(got, "Invalid value for variable") {
		t.Errorf("bad number: %q", got)
	}
}

func TestVersionMatches(t *testing.T) {
	for _, tc := range []struct {
		c, v string
		want bool
		err  bool
	}{
		{">= 0.1.0", "0.1.0", true, false},
		{">= 0.1.0", "0.1.0-dev", false, false}, // a pre-release sorts below its release
		{">= 0.1.0-dev", "0.1.0-dev", true, false},
		{">= 0.1.0-dev", "0.1.0", true, false},
		{">= 0.0.9", "0.1.0-dev", true, false},
		{"< 0.1.0", "0.1.0-dev", true, false},
		{"= 0.1.0", "0.1.0-rc.1", false, false},
		{">= 0.1.0-beta", "0.1.0-rc.1", true, false},
		{"~> 0.2", "0.2.0-dev", false, false},
		{"= 0.1.0", "0.1.0+build.5", true, false},
		{">= 0.2.0", "0.1.9", false, false},
		{"> 0.1.0, < 1.0.0", "0.5.0", true, false},
		{"> 0.1.0, < 1.0.0", "1.0.0", false, false},
		{"= 0.1.0", "0.1.0", true, false},
		{"0.1.0", "0.1.1", false, false},
		{"!= 0.1.0", "0.1.1", true, false},
		{"<= 0.1.0", "0.1.0", true, false},
		{"~> 0.2", "0.9.1", true, false},
		{"~> 0.2", "1.0.0", false, false},
		{"~> 0.2", "0.1.5", false, false},
		{"~> 0.2.3", "0.2.9", true, false},
		{"~> 0.2.3", "0.3.0", false, false},
		{">= v0.1", "0.1.0", true, false},
		{"newest", "0.1.0", false, true},
		{">=", "0.1.0", false, true},
		{">= 0.1.0,", "0.1.0", false, true},
		{">= 0.1.0", "", true, false},
		{">= 0.1.0", "dev", false, true},
	} {
		got, err := versionMatches(tc.c, tc.v)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("versionMatches(%q, %q) = %v, %v", tc.c, tc.v, got, err)
		}
	}
}

// Names may use letters and digits of any script, as the Invalid name
// diagnostic and config/README.md say, and references to them work.
func TestUnicodeNames(t *testing.T) {
	src := `plugin "π" { source = "zellij:strider" }
pane_template "テスト" {
  command = "go"
}
session "café" {
  tab "日本" {
    pane "ñ-1" { template = pane_template.テスト }
    plugin_pane "файлы" { plugin = plugin.π }
  }
}
`
	files := []File{{Name: "/ws/w.hcl", Src: []byte(src)}}
	ws, diags := Parse(files, Options{})
	if ws == nil || len(diags) > 0 {
		t.Fatalf("diagnostics:\n%s", diagText(files, diags))
	}
	var addrs []string
	for _, o := range ws.Objects() {
		addrs = append(addrs, o.Address)
	}
	want := "plugin.π session.café session.café.tab.日本 session.café.tab.日本.pane.ñ-1 session.café.tab.日本.pane.файлы"
	if got := strings.Join(addrs, " "); got != want {
		t.Errorf("addresses %s, want %s", got, want)
	}

	for _, c := range []struct{ name, want string }{
		{"cafe\u0301", `"cafe\u0301" is not a valid session name: it is in decomposed Unicode form (a letter followed by a combining mark); write it in composed form (NFC), as "café".`},
		{"🚀", `"🚀" is not a valid session name: start with a letter`},
		{"1a", `"1a" is not a valid session name: start with a letter`},
		{"a.b", `"a.b" is not a valid session name`},
	} {
		files := []File{{Name: "/ws/w.hcl", Src: []byte("session \"" + c.name + "\" {\n  tab \"t\" {\n    pane \"p\" {}\n  }\n}\n")}}
		_, diags := Parse(files, Options{})
		if got := diagText(files, diags); !strings.Contains(got, "error: Invalid name") || !strings.Contains(got, c.want) {
			t.Errorf("%q:\n%s\nwant %s", c.name, got, c.want)
		}
	}
}

// Plan JSON carries values as JSON (numbers, bools, lists, objects), not
// HCL text.
func TestPlanJSONValues(t *testing.T) {
	parse := func(src string) *Workspace {
		ws, diags := Parse([]File{{Name: "/ws/main.hcl", Src: []byte(src)}}, Options{})
		if ws == nil {
			t.Fatal(diags)
		}
		return ws
	}
	old := parse(`plugin "p" {
  source = "zellij:strider"
  mount "/host" {
    source = "a"
  }
}
session "s" {
  tab "t" {
    pane "x" {}
    pane "y" { args = ["-l"] }
  }
}
`)
	neu := parse(`plugin "p" {
  source = "zellij:strider"
  mount "/host" {
    source    = "b"
    read_only = true
  }
  limits {
    commands_per_second = 10
  }
}
session "s" {
  tab "t" {
    pane "y" {
      args          = ["-l", "-i"]
      close_on_exit = true
    }
    pane "x" {}
  }
}
`)
	var got struct {
		Changes []struct {
			Address    string
			Attributes []struct {
				Name          string
				Before, After any
			}
		}
	}
	if err := json.Unmarshal(Diff(old, neu).JSON(), &got); err != nil {
		t.Fatal(err)
	}
	vals := map[string][2]any{}
	for _, c := range got.Changes {
		for _, a := range c.Attributes {
			vals[c.Address+" "+a.Name] = [2]any{a.Before, a.After}
		}
	}
	for k, want := range map[string][2]any{
		"plugin.p mount./host":                 {map[string]any{"guest": "/host", "source": "/ws/a"}, map[string]any{"guest": "/host", "source": "/ws/b", "read_only": true}},
		"plugin.p limits.commands_per_second":  {nil, float64(10)},
		"session.s.tab.t.pane.y position":      {float64(1), float64(0)},
		"session.s.tab.t.pane.y args":          {[]any{"-l"}, []any{"-l", "-i"}},
		"session.s.tab.t.pane.y close_on_exit": {nil, true},
		"session.s.tab.t.pane.x position":      {float64(0), float64(1)},
	} {
		if g, ok := vals[k]; !ok || !reflect.DeepEqual(g, want) {
			t.Errorf("%s: got %#v, want %#v", k, g, want)
		}
	}
}
