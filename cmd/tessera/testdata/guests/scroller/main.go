//go:build wasip1

// Command scroller is a test guest for the scroll commands: each key scrolls
// the focused pane of its tab.
//
//	u  ScrollUp          d  ScrollDown
//	p  PageScrollUp      n  PageScrollDown
//	t  ScrollToTop       b  ScrollToBottom
package main

import (
	"fmt"
	"os"

	"github.com/tessera-ws/tessera/sdk"
	"github.com/tessera-ws/tessera/sdk/pb"
)

func init() { sdk.Register(&scroller{}) }

func main() {}

type scroller struct {
	sdk.BasePlugin
	sent int
	last string
}

var keys = map[rune]pb.CommandName{
	'u': pb.CommandName_ScrollUp,
	'd': pb.CommandName_ScrollDown,
	'p': pb.CommandName_PageScrollUp,
	'n': pb.CommandName_PageScrollDown,
	't': pb.CommandName_ScrollToTop,
	'b': pb.CommandName_ScrollToBottom,
}

func (s *scroller) Load(map[string]string) {
	sdk.Subscribe(pb.EventType_Key)
}

func (s *scroller) Update(ev *pb.Event) bool {
	name, ok := keys[rune(ev.GetKeyPayload().GetChar())]
	if ev.GetName() != pb.EventType_Key || !ok {
		return false
	}
	if _, err := sdk.Run(&pb.PluginCommand{Name: name}); err != nil {
		s.last = err.Error()
	} else {
		s.last = name.String()
	}
	s.sent++
	return true
}

func (s *scroller) Render(rows, cols int) {
	fmt.Fprintf(os.Stdout, "sent=%d last=%s\n", s.sent, s.last)
}
