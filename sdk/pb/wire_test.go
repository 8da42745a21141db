package pb

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tessera-ws/tessera/proto/pluginpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

type message interface {
	MarshalAppend([]byte) []byte
	Unmarshal([]byte) error
}

// populate fills m with random values: every field set with probability
// one half, one member per oneof, up to three list and map entries, nested
// messages down to depth 3.
func populate(r *rand.Rand, m protoreflect.Message, depth int) {
	md := m.Descriptor()
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			continue
		}
		if r.IntN(2) == 0 {
			continue
		}
		setField(r, m, fd, depth)
	}
	for i := 0; i < md.Oneofs().Len(); i++ {
		od := md.Oneofs().Get(i)
		if od.IsSynthetic() || r.IntN(4) == 0 {
			continue
		}
		setField(r, m, od.Fields().Get(r.IntN(od.Fields().Len())), depth)
	}
}

func setField(r *rand.Rand, m protoreflect.Message, fd protoreflect.FieldDescriptor, depth int) {
	if fd.Kind() == protoreflect.MessageKind && depth >= 3 && !fd.IsMap() {
		return
	}
	switch {
	case fd.IsMap():
		mp := m.Mutable(fd).Map()
		for n := r.IntN(4); n > 0; n-- {
			k := scalar(r, fd.MapKey()).MapKey()
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				v := mp.NewValue()
				if depth < 3 {
					populate(r, v.Message(), depth+1)
				}
				mp.Set(k, v)
			} else {
				mp.Set(k, scalar(r, fd.MapValue()))
			}
		}
	case fd.IsList():
		l := m.Mutable(fd).List()
		for n := r.IntN(4); n > 0; n-- {
			if fd.Kind() == protoreflect.MessageKind {
				v := l.NewElement()
				populate(r, v.Message(), depth+1)
				l.Append(v)
			} else {
				l.Append(scalar(r, fd))
			}
		}
	case fd.Kind() == protoreflect.MessageKind:
		v := m.NewField(fd)
		populate(r, v.Message(), depth+1)
		m.Set(fd, v)
	default:
		m.Set(fd, scalar(r, fd))
	}
}

var sampleStrings = []string{"", "a", "Tab #1", "héllo", "日本", "/host/src", "\x00x"}

func scalar(r *rand.Rand, fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.IntN(2) == 0)
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		if r.IntN(8) == 0 {
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(r.Int32N(1000) + 500)) // unknown value
		}
		return protoreflect.ValueOfEnum(vals.Get(r.IntN(vals.Len())).Number())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(r.Uint32()) >> r.IntN(32))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(r.Uint32() >> r.IntN(32))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(int64(r.Uint64()) >> r.IntN(64))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(r.Uint64() >> r.IntN(64))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(r.NormFloat64()))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(r.NormFloat64() * 1e6)
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(sampleStrings[r.IntN(len(sampleStrings))])
	case protoreflect.BytesKind:
		b := make([]byte, r.IntN(5))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return protoreflect.ValueOfBytes(b)
	}
	panic("unexpected kind " + fd.Kind().String())
}

// TestAgreesWithPluginpb checks, for every message, that random values
// encoded by pluginpb decode and re-encode here into bytes that pluginpb
// decodes back to an equal value.
func TestAgreesWithPluginpb(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	if len(messagesByName) < 300 {
		t.Fatalf("only %d messages registered", len(messagesByName))
	}
	for name, newLite := range messagesByName {
		mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := 0; i < 20; i++ {
			want := mt.New()
			populate(r, want, 0)
			wire, err := proto.Marshal(want.Interface())
			if err != nil {
				t.Fatalf("%s: marshal: %v", name, err)
			}
			lite := newLite()
			if err := lite.Unmarshal(wire); err != nil {
				t.Fatalf("%s: lite unmarshal of %v: %v", name, want, err)
			}
			again := lite.MarshalAppend(nil)
			got := mt.New().Interface()
			if err := proto.Unmarshal(again, got); err != nil {
				t.Fatalf("%s: unmarshal of lite encoding: %v", name, err)
			}
			if !proto.Equal(got, want.Interface()) {
				t.Fatalf("%s: round trip differs\n got: %v\nwant: %v", name, got, want)
			}
			// Without maps and oneofs (which pluginpb writes after the other
			// fields), field order is fixed: the bytes must match pluginpb's
			// deterministic encoding too.
			det, _ := proto.MarshalOptions{Deterministic: true}.Marshal(want.Interface())
			if !hasMapOrOneof(want.Descriptor()) && !bytes.Equal(det, again) {
				t.Fatalf("%s: bytes differ\n lite: %v\n pb:   %v", name, again, det)
			}
		}
	}
}

func hasMapOrOneof(md protoreflect.MessageDescriptor) bool {
	seen := map[protoreflect.FullName]bool{}
	var walk func(md protoreflect.MessageDescriptor) bool
	walk = func(md protoreflect.MessageDescriptor) bool {
		if seen[md.FullName()] {
			return false
		}
		seen[md.FullName()] = true
		if md.Oneofs().Len() > md.Fields().Len() || hasRealOneof(md) {
			return true
		}
		for i := 0; i < md.Fields().Len(); i++ {
			fd := md.Fields().Get(i)
			if fd.IsMap() || (fd.Message() != nil && walk(fd.Message())) {
				return true
			}
		}
		return false
	}
	return walk(md)
}

