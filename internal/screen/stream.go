package screen

// Write interprets b as a continuation of the byte stream drawn so far
// (unlike Frame, nothing is reset): the entry point for terminal output.
func (s *Screen) Write(b []byte) (int, error) {
	s.budget = componentBudget(s.rows, s.cols)
	s.vt.feed(b)
	return len(b), nil
}
