//go:build !linux

package wasi

import (
	"errors"

	"github.com/tessera-ws/tessera/wasi/internal/tiering"
)

// dataImage is Linux only (memfd): elsewhere wazero copies the data
// segments into each instance.
type dataImage struct{ size uint64 }

func newDataImage([]tiering.DataSegment, uint64) (*dataImage, error) {
	return nil, errors.New("data images need memfd (Linux)")
}

func (im *dataImage) mapInto([]byte) error { return errors.New("data images need memfd (Linux)") }
