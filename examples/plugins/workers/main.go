//go:build wasip1

// Command workers shows plugin workers: the plugin posts jobs to a worker
// ("compute"), which runs in its own instance of this module, does the CPU
// work and posts the result back; the plugin receives it as a CustomMessage
// event and draws the results in a table.
//
// Keys: 1-9 count the primes up to 1-9 times step; h hashes a seed
// hash_rounds times with SHA-256; c clears the results.
//
// Configuration: step (default 100000) and hash_rounds (default 100000).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tessera-ws/tessera/sdk"
	"github.com/tessera-ws/tessera/sdk/pb"
	"github.com/tessera-ws/tessera/sdk/ui"
)

func init() {
	sdk.Register(&plugin{})
	sdk.RegisterWorker("compute", &compute{})
}

// computeWorker is the worker's entry point; the host finds it by the
// "_worker" suffix of the export name.
//
//go:wasmexport compute_worker
func computeWorker() { sdk.RunWorker("compute") }

func main() {}

// Messages between the plugin and the worker. A job is "<id> <arg>"; a
// result is "<id> <arg> <answer> <milliseconds> <jobs done by the worker>".
const (
	jobPrimes  = "primes"
	jobHash    = "sha256"
	resultName = "result"
)

// ---- Plugin side ----

type result struct {
	id, kind, arg, answer, millis, served string
}

type plugin struct {
	sdk.BasePlugin
	step    int
	rounds  int
	nextID  int
	pending map[string]string // job id -> description
	results []result
}

func (p *plugin) Load(cfg map[string]string) {
	p.pending = map[string]string{}
	p.step = positive(cfg["step"], 100000)
	p.rounds = positive(cfg["hash_rounds"], 100000)
	sdk.Subscribe(pb.EventType_Key, pb.EventType_CustomMessage)
	p.post(jobPrimes, strconv.Itoa(p.step)) // a first job, so there is something to see
}

// positive parses a positive number, or returns def.
func positive(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n
	}
	return def
}

func (p *plugin) post(kind, arg string) {
	p.nextID++
	id := strconv.Itoa(p.nextID)
	p.pending[id] = kind + " " + arg
	sdk.PostMessageTo("compute", kind, id+" "+arg)
}

func (p *plugin) Update(ev *pb.Event) bool {
	switch ev.GetName() {
	case pb.EventType_Key:
		r, ok := sdk.KeyRune(ev.GetKeyPayload())
		switch {
		case !ok:
			return false
		case r >= '1' && r <= '9':
			p.post(jobPrimes, strconv.Itoa(int(r-'0')*p.step))
		case r == 'h':
			p.post(jobHash, strconv.Itoa(p.rounds))
		case r == 'c':
			p.results = nil
		default:
			return false
		}
		return true
	case pb.EventType_CustomMessage:
		m := ev.GetCustomMessagePayload()
		if m.GetMessageName() != resultName {
			return false
		}
		f := strings.Fields(m.GetPayload())
		if len(f) != 6 {
			return false
		}
		delete(p.pending, f[0])
		p.results = append(p.results, result{id: f[0], kind: f[1], arg: f[2], answer: f[3], millis: f[4], served: f[5]})
		if len(p.results) > 20 {
			p.results = p.results[len(p.results)-20:]
		}
		return true
	}
	return false
}

func (p *plugin) Render(rows, cols int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	pal := ui.DefaultPalette()
	var b strings.Builder
	b.WriteString(pal.TextUnselected.EmphasisStyle(0).Paint("worker demo"))
	b.WriteString(" " + strconv.Itoa(len(p.pending)) + " pending · 1-9 primes · h sha256 · c clear\n")
	t := ui.NewTable().AddRow("#", "job", "argument", "answer", "ms", "worker jobs")
	// Newest first, as many as fit below the title and the table header.
	for i := len(p.results) - 1; i >= 0 && t.Rows() < rows-1; i-- {
		r := p.results[i]
		answer := r.answer
		if r.kind == jobHash {
			answer = ui.Truncate(answer, 16, "…")
		}
		t.AddStyledRow(ui.NewText(r.id), ui.NewText(r.kind).ColorAll(ui.Emphasis1),
			ui.NewText(r.arg), ui.NewText(answer).ColorAll(ui.Emphasis2), ui.NewText(r.millis), ui.NewText(r.served))
	}
	b.WriteString(ui.Serialize(t))
	os.Stdout.WriteString(b.String())
}

// ---- Worker side ----

// compute runs in the worker instance. Its fields persist from one message
// to the next.
type compute struct {
	served int
}

func (c *compute) OnMessage(kind, payload string) {
	id, arg, _ := strings.Cut(payload, " ")
	n, err := strconv.Atoi(arg)
	if err != nil || n < 0 || n > 50_000_000 {
		sdk.PostMessageToPlugin(resultName, id+" "+kind+" "+arg+" invalid 0 "+strconv.Itoa(c.served))
		return
	}
	start := time.Now()
	var answer string
	switch kind {
	case jobPrimes:
		answer = strconv.Itoa(countPrimes(n))
	case jobHash:
		answer = hashChain("tessera", n)
	default:
		answer = "unknown-job"
	}
	c.served++
	ms := strconv.FormatInt(time.Since(start).Milliseconds(), 10)
	sdk.PostMessageToPlugin(resultName, strings.Join([]string{id, kind, arg, answer, ms, strconv.Itoa(c.served)}, " "))
}

// countPrimes counts the primes up to n with a sieve of Eratosthenes.
func countPrimes(n int) int {
	if n < 2 {
		return 0
	}
	composite := make([]bool, n+1)
	count := 0
	for i := 2; i <= n; i++ {
		if composite[i] {
			continue
		}
		count++
		for j := i * i; j <= n; j += i {
			composite[j] = true
		}
	}
	return count
}

// hashChain hashes seed with SHA-256, then the digest, n times in all.
func hashChain(seed string, n int) string {
	sum := sha256.Sum256([]byte(seed))
	for i := 1; i < n; i++ {
		sum = sha256.Sum256(sum[:])
	}
	return hex.EncodeToString(sum[:])
}
