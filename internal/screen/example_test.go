package screen_test

import (
	"fmt"

	"github.com/tessera-ws/tessera/internal/screen"
)

func ExampleScreen_Frame() {
	s := screen.New(3, 20)
	// A plugin's render output: a coloured line, then a UI text component
	// placed at column 2 of row 2 (the strider prompt "FIND: _").
	s.Frame([]byte("\x1b[1;32mfiles\x1b[0m\n" +
		"\x1bPztext;2/2//;$$0,1,2,3,4,5$6$70,73,78,68,58,32,95\x1b\\"))
	for _, line := range s.Lines() {
		fmt.Printf("%q\n", line)
	}
	c := s.Cell(2, 8)
	fmt.Println(string(c.Rune), c.FG, c.Attrs)
	// Output:
	// "files"
	// ""
	// "  FIND: _"
	// _ idx:201 bold
}
