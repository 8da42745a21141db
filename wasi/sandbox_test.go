package wasi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

func TestSandboxMountsAndEnv(t *testing.T) {
	t.Setenv("TESSERA_SECRET", "hunter2")
	hostDir, dataDir, outside := t.TempDir(), t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(hostDir, "a.txt"), []byte("abc"), 0o644)
	os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("top secret"), 0o644)
	os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(hostDir, "link"))
	p := loadProbe(t, PluginConfig{
		ID: 1,
		Mounts: []Mount{
			{Guest: "/host", Host: hostDir, ReadOnly: true},
			{Guest: "/data", Host: dataDir},
		},
		Env: map[string]string{"LANG": "C.UTF-8", "TERM": "xterm"},
	})
	act(t, p, "read", "/host/a.txt")
	act(t, p, "write", "/host/new.txt=x")
	act(t, p, "write", "/data/out.txt=written")
	act(t, p, "read", "/host/link")
	act(t, p, "read", "/host/../"+filepath.Base(outside)+"/secret.txt")
	act(t, p, "args", "")
	f := act(t, p, "env", "")
	mustContain(t, f,
		`read /host/a.txt: "abc" err=<nil>`,
		"write /data/out.txt err=<nil>",
		"args 0",
	)
	if !strings.HasSuffix(f, "\nenv LANG=C.UTF-8;TERM=xterm") { // nothing inherited
		t.Fatalf("environment:\n%s", f)
	}
	if strings.Contains(f, "write /host/new.txt err=<nil>") || strings.Contains(f, "top secret") || strings.Contains(f, "hunter2") {
		t.Fatalf("sandbox leak:\n%s", f)
	}
	if _, err := os.Stat(filepath.Join(hostDir, "new.txt")); err == nil {
		t.Fatal("read-only mount was written")
	}
	if b, _ := os.ReadFile(filepath.Join(dataDir, "out.txt")); string(b) != "written" {
		t.Fatalf("data mount: %q", b)
	}
}

func TestScanAndChangeHostFolder(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("abc"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(other, "moved.txt"), []byte("12345"), 0o644)
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Builtin: true, Mounts: []Mount{{Guest: "/host", Host: dir}},
		Config: map[string]string{"subscribe": "13,27,28"}}))
	act(t, p, "scan", "/host")
	mustContain(t, waitFrame(t, p, "fsupdate"), "fsupdate /host/a.txt,/host/sub | dir=false/len=3,dir=true/len=")
	act(t, p, "scan", "/etc")
	act(t, p, "scan", "/host/../..")
	if n := len(r.incidentsOf(IncidentBadCommand)); n != 2 {
		t.Fatalf("scans outside /host recorded: %d", n)
	}
	act(t, p, "clear", "")
	act(t, p, "chdir", other)
	waitFrame(t, p, "hostchanged "+other)
	act(t, p, "read", "/host/moved.txt")
	act(t, p, "scan", "/host")
	mustContain(t, waitFrame(t, p, "fsupdate /host/moved.txt"), `read /host/moved.txt: "12345"`)
	act(t, p, "chdir", filepath.Join(other, "missing"))
	waitFrame(t, p, "hostchangefailed")
}

func TestChangeHostFolderNeedsFullHdAccess(t *testing.T) {
	dir := t.TempDir()
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Mounts: []Mount{{Guest: "/host", Host: dir}}, Config: map[string]string{"subscribe": "27,28"}}))
	act(t, p, "chdir", "/")
	if len(r.incidentsOf(IncidentDenied)) != 1 {
		t.Fatal("ChangeHostFolder without FullHdAccess not denied")
	}
}

func TestMountValidation(t *testing.T) {
	_, err := testHost(t).Load(probeCtx(t), probeWasm(t), PluginConfig{Mounts: []Mount{{Guest: "/etc", Host: "/etc"}}})
	if err == nil || !strings.Contains(err.Error(), "guest path") {
		t.Fatalf("bad mount accepted: %v", err)
	}
	_, err = testHost(t).Load(probeCtx(t), probeWasm(t), PluginConfig{Mounts: []Mount{{Guest: "/host", Host: filepath.Join(t.TempDir(), "missing")}}})
	if err == nil {
		t.Fatal("missing host dir accepted")
	}
}

func TestWatchFilesystem(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "gone.txt"), nil, 0o644)
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Mounts: []Mount{{Guest: "/host", Host: dir}},
		Config: map[string]string{"subscribe": "11,13,14"}}))
	act(t, p, "watch", "")
	act(t, p, "watch", "") // idempotent
	os.WriteFile(filepath.Join(dir, "new.txt"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(dir, "sub", "deep.txt"), []byte("x"), 0o644)
	os.Remove(filepath.Join(dir, "gone.txt"))
	waitFrame(t, p, "fsdelete /host/gone.txt")
	// Changes are batched (400 ms); the two creations may land in one
	// event or two.
	for _, want := range []string{"/host/new.txt", "/host/sub/deep.txt"} {
		deadline := time.Now().Add(10 * time.Second)
		for !hasLine(render(t, p), "fscreate ", want) {
			if time.Now().After(deadline) {
				t.Fatalf("no FileSystemCreate for %s:\n%s", want, render(t, p))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if len(r.incidentsOf(IncidentUnsupported)) != 0 {
		t.Fatal("watch recorded as unsupported")
	}
}

func hasLine(frame, prefix, sub string) bool {
	for _, l := range strings.Split(frame, "\n") {
		if strings.HasPrefix(l, prefix) && strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// FullHdAccess keeps Zellij's meaning (the plugin may re-point /host
// anywhere), but a read-only mount stays read-only after the switch.
func TestChangeHostFolderKeepsReadOnly(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	p := loadProbe(t, PluginConfig{ID: 1, Mounts: []Mount{{Guest: "/host", Host: dir, ReadOnly: true}},
		Granted: []pluginpb.PermissionType{pluginpb.PermissionType_FullHdAccess}, Config: map[string]string{"subscribe": "27,28"}})
	act(t, p, "chdir", other)
	waitFrame(t, p, "hostchanged "+other)
	f := act(t, p, "write", "/host/x.txt=data")
	if strings.Contains(f, "write /host/x.txt err=<nil>") {
		t.Fatalf("write through a read-only mount after ChangeHostFolder:\n%s", f)
	}
	if _, err := os.Stat(filepath.Join(other, "x.txt")); err == nil {
		t.Fatal("read-only mount written after ChangeHostFolder")
	}
}
