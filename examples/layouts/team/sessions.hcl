session "backend" {
  cwd = var.repo

  dynamic "tab" {
    for_each = var.services
    labels   = [tab.value]
    content {
      template = tab_template.service
      params   = { name = tab.value, port = local.ports[tab.value] }
    }
  }

  tab "db" {
    pane "accounts" {
      template = pane_template.psql
      params   = { database = "accounts" }
    }
    pane "billing" {
      template = pane_template.psql
      params   = { database = "billing" }
    }
  }
}

session "frontend" {
  cwd = pathjoin(var.repo, "web")

  tab "dev" {
    pane "vite" {
      command = "npm"
      args    = ["run", "dev"]
      restart = "on-failure"
      focus   = true
    }
    pane "shell" {}
  }

  tab "logs" {
    pane "all" {
      template = pane_template.tail
      params   = { file = "${local.log_root}/*.log", lines = 50 }
    }
  }

  background_plugin "link" {
    source = "zellij:link"
  }
}
