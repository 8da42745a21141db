package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Action is what a plan does to one address.
type Action string

// Plan actions.
const (
	Create  Action = "create"
	Update  Action = "update"  // in place: the object keeps running
	Replace Action = "replace" // stopped and started again
	Delete  Action = "delete"
)

// Effects say how a changed attribute reaches a running object.
const (
	// EffectInPlace changes bookkeeping only (restart policy, focus, position).
	EffectInPlace = "in-place"
	// EffectReload reloads a plugin with its new configuration.
	EffectReload = "reload"
	// EffectLive applies at once to the running plugin (permissions).
	EffectLive = "live"
	// EffectReplace needs the object stopped and started again.
	EffectReplace = "replace"
	// EffectConfigEvent reaches a running plugin that handles
	// PluginConfigurationChanged: it keeps running with the new config. Only
	// a daemon's plan uses it (it knows what each instance subscribed to).
	EffectConfigEvent = "config-event"
)

// Plan is the ordered list of changes that turn one workspace into another.
type Plan struct {
	Changes []Change    `json:"changes"`
	Summary PlanSummary `json:"summary"`
}

// PlanSummary counts the changes by action.
type PlanSummary struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Replace int `json:"replace"`
	Delete  int `json:"delete"`
}

// Change is the action on one address with its attribute-level changes.
type Change struct {
	Address string `json:"address"`
	// Kind is "plugin", "session", "tab", "pane" or "background_plugin".
	Kind       string       `json:"kind"`
	Action     Action       `json:"action"`
	Attributes []AttrChange `json:"attributes,omitempty"`
}

// AttrChange is one attribute's before → after. The values are JSON values:
// a string, an int, a bool, a []string, or a Mount for mount.* attributes. A
// nil Before is an added attribute and a nil After a removed one. Render
// shows them as HCL (HCL renders a value as it would be written).
type AttrChange struct {
	Name   string `json:"name"`
	Before any    `json:"before"`
	After  any    `json:"after"`
	// Effect is EffectInPlace, EffectReload, EffectLive, EffectReplace or
	// (in a daemon's plan) EffectConfigEvent.
	Effect string `json:"effect"`
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// Diff computes the plan from old to new; either may be nil (an empty
// workspace). Objects are matched by address. Deletions come first, children
// before parents; then creations, updates and replacements in the new
// workspace's order, parents before children.
func Diff(old, new *Workspace) *Plan {
	var oldObjs, newObjs []Object
	if old != nil {
		oldObjs = old.Objects()
	}
	if new != nil {
		newObjs = new.Objects()
	}
	oldBy := make(map[string]Object, len(oldObjs))
	for _, o := range oldObjs {
		oldBy[o.Address] = o
	}
	newBy := make(map[string]bool, len(newObjs))
	for _, o := range newObjs {
		newBy[o.Address] = true
	}
	p := &Plan{Changes: []Change{}}
	for i := len(oldObjs) - 1; i >= 0; i-- {
		o := oldObjs[i]
		if newBy[o.Address] {
			continue
		}
		c := Change{Address: o.Address, Kind: o.Kind, Action: Delete}
		for _, a := range attrsOf(o) {
			c.Attributes = append(c.Attributes, AttrChange{Name: a.name, Before: a.value, Effect: a.effect})
		}
		p.Changes = append(p.Changes, c)
		p.Summary.Delete++
	}
	for _, n := range newObjs {
		o, existed := oldBy[n.Address]
		if !existed {
			c := Change{Address: n.Address, Kind: n.Kind, Action: Create}
			for _, a := range attrsOf(n) {
				c.Attributes = append(c.Attributes, AttrChange{Name: a.name, After: a.value, Effect: a.effect})
			}
			p.Changes = append(p.Changes, c)
			p.Summary.Create++
			continue
		}
		if c, changed := diffObject(o, n); changed {
			if c.Kind == "plugin" {
				// A manifest is a definition: it is updated, and its instances
				// (listed under their own addresses) carry the effects.
				c.Action = Update
			}
			p.Changes = append(p.Changes, c)
			if c.Action == Replace {
				p.Summary.Replace++
			} else {
				p.Summary.Update++
			}
		}
	}
	return p
}

func diffObject(o, n Object) (Change, bool) {
	if o.Position == n.Position && sameObject(o.Value, n.Value) {
		return Change{}, false
	}
	before, after := attrsOf(o), attrsOf(n)
	if o.Position == n.Position && equalAttrs(before, after) {
		return Change{}, false
	}
	c := Change{Address: n.Address, Kind: n.Kind, Action: Update}
	if o.Position != n.Position {
		// Moving a tab or pane keeps it running.
		c.Attributes = append(c.Attributes, AttrChange{Name: "position", Before: o.Position, After: n.Position, Effect: EffectInPlace})
	}
	bm := make(map[string]attr, len(before))
	for _, a := range before {
		bm[a.name] = a
	}
	am := make(map[string]bool, len(after))
	add := func(ac AttrChange) {
		if ac.Effect == EffectReplace {
			c.Action = Replace
		}
		c.Attributes = append(c.Attributes, ac)
	}
	for _, a := range after {
		am[a.name] = true
		b, ok := bm[a.name]
		switch {
		case !ok:
			add(AttrChange{Name: a.name, After: a.value, Effect: a.effect})
		case b.text() != a.text():
			add(AttrChange{Name: a.name, Before: b.value, After: a.value, Effect: a.effect})
		}
	}
	for _, b := range before {
		if !am[b.name] {
			add(AttrChange{Name: b.name, Before: b.value, Effect: b.effect})
		}
	}
	return c, len(c.Attributes) > 0
}

// attr is one attribute of an object: its value (see AttrChange) and the
// effect of a change.
type attr struct {
	name   string
	value  any
	effect string
}

// text is the attribute's value as HCL: what Render shows, and what
// comparisons and hashes use.
func (a attr) text() string { return hclText(a.value) }

// hclText renders a plan value as HCL. A read-only mount shows its flag
// after the path.
func hclText(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	case []string:
		return renderList(v)
	case Mount:
		s := strconv.Quote(v.Source)
		if v.ReadOnly {
			s += " (read-only)"
		}
		return s
	}
	return fmt.Sprint(v)
}

