# A day of work on a Go HTTP service: an editor, the server restarted when it
# exits, a test watcher, the logs, and a file browser.
#
#   tessera up examples/layouts/go-service.hcl --var root=~/src/api

tessera {
  required_version = ">= 0.1.0-dev"
}

variable "root" {
  description = "The service's repository."
  default     = "."
}

variable "port" {
  type    = number
  default = 8080
}

variable "go_test_flags" {
  type    = list(string)
  default = ["-race", "-count=1"]
}

locals {
  editor = env("EDITOR", "vi")
  addr   = format("127.0.0.1:%d", var.port)
  logdir = pathjoin(var.root, "var", "log")
}

plugin "files" {
  source      = "zellij:strider"
  permissions = ["ReadApplicationState", "ChangeApplicationState", "OpenFiles"]

  mount "/host" {
    source    = var.root
    read_only = true
  }
}

pane_template "go_test" {
  param "pkg" {
    default = "./..."
  }

  command = "go"
  args    = concat(["test"], var.go_test_flags, [param.pkg])
  restart = "on-failure"
}

session "api" {
  cwd = var.root
  env = {
    EDITOR   = local.editor
    API_ADDR = local.addr
  }

  tab "code" {
    pane "editor" {
      command = local.editor
      args    = ["."]
      focus   = true
    }
    plugin_pane "files" {
      plugin = plugin.files
    }
  }

  tab "run" {
    pane "server" {
      command = "go"
      args    = ["run", "./cmd/api", "-addr", local.addr]
      restart = "always"
      env     = { LOG_LEVEL = "debug" }
    }
    pane "logs" {
      command = "tail"
      args    = ["-F", pathjoin(local.logdir, "api.log")]
    }
  }

  tab "test" {
    pane "unit" {
      template = pane_template.go_test
      params   = { pkg = "./internal/..." }
    }
    pane "integration" {
      template        = pane_template.go_test
      params          = { pkg = "./test/..." }
      start_suspended = true
    }
  }
}
