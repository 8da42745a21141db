package config

import (
	"bytes"
	"runtime"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// splitThreshold is the file size from which a file is parsed in parallel
// chunks cut between top-level blocks.
const splitThreshold = 32 << 10

// parsedFile is the syntax of one file: one body per chunk, in order.
type parsedFile struct {
	bodies []hcl.Body
	diags  hcl.Diagnostics
}

type parseJob struct {
	file, chunk int
	src         []byte
	start       hcl.Pos
	result      *hcl.File
	diags       hcl.Diagnostics
}

// parseFiles parses every file, the files (and the chunks of large files)
// concurrently on up to GOMAXPROCS goroutines. A chunked file that has a
// syntax error is parsed again whole, so that its diagnostics are exactly
// those of a plain parse.
func parseFiles(files []File, split int) []parsedFile {
	out := make([]parsedFile, len(files))
	var jobs []*parseJob
	for i, f := range files {
		if d := checkNesting(f.Src, f.Name); d != nil {
			out[i].diags = hcl.Diagnostics{d}
			continue
		}
		cuts := []int{0}
		if len(f.Src) >= split {
			cuts = splitPoints(f.Src, runtime.GOMAXPROCS(0))
		}
		pos := hcl.InitialPos
		for c, at := range cuts {
			end := len(f.Src)
			if c+1 < len(cuts) {
				end = cuts[c+1]
			}
			if c > 0 {
				pos.Line += bytes.Count(f.Src[cuts[c-1]:at], []byte{'\n'})
				pos.Byte = at
			}
			jobs = append(jobs, &parseJob{file: i, chunk: c, src: f.Src[at:end], start: pos})
		}
	}
	run := func(j *parseJob) {
		j.result, j.diags = hclsyntax.ParseConfig(j.src, files[j.file].Name, j.start)
	}
	if len(jobs) == 1 {
		run(jobs[0])
	} else {
		sem := make(chan struct{}, runtime.GOMAXPROCS(0))
		var wg sync.WaitGroup
		for _, j := range jobs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				run(j)
				<-sem
			}()
		}
		wg.Wait()
	}
	chunked := map[int]bool{}
	for _, j := range jobs {
		if j.chunk > 0 {
			chunked[j.file] = true
		}
	}
	failed := map[int]bool{}
	for _, j := range jobs {
		if chunked[j.file] && j.diags.HasErrors() {
			failed[j.file] = true
		}
	}
	for _, j := range jobs {
		p := &out[j.file]
		if failed[j.file] {
			continue
		}
		p.diags = append(p.diags, j.diags...)
		if !j.diags.HasErrors() && j.result != nil {
			p.bodies = append(p.bodies, j.result.Body)
		}
	}
	for i := range failed {
		file, diags := hclsyntax.ParseConfig(files[i].Src, files[i].Name, hcl.InitialPos)
		out[i] = parsedFile{diags: diags}
		if !diags.HasErrors() && file != nil {
			out[i].bodies = []hcl.Body{file.Body}
		}
	}
	return out
}

// splitPoints returns up to n chunk starts (the first is 0): offsets just
// after a newline that follows a top-level closing brace, chosen to balance
// the chunks' sizes. A file with heredocs is not split, since the scan below
// does not follow them.
func splitPoints(src []byte, n int) []int {
	if n < 2 || bytes.Contains(src, []byte("<<")) {
		return []int{0}
	}
	var candidates []int
	depth, inString := 0, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"', '\n':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			// Strings may hold interpolations with braces; they stay inside
			// the block, whose depth is what matters.
		case '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case '/':
			if i+1 < len(src) && src[i+1] == '/' {
				for i < len(src) && src[i] != '\n' {
					i++
				}
			} else if i+1 < len(src) && src[i+1] == '*' {
				return []int{0}
			}
		case '{', '[', '(':
			depth++
		case '}', ']', ')':
			depth--
			if depth < 0 {
				return []int{0}
			}
			if depth == 0 && c == '}' && i+1 < len(src) && src[i+1] == '\n' {
				candidates = append(candidates, i+2)
			}
		}
	}
	cuts := []int{0}
	step := len(src) / n
	for _, at := range candidates {
		if at < len(src) && at-cuts[len(cuts)-1] >= step && len(cuts) < n {
			cuts = append(cuts, at)
		}
	}
	return cuts
}
