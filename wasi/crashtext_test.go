package wasi

import "testing"

// The ReportCrash text of a Rust plugin is its panic payload, "\n\r" and
// the panic's debug form, every "\n" turned into "\r\n". A formatted panic
// (unwrap, expect, panic! with arguments) has no string payload: the first
// line is "<NO PAYLOAD>" and what happened is only in the debug form.
func TestCrashMessage(t *testing.T) {
	for _, tt := range []struct{ name, text, want string }{
		{"plain", "rust guest: crash key pressed\r\n\rPanicInfo {\r\n    payload: Any { .. },\r\n}", "rust guest: crash key pressed"},
		{"go", "panic: boom\ngoroutine 1", "panic: boom"},
		{"empty", "", ""},
		{"older Rust: message and location",
			"<NO PAYLOAD>\r\n\rPanicInfo {\r\n    payload: Any { .. },\r\n    message: Some(\r\n        called `Result::unwrap()` on an `Err` value: \"EOF\",\r\n    ),\r\n    location: Location {\r\n        file: \"src/main.rs\",\r\n        line: 358,\r\n        col: 13,\r\n    },\r\n    can_unwind: true,\r\n}",
			"panicked at src/main.rs:358:13: called `Result::unwrap()` on an `Err` value: \"EOF\""},
		{"newer Rust: location only",
			"<NO PAYLOAD>\r\n\rPanicHookInfo {\r\n    payload: Any { .. },\r\n    location: Location {\r\n        file: \"src/lib.rs\",\r\n        line: 7,\r\n        col: 5,\r\n    },\r\n    can_unwind: true,\r\n    force_no_backtrace: false,\r\n}",
			"panicked at src/lib.rs:7:5"},
		{"no payload, nothing else", "<NO PAYLOAD>", "<NO PAYLOAD>"},
	} {
		if got := crashMessage(tt.text); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
