//go:build !unix

package fsutil

import "os"

// openFlags: without O_NONBLOCK, named pipes are not a concern on these
// systems (Windows has no FIFOs in the file system).
const openFlags = os.O_RDONLY
