package runner_test

import (
	"fmt"
	"strings"

	"github.com/tessera-ws/tessera/internal/runner"
)

func ExampleParseScript() {
	steps, err := runner.ParseScript(strings.NewReader(`
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
	_, err = runner.ParseScript(strings.NewReader("key Hyper+x\nresize 0x0\n"))
	fmt.Println(err)
	// Output:
	// 3 key
	// 4 pipe
	// 5 wait
	// 6 resize
	// line 1: key "Hyper+x": unknown modifier "Hyper" (want Ctrl, Alt, Shift or Super)
	// line 2: resize: bad size "0x0": rows and columns must be in 1..1000
}
