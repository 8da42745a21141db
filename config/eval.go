package config

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

type loader struct {
	opts  Options
	split int
	root  string
	diags hcl.Diagnostics

	ctx         *hcl.EvalContext
	vars        map[string]cty.Value
	varRanges   map[string]hcl.Range
	locals      map[string]cty.Value
	localNames  []string
	pluginNames []string

	paneTemplates map[string]*paneTemplate
	tabTemplates  map[string]*tabTemplate
	plugins       map[string]*Plugin
}

func (l *loader) baseContext() {
	l.ctx = &hcl.EvalContext{Functions: l.functions(), Variables: map[string]cty.Value{
		"path": cty.ObjectVal(map[string]cty.Value{"root": cty.StringVal(l.root)}),
	}}
	l.vars = map[string]cty.Value{}
	l.varRanges = map[string]hcl.Range{}
	l.locals = map[string]cty.Value{}
}

func (l *loader) finishContext() {
	l.ctx.Variables["var"] = cty.ObjectVal(l.vars)
	l.ctx.Variables["local"] = cty.ObjectVal(l.locals)
}

func (l *loader) decodeVariables(blocks map[string]*hcl.Block, order []string) {
	for name := range l.opts.Vars {
		if _, ok := blocks[name]; !ok {
			l.errorf(nil, "Value for undeclared variable", "--var %s=… sets a variable that no file declares.%s Declare it with variable %q {} or drop the flag.", name, didYouMean(name, order), name)
		}
	}
	for _, name := range order {
		b := blocks[name]
		content, diags := b.Body.Content(variableSchema)
		l.diags = append(l.diags, diags...)
		l.varRanges[name] = b.DefRange
		val, ok := l.declaredValue(name, "variable", content, b.DefRange, func() (string, hcl.Range, bool) {
			if v, ok := l.opts.Vars[name]; ok {
				return v, hcl.Range{}, true
			}
			if v, ok := l.opts.Env["TESSERA_VAR_"+name]; ok {
				return v, hcl.Range{}, true
			}
			return "", hcl.Range{}, false
		}, nil)
		if !ok {
			val = cty.DynamicVal
		}
		l.vars[name] = val
	}
}

// declaredValue computes the value of a variable or template parameter: the
// given raw value (from the command line, environment or params), else the
// default, else an error. given returns a raw string; direct is used instead
// when it is non-nil (a template's params carry typed values).
func (l *loader) declaredValue(name, what string, content *hcl.BodyContent, def hcl.Range, given func() (string, hcl.Range, bool), direct *cty.Value) (cty.Value, bool) {
	ty := cty.DynamicPseudoType
	if a, ok := content.Attributes["type"]; ok {
		t, diags := typeexpr.TypeConstraint(a.Expr)
		if diags.HasErrors() {
			l.diags = append(l.diags, diags...)
			return cty.NilVal, false
		}
		ty = t
	}
	var val cty.Value
	found := false
	if direct != nil {
		val, found = *direct, true
	} else if raw, _, ok := callGiven(given); ok {
		found = true
		if ty == cty.String || ty == cty.DynamicPseudoType {
			val = cty.StringVal(raw)
		} else {
			expr, diags := hclsyntax.ParseExpression([]byte(raw), what+"."+name, hcl.InitialPos)
			if diags.HasErrors() {
				l.errorf(&def, "Invalid value for "+what, "The value given for %s %q cannot be parsed as %s: %s.", what, name, ty.FriendlyName(), strings.TrimSpace(diags[0].Detail))
				return cty.NilVal, false
			}
			v, diags := expr.Value(&hcl.EvalContext{Functions: l.ctx.Functions})
			if diags.HasErrors() {
				l.errorf(&def, "Invalid value for "+what, "The value given for %s %q is not a constant %s.", what, name, ty.FriendlyName())
				return cty.NilVal, false
			}
			val = v
		}
	} else if a, ok := content.Attributes["default"]; ok {
		v, ok := l.evalConst(a.Expr)
		if !ok {
			return cty.NilVal, false
		}
		val, found = v, true
		def = a.Expr.Range()
	}
	if !found {
		hint := fmt.Sprintf("Give it a default, or set it with --var %s=VALUE or TESSERA_VAR_%s.", name, name)
		if what == "param" {
			hint = fmt.Sprintf("Pass it in params = { %s = … }, or give the param a default.", name)
		}
		l.errorf(&def, "Missing value for "+what, "%s %q has no value. %s", what, name, hint)
		return cty.NilVal, false
	}
	conv, err := convert.Convert(val, ty)
	if err != nil {
		l.errorf(&def, "Invalid value for "+what, "The value of %s %q does not match its type %s: %s.", what, name, ty.FriendlyName(), err)
		return cty.NilVal, false
	}
	return conv, true
}

