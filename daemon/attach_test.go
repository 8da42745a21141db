package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

// attachFixture is a terminal pane with attach clients, no process.
func attachFixture(rows, cols int) (*api, *attachTarget) {
	p := &pane{addr: "session.s.tab.t.pane.p", kind: KindTerminal}
	p.term = newTerminal(rows, cols)
	d := &Daemon{}
	d.attach.panes = map[*pane]*paneAttach{}
	return &api{d: d}, &attachTarget{reg: &d.attach, p: p, kind: KindTerminal, term: p.term}
}

func TestAttachDamageReachesEveryClient(t *testing.T) {
	a, tg := attachFixture(5, 20)
	ctx := context.Background()
	c1 := &attachClient{rows: 5, cols: 20}
	c2 := &attachClient{rows: 5, cols: 20}
	pa := a.join(ctx, tg, c1)
	a.join(ctx, tg, c2)
	defer a.leave(tg, pa, c1)
	defer a.leave(tg, pa, c2)
	o1 := &attachOut{t: tg, c: c1, first: true}
	o2 := &attachOut{t: tg, c: c2, first: true}
	for _, o := range []*attachOut{o1, o2} {
		m, _ := o.next()
		if m == nil || !m.Full || len(m.RowsChanged) != 5 || m.Address != tg.p.addr {
			t.Fatalf("first update = %v, want the full screen", m)
		}
	}
	tg.term.feed([]byte("\x1b[3;1Hhello"))
	// o1 collects the damage first; o2 must still get row 2.
	for i, o := range []*attachOut{o1, o2} {
		m, _ := o.next()
		if m == nil || m.Full || len(m.RowsChanged) != 1 || m.RowsChanged[0].Row != 2 || m.RowsChanged[0].Ansi != "hello" {
			t.Fatalf("client %d update = %v, want row 2 only", i+1, m)
		}
		if m.CursorRow != 2 || m.CursorCol != 5 {
			t.Fatalf("client %d cursor = %d,%d", i+1, m.CursorRow, m.CursorCol)
		}
	}
	if m, _ := o1.next(); m != nil {
		t.Fatalf("an update without a change: %v", m)
	}
	// Rewriting a row with the same content sends nothing.
	tg.term.feed([]byte("\x1b[3;1Hhello"))
	if m, _ := o2.next(); m != nil {
		t.Fatalf("an unchanged row was sent: %v", m)
	}
	tg.term.feed([]byte("\x1b[?1h\x1b]2;vim\x07"))
	m, _ := o1.next()
	if m == nil || !m.Modes.AppCursor || m.Title != "vim" {
		t.Fatalf("modes and title not sent: %v", m)
	}
}

func TestAttachSmallestSizeWinsAndIsRestored(t *testing.T) {
	a, tg := attachFixture(24, 80)
	ctx := context.Background()
	big := &attachClient{rows: 50, cols: 200}
	small := &attachClient{rows: 30, cols: 100}
	watcher := &attachClient{rows: 10, cols: 10, readOnly: true}
	pa := a.join(ctx, tg, big)
	if r, c := tg.size(); r != 50 || c != 200 {
		t.Fatalf("size with one client = %dx%d", r, c)
	}
	a.join(ctx, tg, small)
	a.join(ctx, tg, watcher)
	if r, c := tg.size(); r != 30 || c != 100 {
		t.Fatalf("size with two clients = %dx%d, want the smaller 30x100 (a watcher does not count)", r, c)
	}
	o := &attachOut{t: tg, c: big, first: true}
	if m, _ := o.next(); m.Rows != 30 || m.Cols != 100 {
		t.Fatalf("update size = %dx%d", m.Rows, m.Cols)
	}
	a.leave(tg, pa, small)
	if r, c := tg.size(); r != 50 || c != 200 {
		t.Fatalf("size after the small client left = %dx%d", r, c)
	}
	if m, _ := o.next(); !m.Full || m.Rows != 50 {
		t.Fatalf("a resize must send the full screen: %v", m)
	}
	a.leave(tg, pa, big)
	if r, c := tg.size(); r != 24 || c != 80 {
		t.Fatalf("size after every client left = %dx%d, want 24x80 back", r, c)
	}
	a.leave(tg, pa, watcher)
	tg.reg.mu.Lock()
	defer tg.reg.mu.Unlock()
	if _, ok := tg.reg.panes[tg.p]; ok {
		t.Fatal("the pane's attach set outlived its clients")
	}
}

// BenchmarkAttachRedraw is the daemon's cost of an attach update: after a
// shell echoes one key (one row changed), and after a screenful of fast
// output scrolled by (every row changed). bytes/update is the size of the
// update on the wire.
func BenchmarkAttachRedraw(b *testing.B) {
	for _, bc := range []struct {
		name string
		feed func(i int) []byte
	}{
		{"echo", func(i int) []byte { return []byte{byte('a' + i%26)} }},
		{"scroll-24-lines", func(i int) []byte {
			var s strings.Builder
			for j := range 24 {
				fmt.Fprintf(&s, "\x1b[3%dmline %d of a fast scrolling build log\x1b[0m %s\r\n", j%8, i*24+j, strings.Repeat("x", 30))
			}
			return []byte(s.String())
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a, tg := attachFixture(24, 80)
			c := &attachClient{rows: 24, cols: 80}
			pa := a.join(context.Background(), tg, c)
			defer a.leave(tg, pa, c)
			o := &attachOut{t: tg, c: c, first: true}
			o.next()
			var bytes int
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if bc.name == "echo" && i%70 == 69 {
					tg.term.feed([]byte("\r\n"))
				}
				tg.term.feed(bc.feed(i))
				m, _ := o.next()
				if m == nil {
					b.Fatal("no update")
				}
				bytes += proto.Size(m)
			}
			b.ReportMetric(float64(bytes)/float64(b.N), "bytes/update")
		})
	}
}
