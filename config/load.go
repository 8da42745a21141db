package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/tessera-ws/tessera/internal/fsutil"
)

// File is one configuration file: its name (used in diagnostics and to
// resolve relative paths) and its contents.
type File struct {
	Name string
	Src  []byte
}

// Options are the inputs of a load besides the files themselves.
type Options struct {
	// Vars are variable values given on the command line (--var k=v). A value
	// for a string variable is taken literally; for any other type it is
	// parsed as an HCL expression. Vars win over Env's TESSERA_VAR_k.
	Vars map[string]string
	// Env is the environment seen by env() and TESSERA_VAR_k; nil is empty.
	// The loader never reads the process environment itself.
	Env map[string]string
	// ReadFile serves file() and fileexists(); nil disables them. Load sets
	// it, when it is nil, to a reader of regular files of at most
	// fsutil.MaxIncludedFile (1 MiB) bytes.
	ReadFile func(name string) ([]byte, error)
	// Dir is the workspace root: the default cwd, path.root, and the base of
	// every relative path (plugin sources, mount sources, cwd, file() and the
	// other path functions). "" means each file's own directory for the
	// paths it declares, and the first file's directory for path.root and
	// functions. Load sets Dir to the directory it is given; a caller sets it
	// to read a file as if it were in another directory (a copy of an old
	// version of a workspace, planned against the current one).
	Dir string
	// Builtins restricts the names accepted in builtin:NAME sources; nil
	// accepts any well-formed name.
	Builtins []string
	// Version is the running Tessera version, checked against the
	// required_version of tessera blocks; "" skips the check.
	Version string
}

// ReadPath reads a workspace: a single file, or every *.hcl file of a
// directory (not recursive) in name order. It is the only function of the
// package that reads files on its own.
func ReadPath(path string) ([]File, hcl.Diagnostics) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read workspace", Detail: fmt.Sprintf("read %s: %v. Give a workspace file or a directory of *.hcl files.", path, err)}}
	}
	var names []string
	if st.IsDir() {
		matches, err := filepath.Glob(filepath.Join(path, "*.hcl"))
		if err != nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read workspace", Detail: err.Error()}}
		}
		sort.Strings(matches)
		names = matches
		if len(names) == 0 {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No configuration files", Detail: fmt.Sprintf("The directory %s holds no *.hcl file.", path)}}
		}
	} else {
		names = []string{path}
	}
	var files []File
	var diags hcl.Diagnostics
	for _, n := range names {
		b, err := fsutil.ReadFile(n, maxFileSize)
		if err != nil {
			diags = append(diags, readFileDiag(n, err))
			continue
		}
		files = append(files, File{Name: n, Src: b})
	}
	return files, diags
}

// readFileDiag explains why a workspace file could not be read. The
// diagnostic's range is the file's start, so that it names the file as the
// user gave it once the caller shortens names.
func readFileDiag(name string, err error) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read file", Detail: err.Error(),
		Subject: &hcl.Range{Filename: name, Start: hcl.InitialPos, End: hcl.InitialPos}}
	var tooLarge *fsutil.TooLargeError
	var notRegular *fsutil.NotRegularError
	switch {
	case errors.As(err, &tooLarge):
		size := "more than that"
		if tooLarge.Size >= 0 {
			size = fsutil.FormatSize(tooLarge.Size)
		}
		d.Summary = "File too large"
		d.Detail = fmt.Sprintf("A workspace file may have at most %s; this one has %s. Split the workspace into several *.hcl files in one directory, or check that this is the file you meant.", fsutil.FormatSize(tooLarge.Limit), size)
	case errors.As(err, &notRegular):
		d.Summary = "Not a workspace file"
		d.Detail = fmt.Sprintf("This is %s, not a regular file. Give a workspace file or a directory of *.hcl files.", notRegular.Kind())
	case errors.Is(err, fs.ErrNotExist):
		d.Detail = "The file does not exist."
	}
	return d
}

// readIncluded is the default Options.ReadFile: a regular file of at most
// fsutil.MaxIncludedFile bytes.
func readIncluded(name string) ([]byte, error) {
	return fsutil.ReadFile(name, fsutil.MaxIncludedFile)
}

