package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
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
				d.post(func() { d.reload("file changed") })
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
