session "dev" {
  tab "main" {
    pane "shell" {
      command = "bash"
    }
    pane "tests" {
      command = "go"
      args    = ["test", "-race", "./..."]
    }
  }
  tab "logs" {
    pane "tail" {
      command = "tail"
      args    = ["-F", "app.log"]
    }
  }
}
