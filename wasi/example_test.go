package wasi

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// A host loads a plugin, renders it and serves its commands through a
// Dispatcher. The module here is a hand-assembled minimal plugin.
func ExampleHost_Load() {
	ctx := context.Background()
	h, err := NewHost(ctx, HostConfig{NoDiskCache: true, Engine: EngineCompiler})
	if err != nil {
		panic(err)
	}
	defer h.Close(ctx)

	wasm := tinyModule([]string{"_start"}, returnOne, "hello\n", true)
	p, err := h.Load(ctx, wasm, PluginConfig{
		ID: 1, ClientID: 1, URL: "file:/plugins/hello.wasm",
		Dispatcher: DispatcherFunc(func(ctx context.Context, c *CommandContext, cmd *pluginpb.PluginCommand) (proto.Message, error) {
			// Commands the host does not own arrive here, after the
			// permission gate; reply-bearing ones get the returned message.
			return nil, nil
		}),
	})
	if err != nil {
		panic(err)
	}
	defer p.Close(ctx)

	frame, err := p.Render(ctx, 1, 20)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q on the %s\n", ToTerminal(frame), p.Engine())
	// Output: "hello\n\r" on the compiler
}
