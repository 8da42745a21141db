session "dev" {
  tab "main" {
    plugin_pane "gone" {
      source = "./plugins/gone.wasm"
    }
  }
}