func hasRealOneof(md protoreflect.MessageDescriptor) bool {
	for i := 0; i < md.Oneofs().Len(); i++ {
		if !md.Oneofs().Get(i).IsSynthetic() {
			return true
		}
	}
	return false
}

func TestKnownBytes(t *testing.T) {
	f := false
	tests := []struct {
		name string
		m    message
		want []byte
	}{
		{"SetSelectable(false)", &PluginCommand{Name: CommandName_SetSelectable, SetSelectablePayload: &f}, []byte{8, 2, 32, 0}},
		{"GetPluginIds", &PluginCommand{Name: CommandName_GetPluginIds}, []byte{8, 3}},
		{"ScanHostFolder", &PluginCommand{Name: CommandName_ScanHostFolder, ScanHostFolderPayload: ptr("/host")},
			[]byte{8, 82, 234, 3, 5, 47, 104, 111, 115, 116}},
		{"SetTimeout(1)", &PluginCommand{Name: CommandName_SetTimeout, SetTimeoutPayload: &SetTimeoutPayload{Seconds: 1}},
			[]byte{8, 12, 98, 9, 9, 0, 0, 0, 0, 0, 0, 240, 63}},
		{"GetSessionList", &PluginCommand{Name: CommandName_GetSessionList, GetSessionListPayload: &GetSessionListPayload{}},
			[]byte{8, 211, 1, 138, 10, 0}},
		{"PluginIds", &PluginIds{PluginId: 7, ZellijPid: 4242, InitialCwd: "/tmp", ClientId: 1},
			[]byte{8, 7, 16, 146, 33, 26, 4, 47, 116, 109, 112, 32, 1}},
		{"Key a", &Event{Name: EventType_Key, KeyPayload: &Key{Char: ptr(uint32('a'))}}, []byte{8, 3, 42, 2, 24, 97}},
		{"Key ctrl+shift+a", &Event{Name: EventType_Key, KeyPayload: &Key{
			Modifier: ptr(Key_CTRL), Char: ptr(uint32('a')), AdditionalModifiers: []Key_KeyModifier{Key_SHIFT},
		}}, []byte{8, 3, 42, 6, 8, 0, 24, 97, 32, 2}},
	}
	for _, tc := range tests {
		if got := tc.m.MarshalAppend(nil); !bytes.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestPackedAndUnpacked(t *testing.T) {
	// Subscribe{ModeUpdate, TabUpdate, ...} as the status bar sends it
	// (packed), and the same list unpacked.
	packed := []byte{18, 12, 10, 10, 10, 8, 6, 0, 4, 44, 1, 2, 8, 7}
	var c PluginCommand
	if err := c.Unmarshal(packed); err != nil {
		t.Fatal(err)
	}
	want := []EventType{6, 0, 4, 44, 1, 2, 8, 7}
	got := c.GetSubscribePayload().GetSubscriptions().GetEventTypes()
	if len(got) != len(want) {
		t.Fatalf("event types = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event types = %v, want %v", got, want)
		}
	}
	var l EventNameList
	var unpacked []byte
	for _, v := range want {
		unpacked = protowire.AppendTag(unpacked, 1, protowire.VarintType)
		unpacked = protowire.AppendVarint(unpacked, uint64(v))
	}
	if err := l.Unmarshal(unpacked); err != nil || len(l.EventTypes) != len(want) {
		t.Fatalf("unpacked: %v, %v", l.EventTypes, err)
	}
}

func TestMalformed(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
	}{
		{"truncated varint", []byte{8, 0x80}},
		{"truncated length", []byte{18, 5, 1}},
		{"wrong wire type", []byte{13, 0, 0, 0, 0}}, // field 1 as fixed32
		{"bad tag", []byte{0}},
		{"bad nested", []byte{42, 2, 24, 0x80}}, // Key with a truncated char
	}
	for _, tc := range tests {
		var e Event
		if err := e.Unmarshal(tc.b); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	// Deep nesting is refused, not a stack overflow.
	var deep []byte
	for i := 0; i < 200; i++ {
		deep = append(protowire.AppendTag(nil, 2, protowire.BytesType), protowire.AppendBytes(nil, deep)...)
	}
	var a Action
	_ = a.Unmarshal(deep) // must return, error or not
}

func TestUnknownFieldsSkipped(t *testing.T) {
	b := []byte{8, 3}
	b = protowire.AppendTag(b, 999, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte("future"))
	var c PluginCommand
	if err := c.Unmarshal(b); err != nil || c.Name != CommandName_GetPluginIds {
		t.Fatalf("got %v, %v", c.Name, err)
	}
}

func TestCommandReplyMatchesPluginpb(t *testing.T) {
	for n := int32(-1); n < 260; n++ {
		want := pluginpb.CommandReply(pluginpb.CommandName(n))
		got := CommandReply(CommandName(n))
		if int(got) != int(want) {
			t.Errorf("CommandReply(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestEnumString(t *testing.T) {
	if s := EventType_ModeUpdate.String(); s != "ModeUpdate" {
		t.Errorf("String = %q", s)
	}
	if s := EventType(9999).String(); s != "9999" {
		t.Errorf("unknown String = %q", s)
	}
	if s := InputMode_Locked.String(); s != pluginpb.InputMode_Locked.String() {
		t.Errorf("InputMode String = %q", s)
	}
	_ = math.MaxInt
}
