package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src in canonical HCL formatting (hclwrite's: indentation,
// aligned equals signs, spacing). A file with syntax errors is not formatted:
// it returns nil and the diagnostics, sorted by position.
func Format(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	if d := checkNesting(src, filename); d != nil {
		return nil, hcl.Diagnostics{d}
	}
	_, diags := hclwrite.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, normalize(diags)
	}
	return hclwrite.Format(src), nil
}
