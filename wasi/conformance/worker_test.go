package conformance

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// WorkersIdle tells when a worker's answer is queued for the plugin: after
// it, two trips through the plugin's mailbox deliver it.
func TestWorkersIdleThenAnswerDelivered(t *testing.T) {
	p := load(t, "third-party")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := 0; i < 3; i++ {
		key := &pluginpb.Event{Name: pluginpb.EventType_Key, Payload: &pluginpb.Event_KeyPayload{KeyPayload: &pluginpb.Key{Char: proto.Uint32('w')}}}
		if _, err := p.Update(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	for !p.WorkersIdle() {
		if ctx.Err() != nil {
			t.Fatal("workers never idle")
		}
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < 2; i++ { // ConfigWasWrittenToDisk: not subscribed, a mailbox round trip
		if _, err := p.Update(ctx, &pluginpb.Event{Name: pluginpb.EventType_ConfigWasWrittenToDisk}); err != nil {
			t.Fatal(err)
		}
	}
	frame, err := p.Render(ctx, 3, 80)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(frame), "worker: ping:3 received 3") {
		t.Errorf("frame %q lacks the third answer", frame)
	}
}
