package wasi

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// watchDebounce is how long changes are gathered before they are reported,
// like the reference host's watcher.
const watchDebounce = 400 * time.Millisecond

// maxWatches bounds the directories one plugin's watcher follows.
const maxWatches = 4096

// watcher reports changes under the /host folder as FileSystemCreate,
// FileSystemUpdate and FileSystemDelete events (paths /host/<relative>).
type watcher struct {
	p    *Plugin
	root string
	fd   int
	stop chan struct{}
	done chan struct{}

	mu   sync.Mutex
	dirs map[int]string // watch descriptor -> relative directory ("." for the root)
}

const watchMask = unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_MODIFY | unix.IN_CLOSE_WRITE |
	unix.IN_ATTRIB | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_DELETE_SELF | unix.IN_ONLYDIR

func startWatcher(p *Plugin, root string) (*watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, err
	}
	w := &watcher{p: p, root: root, fd: fd, stop: make(chan struct{}), done: make(chan struct{}), dirs: map[int]string{}}
	w.addTree(".")
	go w.run()
	return w, nil
}

// addTree watches dir (relative to the root) and every directory below it,
// without following symbolic links.
func (w *watcher) addTree(rel string) {
	filepath.WalkDir(filepath.Join(w.root, rel), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		r, err := filepath.Rel(w.root, p)
		if err != nil || strings.HasPrefix(r, "..") {
			return filepath.SkipDir
		}
		w.mu.Lock()
		full := len(w.dirs) >= maxWatches
		w.mu.Unlock()
		if full {
			return filepath.SkipAll
		}
		wd, err := unix.InotifyAddWatch(w.fd, p, watchMask|unix.IN_DONT_FOLLOW)
		if err == nil {
			w.mu.Lock()
			w.dirs[wd] = filepath.ToSlash(r)
			w.mu.Unlock()
		}
		return nil
	})
}

func (w *watcher) close() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}

func (w *watcher) run() {
	defer close(w.done)
	defer unix.Close(w.fd)
	pending := map[pluginpb.EventType]map[string]bool{}
	var first time.Time
	buf := make([]byte, 64<<10)
	for {
		select {
		case <-w.stop:
			return
		default:
		}
		fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 100)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
		if n > 0 {
			for {
				m, err := unix.Read(w.fd, buf)
				if m <= 0 || err != nil {
					break
				}
				w.parse(buf[:m], pending, &first)
			}
		}
		if len(pending) > 0 && time.Since(first) >= watchDebounce {
			w.flush(pending)
			pending = map[pluginpb.EventType]map[string]bool{}
		}
	}
}

func (w *watcher) parse(b []byte, pending map[pluginpb.EventType]map[string]bool, first *time.Time) {
	for len(b) >= unix.SizeofInotifyEvent {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&b[0]))
		size := unix.SizeofInotifyEvent + int(ev.Len)
		if size > len(b) {
			return
		}
		name := strings.TrimRight(string(b[unix.SizeofInotifyEvent:size]), "\x00")
		b = b[size:]
		w.mu.Lock()
		dir, ok := w.dirs[int(ev.Wd)]
		if ev.Mask&(unix.IN_DELETE_SELF|unix.IN_IGNORED) != 0 {
			delete(w.dirs, int(ev.Wd))
		}
		w.mu.Unlock()
		if !ok || name == "" {
			continue
		}
		rel := path.Join(dir, name)
		var kind pluginpb.EventType
		switch {
		case ev.Mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0:
			kind = pluginpb.EventType_FileSystemCreate
			if ev.Mask&unix.IN_ISDIR != 0 {
				w.addTree(rel)
			}
		case ev.Mask&(unix.IN_DELETE|unix.IN_MOVED_FROM) != 0:
			kind = pluginpb.EventType_FileSystemDelete
		default:
			kind = pluginpb.EventType_FileSystemUpdate
		}
		if pending[kind] == nil {
			pending[kind] = map[string]bool{}
		}
		if len(pending) == 1 && len(pending[kind]) == 0 {
			*first = time.Now()
		}
		pending[kind][rel] = true
	}
}

func (w *watcher) flush(pending map[pluginpb.EventType]map[string]bool) {
	root, err := os.OpenRoot(w.root)
	if err != nil {
		return
	}
	defer root.Close()
	for _, kind := range []pluginpb.EventType{pluginpb.EventType_FileSystemCreate, pluginpb.EventType_FileSystemUpdate, pluginpb.EventType_FileSystemDelete} {
		set := pending[kind]
		if len(set) == 0 {
			continue
		}
		rels := make([]string, 0, len(set))
		for r := range set {
			rels = append(rels, r)
		}
		sort.Strings(rels)
		fl := &pluginpb.FileListPayload{}
		for _, r := range rels {
			fl.Paths = append(fl.Paths, path.Join("/host", r))
			fl.PathsMetadata = append(fl.PathsMetadata, fileMetadata(root, r))
		}
		w.p.postInternal(&pluginpb.Event{Name: kind, Payload: &pluginpb.Event_FileListPayload{FileListPayload: fl}}, false)
	}
}

// fileMetadata describes rel under root, unset when it cannot be read.
func fileMetadata(root *os.Root, rel string) *pluginpb.FileMetadata {
	md := &pluginpb.FileMetadata{}
	if fi, err := root.Lstat(rel); err == nil {
		md.MetadataIsSet = true
		md.IsDir = fi.IsDir()
		md.IsFile = fi.Mode().IsRegular()
		md.IsSymlink = fi.Mode()&os.ModeSymlink != 0
		md.Len = uint64(max(fi.Size(), 0))
	}
	return md
}
