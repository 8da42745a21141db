package console

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// completer completes the REPL's line: command names, flags, addresses
// (by suffix), key names, permission names and event types.
type completer struct {
	c   *Console
	ctx context.Context

	mu      sync.Mutex
	addrs   []string
	fetched time.Time
}

// addressTTL is how long the address list fetched from the daemon is reused.
const addressTTL = 2 * time.Second

// Do implements readline.AutoCompleter: candidates are the rest of the
// word under the cursor, length the part of it already typed.
func (k *completer) Do(line []rune, pos int) (newLine [][]rune, length int) {
	if pos > len(line) || pos < 0 {
		pos = len(line)
	}
	words, cur := completionWords(string(line[:pos]))
	cands := k.candidates(words, cur)
	out := make([][]rune, 0, len(cands))
	for _, s := range cands {
		if strings.HasPrefix(s, cur) && s != cur || s == cur && len(cands) == 1 {
			out = append(out, []rune(s[len(cur):]+" "))
		}
	}
	return out, len([]rune(cur))
}

// completionWords splits the text before the cursor into the words of the
// current command (after the last ';') and the word being typed.
func completionWords(s string) (words []string, cur string) {
	if i := strings.LastIndexByte(s, ';'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) > 0 && !strings.HasSuffix(s, " ") && !strings.HasSuffix(s, "\t") {
		cur = f[len(f)-1]
		f = f[:len(f)-1]
	}
	return f, cur
}

var flagRE = regexp.MustCompile(`--?[a-z][a-z-]*`)

// argKind names what the n-th positional argument of cmd is, from its
// usage: ADDR, TAB, KEY, CMD, PERM, or another word for anything.
func argKind(cmd *Command, n int) string {
	var pos []string
	valueNext := false
	for _, tok := range strings.Fields(cmd.Args) {
		t := strings.Trim(tok, "[].")
		if valueNext { // the value of a flag: "[-n N]"
			valueNext = false
			continue
		}
		if strings.HasPrefix(t, "-") {
			valueNext = !strings.HasSuffix(tok, "]")
			continue
		}
		pos = append(pos, t)
	}
	if n < len(pos) {
		return pos[n]
	}
	if len(pos) > 0 && strings.HasSuffix(cmd.Args, "...") {
		return pos[len(pos)-1]
	}
	return ""
}

// flagsOf lists the flags in a command's usage.
func flagsOf(cmd *Command) []string {
	return flagRE.FindAllString(cmd.Args, -1)
}

// flagValues are flags followed by a value word.
var flagValues = map[string]bool{"-n": true, "--type": true, "--session": true, "--name": true}

func (k *completer) candidates(words []string, cur string) []string {
	if len(words) == 0 {
		return commandNames()
	}
	cmd, ok := registry[words[0]]
	if !ok {
		return nil
	}
	if strings.HasPrefix(cur, "-") {
		return flagsOf(cmd)
	}
	// Count positional words, skipping flags and their values.
	n := 0
	prevFlag := ""
	for _, w := range words[1:] {
		if prevFlag != "" {
			prevFlag = ""
			continue
		}
		if strings.HasPrefix(w, "-") {
			if flagValues[w] {
				prevFlag = w
			}
			continue
		}
		n++
	}
	if prevFlag == "--type" {
		return eventTypes
	}
	if prevFlag != "" {
		return nil
	}
	switch argKind(cmd, n) {
	case "ADDR", "TAB":
		return addressCompletions(k.addresses(), cur)
	case "KEY":
		return keyNames
	case "CMD":
		if cmd.Name == "help" {
			return commandNames()
		}
	case "PERM":
		return permissionNames()
	}
	return nil
}

func commandNames() []string {
	var out []string
	for _, c := range Commands() {
		out = append(out, c.Name)
	}
	return append(out, "exit")
}

// addresses lists every object's address, fetched from the daemon at most
// every addressTTL.
func (k *completer) addresses() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if time.Since(k.fetched) < addressTTL && k.addrs != nil {
		return k.addrs
	}
	ctx, cancel := context.WithTimeout(k.ctx, 2*time.Second)
	defer cancel()
	res, err := k.c.client.List(ctx, connect.NewRequest(&controlv1.ListRequest{}))
	if err != nil {
		return k.addrs
	}
	k.addrs = k.addrs[:0]
	for _, o := range res.Msg.Objects {
		k.addrs = append(k.addrs, o.Address)
	}
	k.fetched = time.Now()
	return k.addrs
}

// addressCompletions offers, for each address, its shortest unique suffix
// (at a '.') that starts with what is typed, else the whole address.
func addressCompletions(addrs []string, typed string) []string {
	count := map[string]int{}
	for _, a := range addrs {
		for _, s := range suffixes(a) {
			count[s]++
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, a := range addrs {
		pick := ""
		for _, s := range suffixes(a) { // shortest first
			if count[s] == 1 && strings.HasPrefix(s, typed) {
				pick = s
				break
			}
		}
		if pick == "" && strings.HasPrefix(a, typed) {
			pick = a
		}
		if pick != "" && !seen[pick] {
			seen[pick] = true
			out = append(out, pick)
		}
	}
	sort.Strings(out)
	return out
}

// suffixes returns an address's suffixes at '.' boundaries, shortest first.
func suffixes(a string) []string {
	var out []string
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] == '.' {
			out = append(out, a[i+1:])
		}
	}
	return append(out, a)
}

var keyNames = func() []string {
	ks := []string{"Enter", "Tab", "Esc", "Space", "Backspace", "Delete", "Insert", "Up", "Down", "Left", "Right",
		"Home", "End", "PageUp", "PageDown", "Shift+Tab"}
	for i := 1; i <= 12; i++ {
		ks = append(ks, "F"+itoa(i))
	}
	for c := 'a'; c <= 'z'; c++ {
		ks = append(ks, "Ctrl+"+string(c))
	}
	return ks
}()

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

func permissionNames() []string {
	out := make([]string, 0, len(pluginpb.PermissionType_name))
	for _, n := range pluginpb.PermissionType_name {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// eventTypes are the event types `events --type` filters on.
var eventTypes = []string{
	"apply.started", "apply.done", "apply.failed", "config.invalid", "config.changed",
	"pane.started", "pane.exited", "pane.restarting", "pane.closed", "pane.failed",
	"plugin.loaded", "plugin.first_frame", "plugin.crashed", "plugin.stopped", "plugin.failed",
	"plugin.incident", "plugin.command", "plugin.stderr", "permission.requested",
	"tab.created", "tab.closed", "session.created", "session.closed", "daemon.stopping",
}
