package daemon

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/tessera-ws/tessera/config"
)

type loadResult struct {
	ws    *config.Workspace
	files []config.File
	diags hcl.Diagnostics
}

// loadFile loads a one-file workspace of src.
func loadFile(t *testing.T, src string) loadResult {
	t.Helper()
	file := filepath.Join(t.TempDir(), "workspace.hcl")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	ws, files, diags := config.Load(file, config.Options{})
	if ws == nil && !diags.HasErrors() {
		t.Fatalf("no workspace and no errors loading %q", src)
	}
	return loadResult{ws, files, diags}
}

func sessionNames(d *Daemon) []string {
	var out []string
	for _, s := range d.sessions {
		out = append(out, s.name)
	}
	return out
}

// TestReloadOffTheLoop: the watcher's reloads load the workspace off the
// loop, in the order the saves happened: a newer save wins over an older
// load that finishes late, and an invalid file changes nothing.
func TestReloadOffTheLoop(t *testing.T) {
	d, _ := loopDaemon(t)
	onLoop(t, d, func() { d.sessions = nil })
	calls := make(chan chan loadResult)
	d.loadWorkspace = func() (*config.Workspace, []config.File, hcl.Diagnostics) {
		r := make(chan loadResult)
		calls <- r
		res := <-r
		return res.ws, res.files, res.diags
	}
	// Suspended panes: no process is started.
	older := loadFile(t, `session "older" {
  tab "t" {
    pane "p" {
      command         = "true"
      start_suspended = true
    }
  }
}`)
	newer := loadFile(t, `session "newer" {
  tab "t" {
    pane "p" {
      command         = "true"
      start_suspended = true
    }
  }
}`)
	if older.diags.HasErrors() || newer.diags.HasErrors() {
		t.Fatalf("loading the test workspaces: %v %v", older.diags, newer.diags)
	}
	invalid := loadFile(t, `session "broken" { nonsense = }`)
	if !invalid.diags.HasErrors() {
		t.Fatal("the invalid workspace loaded without errors")
	}

	// A load whose result is posted before the loop takes it: the loop is
	// free meanwhile.
	d.reloadAsync("first save")
	first := <-calls
	onLoop(t, d, func() {}) // the loop answers while the load is in flight
	first <- older
	d.wg.Wait()
	onLoop(t, d, func() {
		if got := sessionNames(d); len(got) != 1 || got[0] != "older" {
			t.Errorf("after the first load: sessions %v, want [older]", got)
		}
	})

	// Two saves: the load of the older one finishes after the newer one's.
	d.reloadAsync("save 1")
	slow := <-calls
	d.reloadAsync("save 2")
	fast := <-calls
	fast <- newer
	slow <- older
	d.wg.Wait()
	onLoop(t, d, func() {
		if got := sessionNames(d); len(got) != 1 || got[0] != "newer" {
			t.Errorf("a late older load won: sessions %v, want [newer]", got)
		}
	})

	// The older load's result arrives first, while the newer load runs: it
	// is dropped too (applying it would only be undone). Exactly one apply
	// happens, of the newer files, whichever result the loop takes first.
	mark := lastSeq(d)
	d.reloadAsync("save 3")
	slow = <-calls
	d.reloadAsync("save 4")
	fast = <-calls
	slow <- older
	fast <- newer
	d.wg.Wait()
	onLoop(t, d, func() {
		if got := sessionNames(d); len(got) != 1 || got[0] != "newer" {
			t.Errorf("sessions %v, want [newer]", got)
		}
	})
	if n := appliesSince(d, mark); n != 1 {
		t.Errorf("%d applies for two overlapping loads, want 1 (the newer)", n)
	}

	// An invalid file changes nothing, and says why.
	d.reloadAsync("bad save")
	(<-calls) <- invalid
	d.wg.Wait()
	onLoop(t, d, func() {
		if got := sessionNames(d); len(got) != 1 || got[0] != "newer" {
			t.Errorf("an invalid file changed the sessions: %v", got)
		}
		if !d.lastDiags.HasErrors() {
			t.Error("the invalid file's diagnostics were not kept")
		}
	})
	if recent := d.events.recentFor("", 5); len(recent) == 0 || recent[len(recent)-1].Type != EvConfigInvalid {
		t.Errorf("no config.invalid event: %v", recent)
	}

	// An apply that loaded the files itself (the Apply call) is newer than
	// a watcher load started before it.
	d.reloadAsync("save before apply")
	before := <-calls
	seq := d.startedApply()
	onLoop(t, d, func() {
		d.appliedFrom(seq)
		d.apply(newer.ws)
	})
	before <- older
	d.wg.Wait()
	onLoop(t, d, func() {
		if got := sessionNames(d); len(got) != 1 || got[0] != "newer" {
			t.Errorf("a watcher load started before an apply won: sessions %v", got)
		}
	})
}

func lastSeq(d *Daemon) uint64 {
	evs := d.events.recentFor("", 1)
	if len(evs) == 0 {
		return 0
	}
	return evs[0].Seq
}

func appliesSince(d *Daemon, seq uint64) int {
	n := 0
	for _, ev := range d.events.recentFor("", eventRing) {
		if ev.Seq > seq && ev.Type == EvApplyDone {
			n++
		}
	}
	return n
}
