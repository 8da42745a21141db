package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/hashicorp/hcl/v2"

	"github.com/tessera-ws/tessera/config"
)

// watch follows the workspace's files: it watches the directory (a file's
// own directory for a one-file workspace), so that editors that save by
// renaming a new file over the old one are seen, and re-applies after a
// short debounce. It returns a function that stops watching.
func (d *Daemon) watch() func() {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		d.log.Warn("cannot watch the workspace: apply changes with `tessera apply` or SIGHUP", "err", err)
		return func() {}
	}
	dir := d.paths.Workspace
	file := ""
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		dir, file = filepath.Dir(dir), filepath.Base(dir)
	}
	if err := w.Add(dir); err != nil {
		d.log.Warn("cannot watch the workspace: apply changes with `tessera apply` or SIGHUP", "dir", dir, "err", err)
		w.Close()
		return func() {}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var timer *time.Timer
		var fire <-chan time.Time
		for {
			select {
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				name := filepath.Base(ev.Name)
				if file != "" && name != file {
					continue
				}
				if file == "" && !strings.HasSuffix(name, ".hcl") {
					continue
				}
				if ev.Op == fsnotify.Chmod {
					continue
				}
				if timer == nil {
					timer = time.NewTimer(d.cfg.Debounce)
				} else {
					timer.Reset(d.cfg.Debounce)
				}
				fire = timer.C
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				d.log.Warn("watching the workspace", "err", err)
			case <-fire:
				fire = nil
				d.events.publish(EvConfigChanged, "", "workspace files changed", nil)
				d.reloadAsync("file changed")
			case <-stop:
				if timer != nil {
					timer.Stop()
				}
				return
			}
		}
	}()
	return func() {
		close(stop)
		w.Close()
		<-done
	}
}

// reloadAsync re-reads the workspace files off the loop (a large workspace
// takes tens of milliseconds to load and validate) and posts the result to
// the loop, which applies it if it is valid. Loads are numbered as they
// start; a result is dropped when a newer load has started since (its
// result, from newer files, is on its way) or when an apply from newer
// files already happened: an older load that finishes late never undoes a
// newer save.
func (d *Daemon) reloadAsync(why string) {
	seq := d.loadSeq.Add(1)
	load := d.loadWorkspace
	if load == nil {
		load = func() (*config.Workspace, []config.File, hcl.Diagnostics) { return d.load("") }
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.log.Info("reading the workspace", "why", why)
		ws, files, diags := load()
		d.post(func() { d.reloaded(seq, why, ws, files, diags) })
	}()
}

// reloaded takes the result of load number seq. Loop only.
func (d *Daemon) reloaded(seq uint64, why string, ws *config.Workspace, files []config.File, diags hcl.Diagnostics) {
	if seq < d.loadSeq.Load() || seq <= d.appliedSeq {
		d.log.Debug("workspace load superseded by a newer one", "why", why, "load", seq)
		return
	}
	if !diags.HasErrors() {
		d.appliedSeq = seq
	}
	d.applyLoaded(why, ws, files, diags)
}

// startedApply numbers an apply whose workspace was loaded elsewhere (the
// Apply call), so that watcher loads started before it do not apply after
// it. Call it before loading; pass the number to appliedFrom on the loop.
func (d *Daemon) startedApply() uint64 { return d.loadSeq.Add(1) }

// appliedFrom records that the workspace of load seq was applied. Loop only.
func (d *Daemon) appliedFrom(seq uint64) { d.appliedSeq = max(d.appliedSeq, seq) }
