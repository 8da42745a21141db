session "dev" {
  tab "main" {
    pane "shell" {
      command = "bash"
    }
    pane "tests" {
      command = "go"
      args    = ["test", "./..."]
    }
  }
}
