package standalone_test

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/wasi/standalone"
)

// A key as a script writes it, and the Key event the plugin receives: the
// character travels as its code, one modifier in `modifier` and the others
// in `additional_modifiers`.
func ExampleParseKey() {
	k, err := standalone.ParseKey("Ctrl+Shift+a")
	if err != nil {
		panic(err)
	}
	b, _ := proto.Marshal(standalone.KeyEvent(k))
	fmt.Println(k)
	fmt.Println(b)
	// Output:
	// Ctrl+Shift+a
	// [8 3 42 6 8 0 24 97 32 2]
}

func ExampleParseScript() {
	steps, err := standalone.ParseScript(strings.NewReader(`
# open the tab menu, then wait for the plugin's timer
key Ctrl+t
pipe refresh now
wait 150ms
resize 30x100
`))
	if err != nil {
		panic(err)
	}
	for _, st := range steps {
		fmt.Println(st.Line, st.Kind)
	}
	_, err = standalone.ParseScript(strings.NewReader("key Hyper+x\nresize 0x0\n"))
	fmt.Println(err)
	// Output:
	// 3 key
	// 4 pipe
	// 5 wait
	// 6 resize
	// line 1: key "Hyper+x": unknown modifier "Hyper" (want Ctrl, Alt, Shift or Super)
	// line 2: resize: bad size "0x0": rows and columns must be in 1..1000
}
