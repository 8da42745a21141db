# A team workspace split across files: variables, templates and sessions are
# merged into one workspace. Load the directory: tessera up examples/layouts/team

variable "services" {
  description = "Services each with a tab in the backend session."
  type        = list(string)
  default     = ["accounts", "billing", "search"]
}

variable "base_port" {
  type    = number
  default = 9000
}

variable "repo" {
  default = "."
}

locals {
  log_root = env("TEAM_LOG_ROOT", "/var/log/team")
  ports    = { for i, s in var.services : s => var.base_port + i }
}
