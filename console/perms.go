package console

import (
	"context"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
)

const groupPerms = "permissions"

func init() {
	register(&Command{Name: "perms", Args: "[ADDR]", Summary: "plugins' permissions: granted, denied, pending", Group: groupPerms, Example: "perms status", run: (*Console).perms})
	register(&Command{Name: "pending", Summary: "permission requests waiting for grant or deny", Group: groupPerms, Example: "pending", run: (*Console).pending})
	register(&Command{Name: "grant", Args: "ADDR PERM...|all", Summary: "grant permissions (answers a waiting request); persists", Group: groupPerms, Example: "grant status ReadApplicationState", run: (*Console).grant})
	register(&Command{Name: "deny", Args: "ADDR", Summary: "deny a waiting request; persists", Group: groupPerms, Example: "deny status", run: (*Console).deny})
	register(&Command{Name: "revoke", Args: "ADDR PERM...|all", Summary: "take permissions back at once; persists", Group: groupPerms, Example: "revoke status RunCommands", run: (*Console).revoke})
}

func (c *Console) printPerms(ps []*controlv1.PluginPermissions, empty string) error {
	if c.opt.JSON {
		return c.printJSON(&controlv1.PermissionsResponse{Plugins: ps})
	}
	if len(ps) == 0 {
		fmt.Fprintln(c.out, empty)
		return nil
	}
	var t table
	t.header("ADDRESS", "GRANTED", "DENIED", "PENDING")
	for _, p := range ps {
		pending := strings.Join(p.Pending, ", ")
		if p.PendingSinceUnixNano != 0 {
			pending += fmt.Sprintf(" (%s ago)", time.Since(time.Unix(0, p.PendingSinceUnixNano)).Round(time.Second))
		}
		t.row(p.Address, dash(strings.Join(p.Granted, ", ")), dash(strings.Join(p.Denied, ", ")), dash(pending))
	}
	return t.write(c.out, c.opt.Width)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (c *Console) perms(ctx context.Context, args []string) error {
	if len(args) > 1 {
		return usageError(registry["perms"])
	}
	req := &controlv1.PermissionsRequest{}
	if len(args) == 1 {
		req.Address = args[0]
	}
	res, err := c.client.Permissions(ctx, connect.NewRequest(req))
	if err != nil {
		return err
	}
	return c.printPerms(res.Msg.Plugins, "no plugins")
}

func (c *Console) pending(ctx context.Context, args []string) error {
	if len(args) != 0 {
		return usageError(registry["pending"])
	}
	res, err := c.client.Permissions(ctx, connect.NewRequest(&controlv1.PermissionsRequest{PendingOnly: true}))
	if err != nil {
		return err
	}
	return c.printPerms(res.Msg.Plugins, "no permission request is waiting")
}

// permArgs splits "ADDR PERM...|all".
func permArgs(cmd string, args []string) (addr string, perms []string, all bool, err error) {
	if len(args) < 2 {
		return "", nil, false, usageError(registry[cmd])
	}
	addr = args[0]
	for _, a := range args[1:] {
		if strings.EqualFold(a, "all") {
			all = true
			continue
		}
		perms = append(perms, a)
	}
	return addr, perms, all, nil
}

func (c *Console) grant(ctx context.Context, args []string) error {
	addr, perms, all, err := permArgs("grant", args)
	if err != nil {
		return err
	}
	res, err := c.client.Grant(ctx, connect.NewRequest(&controlv1.GrantRequest{Address: addr, Permissions: perms, All: all}))
	if err != nil {
		return err
	}
	return c.printPerms(res.Msg.Plugins, "")
}

func (c *Console) deny(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return usageError(registry["deny"])
	}
	res, err := c.client.Deny(ctx, connect.NewRequest(&controlv1.DenyRequest{Address: args[0]}))
	if err != nil {
		return err
	}
	return c.printPerms(res.Msg.Plugins, "")
}

func (c *Console) revoke(ctx context.Context, args []string) error {
	addr, perms, all, err := permArgs("revoke", args)
	if err != nil {
		return err
	}
	res, err := c.client.Revoke(ctx, connect.NewRequest(&controlv1.RevokeRequest{Address: addr, Permissions: perms, All: all}))
	if err != nil {
		return err
	}
	return c.printPerms(res.Msg.Plugins, "")
}
