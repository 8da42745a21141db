pane_template "tail" {
  param "file" {}
  param "lines" {
    type    = number
    default = 200
  }

  command = "tail"
  args    = ["-n", tostring(param.lines), "-F", param.file]
}

pane_template "psql" {
  param "database" {}

  command = "psql"
  args    = [param.database]
  env     = { PGHOST = env("PGHOST", "localhost") }
}

tab_template "service" {
  param "name" {}
  param "port" {
    type = number
  }

  cwd = pathjoin("services", param.name)

  pane "run" {
    command = "go"
    args    = ["run", ".", "-addr", format(":%d", param.port)]
    restart = "always"
  }
  pane "test" {
    command         = "go"
    args            = ["test", "./..."]
    restart         = "on-failure"
    start_suspended = true
  }
  pane "logs" {
    template = pane_template.tail
    params   = { file = "${local.log_root}/${param.name}.log" }
  }
}
