package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Workspace is the resolved, validated model of a workspace configuration:
// variables, locals, templates and functions have all been evaluated, every
// path is resolved against the file that declares it, and every object carries
// its stable address.
//
// A Workspace is returned only when loading produced no error diagnostics.
// It is never modified after Load returns and must be treated as read-only by
// its users; it may be shared between goroutines.
type Workspace struct {
	// Files are the configuration files the workspace was loaded from, in load order.
	Files []string `json:"files"`
	// Plugins are the plugin manifests, sorted by name.
	Plugins []*Plugin `json:"plugins,omitempty"`
	// Sessions are the sessions in declaration order.
	Sessions []*Session `json:"sessions,omitempty"`
}

// Plugin is a plugin manifest: a reusable plugin definition (address plugin.NAME).
type Plugin struct {
	Address string `json:"address"`
	Name    string `json:"name"`
	Source  Source `json:"source"`
	// Config is the manifest's configuration, sent to every instance and
	// overlaid by each instance's own config.
	Config map[string]string `json:"config,omitempty"`
	// Permissions are pre-granted permission names (see Permissions), sorted.
	Permissions []string `json:"permissions,omitempty"`
	// InheritEnv lists the daemon environment variables passed through, sorted.
	InheritEnv []string `json:"inherit_env,omitempty"`
	// Env are explicit environment values; they win over InheritEnv.
	Env     map[string]string `json:"env,omitempty"`
	Mounts  []Mount           `json:"mounts,omitempty"`
	Limits  Limits            `json:"limits"`
	Restart Restart           `json:"restart"`

	Range hcl.Range `json:"-"`
	// SourceRange is the range of the source expression, for diagnostics
	// about the plugin file (CheckSources).
	SourceRange hcl.Range `json:"-"`
}

// Source is where a plugin's wasm comes from.
type Source struct {
	// Kind is one of "file", "https", "builtin" or "zellij".
	Kind string `json:"kind"`
	// Location is the resolved path (file), the URL (https) or the name (builtin, zellij).
	Location string `json:"location"`
	// SHA256 pins the module's digest; required for https.
	SHA256 string `json:"sha256,omitempty"`
}

// URL is the source's display form: file:/abs/path.wasm, https://…,
// builtin:NAME or zellij:NAME.
func (s Source) URL() string {
	switch s.Kind {
	case SourceHTTPS:
		return s.Location
	case "":
		return ""
	}
	return s.Kind + ":" + s.Location
}

// Mount maps a guest directory to a host directory.
type Mount struct {
	// Guest is one of /host, /data, /cache, /tmp.
	Guest string `json:"guest"`
	// Source is the host directory; "" lets the daemon choose its default
	// (the session's cwd for /host, per-plugin XDG directories for the rest).
	Source   string `json:"source,omitempty"`
	ReadOnly bool   `json:"read_only,omitempty"`
}

// Limits bound a plugin's resources; zero values mean the daemon's defaults.
type Limits struct {
	MemoryBytes       uint64   `json:"memory_bytes,omitempty"`
	CallTimeout       Duration `json:"call_timeout,omitempty"`
	CommandsPerSecond int      `json:"commands_per_second,omitempty"`
}

// Restart is a restart policy.
type Restart struct {
	// Policy is "never", "on-failure" or "always".
	Policy string `json:"policy"`
	// MaxRestarts caps consecutive restarts; 0 means no cap.
	MaxRestarts int `json:"max_restarts,omitempty"`
	// Backoff is the delay before the first restart (doubled each time).
	Backoff Duration `json:"backoff,omitempty"`
}

// Duration is a time.Duration that encodes to JSON as a string like "250ms".
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// Session is a session: tabs and background plugins (address session.NAME).
type Session struct {
	Address string `json:"address"`
	Name    string `json:"name"`
	// Cwd is the session's working directory (default: the directory of the file).
	Cwd               string            `json:"cwd"`
	Env               map[string]string `json:"env,omitempty"`
	Tabs              []*Tab            `json:"tabs,omitempty"`
	BackgroundPlugins []*PluginInstance `json:"background_plugins,omitempty"`
	// FocusTab is the name of the tab focused at start.
	FocusTab string `json:"focus_tab,omitempty"`

	Range hcl.Range `json:"-"`
}

// Tab is a tab of a session (address session.S.tab.NAME).
type Tab struct {
	Address string  `json:"address"`
	Name    string  `json:"name"`
	Cwd     string  `json:"cwd"`
	Panes   []*Pane `json:"panes,omitempty"`
	// FocusPane is the name of the pane focused at start.
	FocusPane string `json:"focus_pane,omitempty"`
	// Template is the tab_template it was built from, if any.
	Template string `json:"template,omitempty"`

	Range hcl.Range `json:"-"`
}

