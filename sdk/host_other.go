//go:build !wasip1

package sdk

// noHost is the boundary outside WebAssembly: every command fails with
// ErrNoHost. It lets the package build and be tested on any platform.
type noHost struct{}

func defaultHost() hostIO { return noHost{} }

func (noHost) send([]byte) error         { return ErrNoHost }
func (noHost) readLine() ([]byte, error) { return nil, ErrNoHost }
func (noHost) writeOut([]byte) error     { return ErrNoHost }
