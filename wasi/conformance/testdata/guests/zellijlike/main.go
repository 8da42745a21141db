// Command zellijlike is a test guest that behaves like a plugin built with
// zellij-tile at the ABI level, only stricter: it reads exactly one stdin
// line where a zellij-tile plugin reads one, converts every event the way
// zellij-tile's conversions do and crashes (ReportCrash, then an
// `unreachable` trap) on anything they would reject. It also crashes on
// what they would silently mishandle: a reply line to a command that has
// none, a second line on stdin, input before a render, an event it did not
// subscribe to.
//
// The configuration key `personality` picks which default plugin's load
// sequence, subscriptions and rendering it reproduces: status-bar, tab-bar,
// compact-bar, strider or session-manager.
package main

import (
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

//go:wasmimport zellij host_run_plugin_command
func hostRunPluginCommand()

// trap executes `unreachable`.
func trap()

func main() {}

var (
	started, loaded bool
	crashing        bool
	config          = map[string]string{}
	subs            = map[int]bool{}
	pers            personality
	inExport        string
)

// personality is one default plugin's behaviour.
type personality interface {
	load()
	update(ev *event) bool
	pipe(msg []field) bool
	render(rows, cols int)
}

//go:wasmexport _start
func wasmStart() {
	// wasi-libc's command entry traps when run twice.
	if started {
		trap()
	}
	started = true
	inExport = "_start"
	if rest := readAll(); len(rest) > 0 {
		fail("stdin holds input before load: " + clip(string(rest)))
	}
}

//go:wasmexport load
func wasmLoad() {
	guard("load", func() {
		if !started {
			fail("load called before _start")
		}
		if loaded {
			fail("load called twice")
		}
		line := readLine("load: PluginConfiguration")
		for _, f := range parse(line, "PluginConfiguration") {
			if f.num != 1 {
				continue
			}
			want(f, 2, "PluginConfiguration.name_and_value")
			var k, v string
			for _, g := range parse(f.b, "NameAndValue") {
				switch g.num {
				case 1:
					want(g, 2, "NameAndValue.name")
					k = string(g.b)
				case 2:
					want(g, 2, "NameAndValue.value")
					v = string(g.b)
				}
			}
			config[k] = v
		}
		switch config["personality"] {
		case "status-bar":
			pers = &statusBar{}
		case "tab-bar":
			pers = &tabBar{}
		case "compact-bar":
			pers = &compactBar{}
		case "strider":
			pers = &strider{}
		case "session-manager":
			pers = &sessionManager{}
		case "third-party":
			pers = &thirdParty{}
		case "sweep":
			pers = &sweep{}
		default:
			fail("unknown personality " + strconv.Quote(config["personality"]))
		}
		loaded = true
		pers.load()
		// Tests subscribe to more types to see how the guest converts them.
		if extra := config["subscribe_extra"]; extra != "" {
			var types []int
			for _, t := range strings.Split(extra, ",") {
				n, err := strconv.Atoi(t)
				if err != nil {
					fail("subscribe_extra: " + err.Error())
				}
				types = append(types, n)
			}
			subscribe(types...)
		}
	})
}

//go:wasmexport update
func wasmUpdate() int32 {
	r := false
	guard("update", func() {
		if !loaded {
			fail("update called before load")
		}
		ev := decodeEvent(readLine("update: Event"))
		if !subs[ev.name] && ev.name != evPermissionRequestResult {
			fail("received event " + eventName(ev.name) + " without subscribing to it")
		}
		r = pers.update(ev)
	})
	return b2i(r)
}

//go:wasmexport pipe
func wasmPipe() int32 {
	r := false
	guard("pipe", func() {
		if !loaded {
			fail("pipe called before load")
		}
		r = pers.pipe(decodePipeMessage(readLine("pipe: PipeMessage")))
	})
	return b2i(r)
}

//go:wasmexport render
func wasmRender(rows, cols int32) {
	guard("render", func() {
		if !loaded {
			fail("render called before load")
		}
		if rest := readAll(); len(rest) > 0 {
			fail("render: stdin holds unread input: " + clip(string(rest)))
		}
		if rows < 0 || cols < 0 {
			fail("render with a negative size")
		}
		pers.render(int(rows), int(cols))
	})
}

// workerMessages counts the messages this worker instance received.
var workerMessages int

// searchWorker is a worker, as register_worker! makes one: a separate
// instance that gets _start but never load, reads one Message line per call
// and answers the plugin with PostMessageToPlugin.
//
//go:wasmexport search_worker
func searchWorker() {
	guard("search_worker", func() {
		if !started || loaded {
			fail("worker export called on an instance that was loaded or not started")
		}
		var name, payload string
		for _, f := range parse(readLine("search_worker: Message"), "Message") {
			switch f.num {
			case 1:
				want(f, 2, "Message.name")
				name = string(f.b)
			case 2:
				want(f, 2, "Message.payload")
				payload = string(f.b)
			case 3:
				fail("worker message carries worker_name")
			}
		}
		workerMessages++
		text := name + ":" + payload + " received " + strconv.Itoa(workerMessages)
		if payload == "ids" {
			// Strict commands from a worker get their reply on the
			// worker's own stdin.
			ids := getPluginIds()
			sessions := decodeSessionList(run(command(cmdGetSessionList).bytes(161, nil), replyStrict, "GetSessionList"))
			text += " plugin " + strconv.FormatInt(ids.pluginID, 10) + " sessions " + strconv.Itoa(len(sessions))
		}
		msg := enc(nil).str(1, "pong").str(2, text)
		run(command(cmdPostMessageToPlugin).bytes(15, enc(nil).bytes(1, msg)), replyNone, "PostMessageToPlugin")
	})
}

//go:wasmexport plugin_version
func wasmPluginVersion() { writeOut([]byte("0.45.0\n")) }

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// guard turns a Go panic inside an export into a reported crash.
func guard(name string, f func()) {
	inExport = name
	defer func() {
		if r := recover(); r != nil {
			msg := "runtime panic"
			switch v := r.(type) {
			case string:
				msg = v
			case runtime.Error:
				msg = v.Error()
			}
			fail(msg)
		}
	}()
	f()
}

// fail reports a crash the way zellij-tile's panic hook does and traps.
func fail(msg string) {
	if crashing {
		trap()
	}
	crashing = true
	text := "zellijlike panicked in " + inExport + ": " + msg
	frame := append(jsonBytes(enc(nil).varint(1, cmdReportCrash).str(37, text)), '\n')
	writeOut(frame)
	hostRunPluginCommand()
	trap()
}

// readAll takes everything currently queued on stdin (an empty pipe reads
// as end of file).
func readAll() []byte {
	var out []byte
	buf := make([]byte, 16<<10)
	for {
		n, err := syscall.Read(0, buf)
		if n > 0 {
			out = append(out, buf[:n]...)
		}
		if err != nil || n <= 0 {
			return out
		}
	}
}

// readLine reads the one line the host must have written for this call
// and returns its decoded bytes. Nothing may follow the line.
func readLine(what string) []byte {
	data := readAll()
	if len(data) == 0 {
		fail(what + ": no line on stdin")
	}
	return oneLine(data, what)
}

func oneLine(data []byte, what string) []byte {
	i := 0
	for i < len(data) && data[i] != '\n' {
		i++
	}
	if i == len(data) {
		fail(what + ": line without terminator: " + clip(string(data)))
	}
	if i != len(data)-1 {
		fail(what + ": more than one line on stdin (a stale line would corrupt the next call): " + clip(string(data)))
	}
	return parseJSONBytes(data[:i], what)
}

func writeOut(b []byte) {
	for len(b) > 0 {
		n, err := syscall.Write(1, b)
		if err != nil || n <= 0 {
			trap()
		}
		b = b[n:]
	}
}

// Reply kinds of commands.
const (
	replyNone = iota
	replyStrict
	replyLenient
)

// run issues one command and returns its reply (nil for none). A strict
// reply must be exactly one line; a command without reply must leave stdin
// empty.
func run(cmd enc, kind int, what string) []byte {
	if rest := readAll(); len(rest) > 0 {
		fail(what + ": stdin held unread input before the command: " + clip(string(rest)))
	}
	writeOut(append(jsonBytes(cmd), '\n'))
	hostRunPluginCommand()
	data := readAll()
	switch kind {
	case replyNone:
		if len(data) > 0 {
			fail(what + ": the host wrote a reply to a command that has none: " + clip(string(data)))
		}
		return nil
	case replyLenient:
		if len(data) == 0 {
			return nil
		}
		return oneLine(data, what+" reply")
	}
	if len(data) == 0 {
		fail(what + ": no reply line (zellij-tile unwraps the missing reply)")
	}
	return oneLine(data, what+" reply")
}

// Command numbers.
const (
	cmdSubscribe                   = 0
	cmdSetSelectable               = 2
	cmdGetPluginIds                = 3
	cmdSwitchTabTo                 = 11
	cmdSetTimeout                  = 12
	cmdNewTab                      = 20
	cmdRenamePluginPane            = 63
	cmdReportCrash                 = 65
	cmdScanHostFolder              = 82
	cmdChangeHostFolder            = 114
	cmdCurrentSessionLastSavedTime = 187
	cmdGetSessionList              = 211
	cmdToggleFloatingPanes         = 225
	cmdNewPane                     = 226
	cmdPostMessageTo               = 14
	cmdPostMessageToPlugin         = 15
	cmdRequestPluginPermissions    = 66
	cmdRunCommand                  = 71
	cmdUnblockCliPipeInput         = 76
	cmdBlockCliPipeInput           = 77
	cmdCliPipeOutput               = 78
)

func command(n int) enc { return enc(nil).varint(1, uint64(n)) }

func subscribe(types ...int) {
	var packed enc
	for _, t := range types {
		packed = packed.raw(uint64(t))
		subs[t] = true
	}
	list := enc(nil).bytes(1, packed)
	payload := enc(nil).bytes(1, list)
	run(command(cmdSubscribe).bytes(2, payload), replyNone, "Subscribe")
}

func setSelectable(b bool) {
	run(command(cmdSetSelectable).varint(4, uint64(b2i(b))), replyNone, "SetSelectable")
}

func setTimeout(sec float64) {
	p := enc(nil).fixed64(1, float64bits(sec))
	run(command(cmdSetTimeout).bytes(12, p), replyNone, "SetTimeout")
}

// pluginIds is the PluginIds reply.
type pluginIds struct {
	pluginID, pid int64
	cwd           string
	clientID      uint64
}

func getPluginIds() pluginIds {
	b := run(command(cmdGetPluginIds), replyStrict, "GetPluginIds")
	var ids pluginIds
	for _, f := range parse(b, "PluginIds") {
		switch f.num {
		case 1:
			want(f, 0, "PluginIds.plugin_id")
			ids.pluginID = int64(int32(f.v))
		case 2:
			want(f, 0, "PluginIds.zellij_pid")
			ids.pid = int64(int32(f.v))
		case 3:
			want(f, 2, "PluginIds.initial_cwd")
			ids.cwd = string(f.b)
		case 4:
			want(f, 0, "PluginIds.client_id")
			ids.clientID = f.v
		}
	}
	return ids
}