// Pane kinds.
const (
	PaneTerminal = "terminal"
	PanePlugin   = "plugin"
)

// Pane is a terminal or plugin pane (address session.S.tab.T.pane.NAME).
// Exactly one of Terminal and Plugin is set, according to Kind.
type Pane struct {
	Address  string          `json:"address"`
	Name     string          `json:"name"`
	Kind     string          `json:"kind"`
	Terminal *TerminalPane   `json:"terminal,omitempty"`
	Plugin   *PluginInstance `json:"plugin,omitempty"`
	// Template is the pane_template it was built from, if any.
	Template string `json:"template,omitempty"`

	Range hcl.Range `json:"-"`
}

// TerminalPane is a command running on a pty. Cwd and Env are effective
// values: session, tab and pane settings merged.
type TerminalPane struct {
	// Command is the program; "" runs the user's login shell.
	Command        string            `json:"command,omitempty"`
	Args           []string          `json:"args,omitempty"`
	Cwd            string            `json:"cwd"`
	Env            map[string]string `json:"env,omitempty"`
	Restart        string            `json:"restart"`
	CloseOnExit    bool              `json:"close_on_exit,omitempty"`
	StartSuspended bool              `json:"start_suspended,omitempty"`
}

// PluginInstance is a running plugin: a manifest plus per-instance config.
// Its identity (source plus merged configuration, the plugin ABI's uniqueness
// rule) is Identity.
type PluginInstance struct {
	// Address is the instance's own address (a pane or background plugin).
	Address string `json:"address"`
	// Manifest is the plugin manifest's name; "" for an inline source.
	Manifest string `json:"manifest,omitempty"`
	Source   Source `json:"source"`
	// Config is the manifest's config overlaid with the instance's.
	Config      map[string]string `json:"config,omitempty"`
	Permissions []string          `json:"permissions,omitempty"`
	InheritEnv  []string          `json:"inherit_env,omitempty"`
	Env         map[string]string `json:"env,omitempty"`
	Mounts      []Mount           `json:"mounts,omitempty"`
	Limits      Limits            `json:"limits"`
	Restart     Restart           `json:"restart"`
	// Identity is a hash of Source.URL() and Config.
	Identity string `json:"identity"`

	Range hcl.Range `json:"-"`
	// SourceRange is the range of the source expression (the manifest's
	// for an instance of a manifest).
	SourceRange hcl.Range `json:"-"`
}

// Objects returns every addressable object of the workspace in a stable
// order: plugins, then each session followed by its tabs, panes and
// background plugins.
func (w *Workspace) Objects() []Object {
	var out []Object
	for _, p := range w.Plugins {
		out = append(out, Object{Address: p.Address, Kind: "plugin", Value: p})
	}
	for _, s := range w.Sessions {
		out = append(out, Object{Address: s.Address, Kind: "session", Value: s})
		for i, t := range s.Tabs {
			out = append(out, Object{Address: t.Address, Kind: "tab", Value: t, Position: i})
			for j, p := range t.Panes {
				out = append(out, Object{Address: p.Address, Kind: "pane", Value: p, Position: j})
			}
		}
		for _, b := range s.BackgroundPlugins {
			out = append(out, Object{Address: b.Address, Kind: "background_plugin", Value: b})
		}
	}
	return out
}

// Object is one addressable object of a Workspace.
type Object struct {
	Address string
	// Kind is "plugin", "session", "tab", "pane" or "background_plugin".
	Kind string
	// Value is a *Plugin, *Session, *Tab, *Pane or *PluginInstance.
	Value any
	// Position is a tab's index in its session or a pane's in its tab (0 otherwise).
	Position int
}

// Lookup returns the object at address, or false.
func (w *Workspace) Lookup(address string) (Object, bool) {
	for _, o := range w.Objects() {
		if o.Address == address {
			return o, true
		}
	}
	return Object{}, false
}

// JSON returns the workspace's canonical JSON encoding (indented, map keys sorted).
func (w *Workspace) JSON() []byte {
	b, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		panic("config: encoding workspace: " + err.Error()) // only plain types: cannot fail
	}
	return b
}

func instanceIdentity(src Source, cfg map[string]string) string {
	h := sha256.New()
	h.Write([]byte(src.URL()))
	h.Write([]byte{0})
	h.Write([]byte(src.SHA256))
	for _, k := range sortedKeys(cfg) {
		h.Write([]byte{0})
		h.Write([]byte(k))
		h.Write([]byte{'='})
		h.Write([]byte(cfg[k]))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// InstanceIdentity is the identity of a plugin instance of src with the
// configuration cfg (see PluginInstance.Identity), for instances created at
// run time.
func InstanceIdentity(src Source, cfg map[string]string) string {
	return instanceIdentity(src, cfg)
}
