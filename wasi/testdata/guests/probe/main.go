// Command probe is a raw test plugin (no SDK) driven through its pipe()
// export: the pipe message name is an action, the payload its argument. It
// logs what it sees and renders the log, so host tests can observe every
// byte-level effect. Some actions are deliberately hostile.
package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

var (
	sink     uint32
	config   = map[string]string{}
	logLines []string
	updates  int
	starts   int
	stale    int
	pad      int
	quiet    bool
	hoard    [][]byte
	curPipe  string
)

func logf(format string, args ...any) { logLines = append(logLines, fmt.Sprintf(format, args...)) }

func main() {}

//go:wasmexport _start
func start() { starts++ }

//go:wasmexport plugin_version
func pluginVersion() { fmt.Println("0.45.0") }

//go:wasmexport load
func load() {
	msg, raw, ok := readLine()
	if !ok {
		logf("load: bad config line %q", raw)
		return
	}
	for _, f := range fields(msg) {
		if f.num != 1 {
			continue
		}
		kv := fields(f.bytes)
		k, _ := get(kv, 1)
		v, _ := get(kv, 2)
		config[string(k.bytes)] = string(v.bytes)
	}
	if leftover() {
		stale++
	}
	keys := make([]string, 0, len(config))
	for k, v := range config {
		keys = append(keys, k+"="+v)
	}
	sortStrings(keys)
	logf("config [%s] raw=%q", strings.Join(keys, ","), raw)
	quiet = config["quiet"] == "1"
	if s := config["subscribe"]; s != "" {
		subscribe(2, s)
	}
	if a := config["onload"]; a != "" {
		act(a, config["onload_arg"], "")
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

//go:wasmexport update
func update() int32 {
	msg, raw, ok := readLine()
	if leftover() {
		stale++
	}
	updates++
	if !ok {
		logf("update: bad line %q", raw)
		return 1
	}
	fs := fields(msg)
	name := uint64(0)
	if f, ok := get(fs, 1); ok {
		name = f.v
	}
	switch name {
	case 10: // CustomMessage
		f, _ := get(fs, 10)
		p := fields(f.bytes)
		n, _ := get(p, 1)
		v, _ := get(p, 2)
		logf("custom %s=%s", n.bytes, v.bytes)
	case 5: // Timer
		f, _ := get(fs, 7)
		logf("timer %.1f", math.Float32frombits(uint32(f.v)))
	case 15: // PermissionRequestResult
		f, _ := get(fs, 12)
		g, _ := get(fields(f.bytes), 1)
		logf("permresult granted=%v", g.v == 1)
	case 11, 12, 13, 14: // FileSystemCreate, Read, Update, Delete
		label := map[uint64]string{11: "fscreate", 12: "fsread", 13: "fsupdate", 14: "fsdelete"}[name]
		f, _ := get(fs, 11)
		var paths, meta []string
		for _, x := range fields(f.bytes) {
			switch x.num {
			case 1:
				paths = append(paths, string(x.bytes))
			case 2:
				m := fields(x.bytes)
				d, _ := get(m, 2)
				l, _ := get(m, 5)
				meta = append(meta, fmt.Sprintf("dir=%v/len=%d", d.v == 1, l.v))
			}
		}
		logf("%s %s | %s", label, strings.Join(paths, ","), strings.Join(meta, ","))
	case 27: // HostFolderChanged
		f, _ := get(fs, 24)
		p, _ := get(fields(f.bytes), 1)
		logf("hostchanged %s", p.bytes)
	case 28: // FailedToChangeHostFolder
		f, _ := get(fs, 25)
		p, _ := get(fields(f.bytes), 1)
		logf("hostchangefailed %s", p.bytes)
	case 44:
		logf("initialkeybinds")
	case 3: // Key: run the action named by the character's code, if configured
		f, _ := get(fs, 5)
		c, _ := get(fields(f.bytes), 3)
		logf("key %c", rune(c.v))
		if a := config["key_"+string(rune(c.v))]; a != "" {
			act(a, config["key_"+string(rune(c.v))+"_arg"], "")
		}
	default:
		logf("event %d", name)
	}
	if quiet {
		return 0
	}
	return 1
}

//go:wasmexport pipe
func pipe() int32 {
	msg, raw, ok := readLine()
	if leftover() {
		stale++
	}
	if !ok {
		logf("pipe: bad line %q", raw)
		return 1
	}
	fs := fields(msg)
	name, _ := get(fs, 4)
	payload, _ := get(fs, 5)
	cli, _ := get(fs, 2)
	curPipe = string(cli.bytes)
	return act(string(name.bytes), string(payload.bytes), curPipe)
}

//go:wasmexport render
func render(rows, cols int32) {
	fmt.Printf("rows=%d cols=%d updates=%d starts=%d stale=%d\n", rows, cols, updates, starts, stale)
	if pad > 0 {
		fmt.Print(strings.Repeat("#", pad) + "\n")
	}
	fmt.Print(strings.Join(logLines, "\n"))
}

// act runs one action and returns pipe()'s render request.
func act(action, arg, pipeID string) int32 {
	n, _ := strconv.Atoi(arg)
	switch action {
	case "log":
		logf("log %s", arg)
	case "clear":
		logLines = nil
	case "norender":
		logf("norender")
		return 0
	case "ids":
		send(command(3, 0, nil))
		msg, raw, ok := readLine()
		if !ok {
			logf("ids: no reply %q", raw)
			break
		}
		fs := fields(msg)
		id, _ := get(fs, 1)
		pid, _ := get(fs, 2)
		cwd, _ := get(fs, 3)
		cl, _ := get(fs, 4)
		logf("ids plugin=%d pid=%d cwd=%s client=%d", id.v, pid.v, cwd.bytes, cl.v)
	case "version":
		send(command(4, 0, nil))
		msg, _, _ := readLine()
		v, _ := get(fields(msg), 1)
		logf("version %s", v.bytes)
	case "raw": // arg: comma-separated command bytes; "reply" suffix after '|'
		spec, wantReply, _ := strings.Cut(arg, "|")
		var cmd []byte
		for _, s := range strings.Split(spec, ",") {
			v, _ := strconv.Atoi(s)
			cmd = append(cmd, byte(v))
		}
		send(cmd)
		if wantReply == "reply" {
			_, raw, _ := readLine()
			logf("raw reply %q", raw)
		}
	case "strict": // OpenTerminal (7): a command whose wrapper reads a reply
		send(command(7, 7, nil))
		_, raw, ok := readLine()
		logf("strict ok=%v reply=%q", ok, raw)
	case "garbage": // prints arg and runs a command with it as the frame
		os.Stdout.WriteString(arg)
		hostRunPluginCommand()
		logf("garbage survived")
	case "print":
		os.Stdout.WriteString(arg)
	case "setsel":
		b := protowire.AppendTag(nil, 4, protowire.VarintType)
		b = protowire.AppendVarint(b, 0)
		send(append(command(2, 0, nil), b...))
		logf("setsel sent")
	case "flood": // n GetPluginIds, counting real and empty replies
		full, empty, missing := 0, 0, 0
		for i := 0; i < n; i++ {
			send(command(3, 0, nil))
			msg, _, ok := readLine()
			switch {
			case !ok:
				missing++
			case len(msg) == 0:
				empty++
			default:
				full++
			}
		}
		logf("flood full=%d empty=%d missing=%d", full, empty, missing)
	case "loopids": // benchmark loop, no logging
		cmd := command(3, 0, nil)
		for i := 0; i < n; i++ {
			send(cmd)
			readLine()
		}
	case "spin":
		for {
			n++
		}
	case "count": // a finite tight loop, for the deadline overhead benchmark
		x := uint32(1)
		for i := 0; i < n; i++ {
			x = x*1664525 + 1013904223
		}
		sink = x
	case "alloc": // arg MiB, hoarded
		for i := 0; i < n; i++ {
			b := make([]byte, 1<<20)
			for j := 0; j < len(b); j += 4096 {
				b[j] = byte(i)
			}
			hoard = append(hoard, b)
		}
		logf("alloc %d MiB ok", n)
	case "panic": // what the SDK's panic hook does: report, then die
		send(command(65, 37, []byte("probe panicked: "+arg)))
		panic(arg)
	case "exit":
		os.Exit(n)
	case "stderr": // arg: "<n>" bytes of x then newline, or "partial:<text>"
		if t, ok := strings.CutPrefix(arg, "partial:"); ok {
			os.Stderr.WriteString(t)
		} else {
			os.Stderr.WriteString(strings.Repeat("x", n) + "\n")
		}
	case "pad":
		pad = n
	case "post": // worker:name:payload
		parts := strings.SplitN(arg, ":", 3)
		m := append(append(str(1, parts[1]), str(2, parts[2])...), str(3, parts[0])...)
		send(command(14, 14, msgField(1, m)))
	case "selfmsg": // PostMessageToPlugin to itself
		m := append(str(1, "self"), str(2, arg)...)
		send(command(15, 15, msgField(1, m)))
	case "timeout":
		sec, _ := strconv.ParseFloat(arg, 64)
		b := protowire.AppendTag(nil, 1, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(sec))
		send(command(12, 12, b))
	case "subscribe":
		subscribe(2, arg)
	case "unsubscribe":
		subscribe(3, arg)
	case "watch":
		send(command(83, 0, nil))
	case "scan":
		send(command(82, 61, []byte(arg)))
	case "chdir":
		send(command(114, 89, str(1, arg)))
	case "read":
		b, err := os.ReadFile(arg)
		logf("read %s: %q err=%v", arg, b, err)
	case "write":
		path, data, _ := strings.Cut(arg, "=")
		err := os.WriteFile(path, []byte(data), 0o644)
		logf("write %s err=%v", path, err)
	case "ls":
		ents, err := os.ReadDir(arg)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		logf("ls %s: %s err=%v", arg, strings.Join(names, ","), err)
	case "env":
		env := os.Environ()
		sortStrings(env)
		logf("env %s", strings.Join(env, ";"))
	case "args":
		logf("args %d", len(os.Args))
	case "perm":
		var vals []uint64
		for _, s := range strings.Split(arg, ",") {
			v, _ := strconv.Atoi(s)
			vals = append(vals, uint64(v))
		}
		send(command(66, 38, packed(1, vals)))
	case "block":
		send(command(77, 48, []byte(pick(arg, pipeID))))
	case "unblock":
		send(command(76, 47, []byte(pick(arg, pipeID))))
	case "output":
		send(command(78, 49, append(str(1, pipeID), str(2, arg)...)))
	default:
		logf("unknown action %q", action)
	}
	return 1
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func subscribe(field protowire.Number, list string) {
	var vals []uint64
	for _, s := range strings.Split(list, ",") {
		v, err := strconv.Atoi(s)
		if err == nil {
			vals = append(vals, uint64(v))
		}
	}
	name := uint64(0)
	if field == 3 {
		name = 1
	}
	send(command(name, field, msgField(1, packed(1, vals))))
}

var received int

// echo_worker answers every message with PostMessageToPlugin("pong",
// "<payload> #<count>"); the count proves that worker state persists.
//
//go:wasmexport echo_worker
func echoWorker() {
	msg, raw, ok := readLine()
	if !ok {
		return
	}
	received++
	fs := fields(msg)
	n, _ := get(fs, 1)
	p, _ := get(fs, 2)
	w, hasWorker := get(fs, 3)
	reply := fmt.Sprintf("%s #%d", p.bytes, received)
	if hasWorker {
		reply += " worker_name=" + string(w.bytes)
	}
	if leftover() {
		reply += " STALE"
	}
	switch string(n.bytes) {
	case "strict": // a permission-gated command from the worker
		send(command(7, 7, nil))
		_, r, ok := readLine()
		reply += fmt.Sprintf(" strict ok=%v reply=%q", ok, r)
	case "spin":
		for {
			received++
		}
	}
	_ = raw
	m := append(str(1, "pong"), str(2, reply)...)
	send(command(15, 15, msgField(1, m)))
}
