package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/agext/levenshtein"
	"golang.org/x/text/unicode/norm"
)

// Permissions lists the 17 plugin permission names of the Zellij plugin ABI,
// in the order of their protobuf enum values (PermissionType 0..16).
var Permissions = [...]string{
	"ReadApplicationState",
	"ChangeApplicationState",
	"OpenFiles",
	"RunCommands",
	"OpenTerminalsOrPlugins",
	"WriteToStdin",
	"WebAccess",
	"ReadCliPipes",
	"MessageAndLaunchOtherPlugins",
	"Reconfigure",
	"FullHdAccess",
	"StartWebServer",
	"InterceptInput",
	"ReadPaneContents",
	"RunActionsAsUser",
	"WriteToClipboard",
	"ReadSessionEnvironmentVariables",
}

// ZellijBuiltins lists the names accepted after "zellij:" in a plugin source:
// the plugins Zellij itself ships under that scheme.
var ZellijBuiltins = [...]string{
	"compact-bar", "status-bar", "tab-bar", "strider", "session-manager", "configuration",
	"plugin-manager", "about", "share", "multiple-select", "layout-manager", "link",
}

// ReservedConfigKeys are plugin configuration keys that the plugin ABI strips
// before a plugin sees its configuration; setting them in config is an error.
var ReservedConfigKeys = [...]string{
	"hold_on_close", "hold_on_start", "cwd", "name", "direction", "floating",
	"move_to_focused_tab", "launch_new", "payload", "skip_cache", "title", "in_place",
	"skip_plugin_cache",
}

// MountPoints are the guest paths a plugin manifest may mount.
var MountPoints = [...]string{"/host", "/data", "/cache", "/tmp"}

// Restart policies of terminal panes and plugins.
const (
	RestartNever     = "never"
	RestartOnFailure = "on-failure"
	RestartAlways    = "always"
)

var restartPolicies = []string{RestartNever, RestartOnFailure, RestartAlways}

// Source kinds.
const (
	SourceFile    = "file"
	SourceHTTPS   = "https"
	SourceBuiltin = "builtin"
	SourceZellij  = "zellij"
)

