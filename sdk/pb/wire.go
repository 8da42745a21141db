// Package pb is a lightweight mirror of package pluginpb for plugins: the
// same messages, enums and names, as plain Go structs with encoders and
// decoders written against protowire. Plugins use it instead of pluginpb
// because the reflection-based protobuf runtime that pluginpb needs adds
// about 5 MB to every WebAssembly module.
//
// Differences from pluginpb:
//   - structs are plain (no internal state); compare and copy them freely;
//   - the members of a oneof are ordinary fields (pointers for scalars), of
//     which at most one is set;
//   - MarshalAppend and Unmarshal replace proto.Marshal and proto.Unmarshal;
//     unknown fields are skipped, not kept.
//
// The code is generated from pluginpb's descriptors by internal/gen
// (`go generate`); a test checks both encodings agree on every message.
package pb

//go:generate go run ./internal/gen -o pb.gen.go

import (
	"errors"
	"strconv"

	protowire "github.com/tessera-ws/tessera/sdk/internal/wire"
)

// ReplyKind says whether a command makes the guest read a reply line from
// stdin (see pluginpb.ReplyKind).
type ReplyKind uint8

const (
	// ReplyNone: no reply line is read.
	ReplyNone ReplyKind = iota
	// ReplyStrict: exactly one reply line is read; none is an error.
	ReplyStrict
	// ReplyLenient: one reply line is read if there is one.
	ReplyLenient
)

// maxDepth bounds message nesting so hostile input cannot exhaust the stack.
const maxDepth = 64

var errDepth = errors.New("message nesting exceeds 64 levels")

func fieldError(msg string, num int, err error) error {
	return &fieldErr{msg: msg, num: num, err: err}
}

func wireTypeError(got, want protowire.Type) error {
	return errors.New("wire type " + strconv.Itoa(int(got)) + ", want " + strconv.Itoa(int(want)))
}

func readVarint(typ protowire.Type, b []byte) (uint64, int, error) {
	if typ != protowire.VarintType {
		return 0, 0, wireTypeError(typ, protowire.VarintType)
	}
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return 0, 0, protowire.ParseError(n)
	}
	return v, n, nil
}

func readFixed32(typ protowire.Type, b []byte) (uint64, int, error) {
	if typ != protowire.Fixed32Type {
		return 0, 0, wireTypeError(typ, protowire.Fixed32Type)
	}
	v, n := protowire.ConsumeFixed32(b)
	if n < 0 {
		return 0, 0, protowire.ParseError(n)
	}
	return uint64(v), n, nil
}

func readFixed64(typ protowire.Type, b []byte) (uint64, int, error) {
	if typ != protowire.Fixed64Type {
		return 0, 0, wireTypeError(typ, protowire.Fixed64Type)
	}
	v, n := protowire.ConsumeFixed64(b)
	if n < 0 {
		return 0, 0, protowire.ParseError(n)
	}
	return v, n, nil
}

func readBytes(typ protowire.Type, b []byte) ([]byte, int, error) {
	if typ != protowire.BytesType {
		return nil, 0, wireTypeError(typ, protowire.BytesType)
	}
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, 0, protowire.ParseError(n)
	}
	return v, n, nil
}

// readRepeated reads a repeated scalar field in either form: packed (one
// length-delimited run of values) or one value per tag.
func readRepeated(typ protowire.Type, b []byte, elem protowire.Type, add func(uint64)) (int, error) {
	read := readVarint
	switch elem {
	case protowire.Fixed32Type:
		read = readFixed32
	case protowire.Fixed64Type:
		read = readFixed64
	}
	if typ != protowire.BytesType {
		v, n, err := read(typ, b)
		if err != nil {
			return 0, err
		}
		add(v)
		return n, nil
	}
	run, n, err := readBytes(typ, b)
	if err != nil {
		return 0, err
	}
	for len(run) > 0 {
		v, m, err := read(elem, run)
		if err != nil {
			return 0, err
		}
		add(v)
		run = run[m:]
	}
	return n, nil
}

// fieldErr is a decoding error in one field of a message. (Package fmt is
// avoided: it would add about 300 KB to plugins that do not use it.)
type fieldErr struct {
	msg string
	num int
	err error
}

func (e *fieldErr) Error() string {
	return e.msg + " field " + strconv.Itoa(e.num) + ": " + e.err.Error()
}

func (e *fieldErr) Unwrap() error { return e.err }
