package conformance

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// Sync returns once the workers' answers are delivered to the plugin.
func TestSyncDeliversWorkerAnswers(t *testing.T) {
	p := load(t, "third-party")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := 0; i < 3; i++ {
		key := &pluginpb.Event{Name: pluginpb.EventType_Key, Payload: &pluginpb.Event_KeyPayload{KeyPayload: &pluginpb.Key{Char: proto.Uint32('w')}}}
		if _, err := p.Update(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	frame, err := p.Render(ctx, 3, 80)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(frame), "worker: ping:3 received 3") {
		t.Errorf("frame %q lacks the third answer", frame)
	}
}
