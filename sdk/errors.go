package sdk

import (
	"errors"
	"strconv"
)

// The SDK builds its error texts without package fmt, which would add about
// 300 KB to every plugin that does not use fmt itself.

// wrapError is an error with context: "<context>: <cause>".
type wrapError struct {
	context string
	err     error
}

func (e *wrapError) Error() string { return e.context + ": " + e.err.Error() }
func (e *wrapError) Unwrap() error { return e.err }

// wrap returns err with context prepended.
func wrap(context string, err error) error { return &wrapError{context: context, err: err} }

func newError(msg string) error { return errors.New(msg) }

// describe renders a panic value: strings and errors as their text, values
// with a String method through it, other values by type.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case error:
		return x.Error()
	case interface{ String() string }:
		return x.String()
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	return "(a panic value that is not a string, error or Stringer)"
}
