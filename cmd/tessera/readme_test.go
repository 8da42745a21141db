package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/config"
)

// readmes are the documents whose examples must work.
var readmes = []string{"../../README.md", "../../config/README.md"}

// mdBlock is one fenced code block of a Markdown file.
type mdBlock struct {
	lang, text string
	line       int
}

func mdBlocks(t *testing.T, path string) (blocks []mdBlock, prose string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cur *mdBlock
	var sb strings.Builder
	for i, line := range strings.Split(string(b), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &mdBlock{lang: strings.TrimPrefix(line, "```"), line: i + 1}
		case cur != nil && strings.HasPrefix(line, "```"):
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		default:
			sb.WriteString(line + "\n")
		}
	}
	return blocks, sb.String()
}

// TestReadmeExamples validates every ```hcl block of the READMEs as a
// workspace (with tessera validate, so local plugin files are checked: the
// files an example names are created beside it as minimal wasm modules, as
// a repository would hold them), runs the tessera commands of the ```sh
// blocks that follow it when the files they name are there, and checks that
// every documented tessera command and flag exists.
func TestReadmeExamples(t *testing.T) {
	var paths []string // absolute: the test changes directory to run commands
	for _, md := range readmes {
		abs, err := filepath.Abs(md)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, abs)
	}
	for _, md := range paths {
		blocks, prose := mdBlocks(t, md)
		nHCL := 0
		dir := ""
		for _, b := range blocks {
			where := md + ":" + strconv.Itoa(b.line)
			switch b.lang {
			case "hcl":
				nHCL++
				dir = t.TempDir()
				validateExample(t, where, dir, b.text)
			case "sh":
				for _, line := range strings.Split(b.text, "\n") {
					line, _, _ = strings.Cut(line, "#")
					line = strings.TrimSpace(line)
					args, ok := tesseraArgs(line)
					if !ok {
						continue
					}
					checkDocumentedFlags(t, where, line, args, true)
					if dir != "" && runnable(dir, line, args) {
						t.Chdir(dir)
						if code, _, errs := runConfigCmd(t, args...); code != exitOK {
							t.Errorf("%s: %s: exit %d:\n%s", where, line, code, errs)
						}
					}
				}
			}
		}
		if nHCL == 0 {
			t.Errorf("%s has no hcl example", md)
		}
		// Inline `tessera ...` spans of the prose.
		for _, m := range regexp.MustCompile("`((?:\\./bin/)?tessera [^`]*)`").FindAllStringSubmatch(prose, -1) {
			if args, ok := tesseraArgs(m[1]); ok {
				checkDocumentedFlags(t, md, m[1], args, false)
			}
		}
	}
}

func validateExample(t *testing.T, where, dir, src string) {
	t.Helper()
	name := filepath.Join(dir, "workspace.hcl")
	if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if ws, _, _ := config.Load(name, config.Options{}); ws != nil {
		for _, p := range ws.Plugins {
			if p.Source.Kind == config.SourceFile {
				if err := os.MkdirAll(filepath.Dir(p.Source.Location), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p.Source.Location, []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	code, _, errs := runConfigCmd(t, "validate", name)
	if code != exitOK || errs != "" {
		t.Errorf("%s: the example does not validate (exit %d):\n%s", where, code, errs)
	}
}

// tesseraArgs returns the arguments of a tessera command line.
func tesseraArgs(line string) ([]string, bool) {
	f := strings.Fields(line)
	if len(f) < 2 || (f[0] != "tessera" && f[0] != "./bin/tessera") {
		return nil, false
	}
	return f[1:], true
}

// runnable reports whether a documented command line can run as written in
// dir: no shell syntax, and every .hcl file it names exists there.
func runnable(dir, line string, args []string) bool {
	if strings.ContainsAny(line, "|<>$`;&") {
		return false
	}
	if _, ok := commands[args[0]]; !ok || args[0] == "plugin" {
		return false
	}
	for _, a := range args {
		if strings.HasSuffix(a, ".hcl") {
			if _, err := os.Stat(filepath.Join(dir, a)); err != nil {
				return false
			}
		}
	}
	return true
}

var flagRE = regexp.MustCompile(`^\[?(--?[a-z][a-z0-9-]*)`)

// checkDocumentedFlags checks that a documented command exists (when
// mustExist: inline prose may announce commands not built yet) and that
// every flag it shows is one of the command's flags.
func checkDocumentedFlags(t *testing.T, where, line string, args []string, mustExist bool) {
	t.Helper()
	if _, ok := commands[args[0]]; !ok {
		if mustExist || strings.HasPrefix(args[0], "-") {
			if args[0] != "--version" && args[0] != "-v" {
				t.Errorf("%s: %q: no command %q", where, line, args[0])
			}
		}
		return
	}
	cmd := []string{args[0]}
	if args[0] == "plugin" && len(args) > 1 {
		cmd = append(cmd, args[1])
	}
	_, out, errs := runConfigCmd(t, append(cmd, "-h")...)
	help := out + errs
	for _, a := range args[len(cmd):] {
		m := flagRE.FindStringSubmatch(a)
		if m == nil || m[1] == "-h" || m[1] == "-" {
			continue
		}
		name := strings.TrimLeft(m[1], "-")
		if !strings.Contains(help, "\n  -"+name+" ") && !strings.Contains(help, "\n  -"+name+"\n") {
			t.Errorf("%s: %q: tessera %s has no flag -%s", where, line, strings.Join(cmd, " "), name)
		}
	}
}
