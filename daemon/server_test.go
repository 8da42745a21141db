package daemon

import (
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPeerListenerRefusesOtherUsers checks the SO_PEERCRED gate: a peer
// whose uid is not allowed is disconnected before a byte is read, and an
// allowed one is served.
func TestPeerListenerRefusesOtherUsers(t *testing.T) {
	dir, err := os.MkdirTemp("/tmp", "tpl")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for _, tc := range []struct {
		name  string
		allow bool
	}{{"refused", false}, {"allowed", true}} {
		t.Run(tc.name, func(t *testing.T) {
			sock := filepath.Join(dir, tc.name+".sock")
			ln, err := net.Listen("unix", sock)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			seen := make(chan uint32, 4)
			d := &Daemon{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			pl := &peerListener{UnixListener: ln.(*net.UnixListener), d: d, allow: func(uid uint32) bool {
				seen <- uid
				return tc.allow
			}}
			accepted := make(chan net.Conn, 1)
			go func() {
				c, err := pl.Accept()
				if err == nil {
					accepted <- c
				}
			}()
			c, err := net.Dial("unix", sock)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if !tc.allow {
				// The daemon closes the connection: the read ends with EOF.
				if _, err := c.Read(make([]byte, 1)); err != io.EOF {
					t.Fatalf("read from a refused connection: %v, want EOF", err)
				}
				select {
				case <-accepted:
					t.Fatal("a refused connection was handed to the server")
				default:
				}
			} else {
				select {
				case sc := <-accepted:
					sc.Close()
				case <-time.After(5 * time.Second):
					t.Fatal("an allowed connection was not accepted")
				}
			}
			select {
			case uid := <-seen:
				if uid != uint32(os.Getuid()) {
					t.Errorf("peer uid seen %d, want %d", uid, os.Getuid())
				}
			case <-time.After(5 * time.Second):
				t.Error("the peer uid was never checked")
			}
		})
	}
}

func TestBusMarksLaggedReaders(t *testing.T) {
	b := newBus()
	sub := b.subscribe(nil, "")
	for i := 0; i < subscriberBacklog+10; i++ {
		b.publish("pane.started", "session.s.tab.t.pane.p", "x", nil)
	}
	if n := sub.takeDropped(); n != 10 {
		t.Fatalf("dropped %d, want 10", n)
	}
	if got := len(sub.ch); got != subscriberBacklog {
		t.Fatalf("queued %d, want %d", got, subscriberBacklog)
	}
	filtered := b.subscribe([]string{"plugin"}, "p")
	b.publish("pane.exited", "session.s.tab.t.pane.p", "", nil)
	b.publish("plugin.crashed", "session.s.tab.t.pane.p", "", nil)
	b.publish("plugin.crashed", "session.s.tab.t.pane.other", "", nil)
	if len(filtered.ch) != 1 {
		t.Fatalf("filtered subscriber got %d events, want 1", len(filtered.ch))
	}
}

func TestKeyBytes(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want string
	}{
		{"a", "a"}, {"Enter", "\r"}, {"Ctrl+c", "\x03"}, {"ctrl+C", "\x03"}, {"Alt+x", "\x1bx"},
		{"Up", "\x1b[A"}, {"Ctrl+Up", "\x1b[1;5A"}, {"Shift+Tab", "\x1b[Z"}, {"F1", "\x1bOP"},
		{"F5", "\x1b[15~"}, {"Delete", "\x1b[3~"}, {"Space", " "}, {"Backspace", "\x7f"},
		{"é", "é"}, {"日", "日"}, {"Ctrl+[", "\x1b"}, {"Shift+a", "A"}, {"+", "+"},
	} {
		got, err := keyBytes(tc.key)
		if err != nil || string(got) != tc.want {
			t.Errorf("keyBytes(%q) = %q, %v; want %q", tc.key, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "Hyper+a", "Super+a", "Ctrl+é", "NoSuchKey"} {
		if _, err := keyBytes(bad); err == nil {
			t.Errorf("keyBytes(%q) succeeded", bad)
		}
	}
}
