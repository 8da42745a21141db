package config

import (
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

type paramDecl struct {
	name    string
	content *hcl.BodyContent
	rng     hcl.Range
}

type paneTemplate struct {
	name    string
	block   *hcl.Block
	content *hcl.BodyContent
	params  []*paramDecl
	used    bool
}

type tabTemplate struct {
	name   string
	block  *hcl.Block
	params []*paramDecl
	used   bool
}

var paramOnlySchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: blockParam, LabelNames: []string{"name"}}}}

func (l *loader) declareParams(blocks hcl.Blocks) []*paramDecl {
	var out []*paramDecl
	seen := map[string]hcl.Range{}
	for _, pb := range blocks {
		if pb.Type != blockParam {
			continue
		}
		name := pb.Labels[0]
		if !validName(name) {
			l.errorf(&pb.LabelRanges[0], "Invalid name", "%s", invalidNameDetail(name, "param"))
			continue
		}
		if prev, dup := seen[name]; dup {
			l.errorf(&pb.LabelRanges[0], "Duplicate param", "param %q is already declared at %s.", name, rangeString(prev))
			continue
		}
		seen[name] = pb.DefRange
		c, diags := pb.Body.Content(paramSchema)
		l.diags = append(l.diags, diags...)
		out = append(out, &paramDecl{name: name, content: c, rng: pb.DefRange})
	}
	return out
}

func (l *loader) declarePaneTemplate(name string, b *hcl.Block) *paneTemplate {
	c, diags := b.Body.Content(paneTemplateSchema)
	l.diags = append(l.diags, diags...)
	return &paneTemplate{name: name, block: b, content: c, params: l.declareParams(c.Blocks)}
}

func (l *loader) declareTabTemplate(name string, b *hcl.Block) *tabTemplate {
	c, _, diags := b.Body.PartialContent(paramOnlySchema)
	l.diags = append(l.diags, diags...)
	// Check the schema now, so that a template no tab uses is checked too
	// (a body with dynamic blocks is checked when a tab expands it). The
	// same diagnostics from later uses are dropped as duplicates.
	if expand(b.Body, nil) == b.Body {
		full, diags := b.Body.Content(tabTemplateSchema)
		l.diags = append(l.diags, diags...)
		for _, pb := range full.Blocks {
			switch pb.Type {
			case blockPane:
				_, diags = pb.Body.Content(paneSchema)
			case blockPluginPane:
				_, diags = pb.Body.Content(pluginPaneSchema)
			default:
				continue
			}
			l.diags = append(l.diags, diags...)
		}
	}
	return &tabTemplate{name: name, block: b, params: l.declareParams(c.Blocks)}
}