func equalAttrs(a, b []attr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].name != b[i].name || a[i].text() != b[i].text() {
			return false
		}
	}
	return true
}

func hashAttrs(as []attr) string {
	h := sha256.New()
	for _, a := range as {
		h.Write([]byte(a.name))
		h.Write([]byte{0})
		h.Write([]byte(a.text()))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Hash is the object's identity hash: a digest of all its attributes (not its
// children). Two objects with the same address and hash need no change.
func (o Object) Hash() string { return hashAttrs(attrsOf(o))[:16] }

// attrsOf flattens an object into named, rendered attributes with the effect
// a change of each would have. Maps are flattened per key (config.theme).
func attrsOf(o Object) []attr {
	as := make([]attr, 0, 16)
	put := func(name string, value any, effect string) { as = append(as, attr{name, value, effect}) }
	str := func(name, v, effect string) {
		if v != "" {
			put(name, v, effect)
		}
	}
	list := func(name string, vs []string, effect string) {
		if len(vs) > 0 {
			put(name, vs, effect)
		}
	}
	mp := func(prefix string, m map[string]string, effect string) {
		for _, k := range sortedKeys(m) {
			put(prefix+"."+k, m[k], effect)
		}
	}
	plugin := func(src Source, cfg map[string]string, perms, inherit []string, env map[string]string, mounts []Mount, lim Limits, rs Restart) {
		str("source", src.URL(), EffectReplace)
		str("sha256", src.SHA256, EffectReplace)
		mp("config", cfg, EffectReload)
		list("permissions", perms, EffectLive)
		list("inherit_env", inherit, EffectReplace)
		mp("env", env, EffectReplace)
		for _, m := range mounts {
			put("mount."+m.Guest, m, EffectReplace)
		}
		if lim.MemoryBytes > 0 {
			put("limits.memory", formatSize(lim.MemoryBytes), EffectReplace)
		}
		if lim.CallTimeout > 0 {
			put("limits.call_timeout", time.Duration(lim.CallTimeout).String(), EffectReplace)
		}
		if lim.CommandsPerSecond > 0 {
			put("limits.commands_per_second", lim.CommandsPerSecond, EffectReplace)
		}
		str("restart.policy", rs.Policy, EffectInPlace)
		if rs.MaxRestarts > 0 {
			put("restart.max_restarts", rs.MaxRestarts, EffectInPlace)
		}
		if rs.Backoff > 0 {
			put("restart.backoff", time.Duration(rs.Backoff).String(), EffectInPlace)
		}
	}
	switch v := o.Value.(type) {
	case *Plugin:
		plugin(v.Source, v.Config, v.Permissions, v.InheritEnv, v.Env, v.Mounts, v.Limits, v.Restart)
	case *PluginInstance:
		str("manifest", v.Manifest, EffectInPlace)
		plugin(v.Source, v.Config, v.Permissions, v.InheritEnv, v.Env, v.Mounts, v.Limits, v.Restart)
	case *Session:
		str("cwd", v.Cwd, EffectInPlace)
		mp("env", v.Env, EffectInPlace)
		str("focus_tab", v.FocusTab, EffectInPlace)
	case *Tab:
		str("cwd", v.Cwd, EffectInPlace)
		str("template", v.Template, EffectInPlace)
		str("focus_pane", v.FocusPane, EffectInPlace)
	case *Pane:
		put("kind", v.Kind, EffectReplace)
		str("template", v.Template, EffectInPlace)
		if t := v.Terminal; t != nil {
			str("command", t.Command, EffectReplace)
			list("args", t.Args, EffectReplace)
			str("cwd", t.Cwd, EffectReplace)
			mp("env", t.Env, EffectReplace)
			str("restart", t.Restart, EffectInPlace)
			if t.CloseOnExit {
				put("close_on_exit", true, EffectInPlace)
			}
			if t.StartSuspended {
				put("start_suspended", true, EffectInPlace)
			}
		}
		if pi := v.Plugin; pi != nil {
			str("manifest", pi.Manifest, EffectInPlace)
			plugin(pi.Source, pi.Config, pi.Permissions, pi.InheritEnv, pi.Env, pi.Mounts, pi.Limits, pi.Restart)
		}
	}
	return as
}

func renderList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

var actionHeader = map[Action]struct{ symbol, phrase string }{
	Create:  {"  +", "will be created"},
	Update:  {"  ~", "will be updated in place"},
	Replace: {"-/+", "must be replaced"},
	Delete:  {"  -", "will be deleted"},
}

var effectNote = map[string]string{
	EffectReplace:     "forces replacement",
	EffectReload:      "reload with the new config",
	EffectLive:        "applied live",
	EffectInPlace:     "in place",
	EffectConfigEvent: "update in place (PluginConfigurationChanged)",
}

var manifestNote = map[string]string{
	EffectReplace: "instances are replaced",
	EffectReload:  "instances reload with the new config",
	EffectLive:    "applied live to instances",
	EffectInPlace: "in place",
}

// Render writes the plan in the style of terraform plan: one block per
// address with + (create), ~ (update in place), -/+ (replace), - (delete),
// then a summary line.
func (p *Plan) Render(w io.Writer) error {
	var sb strings.Builder
	if p.Empty() {
		sb.WriteString("No changes. The workspace already matches the configuration.\n")
		_, err := io.WriteString(w, sb.String())
		return err
	}
	sb.WriteString("Tessera will perform the following actions:\n")
	for _, c := range p.Changes {
		h := actionHeader[c.Action]
		what := c.Kind
		if c.Kind == "plugin" {
			what = "plugin manifest"
		}
		fmt.Fprintf(&sb, "\n  # %s (%s) %s\n%s %s {\n", c.Address, what, h.phrase, h.symbol, c.Address)
		width := 0
		for _, a := range c.Attributes {
			width = max(width, len(a.Name))
		}
		lines := make([]string, len(c.Attributes))
		lineWidth := 0
		for i, a := range c.Attributes {
			pad := strings.Repeat(" ", width-len(a.Name))
			switch {
			case a.Before == nil:
				lines[i] = fmt.Sprintf("      + %s%s = %s", a.Name, pad, hclText(a.After))
			case a.After == nil:
				lines[i] = fmt.Sprintf("      - %s%s = %s", a.Name, pad, hclText(a.Before))
			default:
				lines[i] = fmt.Sprintf("      ~ %s%s = %s -> %s", a.Name, pad, hclText(a.Before), hclText(a.After))
			}
			if len(lines[i]) <= 72 {
				lineWidth = max(lineWidth, len(lines[i]))
			}
		}
		for i, a := range c.Attributes {
			sb.WriteString(lines[i])
			if c.Action == Update || c.Action == Replace {
				note := effectNote[a.Effect]
				if c.Kind == "plugin" {
					note = manifestNote[a.Effect]
				}
				fmt.Fprintf(&sb, "%s  # %s", strings.Repeat(" ", max(0, lineWidth-len(lines[i]))), note)
			}
			sb.WriteString("\n")
		}
		sb.WriteString("    }\n")
	}
	s := p.Summary
	fmt.Fprintf(&sb, "\nPlan: %d to create, %d to update in place, %d to replace, %d to delete.\n", s.Create, s.Update, s.Replace, s.Delete)
	_, err := io.WriteString(w, sb.String())
	return err
}

// JSON returns the plan's JSON encoding (indented).
func (p *Plan) JSON() []byte {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		panic("config: encoding plan: " + err.Error()) // only plain types: cannot fail
	}
	return b
}

// sameObject is a fast equality of two objects' attributes (not children),
// equivalent to comparing attrsOf without building it.
func sameObject(a, b any) bool {
	switch x := a.(type) {
	case *Plugin:
		y, ok := b.(*Plugin)
		return ok && x.Source == y.Source && maps.Equal(x.Config, y.Config) && slices.Equal(x.Permissions, y.Permissions) &&
			slices.Equal(x.InheritEnv, y.InheritEnv) && maps.Equal(x.Env, y.Env) && slices.Equal(x.Mounts, y.Mounts) &&
			x.Limits == y.Limits && x.Restart == y.Restart
	case *PluginInstance:
		y, ok := b.(*PluginInstance)
		return ok && sameInstance(x, y)
	case *Session:
		y, ok := b.(*Session)
		return ok && x.Cwd == y.Cwd && x.FocusTab == y.FocusTab && maps.Equal(x.Env, y.Env)
	case *Tab:
		y, ok := b.(*Tab)
		return ok && x.Cwd == y.Cwd && x.Template == y.Template && x.FocusPane == y.FocusPane
	case *Pane:
		y, ok := b.(*Pane)
		if !ok || x.Kind != y.Kind || x.Template != y.Template || (x.Terminal == nil) != (y.Terminal == nil) || (x.Plugin == nil) != (y.Plugin == nil) {
			return false
		}
		if t, u := x.Terminal, y.Terminal; t != nil {
			if t.Command != u.Command || !slices.Equal(t.Args, u.Args) || t.Cwd != u.Cwd || !maps.Equal(t.Env, u.Env) ||
				t.Restart != u.Restart || t.CloseOnExit != u.CloseOnExit || t.StartSuspended != u.StartSuspended {
				return false
			}
		}
		return x.Plugin == nil || sameInstance(x.Plugin, y.Plugin)
	}
	return false
}

func sameInstance(x, y *PluginInstance) bool {
	return x.Manifest == y.Manifest && x.Source == y.Source && maps.Equal(x.Config, y.Config) &&
		slices.Equal(x.Permissions, y.Permissions) && slices.Equal(x.InheritEnv, y.InheritEnv) && maps.Equal(x.Env, y.Env) &&
		slices.Equal(x.Mounts, y.Mounts) && x.Limits == y.Limits && x.Restart == y.Restart
}
