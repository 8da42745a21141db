// Package ring is a fixed-size buffer of the most recent values: the
// daemon's event history, log records and each plugin's recent commands.
package ring

// Buffer keeps the last Cap() values pushed. It does not lock: its owner
// guards it (each owner guards more than the buffer anyway). The zero value
// is an empty buffer that keeps nothing; use New.
type Buffer[T any] struct {
	items []T // in push order until full, then a circle starting at next
	next  int // where the next value goes once full
	size  int
}

// New returns an empty buffer that keeps the last size values (at least 1).
func New[T any](size int) *Buffer[T] {
	return &Buffer[T]{size: max(size, 1)}
}

// Cap returns how many values the buffer keeps.
func (b *Buffer[T]) Cap() int { return b.size }

// Len returns how many values the buffer holds.
func (b *Buffer[T]) Len() int { return len(b.items) }

// Push adds v, dropping the oldest value when the buffer is full.
func (b *Buffer[T]) Push(v T) {
	if b.size == 0 {
		return
	}
	if len(b.items) < b.size {
		b.items = append(b.items, v)
		return
	}
	b.items[b.next] = v
	b.next = (b.next + 1) % b.size
}

// Last returns a copy of the newest n values, oldest first; n <= 0 (or more
// than it holds) returns them all.
func (b *Buffer[T]) Last(n int) []T {
	total := len(b.items)
	if n <= 0 || n > total {
		n = total
	}
	out := make([]T, 0, n)
	skip := total - n
	for i := skip; i < total; i++ {
		out = append(out, b.items[(b.next+i)%max(total, 1)])
	}
	return out
}
