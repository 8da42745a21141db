// Package conformance checks the plugin host (package wasi) and the
// standalone runner behind `tessera plugin run` against a guest that
// behaves like a plugin built with zellij-tile, only stricter
// (testdata/guests/zellijlike). The package holds tests only.
//
// The guest crashes the way zellij-tile's panic hook does (ReportCrash,
// then an `unreachable` trap) when:
//   - a call that reads a line (load, update, pipe, a worker message, a
//     strict command reply) finds no line, a line without terminator, more
//     than one line, or a line that is not a JSON byte array;
//   - a command without reply leaves anything on stdin, or stdin holds
//     input at _start, at render or before a command;
//   - protobuf is malformed (truncated varints or lengths, groups, a wire
//     type that does not match the field);
//   - an event has an unknown EventType, a payload in the wrong oneof
//     field, or a payload where none is allowed;
//   - a ModeUpdate has no Style, a Styling declaration without exactly 6
//     colours (frame_unselected 0 or 6, multiplayer colours 10), a Colour
//     without its payload, or an InputMode out of range;
//   - a keybinding has no key, an invalid key, or an action that breaks
//     the action conversion rules (payload-less actions with a payload,
//     SwitchToMode/MoveFocus/Resize/NewPane/MovePane/GoToTab without
//     theirs, enums out of range);
//   - a PaneUpdate or session manifest repeats a tab_index, a file list
//     has a different number of paths and metadata entries, a mouse event
//     lacks its position or line count, a layout has an unknown source, a
//     pipe message from the CLI or a plugin lacks its source id;
//   - an event arrives that it did not subscribe to (PermissionRequestResult
//     excepted), _start runs twice, or load runs twice or before _start.
//
// The configuration key `personality` selects the load sequence,
// subscriptions and rendering of status-bar, tab-bar, compact-bar, strider
// or session-manager (as observed from Zellij's default plugins), of a
// third-party plugin (permission request, RunCommand, a worker), or a sweep
// that issues every command and checks each reply's framing.
package conformance
