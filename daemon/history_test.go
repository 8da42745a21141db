package daemon

import (
	"fmt"
	"testing"
	"time"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

// The event history, the log ring and a plugin's command log keep their
// newest entries, oldest first, once they wrapped around.
func TestHistoriesKeepTheNewest(t *testing.T) {
	b := newBus()
	for i := range eventRing + 10 {
		addr := "session.s.tab.t.pane.a"
		if i%2 == 1 {
			addr = "session.s.tab.t.pane.b"
		}
		b.publish("test", addr, fmt.Sprint(i), nil)
	}
	got := b.recentFor("a", 3)
	if len(got) != 3 || got[0].Message != fmt.Sprint(eventRing+4) || got[2].Message != fmt.Sprint(eventRing+8) {
		t.Errorf("recentFor(a, 3) = %v", got)
	}
	if all := b.recentFor("", eventRing*2); len(all) != eventRing || all[0].Message != "10" {
		t.Errorf("recentFor keeps %d events from %q, want %d from 10", len(all), all[0].Message, eventRing)
	}

	r := newLogRing()
	for i := range logRingSize + 5 {
		r.add(&controlv1.LogRecord{Message: fmt.Sprint(i)})
	}
	if tail := r.tail(2); len(tail) != 2 || tail[0].Message != fmt.Sprint(logRingSize+3) || tail[1].Message != fmt.Sprint(logRingSize+4) {
		t.Errorf("tail(2) = %v", tail)
	}
	if all := r.tail(0); len(all) != logRingSize || all[0].Message != "5" {
		t.Errorf("tail(0) keeps %d from %q", len(all), all[0].Message)
	}

	var l commandLog
	if got := l.recent(5); len(got) != 0 {
		t.Errorf("an empty command log: %v", got)
	}
	for i := range commandLogSize + 1 {
		l.add(wasi.Activity{Time: time.Unix(int64(i), 0), Command: &pluginpb.PluginCommand{Name: pluginpb.CommandName_SetTimeout}})
	}
	got2 := l.recent(0)
	if len(got2) != commandLogSize || got2[0].Time.Unix() != 1 || got2[len(got2)-1].Time.Unix() != commandLogSize {
		t.Errorf("command log keeps %d, from %v to %v", len(got2), got2[0].Time.Unix(), got2[len(got2)-1].Time.Unix())
	}
}
