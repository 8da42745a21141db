package zellij

import (
	"fmt"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// Proto returns k as the wire Key. The character is sent as its code (97 for
// 'a'): guests read the field as a character code, whatever the schema's enum
// says. The first modifier in ABI order goes in `modifier`, the others in
// `additional_modifiers` (the guest takes the union), which gives the bytes
// Zellij sends for Ctrl+Shift+a (modifier=Ctrl, additional=[Shift]).
func (k Key) Proto() *pluginpb.Key {
	pk := &pluginpb.Key{}
	if k.IsChar {
		c := uint32(k.Char)
		pk.Char = &c
	} else {
		n := k.Named
		pk.Key = &n
	}
	if len(k.Mods) > 0 {
		m := k.Mods[0]
		pk.Modifier = &m
		pk.AdditionalModifiers = append(pk.AdditionalModifiers, k.Mods[1:]...)
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

// Event returns the Mouse event for m.
func (m MouseEvent) Event() *pluginpb.Event {
	p := &pluginpb.MouseEventPayload{MouseEventName: m.Action}
	if IsScroll(m.Action) {
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
		panic(fmt.Sprintf("zellij: bad built-in key %q: %v", s, err))
	}
	return k.Proto()
}
