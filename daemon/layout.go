package daemon

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// dumpLayout writes a session as it runs now as a workspace file that
// `tessera up` brings up again: every tab and pane, managed or opened at
// run time, with its command or plugin. Loop only.
func (d *Daemon) dumpLayout(s *session) string {
	f := hclwrite.NewEmptyFile()
	root := f.Body()
	sb := root.AppendNewBlock("session", []string{s.name}).Body()
	if s.cfg != nil {
		sb.SetAttributeValue("cwd", cty.StringVal(s.cfg.Cwd))
		if len(s.cfg.Env) > 0 {
			sb.SetAttributeValue("env", stringMap(s.cfg.Env))
		}
	}
	for i, t := range s.tabs {
		if i > 0 || len(sb.Attributes()) > 0 {
			sb.AppendNewline()
		}
		tb := sb.AppendNewBlock("tab", []string{hclName(t.name)}).Body()
		if i == s.active {
			tb.SetAttributeValue("focus", cty.True)
		}
		first := true
		for j, p := range t.panes {
			if p.currentState() == StateClosed {
				continue
			}
			if !first {
				tb.AppendNewline()
			}
			first = false
			if p.plug != nil {
				pb := tb.AppendNewBlock("plugin_pane", []string{hclName(p.name)}).Body()
				d.writePlugin(pb, p)
			} else {
				pb := tb.AppendNewBlock("pane", []string{hclName(p.name)}).Body()
				if tc := p.tcfg; tc != nil {
					if tc.Command != "" {
						pb.SetAttributeValue("command", cty.StringVal(tc.Command))
					}
					if len(tc.Args) > 0 {
						pb.SetAttributeValue("args", stringList(tc.Args))
					}
					if tc.Cwd != "" && (s.cfg == nil || tc.Cwd != s.cfg.Cwd) {
						pb.SetAttributeValue("cwd", cty.StringVal(tc.Cwd))
					}
					if tc.Restart != "" && tc.Restart != "never" {
						pb.SetAttributeValue("restart", cty.StringVal(tc.Restart))
					}
				}
			}
			if j == t.focus {
				// Written after the pane's own attributes.
				body := tb.Blocks()[len(tb.Blocks())-1].Body()
				body.SetAttributeValue("focus", cty.True)
			}
		}
	}
	for _, p := range s.bg {
		if p.currentState() == StateClosed {
			continue
		}
		sb.AppendNewline()
		pb := sb.AppendNewBlock("background_plugin", []string{hclName(p.name)}).Body()
		d.writePlugin(pb, p)
	}
	return fmt.Sprintf("# Session %q as it ran; bring it up with `tessera up FILE`.\n%s", s.name, hclwrite.Format(f.Bytes()))
}

func (d *Daemon) writePlugin(b *hclwrite.Body, p *pane) {
	in := p.plug.inst
	src := in.Source.URL()
	if in.Source.Kind == "file" {
		src = in.Source.Location
	}
	b.SetAttributeValue("source", cty.StringVal(src))
	if in.Source.SHA256 != "" {
		b.SetAttributeValue("sha256", cty.StringVal(in.Source.SHA256))
	}
	if len(in.Config) > 0 {
		b.SetAttributeValue("config", stringMap(in.Config))
	}
	perms := in.Permissions
	if p.plug.p != nil {
		perms = permissionNames(p.plug.p.Permissions())
	}
	if len(perms) > 0 {
		b.SetAttributeValue("permissions", stringList(perms))
	}
}

// hclName makes a name valid as a block label of a workspace file.
func hclName(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '_' || r == '-' || (r >= '0' && r <= '9' && i > 0) || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "unnamed"
	}
	return b.String()
}

func stringList(xs []string) cty.Value {
	if len(xs) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vs := make([]cty.Value, len(xs))
	for i, x := range xs {
		vs[i] = cty.StringVal(x)
	}
	return cty.TupleVal(vs)
}

func stringMap(m map[string]string) cty.Value {
	vs := map[string]cty.Value{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		vs[k] = cty.StringVal(m[k])
	}
	return cty.ObjectVal(vs)
}

func (a *api) DumpLayout(ctx context.Context, req *connect.Request[controlv1.DumpLayoutRequest]) (*connect.Response[controlv1.DumpLayoutResponse], error) {
	var out string
	var lerr error
	err := a.onLoop(ctx, func() {
		s, err := a.findSession(req.Msg.Session)
		if err != nil {
			lerr = err
			return
		}
		out = a.d.dumpLayout(s)
	})
	if err != nil {
		return nil, err
	}
	if lerr != nil {
		return nil, lookupErr(lerr)
	}
	return connect.NewResponse(&controlv1.DumpLayoutResponse{Hcl: out}), nil
}

// parseMode reads an input mode name, case-insensitively.
func parseMode(s string) (pluginpb.InputMode, error) {
	for name, v := range pluginpb.InputMode_value {
		if strings.EqualFold(name, s) {
			return pluginpb.InputMode(v), nil
		}
	}
	names := slices.Sorted(maps.Keys(pluginpb.InputMode_value))
	return 0, fmt.Errorf("unknown mode %q (modes: %s)", s, strings.Join(names, ", "))
}

func (a *api) SetMode(ctx context.Context, req *connect.Request[controlv1.SetModeRequest]) (*connect.Response[controlv1.SetModeResponse], error) {
	mode, err := parseMode(req.Msg.Mode)
	if err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	var lerr error
	err = a.onLoop(ctx, func() {
		s, err := a.findSession(req.Msg.Session)
		if err != nil {
			lerr = err
			return
		}
		s.mode = mode
		s.modeDirty = true
		a.d.markDirty(s)
		a.d.events.publish("session.mode", s.addr, "mode "+mode.String(), nil)
	})
	if err != nil {
		return nil, err
	}
	if lerr != nil {
		return nil, lookupErr(lerr)
	}
	return connect.NewResponse(&controlv1.SetModeResponse{Mode: mode.String()}), nil
}