// templateScope evaluates an instance's params against a template's declared
// params and returns the scope the template body is evaluated in.
func (l *loader) templateScope(kind, tmpl string, decls []*paramDecl, paramsAttr *hcl.Attribute, sc scope, use hcl.Range) scope {
	given := map[string]cty.Value{}
	givenRange := use
	if paramsAttr != nil {
		givenRange = paramsAttr.Expr.Range()
		if v, ok := l.eval(paramsAttr.Expr, sc.ctx, sc.params); ok && !v.IsNull() {
			if !(v.Type().IsObjectType() || v.Type().IsMapType()) {
				l.errorf(&givenRange, "Invalid value for params", "params must be an object, as in params = { pkg = \"./...\" }.")
			} else {
				for it := v.ElementIterator(); it.Next(); {
					k, e := it.Element()
					given[k.AsString()] = e
				}
			}
		}
	}
	var names []string
	for _, d := range decls {
		names = append(names, d.name)
	}
	for _, k := range sortedKeys(given) {
		if !contains(names, k) {
			l.errorf(&givenRange, "Unknown template parameter", "%s.%s has no param %q.%s Its params are: %s.", kind, tmpl, k, didYouMean(k, names), listOrNone(names))
		}
	}
	vals := map[string]cty.Value{}
	for _, d := range decls {
		var direct *cty.Value
		if v, ok := given[d.name]; ok {
			direct = &v
		}
		v, ok := l.declaredValue(d.name, "param", d.content, givenRange, nil, direct)
		if !ok {
			v = cty.DynamicVal
		}
		vals[d.name] = v
	}
	ctx := l.ctx.NewChild()
	ctx.Variables = map[string]cty.Value{"param": cty.ObjectVal(vals)}
	return scope{ctx: ctx, params: vals}
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// ref resolves a reference such as plugin.notes to the name "notes".
func (l *loader) ref(a *hcl.Attribute, kind string, declared []string) (string, bool) {
	t, diags := hcl.AbsTraversalForExpr(a.Expr)
	r := a.Expr.Range()
	if diags.HasErrors() || len(t) != 2 || t.RootName() != kind {
		hint := ""
		if kind == blockPlugin {
			hint = " To use a plugin without a manifest, write source = \"…\" instead."
		}
		l.errorf(&r, "Invalid reference", "%s must be a reference to a %s block, written without quotes, as in %s = %s.NAME.%s", a.Name, kind, a.Name, kind, hint)
		return "", false
	}
	name := t[1].(hcl.TraverseAttr).Name
	if !contains(declared, name) {
		l.errorf(&r, "Reference to undeclared "+kind, "There is no %s block named %q.%s", kind, name, didYouMean(name, declared))
		return "", false
	}
	return name, true
}

func (l *loader) decodePlugin(name string, b *hcl.Block) *Plugin {
	errs := len(l.diags)
	c, diags := b.Body.Content(pluginSchema)
	l.diags = append(l.diags, diags...)
	sc := l.rootScope()
	p := &Plugin{Address: "plugin." + name, Name: name, Range: b.DefRange}
	p.Source = l.source(c.Attributes["source"], c.Attributes["sha256"], sc, b.DefRange)
	if a := c.Attributes["source"]; a != nil {
		p.SourceRange = a.Expr.Range()
	}
	if cfg, ok := l.strMap(c.Attributes["config"], sc); ok {
		l.checkConfigKeys(c.Attributes["config"], cfg)
		p.Config = cfg
	}
	if a := c.Attributes["permissions"]; a != nil {
		if perms, ok := l.strList(a, sc); ok {
			seen := map[string]bool{}
			for _, perm := range perms {
				r := a.Expr.Range()
				if !isPermission(perm) {
					l.errorf(&r, "Unknown permission", "%q is not a plugin permission.%s The permissions are: %s.", perm, didYouMean(perm, Permissions[:]), strings.Join(Permissions[:], ", "))
					continue
				}
				if seen[perm] {
					l.warnf(&r, "Duplicate permission", "%q is listed twice; remove one.", perm)
					continue
				}
				seen[perm] = true
				p.Permissions = append(p.Permissions, perm)
			}
			sort.Strings(p.Permissions)
		}
	}
	if a := c.Attributes["inherit_env"]; a != nil {
		if names, ok := l.strList(a, sc); ok {
			for _, n := range names {
				if !envNameRE.MatchString(n) {
					r := a.Expr.Range()
					l.errorf(&r, "Invalid environment variable name", "%q is not an environment variable name: use letters, digits and underscores.", n)
					continue
				}
				if !contains(p.InheritEnv, n) {
					p.InheritEnv = append(p.InheritEnv, n)
				}
			}
			sort.Strings(p.InheritEnv)
		}
	}
	p.Env = l.env(c.Attributes["env"], sc)
	for _, mb := range c.Blocks.OfType(blockMount) {
		guest := mb.Labels[0]
		if !contains(MountPoints[:], guest) {
			l.errorf(&mb.LabelRanges[0], "Invalid mount point", "A plugin can mount only %s, not %q.%s", strings.Join(MountPoints[:], ", "), guest, didYouMean(guest, MountPoints[:]))
			continue
		}
		dup := false
		for _, m := range p.Mounts {
			dup = dup || m.Guest == guest
		}
		if dup {
			l.errorf(&mb.LabelRanges[0], "Duplicate mount", "%s is mounted twice in plugin %q; keep one mount block per guest path.", guest, name)
			continue
		}
		mc, diags := mb.Body.Content(mountSchema)
		l.diags = append(l.diags, diags...)
		m := Mount{Guest: guest}
		if s, ok := l.str(mc.Attributes["source"], sc); ok {
			m.Source = resolvePath(l.baseDir(mb.DefRange), s)
		}
		m.ReadOnly, _ = l.boolean(mc.Attributes["read_only"], sc)
		p.Mounts = append(p.Mounts, m)
	}
	sort.Slice(p.Mounts, func(i, j int) bool { return p.Mounts[i].Guest < p.Mounts[j].Guest })
	if bs := c.Blocks.OfType(blockLimits); len(bs) > 0 {
		for _, extra := range bs[1:] {
			l.errorf(&extra.DefRange, "Duplicate limits block", "Plugin %q has more than one limits block; merge them into one.", name)
		}
		lc, diags := bs[0].Body.Content(limitsSchema)
		l.diags = append(l.diags, diags...)
		if a := lc.Attributes["memory"]; a != nil {
			if s, ok := l.str(a, sc); ok {
				n, err := parseSize(s)
				r := a.Expr.Range()
				switch {
				case err != nil:
					l.errorf(&r, "Invalid size", "memory: %v. Write a size such as \"64MiB\".", err)
				case n < 64<<10 || n > 4<<30:
					l.errorf(&r, "Invalid size", "memory must be between 64KiB (one wasm page) and 4GiB, not %s.", s)
				default:
					p.Limits.MemoryBytes = n
				}
			}
		}
		p.Limits.CallTimeout = Duration(l.duration(lc.Attributes["call_timeout"], sc))
		if n, ok := l.integer(lc.Attributes["commands_per_second"], sc, 1, 1_000_000); ok {
			p.Limits.CommandsPerSecond = int(n)
		}
	}
	p.Restart = Restart{Policy: RestartOnFailure}
	if bs := c.Blocks.OfType(blockRestart); len(bs) > 0 {
		for _, extra := range bs[1:] {
			l.errorf(&extra.DefRange, "Duplicate restart block", "Plugin %q has more than one restart block; keep one.", name)
		}
		rc, diags := bs[0].Body.Content(restartSchema)
		l.diags = append(l.diags, diags...)
		if pol, ok := l.restartPolicy(rc.Attributes["policy"], sc); ok {
			p.Restart.Policy = pol
		}
		if n, ok := l.integer(rc.Attributes["max_restarts"], sc, 0, 1_000_000); ok {
			p.Restart.MaxRestarts = int(n)
		}
		p.Restart.Backoff = Duration(l.duration(rc.Attributes["backoff"], sc))
	}
	if len(l.diags) > errs && hcl.Diagnostics(l.diags[errs:]).HasErrors() {
		return nil
	}
	return p
}

func (l *loader) duration(a *hcl.Attribute, sc scope) (d time.Duration) {
	s, ok := l.str(a, sc)
	if !ok {
		return 0
	}
	v, err := parseDuration(s)
	if err != nil {
		r := a.Expr.Range()
		l.errorf(&r, "Invalid duration", "%s: %v.", a.Name, err)
		return 0
	}
	return v
}

func (l *loader) restartPolicy(a *hcl.Attribute, sc scope) (string, bool) {
	s, ok := l.str(a, sc)
	if !ok {
		return "", false
	}
	if !contains(restartPolicies, s) {
		r := a.Expr.Range()
		l.errorf(&r, "Invalid restart policy", "%q is not a restart policy: use \"never\", \"on-failure\" or \"always\".%s", s, didYouMean(s, restartPolicies))
		return "", false
	}
	return s, true
}

func (l *loader) env(a *hcl.Attribute, sc scope) map[string]string {
	m, ok := l.strMap(a, sc)
	if !ok {
		return nil
	}
	for _, k := range sortedKeys(m) {
		if !envNameRE.MatchString(k) {
			r := a.Expr.Range()
			l.errorf(&r, "Invalid environment variable name", "%q is not an environment variable name: use letters, digits and underscores.", k)
		}
	}
	return m
}

func (l *loader) checkConfigKeys(a *hcl.Attribute, cfg map[string]string) {
	for _, k := range sortedKeys(cfg) {
		if contains(ReservedConfigKeys[:], k) {
			r := a.Expr.Range()
			l.errorf(&r, "Reserved configuration key", "%q is reserved by the plugin interface and removed before the plugin sees its configuration; rename the key.", k)
		}
	}
}

func (l *loader) source(a, shaAttr *hcl.Attribute, sc scope, def hcl.Range) Source {
	raw, ok := l.str(a, sc)
	if !ok {
		return Source{}
	}
	sha, _ := l.str(shaAttr, sc)
	src, summary, detail := parseSource(raw, sha, l.baseDir(a.Range), l.opts.Builtins)
	if summary != "" {
		r := a.Expr.Range()
		if summary == "Invalid sha256" && shaAttr != nil {
			r = shaAttr.Expr.Range()
		}
		l.errorf(&r, summary, "%s", detail)
	}
	return src
}

// place carries what a pane inherits from its session and tab.
type place struct {
	address string
	cwd     string
	env     map[string]string
}

func (l *loader) decodeSession(name string, b *hcl.Block) *Session {
	sc := l.rootScope()
	c, diags := expand(b.Body, sc.ctx).Content(sessionSchema)
	l.diags = append(l.diags, diags...)
	s := &Session{Address: "session." + name, Name: name, Range: b.DefRange}
	s.Cwd = l.root
	if cwd, ok := l.str(c.Attributes["cwd"], sc); ok {
		s.Cwd = resolvePath(l.baseDir(c.Attributes["cwd"].Range), cwd)
	}
	s.Env = l.env(c.Attributes["env"], sc)
	seenTabs := map[string]hcl.Range{}
	var focusRange *hcl.Range
	for _, tb := range c.Blocks.OfType(blockTab) {
		tname := tb.Labels[0]
		if !l.checkChildName(tb, "tab", "session "+name, seenTabs) {
			continue
		}
		t, focus := l.decodeTab(tname, tb, sc, place{address: s.Address + ".tab." + tname, cwd: s.Cwd, env: s.Env})
		if t == nil {
			continue
		}
		if focus != nil {
			if focusRange != nil {
				l.errorf(focus, "Several focused tabs", "Tab %q and the tab declared at %s both set focus = true; a session focuses one tab.", tname, rangeString(*focusRange))
			} else {
				focusRange, s.FocusTab = focus, tname
			}
		}
		s.Tabs = append(s.Tabs, t)
	}
	seenBg := map[string]hcl.Range{}
	for _, bb := range c.Blocks.OfType(blockBackgroundPlugin) {
		if !l.checkChildName(bb, "background_plugin", "session "+name, seenBg) {
			continue
		}
		bc, diags := bb.Body.Content(backgroundPluginSchema)
		l.diags = append(l.diags, diags...)
		if inst := l.instance(bc, sc, s.Address+".background_plugin."+bb.Labels[0], bb.DefRange); inst != nil {
			s.BackgroundPlugins = append(s.BackgroundPlugins, inst)
		}
	}
	if len(c.Blocks.OfType(blockTab)) == 0 {
		l.errorf(&b.DefRange, "Session without tabs", "Session %q has no tab. Add one, for example tab \"main\" { pane \"shell\" {} }.", name)
	}
	if s.FocusTab == "" && len(s.Tabs) > 0 {
		s.FocusTab = s.Tabs[0].Name
	}
	return s
}

// checkChildName checks a nested block's name and its uniqueness among its siblings.
func (l *loader) checkChildName(b *hcl.Block, kind, parent string, seen map[string]hcl.Range) bool {
	name := b.Labels[0]
	if !validName(name) {
		l.errorf(&b.LabelRanges[0], "Invalid name", "%s", invalidNameDetail(name, kind))
		return false
	}
	if prev, dup := seen[name]; dup {
		l.errorf(&b.LabelRanges[0], "Duplicate "+kind, "%s already has a %s named %q, declared at %s. Names must be unique within their parent.", parent, kind, name, rangeString(prev))
		return false
	}
	seen[name] = b.DefRange
	return true
}

// decodeTab returns the tab and the range of its focus = true, if set.
func (l *loader) decodeTab(name string, b *hcl.Block, sc scope, pl place) (*Tab, *hcl.Range) {
	c, diags := expand(b.Body, sc.ctx).Content(tabSchema)
	l.diags = append(l.diags, diags...)
	t := &Tab{Address: pl.address, Name: name, Range: b.DefRange, Cwd: pl.cwd}
	type paneBlock struct {
		block *hcl.Block
		sc    scope
	}
	var blocks []paneBlock
	cwdAttr, cwdScope := c.Attributes["cwd"], sc
	if a := c.Attributes["template"]; a != nil {
		if tn, ok := l.ref(a, blockTabTemplate, sortedKeys(l.tabTemplates)); ok {
			tt := l.tabTemplates[tn]
			tt.used = true
			t.Template = tn
			tsc := l.templateScope(blockTabTemplate, tn, tt.params, c.Attributes["params"], sc, b.DefRange)
			tc, diags := expand(tt.block.Body, tsc.ctx).Content(tabTemplateSchema)
			l.diags = append(l.diags, diags...)
			if cwdAttr == nil && tc.Attributes["cwd"] != nil {
				cwdAttr, cwdScope = tc.Attributes["cwd"], tsc
			}
			for _, pb := range tc.Blocks {
				if pb.Type != blockParam {
					blocks = append(blocks, paneBlock{pb, tsc})
				}
			}
		}
	} else if a := c.Attributes["params"]; a != nil {
		r := a.NameRange
		l.errorf(&r, "params without template", "params sets the parameters of a template; add template = tab_template.NAME or remove params.")
	}
	if cwd, ok := l.str(cwdAttr, cwdScope); ok {
		t.Cwd = resolvePath(pl.cwd, cwd)
	}
	for _, pb := range c.Blocks {
		blocks = append(blocks, paneBlock{pb, sc})
	}
	var focus *hcl.Range
	if a := c.Attributes["focus"]; a != nil {
		if f, ok := l.boolean(a, sc); ok && f {
			r := a.Range
			focus = &r
		}
	}
	seen := map[string]hcl.Range{}
	var paneFocus *hcl.Range
	for _, pb := range blocks {
		if !l.checkChildName(pb.block, "pane", "tab "+name, seen) {
			continue
		}
		p, f := l.decodePane(pb.block, pb.sc, place{address: t.Address + ".pane." + pb.block.Labels[0], cwd: t.Cwd, env: pl.env})
		if p == nil {
			continue
		}
		if f != nil {
			if paneFocus != nil {
				l.errorf(f, "Several focused panes", "Pane %q and the pane declared at %s both set focus = true; a tab focuses one pane.", p.Name, rangeString(*paneFocus))
			} else {
				paneFocus, t.FocusPane = f, p.Name
			}
		}
		t.Panes = append(t.Panes, p)
	}
	if len(blocks) == 0 {
		l.errorf(&b.DefRange, "Tab without panes", "Tab %q has no pane. Add one, for example pane \"shell\" {} for a shell.", name)
	}
	if t.FocusPane == "" && len(t.Panes) > 0 {
		t.FocusPane = t.Panes[0].Name
	}
	return t, focus
}

func (l *loader) decodePane(b *hcl.Block, sc scope, pl place) (*Pane, *hcl.Range) {
	name := b.Labels[0]
	p := &Pane{Address: pl.address, Name: name, Range: b.DefRange}
	var focusAttr *hcl.Attribute
	if b.Type == blockPluginPane {
		c, diags := b.Body.Content(pluginPaneSchema)
		l.diags = append(l.diags, diags...)
		p.Kind = PanePlugin
		p.Plugin = l.instance(c, sc, pl.address, b.DefRange)
		focusAttr = c.Attributes["focus"]
		if p.Plugin == nil {
			return nil, nil
		}
	} else {
		c, diags := b.Body.Content(paneSchema)
		l.diags = append(l.diags, diags...)
		p.Kind = PaneTerminal
		focusAttr = c.Attributes["focus"]
		attrs := map[string]*hcl.Attribute{}
		scopes := map[string]scope{}
		if a := c.Attributes["template"]; a != nil {
			if tn, ok := l.ref(a, blockPaneTemplate, sortedKeys(l.paneTemplates)); ok {
				pt := l.paneTemplates[tn]
				pt.used = true
				p.Template = tn
				tsc := l.templateScope(blockPaneTemplate, tn, pt.params, c.Attributes["params"], sc, b.DefRange)
				for n, ta := range pt.content.Attributes {
					attrs[n], scopes[n] = ta, tsc
				}
			}
		} else if a := c.Attributes["params"]; a != nil {
			r := a.NameRange
			l.errorf(&r, "params without template", "params sets the parameters of a template; add template = pane_template.NAME or remove params.")
		}
		for _, as := range terminalAttrs {
			if a := c.Attributes[as.Name]; a != nil {
				attrs[as.Name], scopes[as.Name] = a, sc
			}
		}
		tp := &TerminalPane{Cwd: pl.cwd, Restart: RestartNever}
		tp.Command, _ = l.str(attrs["command"], scopes["command"])
		tp.Args, _ = l.strList(attrs["args"], scopes["args"])
		if cwd, ok := l.str(attrs["cwd"], scopes["cwd"]); ok {
			tp.Cwd = resolvePath(pl.cwd, cwd)
		}
		env := l.env(attrs["env"], scopes["env"])
		if len(pl.env)+len(env) > 0 {
			tp.Env = make(map[string]string, len(pl.env)+len(env))
			for k, v := range pl.env {
				tp.Env[k] = v
			}
			for k, v := range env {
				tp.Env[k] = v
			}
		}
		if pol, ok := l.restartPolicy(attrs["restart"], scopes["restart"]); ok {
			tp.Restart = pol
		}
		tp.CloseOnExit, _ = l.boolean(attrs["close_on_exit"], scopes["close_on_exit"])
		tp.StartSuspended, _ = l.boolean(attrs["start_suspended"], scopes["start_suspended"])
		if tp.CloseOnExit && tp.Restart == RestartAlways {
			r := attrs["close_on_exit"].Range
			l.errorf(&r, "Conflicting pane settings", "close_on_exit = true closes the pane when its command ends, but restart = \"always\" starts it again; keep one of them.")
		}
		p.Terminal = tp
	}
	var focus *hcl.Range
	if f, ok := l.boolean(focusAttr, sc); ok && f {
		r := focusAttr.Range
		focus = &r
	}
	return p, focus
}

// instance decodes a plugin pane or background plugin body.
func (l *loader) instance(c *hcl.BodyContent, sc scope, address string, def hcl.Range) *PluginInstance {
	inst := &PluginInstance{Address: address, Range: def}
	pa, sa := c.Attributes["plugin"], c.Attributes["source"]
	switch {
	case pa != nil && sa != nil:
		r := sa.NameRange
		l.errorf(&r, "Conflicting plugin settings", "Set either plugin = plugin.NAME (a manifest) or source = \"…\" (a plugin without a manifest), not both.")
		return nil
	case pa == nil && sa == nil:
		l.errorf(&def, "Missing plugin", "Say which plugin runs here: plugin = plugin.NAME for a manifest, or source = \"…\" for a plugin without one.")
		return nil
	case pa != nil:
		if sha := c.Attributes["sha256"]; sha != nil {
			r := sha.NameRange
			l.errorf(&r, "Unexpected sha256", "sha256 belongs to the plugin manifest; it is allowed here only with source.")
		}
		name, ok := l.refPlugin(pa)
		if !ok {
			return nil
		}
		m := l.plugins[name]
		if m == nil {
			return nil // the manifest itself had errors, already reported
		}
		inst.Manifest = name
		inst.Source = m.Source
		inst.SourceRange = m.SourceRange
		inst.Permissions = m.Permissions
		inst.InheritEnv = m.InheritEnv
		inst.Env = m.Env
		inst.Mounts = m.Mounts
		inst.Limits = m.Limits
		inst.Restart = m.Restart
		inst.Config = make(map[string]string, len(m.Config))
		for k, v := range m.Config {
			inst.Config[k] = v
		}
	default:
		inst.Source = l.source(sa, c.Attributes["sha256"], sc, def)
		if sa != nil {
			inst.SourceRange = sa.Expr.Range()
		}
		inst.Restart = Restart{Policy: RestartOnFailure}
		inst.Config = map[string]string{}
	}
	if cfg, ok := l.strMap(c.Attributes["config"], sc); ok {
		l.checkConfigKeys(c.Attributes["config"], cfg)
		for k, v := range cfg {
			inst.Config[k] = v
		}
	}
	if len(inst.Config) == 0 {
		inst.Config = nil
	}
	inst.Identity = instanceIdentity(inst.Source, inst.Config)
	return inst
}

func (l *loader) refPlugin(a *hcl.Attribute) (string, bool) {
	return l.ref(a, blockPlugin, l.pluginNames)
}

// expand wraps body so that its dynamic blocks are expanded, when it has any.
func expand(body hcl.Body, ctx *hcl.EvalContext) hcl.Body {
	if sb, ok := body.(*hclsyntax.Body); ok {
		dynamic := false
		for _, b := range sb.Blocks {
			dynamic = dynamic || b.Type == "dynamic"
		}
		if !dynamic {
			return body
		}
	}
	return dynblock.Expand(body, ctx)
}
