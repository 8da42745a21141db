package sdk

import (
	"errors"

	"github.com/tessera-ws/tessera/sdk/pb"
)

// ZellijVersion is the plugin interface version this package implements:
// the version of Zellij's plugin crate whose exports, framing and messages
// it reproduces. The plugin_version export prints it, as Rust plugins print
// their crate version.
const ZellijVersion = "0.45.0"

// Plugin is the state and behaviour of a plugin instance. The host calls
// its methods one at a time, never concurrently.
//
// Embed BasePlugin to implement only the methods a plugin needs.
type Plugin interface {
	// Load is called once, after the instance started, with the plugin's
	// configuration (never nil). Commands such as Subscribe,
	// SetSelectable and RequestPermission are typically issued here.
	Load(config map[string]string)
	// Update receives an event the plugin subscribed to and reports whether
	// the plugin wants to render.
	Update(ev *pb.Event) bool
	// Pipe receives a pipe message (from the CLI, a keybinding or another
	// plugin) and reports whether the plugin wants to render.
	Pipe(msg *pb.PipeMessage) bool
	// Render draws the plugin by writing to os.Stdout: text, SGR colours,
	// cursor moves and the components of package ui. rows and cols are the
	// size of the content area. Each render replaces the previous frame.
	Render(rows, cols int)
}

// BasePlugin implements Plugin with methods that do nothing and never ask
// to render. Embed it in a plugin type to override only some methods.
type BasePlugin struct{}

// Load does nothing.
func (BasePlugin) Load(map[string]string) {}

// Update ignores the event and returns false.
func (BasePlugin) Update(*pb.Event) bool { return false }

// Pipe ignores the message and returns false.
func (BasePlugin) Pipe(*pb.PipeMessage) bool { return false }

// Render draws nothing.
func (BasePlugin) Render(int, int) {}

var registered Plugin

// Register makes p the plugin served by this module's exports. Call it once,
// from an init function: in a WebAssembly reactor module the main function
// never runs.
//
// Register panics if p is nil or a plugin is already registered.
func Register(p Plugin) {
	if p == nil {
		panic("sdk: Register with a nil plugin")
	}
	if registered != nil {
		panic("sdk: Register called twice")
	}
	registered = p
}

// errNoPlugin is the crash cause when the host calls an export and no plugin
// was registered.
var errNoPlugin = errors.New("no plugin registered: call sdk.Register from an init function")

func plugin() Plugin {
	if registered == nil {
		panic(errNoPlugin)
	}
	return registered
}

// readFrame reads one stdin line and returns the message bytes it holds. A
// missing line or a malformed frame is an error: the host must write
// exactly one line before each call that reads one.
//
// Callers decode with the concrete message's Unmarshal method, never through
// an interface, so that the linker keeps only the decoders a plugin uses.
func readFrame(what string) ([]byte, error) {
	line, err := host.readLine()
	if err != nil {
		return nil, wrap("read "+what, err)
	}
	b, err := ParseFrame(line)
	if err != nil {
		return nil, wrap("read "+what, err)
	}
	return b, nil
}

func decodeError(what string, err error) error {
	return wrap("read "+what+": decode", err)
}

// runLoad serves the load export: one configuration line, then Load.
func runLoad() {
	p := plugin()
	b, err := readFrame("configuration")
	if err != nil {
		panic(err)
	}
	var pc pb.PluginConfiguration
	if err := pc.Unmarshal(b); err != nil {
		panic(decodeError("configuration", err))
	}
	cfg := make(map[string]string, len(pc.GetNameAndValue()))
	for _, nv := range pc.GetNameAndValue() {
		cfg[nv.GetName()] = nv.GetValue()
	}
	p.Load(cfg)
}

// runUpdate serves the update export: one event line, then Update.
func runUpdate() int32 {
	p := plugin()
	b, err := readFrame("event")
	if err != nil {
		panic(err)
	}
	ev := new(pb.Event)
	if err := ev.Unmarshal(b); err != nil {
		panic(decodeError("event", err))
	}
	return boolToI32(p.Update(ev))
}

// runPipe serves the pipe export: one pipe message line, then Pipe.
func runPipe() int32 {
	p := plugin()
	b, err := readFrame("pipe message")
	if err != nil {
		panic(err)
	}
	msg := new(pb.PipeMessage)
	if err := msg.Unmarshal(b); err != nil {
		panic(decodeError("pipe message", err))
	}
	return boolToI32(p.Pipe(msg))
}

// runRender serves the render export. Negative sizes from a confused host
// are clamped to zero.
func runRender(rows, cols int32) {
	plugin().Render(int(max(rows, 0)), int(max(cols, 0)))
}

func boolToI32(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
