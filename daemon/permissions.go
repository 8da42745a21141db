package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"connectrpc.com/connect"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

// Permissions: a plugin holds what its manifest pre-grants plus what an
// admin granted, minus what an admin denied or revoked. A request at run
// time for anything else waits for an answer (grant or deny over the
// console) while the plugin runs on without it. Answers persist per plugin
// identity (source and configuration) in the daemon's state directory, so
// they survive restarts of the plugin and of the daemon.

// permRecord is what an admin decided for one plugin identity.
type permRecord struct {
	URL     string    `json:"url"`
	Granted []string  `json:"granted,omitempty"`
	Denied  []string  `json:"denied,omitempty"`
	Updated time.Time `json:"updated"`
}

// permStore is the persisted answers, loop-owned.
type permStore struct {
	path string
	recs map[string]*permRecord
}

const permFile = "permissions.json"

func loadPermStore(path string) (*permStore, error) {
	s := &permStore{path: path, recs: map[string]*permRecord{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s.recs); err != nil {
		// Keep the unreadable file for the admin, start from nothing.
		_ = os.Rename(path, path+".unreadable")
		s.recs = map[string]*permRecord{}
		return s, fmt.Errorf("%s is not valid JSON (kept as %s.unreadable): %w", path, path, err)
	}
	return s, nil
}

func (s *permStore) save() error {
	b, err := json.MarshalIndent(s.recs, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(s.path, append(b, '\n'), 0o600)
}

func (s *permStore) record(identity, url string) *permRecord {
	r := s.recs[identity]
	if r == nil {
		r = &permRecord{URL: url}
		s.recs[identity] = r
	}
	return r
}

// pendingRequest is a plugin's permission request waiting for an answer.
type pendingRequest struct {
	req   *wasi.PermissionRequest
	perms []pluginpb.PermissionType
	since time.Time
}

func addNames(list []string, names ...string) []string {
	for _, n := range names {
		if !slices.Contains(list, n) {
			list = append(list, n)
		}
	}
	sort.Strings(list)
	return list
}

func removeNames(list []string, names ...string) []string {
	return slices.DeleteFunc(list, func(s string) bool { return slices.Contains(names, s) })
}

// initialGrants is what an instance holds at load: its manifest's
// permissions and the admin's grants, minus the admin's denials.
func (d *Daemon) initialGrants(po *pluginObj) []pluginpb.PermissionType {
	names := addNames(nil, po.inst.Permissions...)
	if r := d.perms.recs[po.inst.Identity]; r != nil {
		names = removeNames(addNames(names, r.Granted...), r.Denied...)
	}
	return permissionTypes(names)
}

// permissionRequested handles a RequestPluginPermissions. Loop only.
func (d *Daemon) permissionRequested(pn *pane, loadNo int, req *wasi.PermissionRequest) {
	po := pn.plug
	if po == nil || po.loads != loadNo || po.p == nil && po.state != StateLoading {
		req.Respond(false)
		return
	}
	var want []pluginpb.PermissionType
	for _, t := range req.Permissions {
		if !req.Plugin.Granted(t) {
			want = append(want, t)
		}
	}
	names := permissionNames(want)
	r := d.perms.recs[po.inst.Identity]
	switch {
	case len(want) == 0:
		req.Respond(true)
		return
	case r != nil && containsAll(r.Granted, names):
		d.log.Info("permission request answered from earlier grants", "plugin", pn.addr, "permissions", strings.Join(names, ","))
		req.Respond(true)
		return
	case r != nil && containsAny(r.Denied, names):
		d.log.Info("permission request refused: denied earlier", "plugin", pn.addr, "permissions", strings.Join(names, ","))
		req.Respond(false)
		d.events.publish(EvPermissionDenied, pn.addr, fmt.Sprintf("request for %s refused (denied earlier; `grant %s %s` to allow)",
			strings.Join(names, ", "), lastSegment(pn.addr), strings.Join(names, " ")), nil)
		return
	}
	if old := po.pending; old != nil {
		old.req.Respond(false) // superseded by the new request
	}
	po.pending = &pendingRequest{req: req, perms: want, since: time.Now()}
	short := lastSegment(pn.addr)
	msg := fmt.Sprintf("%s asks for %s: answer with `tessera console -c 'grant %s all'` or `... -c 'deny %s'`",
		pn.addr, strings.Join(names, ", "), short, short)
	d.log.Warn("permission request waiting for an answer", "plugin", pn.addr, "permissions", strings.Join(names, ","))
	d.events.publish(EvPluginPermWait, pn.addr, msg, map[string]string{"permissions": strings.Join(names, ",")})
}

func containsAll(list, names []string) bool {
	for _, n := range names {
		if !slices.Contains(list, n) {
			return false
		}
	}
	return true
}

func containsAny(list, names []string) bool {
	for _, n := range names {
		if slices.Contains(list, n) {
			return true
		}
	}
	return false
}

// EvPermissionDenied is published for every denial: a refused request and
// a command or event withheld for lack of a permission.
const EvPermissionDenied = "permission.denied"

// permissionsProto describes one plugin's permissions. Loop only.
func (d *Daemon) permissionsProto(pn *pane) *controlv1.PluginPermissions {
	po := pn.plug
	pp := &controlv1.PluginPermissions{Address: pn.addr, PluginUrl: po.inst.Source.URL(), Identity: po.inst.Identity}
	if po.p != nil {
		pp.Granted = permissionNames(po.p.Permissions())
	} else {
		pp.Granted = permissionNames(d.initialGrants(po))
	}
	if r := d.perms.recs[po.inst.Identity]; r != nil {
		pp.Denied = r.Denied
	}
	if po.pending != nil {
		pp.Pending = permissionNames(po.pending.perms)
		pp.PendingSinceUnixNano = po.pending.since.UnixNano()
	}
	return pp
}

func (d *Daemon) pluginPanes() []*pane {
	var out []*pane
	for _, o := range d.objectsLocked() {
		if p, ok := o.(*pane); ok && p.plug != nil {
			out = append(out, p)
		}
	}
	return out
}

func (a *api) Permissions(ctx context.Context, req *connect.Request[controlv1.PermissionsRequest]) (*connect.Response[controlv1.PermissionsResponse], error) {
	res := &controlv1.PermissionsResponse{}
	err := a.onLoop(ctx, func() {
		for _, p := range a.d.pluginPanes() {
			if req.Msg.Address != "" && !addressUnder(p.addr, req.Msg.Address) {
				continue
			}
			if req.Msg.PendingOnly && p.plug.pending == nil {
				continue
			}
			res.Plugins = append(res.Plugins, a.d.permissionsProto(p))
		}
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

// parsePermissions reads permission names (case-insensitive).
func parsePermissions(names []string) ([]pluginpb.PermissionType, error) {
	var out []pluginpb.PermissionType
	for _, n := range names {
		found := false
		for name, v := range pluginpb.PermissionType_value {
			if strings.EqualFold(name, n) {
				out = append(out, pluginpb.PermissionType(v))
				found = true
			}
		}
		if !found {
			var all []string
			for name := range pluginpb.PermissionType_value {
				all = append(all, name)
			}
			sort.Strings(all)
			return nil, fmt.Errorf("unknown permission %q (permissions: %s)", n, strings.Join(all, ", "))
		}
	}
	return out, nil
}

func allPermissions() []pluginpb.PermissionType {
	var out []pluginpb.PermissionType
	for _, v := range pluginpb.PermissionType_value {
		out = append(out, pluginpb.PermissionType(v))
	}
	slices.Sort(out)
	return out
}

// permissionTarget finds a plugin by address, on the loop.
func (a *api) permissionTarget(addr string) (*pane, error) {
	p, err := a.d.lookupPane(addr)
	if err != nil {
		return nil, err
	}
	if p.plug == nil {
		return nil, &lookupError{fmt.Sprintf("%s is a terminal pane: permissions are for plugins", p.addr)}
	}
	return p, nil
}

func (a *api) changePermissions(ctx context.Context, addr string, f func(p *pane) error) (*connect.Response[controlv1.PermissionsResponse], error) {
	var ferr error
	res := &controlv1.PermissionsResponse{}
	err := a.onLoop(ctx, func() {
		p, err := a.permissionTarget(addr)
		if err != nil {
			ferr = lookupErr(err)
			return
		}
		if err := f(p); err != nil {
			ferr = err
			return
		}
		if err := a.d.perms.save(); err != nil {
			ferr = connect.NewError(connect.CodeInternal, fmt.Errorf("save permissions: %w", err))
		}
		res.Plugins = append(res.Plugins, a.d.permissionsProto(p))
		a.d.markDirty(p.sess)
	})
	if err != nil {
		return nil, err
	}
	if ferr != nil {
		return nil, ferr
	}
	return connect.NewResponse(res), nil
}

func (a *api) Grant(ctx context.Context, req *connect.Request[controlv1.GrantRequest]) (*connect.Response[controlv1.PermissionsResponse], error) {
	perms, err := parsePermissions(req.Msg.Permissions)
	if err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	if len(perms) == 0 && !req.Msg.All {
		return nil, cerr(connect.CodeInvalidArgument, "name the permissions to grant, or all")
	}
	return a.changePermissions(ctx, req.Msg.Address, func(p *pane) error {
		po := p.plug
		if req.Msg.All && len(perms) == 0 {
			if po.pending != nil {
				perms = po.pending.perms
			} else {
				perms = allPermissions()
			}
		}
		names := permissionNames(perms)
		r := a.d.perms.record(po.inst.Identity, po.inst.Source.URL())
		r.Granted = addNames(r.Granted, names...)
		r.Denied = removeNames(r.Denied, names...)
		r.Updated = time.Now()
		if po.p != nil {
			po.p.Grant(perms...)
		}
		if pr := po.pending; pr != nil && containsAll(names, permissionNames(pr.perms)) {
			pr.req.Respond(true)
			po.pending = nil
		}
		a.d.log.Info("permissions granted", "plugin", p.addr, "permissions", strings.Join(names, ","))
		a.d.events.publish("permission.granted", p.addr, "granted "+strings.Join(names, ", "), nil)
		return nil
	})
}

func (a *api) Deny(ctx context.Context, req *connect.Request[controlv1.DenyRequest]) (*connect.Response[controlv1.PermissionsResponse], error) {
	return a.changePermissions(ctx, req.Msg.Address, func(p *pane) error {
		po := p.plug
		pr := po.pending
		if pr == nil {
			return cerr(connect.CodeFailedPrecondition, "%s has no permission request waiting (see `pending`)", p.addr)
		}
		names := permissionNames(pr.perms)
		r := a.d.perms.record(po.inst.Identity, po.inst.Source.URL())
		r.Denied = addNames(r.Denied, names...)
		r.Granted = removeNames(r.Granted, names...)
		r.Updated = time.Now()
		pr.req.Respond(false)
		po.pending = nil
		a.d.log.Info("permission request denied", "plugin", p.addr, "permissions", strings.Join(names, ","))
		a.d.events.publish(EvPermissionDenied, p.addr, "denied "+strings.Join(names, ", "), nil)
		return nil
	})
}

func (a *api) Revoke(ctx context.Context, req *connect.Request[controlv1.RevokeRequest]) (*connect.Response[controlv1.PermissionsResponse], error) {
	perms, err := parsePermissions(req.Msg.Permissions)
	if err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	if len(perms) == 0 && !req.Msg.All {
		return nil, cerr(connect.CodeInvalidArgument, "name the permissions to revoke, or all")
	}
	if req.Msg.All {
		perms = allPermissions()
	}
	return a.changePermissions(ctx, req.Msg.Address, func(p *pane) error {
		po := p.plug
		names := permissionNames(perms)
		r := a.d.perms.record(po.inst.Identity, po.inst.Source.URL())
		r.Granted = removeNames(r.Granted, names...)
		// Recorded as denied so that the manifest's pre-grant does not
		// bring it back at the next start, and a request asks no more.
		r.Denied = addNames(r.Denied, names...)
		r.Updated = time.Now()
		if po.p != nil {
			po.p.Revoke(perms...)
		}
		a.d.log.Info("permissions revoked", "plugin", p.addr, "permissions", strings.Join(names, ","))
		a.d.events.publish(EvPermissionDenied, p.addr, "revoked "+strings.Join(names, ", "), nil)
		return nil
	})
}
