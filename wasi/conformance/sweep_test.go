package conformance

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/internal/runner"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

// abiReplies is the response column of ABI.md §5, written down here
// independently of pluginpb: the commands whose guest reads a stdin line,
// and whether a missing line is tolerated.
var abiReplies = map[int]string{
	3: "strict", 4: "strict", 5: "lenient", 6: "strict", 7: "strict", 8: "strict", 9: "strict",
	10: "strict", 19: "strict", 20: "strict", 55: "strict", 68: "strict", 69: "strict", 70: "strict",
	84: "lenient", 86: "strict", 90: "strict", 108: "strict", 109: "strict", 118: "strict",
	119: "strict", 120: "strict", 121: "strict", 122: "strict", 123: "strict", 124: "strict",
	125: "strict", 126: "strict", 138: "strict", 139: "strict", 140: "strict", 141: "strict",
	142: "strict", 163: "lenient", 173: "lenient", 175: "lenient", 176: "lenient", 177: "lenient",
	178: "strict", 179: "lenient", 180: "lenient", 181: "lenient", 182: "strict", 183: "strict",
	186: "lenient", 187: "strict", 188: "strict", 189: "strict", 190: "strict", 191: "strict",
	196: "strict", 197: "strict", 198: "strict", 199: "strict", 200: "strict", 201: "strict",
	202: "strict", 203: "strict", 204: "lenient", 205: "lenient", 209: "strict", 211: "strict",
	212: "lenient", 213: "lenient", 214: "lenient", 220: "strict", 221: "strict",
}

// abiCommands lists the defined CommandName numbers (ABI.md §5).
func abiCommands() []int {
	var out []int
	for n := 0; n <= 228; n++ {
		switch {
		case n >= 145 && n <= 154 && n != 155, n >= 156 && n <= 162, n >= 165 && n <= 168,
			n >= 216 && n <= 219, n == 222:
			continue
		}
		out = append(out, n)
	}
	return out
}

func TestReplyTableMatchesABI(t *testing.T) {
	for _, n := range abiCommands() {
		want := abiReplies[n]
		if want == "" {
			want = "none"
		}
		var got string
		switch pluginpb.CommandReply(pluginpb.CommandName(n)) {
		case pluginpb.ReplyNone:
			got = "none"
		case pluginpb.ReplyStrict:
			got = "strict"
		case pluginpb.ReplyLenient:
			got = "lenient"
		}
		if got != want {
			t.Errorf("command %d (%s): host replies %s, ABI says %s", n, pluginpb.CommandName(n), got, want)
		}
	}
}

// sweepList is every defined command but ReportCrash, with the reply kind
// the guest expects. Lenient commands are swept as strict: the host always
// answers them.
func sweepList() string {
	var items []string
	for _, n := range abiCommands() {
		if n == 65 {
			continue
		}
		kind := abiReplies[n]
		switch kind {
		case "":
			kind = "none"
		case "lenient":
			kind = "strict"
		}
		items = append(items, strconv.Itoa(n)+":"+kind)
	}
	return strings.Join(items, ",")
}

// Every command, issued bare, gets exactly one reply line iff its guest
// reads one — through the host alone (empty replies) and through the
// runner's dispatcher (real replies, which must be valid protobuf).
func TestEveryCommandReplyFraming(t *testing.T) {
	total := len(abiCommands()) - 1
	t.Run("host", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p, err := sharedHost(t).Load(ctx, guest(t), wasi.PluginConfig{
			ID: 1, ClientID: 1, Builtin: true,
			Config: map[string]string{"personality": "sweep", "commands": sweepList()},
			Limits: wasi.Limits{CommandsPerSecond: -1},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(context.Background())
		frame, err := p.Render(ctx, 2, 80)
		if err != nil {
			t.Fatal(err)
		}
		want := "sweep: " + strconv.Itoa(total) + " commands, " + strconv.Itoa(len(abiReplies)) + " replies"
		if !strings.Contains(string(frame), want) {
			t.Errorf("frame %q, want %q", frame, want)
		}
	})
	t.Run("runner", func(t *testing.T) {
		res := run(t, runOpts{personality: "sweep", grant: all, config: map[string]string{"commands": sweepList()}})
		wantScreen(t, res, "sweep: "+strconv.Itoa(total)+" commands, "+strconv.Itoa(len(abiReplies))+" replies")
		for _, r := range res.Commands {
			if r.Status == runner.StatusDenied {
				t.Errorf("%s denied with every permission granted", r.Name)
			}
		}
	})
}
