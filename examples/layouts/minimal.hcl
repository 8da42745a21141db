# The smallest useful workspace: one session with a shell.
session "main" {
  tab "shell" {
    pane "shell" {}
  }
}
