package sdk

import (
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/sdk/pb"
	"google.golang.org/protobuf/proto"
)

type recorder struct {
	config  map[string]string
	events  []*pb.Event
	pipes   []*pb.PipeMessage
	renders [][2]int
	panicOn string
}

func (r *recorder) Load(cfg map[string]string) { r.config = cfg }
func (r *recorder) Update(ev *pb.Event) bool {
	r.events = append(r.events, ev)
	if r.panicOn == "update" {
		panic("update failed")
	}
	return ev.GetName() == pb.EventType_Key
}
func (r *recorder) Pipe(m *pb.PipeMessage) bool {
	r.pipes = append(r.pipes, m)
	return m.GetIsPrivate()
}
func (r *recorder) Render(rows, cols int) { r.renders = append(r.renders, [2]int{rows, cols}) }

func usePlugin(t *testing.T, p Plugin) {
	old := registered
	registered = p
	t.Cleanup(func() { registered = old })
}

func writeMsg(fh *fakeHost, m proto.Message) {
	b, _ := proto.Marshal(m)
	f := AppendFrame(nil, b)
	fh.in.Write(f[:len(f)-1])
	fh.in.WriteString("\r\n")
}

func TestDispatch(t *testing.T) {
	fh := useFakeHost(t)
	rec := &recorder{}
	usePlugin(t, rec)
	writeMsg(fh, &pluginpb.PluginConfiguration{NameAndValue: []*pluginpb.NameAndValue{{Name: "a", Value: "1"}, {Name: "b", Value: ""}}})
	guard("load", runLoad)
	if len(rec.config) != 2 || rec.config["a"] != "1" {
		t.Errorf("config = %v", rec.config)
	}
	c := uint32('x')
	writeMsg(fh, &pluginpb.Event{Name: pluginpb.EventType_Key, Payload: &pluginpb.Event_KeyPayload{KeyPayload: &pluginpb.Key{Char: &c}}})
	writeMsg(fh, &pluginpb.Event{Name: pluginpb.EventType_Visible, Payload: &pluginpb.Event_VisiblePayload{VisiblePayload: false}})
	if r := runUpdate(); r != 1 {
		t.Errorf("update(Key) = %d", r)
	}
	if r := runUpdate(); r != 0 {
		t.Errorf("update(Visible) = %d", r)
	}
	if k, ok := KeyRune(rec.events[0].GetKeyPayload()); !ok || k != 'x' {
		t.Errorf("key = %q %v", k, ok)
	}
	if rec.events[1].VisiblePayload == nil || *rec.events[1].VisiblePayload {
		t.Errorf("visible payload = %v", rec.events[1].VisiblePayload)
	}
	writeMsg(fh, &pluginpb.PipeMessage{Name: "n", IsPrivate: true})
	if r := runPipe(); r != 1 {
		t.Errorf("pipe = %d", r)
	}
	runRender(-3, 80)
	if rec.renders[0] != [2]int{0, 80} {
		t.Errorf("renders = %v", rec.renders)
	}
}

func TestGuardReportsCrash(t *testing.T) {
	fh := useFakeHost(t)
	usePlugin(t, &recorder{panicOn: "update"})
	writeMsg(fh, &pluginpb.Event{Name: pluginpb.EventType_Timer})
	func() {
		defer func() {
			if _, ok := recover().(trapped); !ok {
				t.Error("guard did not trap")
			}
		}()
		guard("update", func() { runUpdate() })
	}()
	if len(fh.frames) != 1 {
		t.Fatalf("%d frames", len(fh.frames))
	}
	b, _ := ParseFrame(fh.frames[0])
	cmd := new(pluginpb.PluginCommand)
	if err := proto.Unmarshal(b, cmd); err != nil {
		t.Fatal(err)
	}
	msg := cmd.GetReportCrashPayload()
	if cmd.GetName() != pluginpb.CommandName_ReportCrash || !strings.HasPrefix(msg, "panic in update: update failed\n\n") {
		t.Errorf("crash command %v %q", cmd.GetName(), msg)
	}
	if len(msg) > maxCrashMessage+8 {
		t.Errorf("crash message is %d bytes", len(msg))
	}
}

func TestNoPluginRegistered(t *testing.T) {
	fh := useFakeHost(t)
	usePlugin(t, nil)
	func() {
		defer func() { recover() }()
		guard("load", runLoad)
	}()
	b, _ := ParseFrame(fh.frames[0])
	cmd := new(pluginpb.PluginCommand)
	proto.Unmarshal(b, cmd)
	if !strings.Contains(cmd.GetReportCrashPayload(), "call sdk.Register from an init function") {
		t.Errorf("crash = %q", cmd.GetReportCrashPayload())
	}
}

func TestCrashMessageTruncated(t *testing.T) {
	msg := crashMessage("render", "x", []byte(strings.Repeat("s", 100000)))
	if len(msg) > maxCrashMessage+4 || !strings.HasSuffix(msg, "\n...") {
		t.Errorf("len %d, suffix %q", len(msg), msg[len(msg)-10:])
	}
}

func TestRegisterWorker(t *testing.T) {
	for _, bad := range []string{"", "a-b", "a b", "é"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterWorker(%q) did not panic", bad)
				}
			}()
			RegisterWorker(bad, WorkerFunc(func(string, string) {}))
		}()
	}
	var got []string
	RegisterWorker("unit_test", WorkerFunc(func(n, p string) { got = append(got, n+"="+p) }))
	t.Cleanup(func() { delete(workers, "unit_test") })
	func() {
		defer func() {
			if recover() == nil {
				t.Error("duplicate worker did not panic")
			}
		}()
		RegisterWorker("unit_test", WorkerFunc(func(string, string) {}))
	}()
	fh := useFakeHost(t)
	writeMsg(fh, &pluginpb.Message{Name: "job", Payload: "42"})
	fh.in.WriteString("garbage\n")
	writeMsg(fh, &pluginpb.Message{Name: "job", Payload: "43"})
	for i := 0; i < 3; i++ {
		RunWorker("unit_test")
	}
	if strings.Join(got, ",") != "job=42,job=43" {
		t.Errorf("messages = %v", got)
	}
}

func TestKeyHelpers(t *testing.T) {
	c := uint32('a')
	ctrl, shift := pb.Key_CTRL, pb.Key_SHIFT
	named := pb.Key_Enter
	k := &pb.Key{Modifier: &ctrl, Char: &c, AdditionalModifiers: []pb.Key_KeyModifier{shift, ctrl}}
	if r, ok := KeyRune(k); !ok || r != 'a' {
		t.Errorf("KeyRune = %q %v", r, ok)
	}
	if m := KeyModifiers(k); len(m) != 2 {
		t.Errorf("KeyModifiers = %v", m)
	}
	if !HasModifier(k, shift) || HasModifier(k, pb.Key_ALT) || IsPlainKey(k, 'a') {
		t.Error("modifier checks wrong")
	}
	if !IsPlainKey(&pb.Key{Char: &c}, 'a') {
		t.Error("plain a not plain")
	}
	if n, ok := KeyNamed(&pb.Key{Key: &named}); !ok || n != pb.Key_Enter {
		t.Errorf("KeyNamed = %v %v", n, ok)
	}
	if _, ok := KeyRune(&pb.Key{Key: &named}); ok {
		t.Error("named key has a rune")
	}
	if _, ok := KeyRune(nil); ok {
		t.Error("nil key has a rune")
	}
}
