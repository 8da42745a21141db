//go:build wasip1

// Command picker is a test guest for attach: a list of items whose
// selection Down and Up (or j and k) move, and a left click picks the row
// clicked. It draws "> " before the selected item.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/tessera-ws/tessera/sdk"
	"github.com/tessera-ws/tessera/sdk/pb"
)

func init() { sdk.Register(&picker{items: []string{"alpha", "bravo", "charlie", "delta"}}) }

func main() {}

type picker struct {
	sdk.BasePlugin
	items []string
	sel   int
	keys  int
}

func (p *picker) Load(map[string]string) {
	sdk.Subscribe(pb.EventType_Key, pb.EventType_Mouse)
}

func (p *picker) Update(ev *pb.Event) bool {
	switch ev.GetName() {
	case pb.EventType_Key:
		p.keys++
		k := ev.GetKeyPayload()
		if n, ok := sdk.KeyNamed(k); ok {
			switch n {
			case pb.Key_DownArrow:
				p.move(1)
			case pb.Key_UpArrow:
				p.move(-1)
			}
			return true
		}
		if r, ok := sdk.KeyRune(k); ok {
			switch r {
			case 'j':
				p.move(1)
			case 'k':
				p.move(-1)
			}
		}
		return true
	case pb.EventType_Mouse:
		m := ev.GetMouseEventPayload()
		if m.GetMouseEventName() == pb.MouseEventName_MouseLeftClick {
			if row := int(m.GetPosition().GetLine()) - 1; row >= 0 && row < len(p.items) {
				p.sel = row
			}
		}
		return true
	}
	return false
}

func (p *picker) move(d int) {
	p.sel = (p.sel + d + len(p.items)) % len(p.items)
}

func (p *picker) Render(rows, cols int) {
	var b strings.Builder
	fmt.Fprintf(&b, "picker %dx%d keys=%d\n", rows, cols, p.keys)
	for i, it := range p.items {
		mark := "  "
		if i == p.sel {
			mark = "> "
		}
		b.WriteString(mark + it + "\n")
	}
	os.Stdout.WriteString(b.String())
}
