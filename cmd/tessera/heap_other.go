//go:build !linux

package main

// hugePageHeap does nothing outside Linux (see heap_linux.go).
func hugePageHeap(int) {}
