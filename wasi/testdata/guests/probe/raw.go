package main

// A tiny guest-side framing layer written without the SDK, so that tests
// control every byte that crosses the boundary.

import (
	"bufio"
	"io"
	"os"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

//go:wasmimport zellij host_run_plugin_command
func hostRunPluginCommand()

var stdin = bufio.NewReader(os.Stdin)

// readLine reads one host line and decodes its JSON byte array. ok is false
// when no line was available (EOF) or it did not parse.
func readLine() (msg []byte, raw string, ok bool) {
	line, err := stdin.ReadString('\n')
	if line == "" && err == io.EOF {
		return nil, "EOF", false
	}
	raw = line
	msg, ok = parseFrame(line)
	return msg, raw, ok
}

// leftover reports whether stdin still holds data after the expected line
// was read: the host must write exactly one line per call.
func leftover() bool {
	if stdin.Buffered() > 0 {
		return true
	}
	_, err := stdin.Peek(1)
	return err == nil
}

func parseFrame(s string) ([]byte, bool) {
	out := []byte{}
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\r' || s[i] == '\n') {
			i++
		}
	}
	skip()
	if i >= len(s) || s[i] != '[' {
		return nil, false
	}
	i++
	skip()
	if i < len(s) && s[i] == ']' {
		return out, true
	}
	for {
		skip()
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		v, err := strconv.Atoi(s[j:i])
		if err != nil || v > 255 {
			return nil, false
		}
		out = append(out, byte(v))
		skip()
		if i >= len(s) {
			return nil, false
		}
		if s[i] == ']' {
			return out, true
		}
		if s[i] != ',' {
			return nil, false
		}
		i++
	}
}

func appendFrame(dst, msg []byte) []byte {
	dst = append(dst, '[')
	for i, b := range msg {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, uint64(b), 10)
	}
	return append(dst, ']', '\n')
}

var outBuf []byte

// send writes one command and hands control to the host.
func send(cmd []byte) {
	outBuf = appendFrame(outBuf[:0], cmd)
	os.Stdout.Write(outBuf)
	hostRunPluginCommand()
}

// command builds PluginCommand{name, payload field = body}.
func command(name uint64, field protowire.Number, body []byte) []byte {
	b := protowire.AppendTag(nil, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, name)
	if field != 0 {
		b = protowire.AppendTag(b, field, protowire.BytesType)
		b = protowire.AppendBytes(b, body)
	}
	return b
}

func str(field protowire.Number, s string) []byte {
	b := protowire.AppendTag(nil, field, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func msgField(field protowire.Number, body []byte) []byte {
	b := protowire.AppendTag(nil, field, protowire.BytesType)
	return protowire.AppendBytes(b, body)
}

func packed(field protowire.Number, vals []uint64) []byte {
	var p []byte
	for _, v := range vals {
		p = protowire.AppendVarint(p, v)
	}
	return msgField(field, p)
}

// fields decodes one level of a message into field number → raw values
// (varints as numbers, bytes as strings, fixed64 as bits).
type field struct {
	num   protowire.Number
	typ   protowire.Type
	v     uint64
	bytes []byte
}

func fields(b []byte) []field {
	var out []field
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return out
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			f.bytes, n = protowire.ConsumeBytes(b)
		case protowire.Fixed64Type:
			f.v, n = protowire.ConsumeFixed64(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.v = uint64(v)
		default:
			return out
		}
		if n < 0 {
			return out
		}
		b = b[n:]
		out = append(out, f)
	}
	return out
}

func get(fs []field, num protowire.Number) (field, bool) {
	for _, f := range fs {
		if f.num == num {
			return f, true
		}
	}
	return field{}, false
}
