# The workspace `make demo` brings up: a shell, a clock that redraws every
# second, a log that restarts when it exits, Tessera's status plugin and a
# background filter plugin fed by `tessera pipe`. Only the example plugins
# are needed (`make plugins` builds them).

plugin "status" {
  source      = "../plugins/status.wasm"
  config      = { refresh = "1s" }
  permissions = ["ReadApplicationState"]
  inherit_env = ["LANG"]

  limits {
    memory       = "64MiB"
    call_timeout = "1s"
  }

  restart {
    policy       = "on-failure"
    max_restarts = 3
  }
}

plugin "filter" {
  source      = "../plugins/filter.wasm"
  permissions = ["ReadCliPipes"]
}

session "demo" {
  env = { GREETING = "hello from tessera" }

  tab "main" {
    pane "shell" {
      focus = true
    }

    pane "clock" {
      command = "sh"
      args    = ["-c", "while true; do date '+%H:%M:%S'; sleep 1; done"]
    }

    pane "greeting" {
      command = "sh"
      args    = ["-c", "echo \"$GREETING in $TESSERA_PANE\"; sleep 5"]
      restart = "always"
    }

    plugin_pane "status" {
      plugin = plugin.status
    }
  }

  background_plugin "errors" {
    plugin = plugin.filter
    config = { pattern = "ERROR|panic" }
  }
}
