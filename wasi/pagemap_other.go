//go:build !linux

package wasi

// untouchedPages cannot tell here: a move compares every page.
func untouchedPages([]byte) ([]bool, int, bool) { return nil, 0, false }

func pageStates([]byte) (untouched, file []bool, pageSize int, ok bool) { return nil, nil, 0, false }
