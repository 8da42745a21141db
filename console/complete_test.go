package console

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/control/v1/controlv1connect"
)

var testAddrs = []string{
	"session.dev",
	"session.dev.tab.code",
	"session.dev.tab.code.pane.tests",
	"session.dev.tab.code.pane.shell",
	"session.dev.tab.logs.pane.tests",
	"session.dev.tab.code.plugin_pane.status",
}

// listOnly answers List with testAddrs; every other call is unimplemented.
type listOnly struct {
	controlv1connect.UnimplementedControlServiceHandler
}

func (listOnly) List(context.Context, *connect.Request[controlv1.ListRequest]) (*connect.Response[controlv1.ListResponse], error) {
	res := &controlv1.ListResponse{}
	for _, a := range testAddrs {
		res.Objects = append(res.Objects, &controlv1.Object{Address: a})
	}
	return connect.NewResponse(res), nil
}

func testConsole(t testing.TB, out io.Writer) *Console {
	path, h := controlv1connect.NewControlServiceHandler(listOnly{})
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return New(controlv1connect.NewControlServiceClient(srv.Client(), srv.URL), out, Options{})
}

func complete(k *completer, line string) []string {
	cands, n := k.Do([]rune(line), len([]rune(line)))
	typed := string([]rune(line)[len([]rune(line))-n:])
	var out []string
	for _, c := range cands {
		out = append(out, typed+strings.TrimSuffix(string(c), " "))
	}
	return out
}

func TestCompletion(t *testing.T) {
	k := &completer{c: testConsole(t, io.Discard), ctx: context.Background()}
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"scr", []string{"screen", "scrollback"}},
		{"describe sh", []string{"shell"}},
		{"describe sta", []string{"status"}},
		// "tests" is ambiguous: the shortest unique suffixes are offered.
		{"screen te", nil},
		{"screen code.pane.te", []string{"code.pane.tests"}},
		{"screen session.dev.tab.l", []string{"session.dev.tab.logs.pane.tests"}},
		{"panes; keys shell Ctrl+", nil}, // "Ctrl+" alone: every Ctrl key
		{"keys shell En", []string{"Enter", "End"}},
		{"logs --", nil},
		{"events --type pane.st", []string{"pane.started"}},
		{"help wat", []string{"watch"}},
		{"nosuch x", nil},
	} {
		got := complete(k, tc.line)
		switch tc.line {
		case "panes; keys shell Ctrl+":
			if len(got) != 26 {
				t.Errorf("%q: %d candidates, want the 26 Ctrl keys", tc.line, len(got))
			}
			continue
		case "logs --":
			if len(got) != 0 {
				t.Errorf("%q: %q, want nothing (logs has single-dash flags)", tc.line, got)
			}
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("complete(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
	if got := complete(k, "logs -"); !reflect.DeepEqual(got, []string{"-f", "-n"}) {
		t.Errorf("logs flags = %q", got)
	}
	if got := complete(k, "screen shell --a"); !reflect.DeepEqual(got, []string{"--ansi"}) {
		t.Errorf("screen flags = %q", got)
	}
	if got := addressCompletions(testAddrs, "te"); len(got) != 0 {
		t.Errorf("ambiguous name offered: %q", got)
	}
	if got := addressCompletions(testAddrs, ""); !reflect.DeepEqual(got[:2], []string{"code", "code.pane.tests"}) {
		t.Errorf("all addresses = %q", got)
	}
}

func TestPermissionNamesComplete(t *testing.T) {
	cmd := &Command{Name: "grant", Args: "ADDR PERM..."}
	if argKind(cmd, 1) != "PERM" || argKind(cmd, 3) != "PERM" || argKind(cmd, 0) != "ADDR" {
		t.Fatalf("argKind of %q is wrong", cmd.Args)
	}
	ps := permissionNames()
	if len(ps) < 5 || !contains(ps, "ReadApplicationState") {
		t.Fatalf("permission names: %q", ps)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// FuzzREPLLine: whatever is typed, completing it and running it at the
// prompt returns (an error line at worst) and never panics.
func FuzzREPLLine(f *testing.F) {
	for _, s := range []string{"panes", "describe sh", `write shell "a\x`, "keys ; ;", "events --type", "render x 0x0",
		"help nosuch", "logs -n -1 -f", "resize x 99999999999x1", "watch", "open t --name", "exit"} {
		f.Add(s)
	}
	dev, _ := os.Open(os.DevNull)
	f.Cleanup(func() { dev.Close() })
	f.Fuzz(func(t *testing.T, line string) {
		c := testConsole(t, io.Discard)
		k := &completer{c: c, ctx: context.Background()}
		for i := 0; i <= len([]rune(line)); i++ {
			k.Do([]rune(line), i)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		intr := make(chan os.Signal)
		c.term = dev // not a terminal: watch refuses
		_, _ = c.runLine(ctx, line, intr)
	})
}
