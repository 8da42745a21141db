session "dev" {
  tab "main" {
    pane "shell" {
      comand = "bash"
    }
    plugin_pane "bar" {
      source = "https://example.com/bar.wasm"
    }
  }
}
