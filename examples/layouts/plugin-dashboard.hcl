# A dashboard of plugins: Zellij's bars, Tessera's example plugins built with
# `make plugins`, and a background filter fed by `tessera pipe`.

variable "refresh" {
  description = "How often the status plugin redraws."
  default     = "2s"
}

plugin "tab_bar" {
  source = "zellij:tab-bar"
}

plugin "status_bar" {
  source = "zellij:status-bar"
}

plugin "status" {
  source      = "../plugins/status.wasm"
  config      = { refresh = var.refresh, compact = false }
  permissions = ["ReadApplicationState"]
  inherit_env = ["LANG", "TERM"]

  limits {
    memory              = "32MiB"
    call_timeout        = "250ms"
    commands_per_second = 200
  }

  restart {
    policy       = "on-failure"
    max_restarts = 5
    backoff      = "500ms"
  }
}

plugin "filter" {
  source      = "../plugins/filter.wasm"
  permissions = ["ReadCliPipes"]

  mount "/cache" {}
  mount "/tmp" {}

  limits {
    memory       = "16MiB"
    call_timeout = "100ms"
  }
}

plugin "workers" {
  source = "../plugins/workers.wasm"
  config = { workers = 2 }
}

session "dashboard" {
  tab "overview" {
    plugin_pane "tabs" {
      plugin = plugin.tab_bar
    }
    plugin_pane "status" {
      plugin = plugin.status
      focus  = true
    }
    plugin_pane "compact_status" {
      plugin = plugin.status
      config = { compact = true }
    }
    plugin_pane "workers" {
      plugin = plugin.workers
    }
    plugin_pane "bar" {
      plugin = plugin.status_bar
    }
  }

  tab "shell" {
    pane "shell" {}
  }

  background_plugin "errors" {
    plugin = plugin.filter
    config = { pattern = "ERROR|panic" }
  }

  background_plugin "warnings" {
    plugin = plugin.filter
    config = { pattern = "WARN" }
  }
}
