package wasi

import (
	"bytes"
	"context"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/frame"
	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// FuzzCommandFrame feeds arbitrary guest output to the command handler and
// checks the framing invariant: exactly one reply line when the output ends
// in a well-formed frame of a reply-bearing command, none otherwise, and no
// panic whatever the bytes.
func FuzzCommandFrame(f *testing.F) {
	for _, s := range []string{
		"[8,3]\n", "[8,4]\n", "[8,7,58,0]\n", "[8,7,58,9,1]\n", "garbage", "", "[",
		"text before[8,3]\n", "[8,12,98,9,9,0,0,0,0,0,0,240,63]\n", "[18,5,1]\n",
		"[8,211,1,138,10,0]\n", "[8,66,178,2,2,0,3]\n", "[8,82,234,3,5,47,104,111,115,116]\n", "[8,255,255,255,255,15]",
	} {
		f.Add([]byte(s))
	}
	p, err := testHost(f).Load(context.Background(), tinyModule([]string{"_start"}, returnOne, "x", true),
		PluginConfig{ID: 1, Builtin: true, Limits: Limits{CommandsPerSecond: -1}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { p.Close(context.Background()) })
	f.Fuzz(func(t *testing.T, out []byte) {
		var lines int
		var panicked any
		r := p.call(context.Background(), &job{kind: jobFunc, fn: func() {
			defer func() { panicked = recover() }()
			in := p.main
			in.stdin.reset()
			in.stdout.buf = append(in.stdout.buf[:0], out...)
			in.runCommand(in.ctx)
			lines = bytes.Count(in.stdin.buf[in.stdin.off:], []byte("\n"))
			in.stdin.reset()
			in.stdout.buf = in.stdout.buf[:0]
		}})
		if r.err != nil {
			t.Fatal(r.err)
		}
		if panicked != nil {
			t.Fatalf("panic on %q: %v", out, panicked)
		}
		want := 0
		_, fr := frame.SplitLast(out)
		if msg, err := frame.Decode(nil, fr); err == nil {
			n, _ := frame.PeekUvarintField1(msg)
			name := pluginpb.CommandName(n)
			if n > 1<<31-1 {
				name = -1
			}
			var cmd pluginpb.PluginCommand
			if proto.Unmarshal(msg, &cmd) == nil {
				name = cmd.GetName() // the last field 1 wins
			}
			if pluginpb.CommandReply(name) != pluginpb.ReplyNone {
				want = 1
			}
		}
		if lines != want {
			t.Fatalf("%q: %d reply lines, want %d", out, lines, want)
		}
	})
}
