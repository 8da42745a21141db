// Package pluginpb holds the protobuf messages of the Zellij-compatible plugin
// ABI: commands a plugin sends (PluginCommand), events it receives (Event),
// pipe messages, worker messages, configuration, replies and permissions.
//
// The messages are generated from proto/*.proto by `make proto`. Their wire
// encoding is identical to Zellij's plugin API schema (same field numbers,
// types, enum values, optional fields and oneofs), so plugins built for
// Zellij decode them unchanged. Zellij spreads the schema over several proto
// packages; they all land in this one Go package. Where two of Zellij's
// packages declare the same name, shared identical types are declared once
// (PaneId, PaneType, ContextItem, PaneFrameStyle) and differing ones carry a
// prefix naming their package (ActionPaneId, ActionMouseEventPayload,
// StyleStyledText, ...).
//
// Wire details to keep in mind:
//   - Key.char carries the character code ('a' is 97), not an enum index.
//     Zellij's oneof main_key {key, char} is two optional fields here (same
//     encoding, but Go then emits fields in Zellij's order); set one of them.
//   - InterceptedKeyPress travels in Event.key_payload (field 5), like Key.
//   - optional scalars and oneof members are encoded even when zero, so a
//     present false or 0 is distinguishable from an absent field.
package pluginpb
