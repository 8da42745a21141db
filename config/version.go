package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"golang.org/x/mod/semver"
)

// blockTessera is the top-level block that states which Tessera versions a
// workspace needs:
//
//	tessera {
//	  required_version = ">= 0.1.0, < 2.0.0"
//	}
const blockTessera = "tessera"

var tesseraSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "required_version"}}}

var versionSniffSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: blockTessera}}}

// checkVersions reads only the tessera blocks of every body and checks their
// required_version against version, before anything else is decoded: a file
// written for another version gets this one error rather than a cascade of
// unknown-attribute errors. version "" skips the check (the syntax of the
// blocks is still checked).
func (l *loader) checkVersions(bodies []hcl.Body, version string) bool {
	ok := true
	for _, body := range bodies {
		c, _, _ := body.PartialContent(versionSniffSchema)
		for _, b := range c.Blocks {
			tc, diags := b.Body.Content(tesseraSchema)
			l.diags = append(l.diags, diags...)
			a := tc.Attributes["required_version"]
			if a == nil {
				continue
			}
			v, diags := a.Expr.Value(nil)
			r := a.Expr.Range()
			if diags.HasErrors() || v.IsNull() || v.Type() != cty.String {
				l.errorf(&r, "Invalid version constraint", "required_version must be a literal string such as \">= 0.1.0\".")
				ok = false
				continue
			}
			match, err := versionMatches(v.AsString(), version)
			if err != nil {
				l.errorf(&r, "Invalid version constraint", "%v. Write constraints like \">= 0.1.0\", \"~> 0.2\" or \">= 0.1.0, < 1.0.0\".", err)
				ok = false
				continue
			}
			if !match {
				l.errorf(&r, "Unsupported Tessera version", "This workspace requires Tessera %s, and this is Tessera %s. Use a matching version of Tessera, or change required_version.", v.AsString(), version)
				ok = false
			}
		}
	}
	return ok
}

// versionMatches reports whether version satisfies every comma-separated
// constraint (operators =, !=, >, >=, <, <=, ~>), in semantic version
// order: a pre-release sorts below its release (0.2.0-dev < 0.2.0), so a
// development build does not satisfy ">= 0.2.0" but does satisfy
// ">= 0.2.0-dev" and ">= 0.1.0". Build metadata (+abc) is ignored. An empty
// version matches.
func versionMatches(constraints, version string) (bool, error) {
	cur := "v" + strings.TrimPrefix(version, "v")
	if version != "" && !semver.IsValid(cur) {
		return false, fmt.Errorf("the running version %q is not a semantic version", version)
	}
	parts := strings.Split(constraints, ",")
	ok := true
	for _, p := range parts {
		p = strings.TrimSpace(p)
		op := "="
		for _, o := range []string{">=", "<=", "!=", "~>", ">", "<", "="} {
			if strings.HasPrefix(p, o) {
				op, p = o, strings.TrimSpace(p[len(o):])
				break
			}
		}
		want := "v" + strings.TrimPrefix(p, "v")
		if p == "" || !semver.IsValid(want) {
			return false, fmt.Errorf("%q is not a version constraint", strings.TrimSpace(constraints))
		}
		if version == "" {
			continue
		}
		c := semver.Compare(cur, want)
		switch op {
		case "=":
			ok = ok && c == 0
		case "!=":
			ok = ok && c != 0
		case ">":
			ok = ok && c > 0
		case ">=":
			ok = ok && c >= 0
		case "<":
			ok = ok && c < 0
		case "<=":
			ok = ok && c <= 0
		case "~>":
			// ~> 1.2 allows 1.x from 1.2 on; ~> 1.2.3 allows 1.2.x from 1.2.3 on.
			same := semver.Major(cur) == semver.Major(want)
			if strings.Count(p, ".") >= 2 {
				same = semver.MajorMinor(cur) == semver.MajorMinor(want)
			}
			ok = ok && c >= 0 && same
		}
	}
	return ok, nil
}
