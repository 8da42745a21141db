package zellij

import (
	"fmt"
	"slices"
	"strconv"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// Action constructors for the default keybindings. Every action is built with
// exactly the payload the guest's decoder expects (a missing or extra payload
// makes the guest drop the action).

func act(n pluginpb.ActionName) *pluginpb.Action { return &pluginpb.Action{Name: n} }

func switchTo(m pluginpb.InputMode) *pluginpb.Action {
	return &pluginpb.Action{
		Name: pluginpb.ActionName_SwitchToMode,
		OptionalPayload: &pluginpb.Action_SwitchToModePayload{
			SwitchToModePayload: &pluginpb.SwitchToModePayload{InputMode: m},
		},
	}
}

func moveFocus(d pluginpb.ResizeDirection) *pluginpb.Action {
	return &pluginpb.Action{
		Name:            pluginpb.ActionName_MoveFocus,
		OptionalPayload: &pluginpb.Action_MoveFocusPayload{MoveFocusPayload: d},
	}
}

func moveFocusOrTab(d pluginpb.ResizeDirection) *pluginpb.Action {
	return &pluginpb.Action{
		Name:            pluginpb.ActionName_MoveFocusOrTab,
		OptionalPayload: &pluginpb.Action_MoveFocusOrTabPayload{MoveFocusOrTabPayload: d},
	}
}

func newPane(d *pluginpb.ResizeDirection) *pluginpb.Action {
	return &pluginpb.Action{
		Name: pluginpb.ActionName_NewPane,
		OptionalPayload: &pluginpb.Action_NewPanePayload{
			NewPanePayload: &pluginpb.NewPanePayload{Direction: d},
		},
	}
}

func resize(a pluginpb.ResizeAction, d *pluginpb.ResizeDirection) *pluginpb.Action {
	return &pluginpb.Action{
		Name: pluginpb.ActionName_Resize,
		OptionalPayload: &pluginpb.Action_ResizePayload{
			ResizePayload: &pluginpb.Resize{ResizeAction: a, Direction: d},
		},
	}
}

func movePane(d *pluginpb.ResizeDirection) *pluginpb.Action {
	return &pluginpb.Action{
		Name: pluginpb.ActionName_MovePane,
		OptionalPayload: &pluginpb.Action_MovePanePayload{
			MovePanePayload: &pluginpb.MovePanePayload{Direction: d},
		},
	}
}

func goToTab(n uint32) *pluginpb.Action {
	return &pluginpb.Action{
		Name:            pluginpb.ActionName_GoToTab,
		OptionalPayload: &pluginpb.Action_GoToTabPayload{GoToTabPayload: n},
	}
}

func dir(d pluginpb.ResizeDirection) *pluginpb.ResizeDirection { return &d }

type binding struct {
	keys    []string
	actions []*pluginpb.Action
}

func bind(actions []*pluginpb.Action, keys ...string) binding {
	return binding{keys: keys, actions: actions}
}

func acts(a ...*pluginpb.Action) []*pluginpb.Action { return a }

var allModes = []pluginpb.InputMode{
	pluginpb.InputMode_Normal, pluginpb.InputMode_Locked, pluginpb.InputMode_Resize,
	pluginpb.InputMode_Pane, pluginpb.InputMode_Tab, pluginpb.InputMode_Scroll,
	pluginpb.InputMode_EnterSearch, pluginpb.InputMode_Search, pluginpb.InputMode_RenameTab,
	pluginpb.InputMode_RenamePane, pluginpb.InputMode_Session, pluginpb.InputMode_Move,
	pluginpb.InputMode_Prompt, pluginpb.InputMode_Tmux,
}

// DefaultKeybinds returns (a fresh copy of) the default keybindings, per
// input mode, in the shape ModeUpdate and InitialKeybinds carry them. They follow Zellij's
// default configuration (Ctrl+g locks, Ctrl+p pane mode, Ctrl+t tab mode,
// Ctrl+n resize, Ctrl+h move, Ctrl+s scroll, Ctrl+o session, Ctrl+b tmux,
// Ctrl+q quit, Alt+n new pane, Alt+arrows focus, ...), so plugins that draw
// key hints show real ones.
func DefaultKeybinds() []*pluginpb.InputModeKeybinds {
	shared := sharedKeybinds()
	out := make([]*pluginpb.InputModeKeybinds, len(shared))
	for i, m := range shared {
		out[i] = proto.Clone(m).(*pluginpb.InputModeKeybinds)
	}
	return out
}

// sharedKeybinds is built once; the events that carry it only read it.
var sharedKeybinds = sync.OnceValue(buildKeybinds)

func buildKeybinds() []*pluginpb.InputModeKeybinds {
	const (
		normal  = pluginpb.InputMode_Normal
		locked  = pluginpb.InputMode_Locked
		resizeM = pluginpb.InputMode_Resize
		pane    = pluginpb.InputMode_Pane
		tab     = pluginpb.InputMode_Tab
		scroll  = pluginpb.InputMode_Scroll
		session = pluginpb.InputMode_Session
		move    = pluginpb.InputMode_Move
		tmux    = pluginpb.InputMode_Tmux
	)
	left, right := pluginpb.ResizeDirection_Left, pluginpb.ResizeDirection_Right
	up, down := pluginpb.ResizeDirection_Up, pluginpb.ResizeDirection_Down
	inc, dec := pluginpb.ResizeAction_Increase, pluginpb.ResizeAction_Decrease

	perMode := map[pluginpb.InputMode][]binding{
		locked: {bind(acts(switchTo(normal)), "Ctrl+g")},
		pane: {
			bind(acts(switchTo(normal)), "Ctrl+p"),
			bind(acts(moveFocus(left)), "h", "Left"),
			bind(acts(moveFocus(right)), "l", "Right"),
			bind(acts(moveFocus(down)), "j", "Down"),
			bind(acts(moveFocus(up)), "k", "Up"),
			bind(acts(act(pluginpb.ActionName_SwitchFocus)), "p"),
			bind(acts(newPane(nil), switchTo(normal)), "n"),
			bind(acts(newPane(dir(down)), switchTo(normal)), "d"),
			bind(acts(newPane(dir(right)), switchTo(normal)), "r"),
			bind(acts(act(pluginpb.ActionName_CloseFocus), switchTo(normal)), "x"),
			bind(acts(act(pluginpb.ActionName_ToggleFocusFullscreen), switchTo(normal)), "f"),
			bind(acts(act(pluginpb.ActionName_TogglePaneFrames), switchTo(normal)), "z"),
			bind(acts(act(pluginpb.ActionName_ToggleFloatingPanes), switchTo(normal)), "w"),
			bind(acts(act(pluginpb.ActionName_TogglePaneEmbedOrFloating), switchTo(normal)), "e"),
			bind(acts(switchTo(pluginpb.InputMode_RenamePane)), "c"),
		},
		tab: {
			bind(acts(switchTo(normal)), "Ctrl+t"),
			bind(acts(switchTo(pluginpb.InputMode_RenameTab)), "r"),
			bind(acts(act(pluginpb.ActionName_GoToPreviousTab)), "h", "Left", "Up", "k"),
			bind(acts(act(pluginpb.ActionName_GoToNextTab)), "l", "Right", "Down", "j"),
			bind(acts(act(pluginpb.ActionName_NewTab), switchTo(normal)), "n"),
			bind(acts(act(pluginpb.ActionName_CloseTab), switchTo(normal)), "x"),
			bind(acts(act(pluginpb.ActionName_ToggleActiveSyncTab), switchTo(normal)), "s"),
			bind(acts(act(pluginpb.ActionName_ToggleTab)), "Tab"),
		},
		resizeM: {
			bind(acts(switchTo(normal)), "Ctrl+n"),
			bind(acts(resize(inc, dir(left))), "h", "Left"),
			bind(acts(resize(inc, dir(down))), "j", "Down"),
			bind(acts(resize(inc, dir(up))), "k", "Up"),
			bind(acts(resize(inc, dir(right))), "l", "Right"),
			bind(acts(resize(dec, dir(left))), "H"),
			bind(acts(resize(dec, dir(down))), "J"),
			bind(acts(resize(dec, dir(up))), "K"),
			bind(acts(resize(dec, dir(right))), "L"),
			bind(acts(resize(inc, nil)), "=", "+"),
			bind(acts(resize(dec, nil)), "-"),
		},
		move: {
			bind(acts(switchTo(normal)), "Ctrl+h"),
			bind(acts(movePane(nil)), "n", "Tab"),
			bind(acts(act(pluginpb.ActionName_MovePaneBackwards)), "p"),
			bind(acts(movePane(dir(left))), "h", "Left"),
			bind(acts(movePane(dir(down))), "j", "Down"),
			bind(acts(movePane(dir(up))), "k", "Up"),
			bind(acts(movePane(dir(right))), "l", "Right"),
		},
		scroll: {
			bind(acts(switchTo(normal)), "Ctrl+s"),
			bind(acts(act(pluginpb.ActionName_EditScrollback), switchTo(normal)), "e"),
			bind(acts(switchTo(pluginpb.InputMode_EnterSearch)), "s"),
			bind(acts(act(pluginpb.ActionName_ScrollToBottom), switchTo(normal)), "Ctrl+c"),
			bind(acts(act(pluginpb.ActionName_ScrollDown)), "j", "Down"),
			bind(acts(act(pluginpb.ActionName_ScrollUp)), "k", "Up"),
			bind(acts(act(pluginpb.ActionName_PageScrollDown)), "Ctrl+f", "PageDown", "Right", "l"),
			bind(acts(act(pluginpb.ActionName_PageScrollUp)), "Ctrl+b", "PageUp", "Left", "h"),
			bind(acts(act(pluginpb.ActionName_HalfPageScrollDown)), "d"),
			bind(acts(act(pluginpb.ActionName_HalfPageScrollUp)), "u"),
		},
		session: {
			bind(acts(switchTo(normal)), "Ctrl+o"),
			bind(acts(switchTo(scroll)), "Ctrl+s"),
			bind(acts(act(pluginpb.ActionName_Detach)), "d"),
		},
		tmux: {
			bind(acts(switchTo(scroll)), "["),
			bind(acts(newPane(dir(down)), switchTo(normal)), "\""),
			bind(acts(newPane(dir(right)), switchTo(normal)), "%"),
			bind(acts(act(pluginpb.ActionName_ToggleFocusFullscreen), switchTo(normal)), "z"),
			bind(acts(act(pluginpb.ActionName_NewTab), switchTo(normal)), "c"),
			bind(acts(act(pluginpb.ActionName_GoToPreviousTab), switchTo(normal)), "p"),
			bind(acts(act(pluginpb.ActionName_GoToNextTab), switchTo(normal)), "n"),
			bind(acts(act(pluginpb.ActionName_Detach)), "d"),
		},
	}
	for i := uint32(1); i <= 9; i++ {
		perMode[tab] = append(perMode[tab], bind(acts(goToTab(i), switchTo(normal)), strconv.Itoa(int(i))))
	}

	// Shared bindings: every mode but locked (and, for a mode's own
	// shortcut, but that mode, which binds it to "back to normal").
	shared := []struct {
		except  []pluginpb.InputMode
		binding binding
	}{
		{nil, bind(acts(switchTo(locked)), "Ctrl+g")},
		{nil, bind(acts(act(pluginpb.ActionName_Quit)), "Ctrl+q")},
		{nil, bind(acts(act(pluginpb.ActionName_ToggleFloatingPanes)), "Alt+f")},
		{nil, bind(acts(newPane(nil)), "Alt+n")},
		{nil, bind(acts(moveFocusOrTab(left)), "Alt+h", "Alt+Left")},
		{nil, bind(acts(moveFocusOrTab(right)), "Alt+l", "Alt+Right")},
		{nil, bind(acts(moveFocus(down)), "Alt+j", "Alt+Down")},
		{nil, bind(acts(moveFocus(up)), "Alt+k", "Alt+Up")},
		{nil, bind(acts(resize(inc, nil)), "Alt+=", "Alt++")},
		{nil, bind(acts(resize(dec, nil)), "Alt+-")},
		{nil, bind(acts(act(pluginpb.ActionName_PreviousSwapLayout)), "Alt+[")},
		{nil, bind(acts(act(pluginpb.ActionName_NextSwapLayout)), "Alt+]")},
		{[]pluginpb.InputMode{normal}, bind(acts(switchTo(normal)), "Enter", "Esc")},
		{[]pluginpb.InputMode{pane}, bind(acts(switchTo(pane)), "Ctrl+p")},
		{[]pluginpb.InputMode{resizeM}, bind(acts(switchTo(resizeM)), "Ctrl+n")},
		{[]pluginpb.InputMode{scroll, session}, bind(acts(switchTo(scroll)), "Ctrl+s")},
		{[]pluginpb.InputMode{session}, bind(acts(switchTo(session)), "Ctrl+o")},
		{[]pluginpb.InputMode{tab}, bind(acts(switchTo(tab)), "Ctrl+t")},
		{[]pluginpb.InputMode{move}, bind(acts(switchTo(move)), "Ctrl+h")},
		{[]pluginpb.InputMode{tmux}, bind(acts(switchTo(tmux)), "Ctrl+b")},
	}

	var out []*pluginpb.InputModeKeybinds
	for _, mode := range allModes {
		var binds []binding
		binds = append(binds, perMode[mode]...)
		if mode != locked {
			for _, s := range shared {
				if !slices.Contains(s.except, mode) {
					binds = append(binds, s.binding)
				}
			}
		}
		// A mode's own binding of a key wins over a shared one.
		imk := &pluginpb.InputModeKeybinds{Mode: mode}
		bound := map[string]bool{}
		for _, b := range binds {
			for _, k := range b.keys {
				pk := mustKey(k)
				id := keyID(pk)
				if bound[id] {
					continue
				}
				bound[id] = true
				imk.KeyBind = append(imk.KeyBind, &pluginpb.KeyBind{Key: pk, Action: b.actions})
			}
		}
		out = append(out, imk)
	}
	return out
}

// keyID identifies a wire key (its canonical encoding).
func keyID(k *pluginpb.Key) string {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(k)
	if err != nil {
		panic(fmt.Sprintf("standalone: marshal key: %v", err))
	}
	return string(b)
}