// evalConst evaluates an expression that may use functions but no references.
func (l *loader) evalConst(expr hcl.Expression) (cty.Value, bool) {
	if vs := expr.Variables(); len(vs) > 0 {
		r := vs[0].SourceRange()
		l.errorf(&r, "Reference not allowed here", "A default value is a constant: it cannot refer to %s. Move the computation into a locals block.", traversalString(vs[0]))
		return cty.NilVal, false
	}
	v, diags := expr.Value(&hcl.EvalContext{Functions: l.ctx.Functions})
	l.diags = append(l.diags, diags...)
	return v, !diags.HasErrors()
}

func traversalString(t hcl.Traversal) string {
	var sb strings.Builder
	for _, s := range t {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			sb.WriteString(s.Name)
		case hcl.TraverseAttr:
			sb.WriteString("." + s.Name)
		default:
			sb.WriteString("[…]")
		}
	}
	return sb.String()
}

func (l *loader) decodeLocals(blocks []*hcl.Block) {
	attrs := map[string]*hcl.Attribute{}
	var names []string
	for _, b := range blocks {
		as, diags := b.Body.JustAttributes()
		l.diags = append(l.diags, diags...)
		for _, a := range sortedAttrs(as) {
			if prev, dup := attrs[a.Name]; dup {
				l.errorf(&a.NameRange, "Duplicate local", "local.%s is already defined at %s. Each local value is defined once across all locals blocks.", a.Name, rangeString(prev.NameRange))
				continue
			}
			attrs[a.Name] = a
			names = append(names, a.Name)
		}
	}
	// Evaluate in dependency order; a cycle is reported once, on its first member.
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		switch state[name] {
		case done:
			return
		case visiting:
			i := 0
			for stack[i] != name {
				i++
			}
			cycle := append(append([]string{}, stack[i:]...), name)
			for j := range cycle {
				cycle[j] = "local." + cycle[j]
			}
			r := attrs[name].NameRange
			l.errorf(&r, "Cycle in local values", "The local values refer to each other in a loop: %s. Break the loop by computing one of them without the others.", strings.Join(cycle, " → "))
			for _, n := range stack[i:] {
				l.locals[n] = cty.DynamicVal
				state[n] = done
			}
			return
		}
		state[name] = visiting
		stack = append(stack, name)
		a := attrs[name]
		for _, t := range a.Expr.Variables() {
			if t.RootName() != "local" || len(t) < 2 {
				continue
			}
			if ta, ok := t[1].(hcl.TraverseAttr); ok {
				if _, exists := attrs[ta.Name]; exists {
					visit(ta.Name)
				}
			}
		}
		stack = stack[:len(stack)-1]
		if state[name] == done {
			return
		}
		state[name] = done
		l.ctx.Variables["var"] = cty.ObjectVal(l.vars)
		l.ctx.Variables["local"] = cty.ObjectVal(l.localsSoFar(attrs))
		v, ok := l.eval(a.Expr, l.ctx, nil)
		if !ok {
			v = cty.DynamicVal
		}
		l.locals[name] = v
	}
	l.localNames = names
	for _, n := range names {
		visit(n)
	}
}