var (
	nameRE    = regexp.MustCompile(`^[\p{L}_][\p{L}\p{M}\p{Nd}_-]*$`)
	builtinRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	sha256RE  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// validName reports whether s may name a block: a letter (any script) or
// an underscore, then letters, combining marks, decimal digits, underscores
// and dashes, in Unicode's composed form (NFC). Such a name is an HCL
// identifier, so it can be referenced (plugin.café) and is a part of a dotted
// address; NFC makes a name typed in different editors one name.
func validName(s string) bool { return nameRE.MatchString(s) && norm.NFC.IsNormalString(s) }

// nameRule is the sentence of the Invalid name diagnostics.
const nameRule = "start with a letter or underscore and use only letters, digits, underscores and dashes (letters and digits of any script)"

// invalidNameDetail explains why name is not a valid name of kind.
func invalidNameDetail(name, kind string) string {
	if nameRE.MatchString(name) {
		return fmt.Sprintf("%s is not a valid %s name: it is in decomposed Unicode form (a letter followed by a combining mark); write it in composed form (NFC), as %q.", strconv.QuoteToASCII(name), kind, norm.NFC.String(name))
	}
	return fmt.Sprintf("%q is not a valid %s name: %s. Names become parts of dotted addresses.", name, kind, nameRule)
}

func isPermission(s string) bool {
	for _, p := range Permissions {
		if p == s {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns the candidate closest to given, or "" when none is close.
func suggest(given string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := levenshtein.Distance(strings.ToLower(given), strings.ToLower(c), nil)
		if d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(2, len(given)/3) {
		return ""
	}
	return best
}

func didYouMean(given string, candidates []string) string {
	if s := suggest(given, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseSize parses a byte size such as "64MiB", "512KiB", "1GB" or "65536".
func parseSize(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("%q does not start with a number", s)
	}
	num, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s[:i])
	}
	unit := strings.TrimSpace(s[i:])
	mult := map[string]float64{
		"": 1, "B": 1,
		"KB": 1e3, "MB": 1e6, "GB": 1e9,
		"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30,
	}
	m, ok := mult[unit]
	if !ok {
		return 0, fmt.Errorf("unknown unit %q (use B, KiB, MiB, GiB, KB, MB or GB)", unit)
	}
	v := num * m
	if v > 1<<40 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return uint64(v), nil
}

// formatSize renders n in the largest binary unit that divides it.
func formatSize(n uint64) string {
	switch {
	case n == 0:
		return "0"
	case n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (write it like \"250ms\", \"5s\" or \"1m30s\")", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be greater than zero", s)
	}
	return d, nil
}

// parseSource resolves a plugin source string. dir is the directory of the
// file that declares it, used for relative paths.
func parseSource(raw, sha, dir string, builtins []string) (Source, string, string) {
	src := Source{SHA256: sha}
	switch {
	case strings.HasPrefix(raw, "https://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return src, "Invalid plugin URL", fmt.Sprintf("%q is not a valid https URL.", raw)
		}
		src.Kind, src.Location = SourceHTTPS, raw
		if sha == "" {
			return src, "Missing sha256", "A plugin fetched over https must be pinned: add sha256 = \"<64 hex digits>\" with the digest of the .wasm file (sha256sum plugin.wasm)."
		}
	case strings.HasPrefix(raw, "http://"):
		return src, "Insecure plugin URL", "Plugins are only fetched over https. Use an https:// URL with a sha256, or download the file and use a file: path."
	case strings.HasPrefix(raw, "zellij:"):
		name := strings.TrimPrefix(raw, "zellij:")
		if !contains(ZellijBuiltins[:], name) {
			return src, "Unknown built-in plugin", fmt.Sprintf("%q is not one of Zellij's built-in plugins (%s).%s", name, strings.Join(ZellijBuiltins[:], ", "), didYouMean(name, ZellijBuiltins[:]))
		}
		src.Kind, src.Location = SourceZellij, name
	case strings.HasPrefix(raw, "builtin:"):
		name := strings.TrimPrefix(raw, "builtin:")
		if !builtinRE.MatchString(name) {
			return src, "Invalid built-in plugin name", fmt.Sprintf("%q is not a valid built-in name: use lowercase letters, digits and dashes, as in \"builtin:status\".", name)
		}
		if builtins != nil && !contains(builtins, name) {
			return src, "Unknown built-in plugin", fmt.Sprintf("Tessera has no built-in plugin %q (known: %s).%s", name, strings.Join(builtins, ", "), didYouMean(name, builtins))
		}
		src.Kind, src.Location = SourceBuiltin, name
	default:
		p := strings.TrimPrefix(raw, "file:")
		if p == "" {
			return src, "Empty plugin source", "Set source to a path such as \"./plugins/notes.wasm\", a file: path, an https URL, builtin:NAME or zellij:NAME."
		}
		if i := strings.Index(p, ":"); i > 0 && !strings.HasPrefix(raw, "file:") && !strings.ContainsAny(p[:i], "/\\.") {
			return src, "Unknown plugin source scheme", fmt.Sprintf("The scheme %q is not supported. Use a relative path, file:, https:, builtin: or zellij:.", p[:i+1])
		}
		if !strings.HasPrefix(p, "~") && !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		src.Kind, src.Location = SourceFile, filepath.Clean(p)
		if strings.HasPrefix(p, "~") {
			src.Location = p
		}
	}
	if sha != "" && !sha256RE.MatchString(sha) {
		return src, "Invalid sha256", fmt.Sprintf("%q is not a sha256 digest: write 64 lowercase hexadecimal digits.", sha)
	}
	return src, "", ""
}
