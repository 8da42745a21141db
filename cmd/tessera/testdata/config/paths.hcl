plugin "notes" {
  source = "./plugins/notes.wasm"
  mount "/data" {
    source = "data"
  }
}

session "dev" {
  cwd = "."

  tab "main" {
    cwd = "src"
    pane "shell" {}
    plugin_pane "notes" {
      plugin = plugin.notes
    }
  }
}