// localsSoFar returns the locals computed so far, with unknown placeholders
// for the others, so that references to declared locals type-check.
func (l *loader) localsSoFar(attrs map[string]*hcl.Attribute) map[string]cty.Value {
	m := make(map[string]cty.Value, len(attrs))
	for n := range attrs {
		if v, ok := l.locals[n]; ok {
			m[n] = v
		} else {
			m[n] = cty.DynamicVal
		}
	}
	return m
}

func sortedAttrs(as hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(as))
	for _, a := range as {
		out = append(out, a)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].NameRange.Start.Byte < out[j-1].NameRange.Start.Byte; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// checkRefs reports references to undeclared variables, locals and params
// with a suggestion; it returns false when one was found. params is nil
// outside templates.
func (l *loader) checkRefs(expr hcl.Expression, params map[string]cty.Value) bool {
	ok := true
	for _, t := range expr.Variables() {
		root := t.RootName()
		var names []string
		var what, how string
		switch root {
		case "var":
			names, what = sortedKeys(l.vars), "variable"
			how = "Declare it with variable \"%s\" {}."
		case "local":
			names, what = l.localNames, "local value"
			how = "Define it in a locals block."
		case "param":
			if params == nil {
				r := t.SourceRange()
				l.errorf(&r, "Reference to param outside a template", "param.* is only available inside pane_template and tab_template blocks.")
				ok = false
				continue
			}
			names, what = sortedKeys(params), "template parameter"
			how = "Declare it in the template with param \"%s\" {}."
		case "plugin", "pane_template", "tab_template":
			r := t.SourceRange()
			l.errorf(&r, "Invalid reference", "%s can only be used as the value of a plugin or template argument, as in plugin = plugin.notes.", traversalString(t))
			ok = false
			continue
		default:
			continue
		}
		if len(t) < 2 {
			continue
		}
		ta, isAttr := t[1].(hcl.TraverseAttr)
		if !isAttr {
			continue
		}
		if !contains(names, ta.Name) {
			r := t.SourceRange()
			prefix := root + "."
			hint := ""
			if s := suggest(ta.Name, names); s != "" {
				hint = fmt.Sprintf(" Did you mean %s%s?", prefix, s)
			}
			if strings.Contains(how, "%s") {
				how = fmt.Sprintf(how, ta.Name)
			}
			l.errorf(&r, "Reference to undeclared "+what, "%s%s is not declared.%s %s", prefix, ta.Name, hint, how)
			ok = false
		}
	}
	return ok
}

// eval evaluates expr after checking its references. It returns false when
// the value is unusable (an error was reported, or it depends on a value that
// failed earlier).
func (l *loader) eval(expr hcl.Expression, ctx *hcl.EvalContext, params map[string]cty.Value) (cty.Value, bool) {
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		// Explain bad references our way (with suggestions); other errors
		// are HCL's own.
		if l.checkRefs(expr, params) {
			l.diags = append(l.diags, diags...)
		}
		return cty.NilVal, false
	}
	l.diags = append(l.diags, diags...)
	if !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	if size := valueSize(v, maxValueSize); size > maxValueSize {
		r := expr.Range()
		l.errorf(&r, "Value too large", "This expression produces more than %d bytes (strings, plus 8 bytes per element). Configuration values are meant to be small: read big data from a file at run time instead.", maxValueSize)
		return cty.NilVal, false
	}
	return v, true
}

// maxValueSize bounds one evaluated value, so that chains of locals that
// double a string cannot grow without limit.
const maxValueSize = 1 << 20

// valueSize approximates the memory of a known value, stopping early once it
// exceeds limit.
func valueSize(v cty.Value, limit int) int {
	if v.IsNull() || !v.IsKnown() {
		return 0
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return len(v.AsString())
	case ty.IsPrimitiveType():
		return 8
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType() || ty.IsMapType() || ty.IsObjectType():
		n := 0
		for it := v.ElementIterator(); it.Next() && n <= limit; {
			k, e := it.Element()
			n += 8 + valueSize(e, limit-n)
			if k.Type() == cty.String {
				n += len(k.AsString())
			}
		}
		return n
	}
	return 0
}

// scope is the evaluation scope of one block: its context and, inside a
// template, the declared parameters.
type scope struct {
	ctx    *hcl.EvalContext
	params map[string]cty.Value
}

