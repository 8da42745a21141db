package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/config"
)

func TestParsePluginURL(t *testing.T) {
	home, _ := os.UserHomeDir()
	for _, tc := range []struct {
		raw, cwd string
		want     config.Source
		err      string
	}{
		{raw: "file:/p/x.wasm", want: config.Source{Kind: config.SourceFile, Location: "/p/x.wasm"}},
		{raw: "/p/../p/x.wasm", want: config.Source{Kind: config.SourceFile, Location: "/p/x.wasm"}},
		{raw: "x.wasm", cwd: "/w", want: config.Source{Kind: config.SourceFile, Location: "/w/x.wasm"}},
		{raw: "file:sub/x.wasm", cwd: "/w", want: config.Source{Kind: config.SourceFile, Location: "/w/sub/x.wasm"}},
		{raw: "file:~/x.wasm", want: config.Source{Kind: config.SourceFile, Location: filepath.Join(home, "x.wasm")}},
		{raw: "zellij:strider", want: config.Source{Kind: config.SourceZellij, Location: "strider"}},
		{raw: "builtin:status", want: config.Source{Kind: config.SourceBuiltin, Location: "status"}},
		{raw: "https://example.org/x.wasm", want: config.Source{Kind: config.SourceHTTPS, Location: "https://example.org/x.wasm"}},
		{raw: "zellij:nope", err: "not one of Zellij's built-in plugins"},
		{raw: "http://example.org/x.wasm", err: "only fetched over https"},
		{raw: "ftp:x", err: "not supported"},
		{raw: "x.wasm", err: "relative path"},
		{raw: " ", err: "empty plugin location"},
	} {
		got, err := parsePluginURL(tc.raw, tc.cwd)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one with %q", tc.raw, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v, %v; want %+v", tc.raw, got, err, tc.want)
		}
	}
}

func TestPipeTargetMatches(t *testing.T) {
	src := config.Source{Kind: config.SourceFile, Location: "/p/x.wasm"}
	inst := &config.PluginInstance{Source: src, Config: map[string]string{"role": "a"}}
	for _, tc := range []struct {
		name string
		t    pipeTarget
		want bool
	}{
		{"same", pipeTarget{src: src, cfg: map[string]string{"role": "a"}}, true},
		{"reserved keys and caller_cwd do not count", pipeTarget{src: src, cfg: map[string]string{"role": "a", "floating": "true", "caller_cwd": "/w"}}, true},
		{"another configuration", pipeTarget{src: src, cfg: map[string]string{"role": "b"}}, false},
		{"no configuration", pipeTarget{src: src}, false},
		{"another location", pipeTarget{src: config.Source{Kind: config.SourceFile, Location: "/p/y.wasm"}, cfg: map[string]string{"role": "a"}}, false},
	} {
		if got := tc.t.matches(inst); got != tc.want {
			t.Errorf("%s: matches = %v, want %v", tc.name, got, tc.want)
		}
	}
	bare := &config.PluginInstance{Source: src}
	if !(&pipeTarget{src: src}).matches(bare) {
		t.Error("an instance without configuration does not match a target without configuration")
	}
}

func TestCrashWhy(t *testing.T) {
	for in, want := range map[string]string{
		"plugin 3: crashed in pipe: panic: boom": "crashed in pipe: panic: boom",
		"plugin 3: timed out after 2s in update": "timed out after 2s in update",
		"something odd":                          "crashed: something odd",
	} {
		if got := crashWhy(in); got != want {
			t.Errorf("crashWhy(%q) = %q, want %q", in, got, want)
		}
	}
}
