package standalone

import (
	"fmt"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// Proto returns k as the wire Key. The character is sent as its code (97 for
// 'a'): guests read the field as a character code, whatever the schema's enum
// says.
func (k Key) Proto() *pluginpb.Key {
	pk := &pluginpb.Key{}
	if k.IsChar {
		c := uint32(k.Char)
		pk.Char = &c
	} else {
		n := pluginpb.Key_NamedKey(k.Named)
		pk.Key = &n
	}
	main, rest := k.wireModifiers()
	if main != nil {
		m := pluginpb.Key_KeyModifier(*main)
		pk.Modifier = &m
	}
	for _, m := range rest {
		pk.AdditionalModifiers = append(pk.AdditionalModifiers, pluginpb.Key_KeyModifier(m))
	}
	return pk
}

// KeyEvent returns the Key event for k.
func KeyEvent(k Key) *pluginpb.Event {
	return &pluginpb.Event{
		Name:    pluginpb.EventType_Key,
		Payload: &pluginpb.Event_KeyPayload{KeyPayload: k.Proto()},
	}
}

// MouseEvent returns the Mouse event for m.
func MouseEvent(m Mouse) *pluginpb.Event {
	p := &pluginpb.MouseEventPayload{MouseEventName: pluginpb.MouseEventName(m.Action)}
	if m.Action.IsScroll() {
		p.MouseEventPayload = &pluginpb.MouseEventPayload_LineCount{LineCount: uint32(m.Lines)}
	} else {
		p.MouseEventPayload = &pluginpb.MouseEventPayload_Position{
			Position: &pluginpb.Position{Line: int64(m.Row), Column: int64(m.Col)},
		}
	}
	return &pluginpb.Event{
		Name:    pluginpb.EventType_Mouse,
		Payload: &pluginpb.Event_MouseEventPayload{MouseEventPayload: p},
	}
}

// mustKey parses a key written in this package's tables; a bad one is a
// programming error.
func mustKey(s string) *pluginpb.Key {
	k, err := ParseKey(s)
	if err != nil {
		panic(fmt.Sprintf("standalone: bad built-in key %q: %v", s, err))
	}
	return k.Proto()
}