func (l *loader) rootScope() scope { return scope{ctx: l.ctx} }

func (l *loader) value(a *hcl.Attribute, sc scope, ty cty.Type, what string) (cty.Value, bool) {
	v, ok := l.eval(a.Expr, sc.ctx, sc.params)
	if !ok {
		return cty.NilVal, false
	}
	if v.IsNull() {
		return cty.NilVal, false
	}
	if v.Type() == ty {
		return v, true
	}
	return l.convert(a, v, ty, what)
}

func (l *loader) convert(a *hcl.Attribute, v cty.Value, ty cty.Type, what string) (cty.Value, bool) {
	c, err := convert.Convert(v, ty)
	if err != nil {
		r := a.Expr.Range()
		l.errorf(&r, "Invalid value for "+a.Name, "%s must be %s: %s.", a.Name, what, err)
		return cty.NilVal, false
	}
	return c, true
}

func (l *loader) str(a *hcl.Attribute, sc scope) (string, bool) {
	if a == nil {
		return "", false
	}
	v, ok := l.value(a, sc, cty.String, "a string")
	if !ok {
		return "", false
	}
	return v.AsString(), true
}

func (l *loader) boolean(a *hcl.Attribute, sc scope) (bool, bool) {
	if a == nil {
		return false, false
	}
	v, ok := l.value(a, sc, cty.Bool, "true or false")
	if !ok {
		return false, false
	}
	return v.True(), true
}

func (l *loader) integer(a *hcl.Attribute, sc scope, min, max int64) (int64, bool) {
	if a == nil {
		return 0, false
	}
	v, ok := l.value(a, sc, cty.Number, "a whole number")
	if !ok {
		return 0, false
	}
	bf := v.AsBigFloat()
	i, acc := bf.Int64()
	if acc != big.Exact || !bf.IsInt() || i < min || i > max {
		r := a.Expr.Range()
		l.errorf(&r, "Invalid value for "+a.Name, "%s must be a whole number from %d to %d, not %s.", a.Name, min, max, bf.Text('g', 10))
		return 0, false
	}
	return i, true
}

func (l *loader) strList(a *hcl.Attribute, sc scope) ([]string, bool) {
	if a == nil {
		return nil, false
	}
	v, ok := l.eval(a.Expr, sc.ctx, sc.params)
	if !ok || v.IsNull() {
		return nil, false
	}
	if ty := v.Type(); !(ty.IsTupleType() || ty.IsListType()) || !allStrings(v) {
		if v, ok = l.convert(a, v, cty.List(cty.String), "a list of strings"); !ok {
			return nil, false
		}
	}
	out := make([]string, 0, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			r := a.Expr.Range()
			l.errorf(&r, "Invalid value for "+a.Name, "%s must not contain null.", a.Name)
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

func (l *loader) strMap(a *hcl.Attribute, sc scope) (map[string]string, bool) {
	if a == nil {
		return nil, false
	}
	v, ok := l.eval(a.Expr, sc.ctx, sc.params)
	if !ok || v.IsNull() {
		return nil, false
	}
	if ty := v.Type(); !(ty.IsObjectType() || ty.IsMapType()) || !allStrings(v) {
		if v, ok = l.convert(a, v, cty.Map(cty.String), "a map of strings (numbers and booleans are turned into strings)"); !ok {
			return nil, false
		}
	}
	out := make(map[string]string, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.IsNull() {
			r := a.Expr.Range()
			l.errorf(&r, "Invalid value for "+a.Name, "%s[%q] must not be null.", a.Name, k.AsString())
			return nil, false
		}
		out[k.AsString()] = e.AsString()
	}
	return out, true
}

func callGiven(given func() (string, hcl.Range, bool)) (string, hcl.Range, bool) {
	if given == nil {
		return "", hcl.Range{}, false
	}
	return given()
}

// allStrings reports whether every element of a collection is a non-null string.
func allStrings(v cty.Value) bool {
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.Type() != cty.String || e.IsNull() {
			return false
		}
	}
	return true
}
