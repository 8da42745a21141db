//go:build wasip1

// Command reconf is a test guest for configuration changes: it draws its
// configuration key greeting, how many PluginConfigurationChanged events it
// handled and the plugin id the host gave it. Unless its configuration says
// live = "no", it subscribes to PluginConfigurationChanged and re-reads its
// configuration from the event, as third-party plugins do.
package main

import (
	"fmt"
	"os"

	"github.com/tessera-ws/tessera/sdk"
	"github.com/tessera-ws/tessera/sdk/pb"
)

func init() { sdk.Register(&reconf{}) }

func main() {}

type reconf struct {
	sdk.BasePlugin
	greeting string
	changes  int
	id       int32
}

func (r *reconf) Load(cfg map[string]string) {
	r.greeting = cfg["greeting"]
	r.id = sdk.GetPluginIds().GetPluginId()
	if cfg["live"] != "no" {
		sdk.Subscribe(pb.EventType_PluginConfigurationChanged)
	}
}

func (r *reconf) Update(ev *pb.Event) bool {
	if ev.GetName() != pb.EventType_PluginConfigurationChanged {
		return false
	}
	r.changes++
	r.greeting = ""
	for _, it := range ev.GetPluginConfigurationChangedPayload().GetConfiguration() {
		if it.GetName() == "greeting" {
			r.greeting = it.GetValue()
		}
	}
	return true
}

func (r *reconf) Render(rows, cols int) {
	fmt.Fprintf(os.Stdout, "greeting=%s changes=%d id=%d\n", r.greeting, r.changes, r.id)
}
