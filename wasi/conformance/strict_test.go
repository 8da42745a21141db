package conformance

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/internal/runner"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

var (
	hostOnce sync.Once
	host     *wasi.Host
	hostErr  error
)

// sharedHost runs the package-level tests on one host (one compile).
func sharedHost(t *testing.T) *wasi.Host {
	t.Helper()
	hostOnce.Do(func() {
		host, hostErr = wasi.NewHost(context.Background(), wasi.HostConfig{CacheDir: cacheDir(), Engine: wasi.EngineCompiler})
	})
	if hostErr != nil {
		t.Fatal(hostErr)
	}
	return host
}

// load loads a personality as a built-in plugin (no permission filter)
// whose dispatcher answers every reply-bearing command with an empty line.
func load(t *testing.T, personality string, extra ...pluginpb.EventType) *wasi.Plugin {
	t.Helper()
	cfg := map[string]string{"personality": personality}
	var ex []string
	for _, e := range extra {
		ex = append(ex, itoa(int(e)))
	}
	if len(ex) > 0 {
		cfg["subscribe_extra"] = strings.Join(ex, ",")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := sharedHost(t).Load(ctx, guest(t), wasi.PluginConfig{
		ID: 3, ClientID: 1, URL: "zellij:" + personality, Builtin: true, Config: cfg,
		Dispatcher: wasi.DispatcherFunc(func(context.Context, *wasi.CommandContext, *pluginpb.PluginCommand) (proto.Message, error) {
			return nil, nil
		}),
	})
	if err != nil {
		t.Fatalf("load %s: %v", personality, err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func modeUpdate(mut func(*pluginpb.ModeUpdatePayload)) *pluginpb.Event {
	s := runner.NewSession(0, "zellij:status-bar", 10, 80, time.Unix(0, 0), nil)
	ev := proto.Clone(s.ModeUpdate(true)).(*pluginpb.Event)
	if mut != nil {
		mut(ev.GetModeUpdatePayload())
	}
	return ev
}

// The guest's checks must fire: each of these events is one zellij-tile
// rejects (or would mishandle), and the guest must crash with the reason.
func TestStrictGuestRejects(t *testing.T) {
	keyOnly := func(k *pluginpb.Key) *pluginpb.Event {
		return &pluginpb.Event{Name: pluginpb.EventType_Key, Payload: &pluginpb.Event_KeyPayload{KeyPayload: k}}
	}
	cases := []struct {
		name        string
		personality string
		extra       []pluginpb.EventType
		ev          *pluginpb.Event
		want        string
	}{
		{"unknown event type", "status-bar", []pluginpb.EventType{33}, &pluginpb.Event{Name: 33}, "unknown EventType 33"},
		{"style with 5 colours", "status-bar", nil, modeUpdate(func(m *pluginpb.ModeUpdatePayload) {
			m.Style = proto.Clone(m.Style).(*pluginpb.Style)
			m.Style.Styling.TextUnselected = m.Style.Styling.TextUnselected[:5]
		}), "Styling field 1 has 5 colours"},
		{"9 multiplayer colours", "status-bar", nil, modeUpdate(func(m *pluginpb.ModeUpdatePayload) {
			m.Style = proto.Clone(m.Style).(*pluginpb.Style)
			m.Style.Styling.MultiplayerUserColors = m.Style.Styling.MultiplayerUserColors[:9]
		}), "multiplayer_user_colors has 9"},
		{"no style", "status-bar", nil, modeUpdate(func(m *pluginpb.ModeUpdatePayload) { m.Style = nil }), "no style"},
		{"bad input mode", "status-bar", nil, modeUpdate(func(m *pluginpb.ModeUpdatePayload) { m.CurrentMode = 14 }), "malformed InputMode"},
		{"action with payload", "session-manager", nil, modeUpdate(func(m *pluginpb.ModeUpdatePayload) {
			m.Keybinds = []*pluginpb.InputModeKeybinds{{Mode: pluginpb.InputMode_Normal, KeyBind: []*pluginpb.KeyBind{{
				Key: &pluginpb.Key{Char: proto.Uint32('q')},
				Action: []*pluginpb.Action{{Name: pluginpb.ActionName_Quit,
					OptionalPayload: &pluginpb.Action_GoToTabPayload{GoToTabPayload: 1}}},
			}}}}
		}), "should not have a payload"},
		{"keybind without key", "session-manager", nil, modeUpdate(func(m *pluginpb.ModeUpdatePayload) {
			m.Keybinds = []*pluginpb.InputModeKeybinds{{Mode: pluginpb.InputMode_Normal, KeyBind: []*pluginpb.KeyBind{{}}}}
		}), "KeyBind without key"},
		{"duplicate tab_index", "status-bar", nil, &pluginpb.Event{Name: pluginpb.EventType_PaneUpdate,
			Payload: &pluginpb.Event_PaneUpdatePayload{PaneUpdatePayload: &pluginpb.PaneUpdatePayload{
				PaneManifest: []*pluginpb.PaneManifest{{TabIndex: 0}, {TabIndex: 0}}}}}, "duplicate tab_index 0"},
		{"paths without metadata", "strider", nil, &pluginpb.Event{Name: pluginpb.EventType_FileSystemUpdate,
			Payload: &pluginpb.Event_FileListPayload{FileListPayload: &pluginpb.FileListPayload{
				Paths: []string{"/host/a", "/host/b"}, PathsMetadata: []*pluginpb.FileMetadata{{}}}}}, "2 paths but 1 metadata"},
		{"key without main key", "strider", nil, keyOnly(&pluginpb.Key{Modifier: pluginpb.Key_CTRL.Enum()}), "Key without main key"},
		{"timer without payload", "session-manager", nil, &pluginpb.Event{Name: pluginpb.EventType_Timer}, "malformed payload for Timer"},
		{"click without position", "status-bar", nil, &pluginpb.Event{Name: pluginpb.EventType_Mouse,
			Payload: &pluginpb.Event_MouseEventPayload{MouseEventPayload: &pluginpb.MouseEventPayload{MouseEventName: pluginpb.MouseEventName_MouseLeftClick}}},
			"no position"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := load(t, c.personality, c.extra...)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := p.Update(ctx, c.ev)
			var ce *wasi.CrashError
			if !errors.As(err, &ce) {
				t.Fatalf("Update: %v, want a crash", err)
			}
			if !strings.Contains(ce.Message, c.want) {
				t.Errorf("crash message %q lacks %q", ce.Message, c.want)
			}
		})
	}
}

// What the runner's session sends passes every check: ModeUpdate with the
// full keybinds (every action decoded with the strict rules) and the
// default Styling, TabUpdate, PaneUpdate, SessionUpdate, Visible,
// InitialKeybinds.
func TestRunnerSessionEventsPassStrictChecks(t *testing.T) {
	p := load(t, "session-manager", pluginpb.EventType_TabUpdate, pluginpb.EventType_PaneUpdate, pluginpb.EventType_InitialKeybinds)
	s := runner.NewSession(3, "zellij:session-manager", 10, 80, time.Now(), nil)
	kb := &pluginpb.Event{Name: pluginpb.EventType_InitialKeybinds,
		Payload: &pluginpb.Event_InitialKeybindsPayload{InitialKeybindsPayload: s.InitialKeybinds()}}
	evs := append(s.InitialEvents(false), kb, s.ModeUpdate(false))
	for m := range pluginpb.InputMode_name {
		s.Mode = pluginpb.InputMode(m)
		evs = append(evs, s.ModeUpdate(true))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, ev := range evs {
		if _, err := p.Update(ctx, ev); err != nil {
			t.Fatalf("%s: %v", ev.GetName(), err)
		}
	}
	if err := p.Crashed(); err != nil {
		t.Fatal(err)
	}
}
