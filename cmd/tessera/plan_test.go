package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPlanTwoFiles(t *testing.T) {
	code, out, errs := runConfigCmd(t, "plan", "--from", "testdata/config/old.hcl", "--to", "testdata/config/new.hcl")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"-/+ session.dev.tab.main.pane.tests {",
		`~ args = ["test", "./..."] -> ["test", "-race", "./..."]  # forces replacement`,
		"  + session.dev.tab.logs {",
		"  + session.dev.tab.logs.pane.tail {",
		"Plan: 2 to create, 0 to update in place, 1 to replace, 0 to delete.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "pane.shell") {
		t.Errorf("unchanged pane in the plan:\n%s", out)
	}
}

func TestPlanDetailedExitCodeAndJSON(t *testing.T) {
	code, out, _ := runConfigCmd(t, "plan", "--detailed-exitcode", "--json", "--from", "testdata/config/old.hcl", "--to", "testdata/config/new.hcl")
	if code != exitUsage {
		t.Fatalf("changes pending: exit %d", code)
	}
	var p struct {
		Changes []struct{ Address, Action string }
		Summary struct{ Create, Replace int }
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if p.Summary.Create != 2 || p.Summary.Replace != 1 || len(p.Changes) != 3 || p.Changes[0].Action != "replace" {
		t.Errorf("plan = %+v", p)
	}
	code, out, _ = runConfigCmd(t, "plan", "--detailed-exitcode", "--from", "testdata/config/old.hcl", "--to", "testdata/config/old.hcl")
	if code != exitOK || !strings.HasPrefix(out, "No changes.") {
		t.Errorf("no changes: exit %d, %q", code, out)
	}
	code, _, errs := runConfigCmd(t, "plan", "--detailed-exitcode", "--from", "testdata/config/old.hcl", "--to", "testdata/config/bad.hcl")
	if code != exitError || !strings.Contains(errs, "bad.hcl:4:7: error:") || !strings.Contains(errs, "nothing planned") {
		t.Errorf("bad config: exit %d, %s", code, errs)
	}
}

func TestPlanFromNothingAndUsage(t *testing.T) {
	code, out, _ := runConfigCmd(t, "plan", "testdata/config/good.hcl")
	if code != exitOK || !strings.Contains(out, "Plan: 3 to create,") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if code, _, _ := runConfigCmd(t, "plan"); code != exitUsage {
		t.Errorf("no --to: exit %d", code)
	}
	code, _, _ = runConfigCmd(t, "plan", "--to", "testdata/config/bad.hcl")
	if code != exitUsage {
		t.Errorf("bad config without --detailed-exitcode: exit %d", code)
	}
}
