package console

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"connectrpc.com/connect"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
)

func init() {
	register(&Command{Name: "commands", Args: "ADDR [N]", Summary: "a plugin's recent commands (denied and unsupported marked)", Group: groupInspect, Example: "commands status 20", run: (*Console).commands})
	register(&Command{Name: "stats", Args: "[ADDR]", Summary: "per plugin: calls, commands, denials, crashes, restarts", Group: groupInspect, Example: "stats", run: (*Console).stats})
}

func (c *Console) commands(ctx context.Context, args []string) error {
	if len(args) < 1 || len(args) > 2 {
		return usageError(registry["commands"])
	}
	req := &controlv1.CommandsRequest{Address: args[0]}
	if len(args) == 2 {
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 0 {
			return fmt.Errorf("the count must be a number, got %q", args[1])
		}
		req.Limit = int32(n)
	}
	res, err := c.client.Commands(ctx, connect.NewRequest(req))
	if err != nil {
		return err
	}
	if c.opt.JSON {
		return c.printJSON(res.Msg)
	}
	if len(res.Msg.Commands) == 0 {
		fmt.Fprintln(c.out, "no commands yet")
		return nil
	}
	var t table
	t.header("TIME", "WORKER", "COMMAND", "OUTCOME", "DETAIL")
	for _, r := range res.Msg.Commands {
		outcome := r.Outcome
		if outcome == "denied" || outcome == "unsupported" {
			outcome = "!" + outcome
		}
		t.row(time.Unix(0, r.TimeUnixNano).Format("15:04:05.000"), dash(r.Worker), r.Name, outcome, r.Detail)
	}
	return t.write(c.out, c.opt.Width)
}

func (c *Console) stats(ctx context.Context, args []string) error {
	if len(args) > 1 {
		return usageError(registry["stats"])
	}
	req := &controlv1.ListRequest{Kinds: []string{"plugin"}}
	if len(args) == 1 {
		req.Address = args[0]
	}
	res, err := c.client.List(ctx, connect.NewRequest(req))
	if err != nil {
		return err
	}
	if c.opt.JSON {
		return c.printJSON(res.Msg)
	}
	var t table
	t.header("ADDRESS", "STATE", "ENGINE", "CALLS", "P50", "P99", "MEMORY", "COMMANDS", "DENIED", "UNSUPPORTED", "DROPPED", "CRASHES", "RESTARTS")
	for _, o := range res.Msg.Objects {
		s := o.Stats
		if s == nil {
			s = &controlv1.PluginStats{}
		}
		u := func(n uint64) string { return strconv.FormatUint(n, 10) }
		t.row(o.Address, stateText(o), dash(o.Engine), u(s.Calls), micros(s.CallP50Micros), micros(s.CallP99Micros), memBytes(s.MemoryBytes), u(s.Commands), u(s.Denied), u(s.Unsupported), u(s.Dropped), u(s.Crashes), strconv.Itoa(int(o.Restarts)))
	}
	if len(res.Msg.Objects) == 0 {
		fmt.Fprintln(c.out, "no plugins")
		return nil
	}
	return t.write(c.out, c.opt.Width)
}

// micros formats a duration given in microseconds briefly ("-" for none).
func micros(us uint64) string {
	if us == 0 {
		return "-"
	}
	d := time.Duration(us) * time.Microsecond
	switch {
	case d < time.Millisecond:
		return d.String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(10 * time.Millisecond).String()
	}
}

// memBytes formats a size in MiB with one decimal ("-" for none).
func memBytes(n uint64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