// Load reads path (a file or a directory of *.hcl files) and parses it as
// one workspace. It returns the files it read, for rendering diagnostics.
// File names are made absolute so that the model's paths are.
func Load(path string, opts Options) (*Workspace, []File, hcl.Diagnostics) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	files, diags := ReadPath(path)
	if diags.HasErrors() {
		return nil, files, diags
	}
	if opts.ReadFile == nil {
		opts.ReadFile = readIncluded
	}
	if opts.Dir == "" {
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			opts.Dir = path
		}
	} else if abs, err := filepath.Abs(opts.Dir); err == nil {
		opts.Dir = abs
	}
	ws, more := Parse(files, opts)
	return ws, files, append(diags, more...)
}

// Validate loads path and returns only its diagnostics: a dry run of Load.
func Validate(path string, opts Options) hcl.Diagnostics {
	_, _, diags := Load(path, opts)
	return diags
}

// Parse parses files as one workspace. It returns a Workspace only when there
// is no error diagnostic; every diagnostic is collected (never first error
// wins), sorted by position.
func Parse(files []File, opts Options) (*Workspace, hcl.Diagnostics) {
	return parse(files, opts, splitThreshold)
}

// parse is Parse with the size from which files are parsed in chunks.
func parse(files []File, opts Options, split int) (*Workspace, hcl.Diagnostics) {
	l := &loader{opts: opts, split: split}
	ws := l.run(files)
	l.fixSuggestions()
	diags := normalize(l.diags)
	if diags.HasErrors() {
		return nil, diags
	}
	return ws, diags
}

// normalize sorts diagnostics by position (those without a range first) and
// drops exact duplicates, which templates used several times would produce.
func normalize(diags hcl.Diagnostics) hcl.Diagnostics {
	type key struct {
		rng             hcl.Range
		summary, detail string
	}
	seen := map[key]bool{}
	out := diags[:0:0]
	for _, d := range diags {
		k := key{summary: d.Summary, detail: d.Detail}
		if d.Subject != nil {
			k.rng = *d.Subject
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Subject, out[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		case a.Start.Byte != b.Start.Byte:
			return a.Start.Byte < b.Start.Byte
		}
		return false
	})
	return out
}

