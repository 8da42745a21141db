session "dev" {
tab "main" {
    pane "shell" {
  command="bash"
  args=["-l"]
    }
}
}
