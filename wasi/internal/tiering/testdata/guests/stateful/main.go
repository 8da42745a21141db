// Command stateful is a test guest whose state lives in the Go heap, in
// goroutine stacks and in the runtime's globals, so moving it between
// instances exercises everything a Go plugin keeps between calls.
package main

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
)

type entry struct {
	Name  string
	Score int
	Tags  []string
}

var (
	history []entry
	index   = map[string]int{}
	sum     uint64
	// A goroutine parked between calls keeps its own stack and a running
	// total; step talks to it through channels.
	req  = make(chan int)
	resp = make(chan uint64)
)

func init() {
	go func() {
		var total uint64
		for n := range req {
			total = total*31 + uint64(n)
			resp <- total
		}
	}()
}

// step appends to the heap state, allocates garbage, talks to the parked
// goroutine and returns a checksum of everything.
//
//go:wasmexport step
func step(n int32) int64 {
	e := entry{Name: "e" + strconv.Itoa(int(n)), Score: int(n) * 7 % 13}
	for i := 0; i < int(n%5); i++ {
		e.Tags = append(e.Tags, strings.Repeat("t", i+1))
	}
	history = append(history, e)
	index[e.Name] += int(n)
	garbage := make([][]byte, 0, 64)
	for i := 0; i < 64; i++ {
		garbage = append(garbage, make([]byte, 1024+i))
	}
	b := []byte(fmt.Sprintf("%+v", history[len(history)-1]))
	req <- int(n) + len(garbage)
	total := <-resp
	h := fnv.New64a()
	h.Write(b)
	keys := make([]string, 0, len(index))
	for k := range index {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%d;", k, index[k])
	}
	sum = sum*1099511628211 ^ h.Sum64() ^ total
	return int64(sum)
}

type row struct {
	key   string
	value int
}

// work is a CPU-bound stand-in for an update plus render: it sorts rows,
// formats them into a frame and hashes the frame, n times.
//
//go:wasmexport work
func work(n int32) int64 {
	var acc uint64
	rows := make([]row, 200)
	var sb strings.Builder
	for it := 0; it < int(n); it++ {
		for i := range rows {
			rows[i] = row{key: "k" + strconv.Itoa((i*7919+it)%1000), value: (i*31 + it) % 97}
		}
		sort.Slice(rows, func(a, b int) bool {
			if rows[a].value != rows[b].value {
				return rows[a].value < rows[b].value
			}
			return rows[a].key < rows[b].key
		})
		sb.Reset()
		for _, r := range rows {
			sb.WriteString("\x1b[1m")
			sb.WriteString(r.key)
			sb.WriteString("\x1b[0m ")
			sb.WriteString(strconv.Itoa(r.value))
			sb.WriteString("\r\n")
		}
		h := fnv.New64a()
		h.Write([]byte(sb.String()))
		acc ^= h.Sum64() + uint64(it)
	}
	return int64(acc)
}

// spin is a tight loop with no calls, for measuring per-iteration costs of
// interruption checks.
//
//go:wasmexport spin
func spin(n int64) int64 {
	x := uint64(n)
	for i := int64(0); i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return int64(x)
}

// heapPages reports how much heap the guest holds, to check growth.
//
//go:wasmexport history_len
func historyLen() int32 { return int32(len(history)) }

func main() {}
