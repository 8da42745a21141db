package wasi

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/frame"
	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// EncodedEvent is an event marshalled and framed once (the stdin line a
// guest reads, ABI §1.5), for delivery to many plugins with
// Plugin.UpdateEncoded. It is immutable and safe to share between plugins
// and goroutines: each plugin still filters it by its own subscriptions and
// permissions, so one encoding serves every plugin that gets the same
// event, and only those.
type EncodedEvent struct {
	ev   *pluginpb.Event
	line []byte // nil: encode on delivery (events posted one by one)
}

// EncodeEvent marshals ev once. It fails on a nil event, an event without
// a type, or one that does not marshal (such as a string field holding
// invalid UTF-8); the event is then left for the caller to fix, nothing is
// delivered. ev must not be modified afterwards.
func EncodeEvent(ev *pluginpb.Event) (*EncodedEvent, error) {
	if ev == nil {
		return nil, errors.New("encode event: nil event")
	}
	if ev.GetName() < 0 || ev.GetName() >= 64 {
		return nil, fmt.Errorf("encode event: event type %d out of range", ev.GetName())
	}
	msg, err := proto.MarshalOptions{}.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", ev.GetName(), err)
	}
	return &EncodedEvent{ev: ev, line: frame.AppendLine(nil, msg)}, nil
}

// Name is the event's type.
func (e *EncodedEvent) Name() pluginpb.EventType { return e.ev.GetName() }

// Event is the event that was encoded (not to be modified).
func (e *EncodedEvent) Event() *pluginpb.Event { return e.ev }

// writeInputLine starts a call that carries one input line already framed
// (see writeInput).
func (in *instance) writeInputLine(line []byte) {
	if in.stdin.pending() > 0 {
		in.p.log.Debug("dropping unread stdin", "worker", in.worker, "bytes", in.stdin.pending())
	}
	in.stdin.reset()
	in.stdin.buf = append(in.stdin.buf, line...)
}