func (l *loader) run(files []File) *Workspace {
	if len(files) == 0 {
		l.errorf(nil, "No configuration files", "Give at least one workspace file.")
		return nil
	}
	l.root = l.opts.Dir
	if l.root == "" {
		l.root = filepath.Dir(files[0].Name)
	}
	ws := &Workspace{}
	var blocks []*hcl.Block
	var end *hcl.Range
	parsed := parseFiles(files, l.split)
	var bodies []hcl.Body
	for _, p := range parsed {
		bodies = append(bodies, p.bodies...)
	}
	if !l.checkVersions(bodies, l.opts.Version) {
		return nil
	}
	for i, p := range parsed {
		ws.Files = append(ws.Files, files[i].Name)
		l.diags = append(l.diags, p.diags...)
		for _, body := range p.bodies {
			if end == nil {
				r := body.MissingItemRange()
				end = &r
			}
			content, diags := body.Content(rootSchema)
			l.diags = append(l.diags, diags...)
			blocks = append(blocks, content.Blocks...)
		}
	}
	// Declarations of each kind, with duplicates reported once.
	byType := map[string]map[string]*hcl.Block{}
	var order = map[string][]string{}
	var localsBlocks []*hcl.Block
	for _, b := range blocks {
		if b.Type == blockLocals {
			localsBlocks = append(localsBlocks, b)
			continue
		}
		if b.Type == blockTessera {
			continue // checked by checkVersions
		}
		name := b.Labels[0]
		if !validName(name) {
			l.errorf(&b.LabelRanges[0], "Invalid name", "%s", invalidNameDetail(name, b.Type))
			continue
		}
		m := byType[b.Type]
		if m == nil {
			m = map[string]*hcl.Block{}
			byType[b.Type] = m
		}
		if prev, dup := m[name]; dup {
			l.errorf(&b.LabelRanges[0], "Duplicate "+b.Type, "A %s named %q is already declared at %s. Names must be unique across all files of the workspace: rename or remove one of them.", b.Type, name, rangeString(prev.DefRange))
			continue
		}
		m[name] = b
		order[b.Type] = append(order[b.Type], name)
	}
	l.baseContext()
	l.decodeVariables(byType[blockVariable], order[blockVariable])
	l.decodeLocals(localsBlocks)
	l.finishContext()
	l.paneTemplates = map[string]*paneTemplate{}
	for _, name := range order[blockPaneTemplate] {
		l.paneTemplates[name] = l.declarePaneTemplate(name, byType[blockPaneTemplate][name])
	}
	l.tabTemplates = map[string]*tabTemplate{}
	for _, name := range order[blockTabTemplate] {
		l.tabTemplates[name] = l.declareTabTemplate(name, byType[blockTabTemplate][name])
	}
	l.plugins = map[string]*Plugin{}
	l.pluginNames = append([]string(nil), order[blockPlugin]...)
	sort.Strings(l.pluginNames)
	for _, name := range order[blockPlugin] {
		if p := l.decodePlugin(name, byType[blockPlugin][name]); p != nil {
			l.plugins[name] = p
		}
	}
	for _, name := range sortedKeys(l.plugins) {
		ws.Plugins = append(ws.Plugins, l.plugins[name])
	}
	for _, name := range order[blockSession] {
		if s := l.decodeSession(name, byType[blockSession][name]); s != nil {
			ws.Sessions = append(ws.Sessions, s)
		}
	}
	for _, name := range order[blockPaneTemplate] {
		if t := l.paneTemplates[name]; !t.used {
			l.warnf(&t.block.LabelRanges[0], "Unused template", "pane_template %q is not used by any pane; use it with template = pane_template.%s or remove it.", name, name)
		}
	}
	for _, name := range order[blockTabTemplate] {
		if t := l.tabTemplates[name]; !t.used {
			l.warnf(&t.block.LabelRanges[0], "Unused template", "tab_template %q is not used by any tab; use it with template = tab_template.%s or remove it.", name, name)
		}
	}
	if len(byType[blockSession]) == 0 && !l.diags.HasErrors() {
		l.errorf(end, "No session", "A workspace declares at least one session block, for example:\n\n  session \"dev\" {\n    tab \"main\" {\n      pane \"shell\" {}\n    }\n  }")
	}
	return ws
}

func (l *loader) errorf(subject *hcl.Range, summary, detail string, args ...any) {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail}
	if subject != nil {
		r := *subject
		d.Subject = &r
	}
	l.diags = append(l.diags, d)
}

func (l *loader) warnf(subject *hcl.Range, summary, detail string, args ...any) {
	l.errorf(subject, summary, detail, args...)
	l.diags[len(l.diags)-1].Severity = hcl.DiagWarning
}

func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// baseDir is the directory that relative paths declared at r resolve
// against: the workspace root when one is given, else r's file's directory.
func (l *loader) baseDir(r hcl.Range) string {
	if l.opts.Dir != "" {
		return l.opts.Dir
	}
	return filepath.Dir(r.Filename)
}

// resolvePath resolves p against base unless it is absolute or home-relative.
func resolvePath(base, p string) string {
	if p == "" {
		return base
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		return p
	}
	return filepath.Join(base, p)
}

var namedRE = regexp.MustCompile(`named "([^"]*)"`)

// fixSuggestions makes HCL's "did you mean" for unknown variables and
// functions deterministic: HCL picks the first close name in map order, we
// pick the closest name in sorted order.
func (l *loader) fixSuggestions() {
	var roots, funcs []string
	for _, d := range l.diags {
		var candidates []string
		switch d.Summary {
		case "Unknown variable":
			if roots == nil {
				roots = []string{"local", "param", "path", "var"}
			}
			candidates = roots
		case "Call to unknown function":
			if funcs == nil {
				funcs = sortedKeys(l.functions())
			}
			candidates = funcs
		default:
			continue
		}
		m := namedRE.FindStringSubmatchIndex(d.Detail)
		if m == nil || strings.Contains(d.Detail, " in namespace ") {
			continue
		}
		name := d.Detail[m[2]:m[3]]
		d.Detail = d.Detail[:m[1]] + "." + didYouMean(name, candidates)
	}
}
