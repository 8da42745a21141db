//go:build !linux

package wasi

import (
	"errors"
	"os"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

type watcher struct{}

func startWatcher(p *Plugin, root string) (*watcher, error) {
	return nil, errors.New("file system watching is only available on Linux")
}

func (w *watcher) close() {}

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
