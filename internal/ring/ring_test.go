package ring

import (
	"slices"
	"testing"
)

func TestBufferKeepsTheLastValues(t *testing.T) {
	b := New[int](3)
	if got := b.Last(0); len(got) != 0 || b.Len() != 0 {
		t.Fatalf("empty buffer: %v, len %d", got, b.Len())
	}
	for i, want := range [][]int{
		{1}, {1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 5}, {4, 5, 6}, {5, 6, 7},
	} {
		b.Push(i + 1)
		if got := b.Last(0); !slices.Equal(got, want) {
			t.Errorf("after pushing 1..%d: %v, want %v", i+1, got, want)
		}
		if b.Len() != len(want) {
			t.Errorf("after pushing 1..%d: len %d, want %d", i+1, b.Len(), len(want))
		}
	}
	for n, want := range map[int][]int{1: {7}, 2: {6, 7}, 3: {5, 6, 7}, 4: {5, 6, 7}, -1: {5, 6, 7}} {
		if got := b.Last(n); !slices.Equal(got, want) {
			t.Errorf("Last(%d) = %v, want %v", n, got, want)
		}
	}
	if b.Cap() != 3 {
		t.Errorf("Cap = %d", b.Cap())
	}
}

func TestBufferLastIsACopy(t *testing.T) {
	b := New[string](2)
	b.Push("a")
	b.Push("b")
	got := b.Last(0)
	got[0] = "changed"
	b.Push("c")
	if all := b.Last(0); !slices.Equal(all, []string{"b", "c"}) {
		t.Errorf("the buffer changed through a returned slice: %v", all)
	}
}

func TestBufferSizes(t *testing.T) {
	one := New[int](0) // at least one
	one.Push(1)
	one.Push(2)
	if got := one.Last(0); !slices.Equal(got, []int{2}) {
		t.Errorf("size 0 buffer keeps %v, want [2]", got)
	}
	var zero Buffer[int]
	zero.Push(1)
	if zero.Len() != 0 || len(zero.Last(0)) != 0 {
		t.Errorf("the zero buffer kept a value")
	}
}

func BenchmarkPush(b *testing.B) {
	r := New[int](1024)
	for i := 0; b.Loop(); i++ {
		r.Push(i)
	}
}
