variable "shell" {
  default = "bash"
}

session "dev" {
  tab "main" {
    pane "shell" {
      command = var.shell
    }
  }
}
