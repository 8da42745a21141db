package config

import "github.com/hashicorp/hcl/v2"

// Block type names.
const (
	blockVariable         = "variable"
	blockLocals           = "locals"
	blockPlugin           = "plugin"
	blockPaneTemplate     = "pane_template"
	blockTabTemplate      = "tab_template"
	blockSession          = "session"
	blockTab              = "tab"
	blockPane             = "pane"
	blockPluginPane       = "plugin_pane"
	blockBackgroundPlugin = "background_plugin"
	blockMount            = "mount"
	blockLimits           = "limits"
	blockRestart          = "restart"
	blockParam            = "param"
)

var rootSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: blockTessera},
	{Type: blockVariable, LabelNames: []string{"name"}},
	{Type: blockLocals},
	{Type: blockPlugin, LabelNames: []string{"name"}},
	{Type: blockPaneTemplate, LabelNames: []string{"name"}},
	{Type: blockTabTemplate, LabelNames: []string{"name"}},
	{Type: blockSession, LabelNames: []string{"name"}},
}}

var variableSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "type"}, {Name: "default"}, {Name: "description"},
}}

// paramSchema is the schema of a template's param block.
var paramSchema = variableSchema

var pluginSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "source", Required: true}, {Name: "sha256"}, {Name: "config"},
		{Name: "permissions"}, {Name: "inherit_env"}, {Name: "env"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: blockMount, LabelNames: []string{"guest_path"}},
		{Type: blockLimits},
		{Type: blockRestart},
	},
}

var mountSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "source"}, {Name: "read_only"}}}

var limitsSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "memory"}, {Name: "call_timeout"}, {Name: "commands_per_second"},
}}

var restartSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "policy", Required: true}, {Name: "max_restarts"}, {Name: "backoff"},
}}

// terminalAttrs are the attributes a terminal pane and a pane template share.
var terminalAttrs = []hcl.AttributeSchema{
	{Name: "command"}, {Name: "args"}, {Name: "cwd"}, {Name: "env"},
	{Name: "restart"}, {Name: "close_on_exit"}, {Name: "start_suspended"},
}

var paneTemplateSchema = &hcl.BodySchema{
	Attributes: terminalAttrs,
	Blocks:     []hcl.BlockHeaderSchema{{Type: blockParam, LabelNames: []string{"name"}}},
}

var paneSchema = &hcl.BodySchema{
	Attributes: append(append([]hcl.AttributeSchema{}, terminalAttrs...),
		hcl.AttributeSchema{Name: "focus"}, hcl.AttributeSchema{Name: "template"}, hcl.AttributeSchema{Name: "params"}),
}

var pluginPaneSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "plugin"}, {Name: "source"}, {Name: "sha256"}, {Name: "config"}, {Name: "focus"},
}}

var backgroundPluginSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "plugin"}, {Name: "source"}, {Name: "sha256"}, {Name: "config"},
}}

var paneBlocks = []hcl.BlockHeaderSchema{
	{Type: blockPane, LabelNames: []string{"name"}},
	{Type: blockPluginPane, LabelNames: []string{"name"}},
}

var tabTemplateSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "cwd"}},
	Blocks:     append(append([]hcl.BlockHeaderSchema{}, paneBlocks...), hcl.BlockHeaderSchema{Type: blockParam, LabelNames: []string{"name"}}),
}

var tabSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "cwd"}, {Name: "focus"}, {Name: "template"}, {Name: "params"}},
	Blocks:     paneBlocks,
}

var sessionSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "cwd"}, {Name: "env"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: blockTab, LabelNames: []string{"name"}},
		{Type: blockBackgroundPlugin, LabelNames: []string{"name"}},
	},
}
