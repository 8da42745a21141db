package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/tessera-ws/tessera/internal/fsutil"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions returns the function table available in every expression: the
// standard cty library under Terraform's names, try/can, and Tessera's
// env, file, fileexists, abspath, basename, dirname, pathexpand, pathjoin.
func (l *loader) functions() map[string]function.Function {
	fs := map[string]function.Function{
		"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc,
		"log": stdlib.LogFunc, "max": stdlib.MaxFunc, "min": stdlib.MinFunc, "pow": stdlib.PowFunc,
		"signum": stdlib.SignumFunc, "parseint": stdlib.ParseIntFunc,
		"chomp": stdlib.ChompFunc, "format": stdlib.FormatFunc, "formatlist": stdlib.FormatListFunc,
		"indent": stdlib.IndentFunc, "join": stdlib.JoinFunc, "lower": stdlib.LowerFunc,
		"upper": stdlib.UpperFunc, "replace": stdlib.ReplaceFunc, "regex": stdlib.RegexFunc,
		"regexall": stdlib.RegexAllFunc, "regex_replace": stdlib.RegexReplaceFunc,
		"split": stdlib.SplitFunc, "strrev": stdlib.ReverseFunc, "substr": stdlib.SubstrFunc,
		"title": stdlib.TitleFunc, "trim": stdlib.TrimFunc, "trimprefix": stdlib.TrimPrefixFunc,
		"trimsuffix": stdlib.TrimSuffixFunc, "trimspace": stdlib.TrimSpaceFunc, "strlen": stdlib.StrlenFunc,
		"chunklist": stdlib.ChunklistFunc, "coalesce": stdlib.CoalesceFunc, "coalescelist": stdlib.CoalesceListFunc,
		"compact": stdlib.CompactFunc, "concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc,
		"distinct": stdlib.DistinctFunc, "element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc,
		"index": stdlib.IndexFunc, "keys": stdlib.KeysFunc, "length": stdlib.LengthFunc,
		"lookup": stdlib.LookupFunc, "merge": stdlib.MergeFunc, "range": stdlib.RangeFunc,
		"reverse": stdlib.ReverseListFunc, "setproduct": stdlib.SetProductFunc, "slice": stdlib.SliceFunc,
		"sort": stdlib.SortFunc, "values": stdlib.ValuesFunc, "zipmap": stdlib.ZipmapFunc,
		"jsondecode": stdlib.JSONDecodeFunc, "jsonencode": stdlib.JSONEncodeFunc, "csvdecode": stdlib.CSVDecodeFunc,
		"tostring": stdlib.MakeToFunc(cty.String), "tonumber": stdlib.MakeToFunc(cty.Number),
		"tobool": stdlib.MakeToFunc(cty.Bool), "tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)), "tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"try": tryfunc.TryFunc, "can": tryfunc.CanFunc,
	}
	str := func(name string) function.Parameter { return function.Parameter{Name: name, Type: cty.String} }
	fs["env"] = function.New(&function.Spec{
		Description: "The value of an environment variable, or the default (\"\" when none is given).",
		Params:      []function.Parameter{str("name")},
		VarParam:    &function.Parameter{Name: "default", Type: cty.String},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > 2 {
				return cty.NilVal, fmt.Errorf("env takes a name and at most one default")
			}
			if v, ok := l.opts.Env[args[0].AsString()]; ok {
				return cty.StringVal(v), nil
			}
			if len(args) == 2 {
				return args[1], nil
			}
			return cty.StringVal(""), nil
		},
	})
	fs["file"] = function.New(&function.Spec{
		Description: "The contents of a UTF-8 file, relative to the workspace directory.",
		Params:      []function.Parameter{str("path")},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if l.opts.ReadFile == nil {
				return cty.NilVal, fmt.Errorf("reading files is disabled for this load")
			}
			b, err := l.opts.ReadFile(l.abs(args[0].AsString()))
			if err != nil {
				return cty.NilVal, includeError(args[0].AsString(), err)
			}
			if !utf8.Valid(b) {
				return cty.NilVal, fmt.Errorf("%s is not valid UTF-8", args[0].AsString())
			}
			return cty.StringVal(string(b)), nil
		},
	})
	fs["fileexists"] = function.New(&function.Spec{
		Description: "Whether a regular file exists, relative to the workspace directory.",
		Params:      []function.Parameter{str("path")},
		Type:        function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if l.opts.ReadFile == nil {
				return cty.False, nil
			}
			_, err := l.opts.ReadFile(l.abs(args[0].AsString()))
			var tooLarge *fsutil.TooLargeError
			return cty.BoolVal(err == nil || errors.As(err, &tooLarge)), nil
		},
	})
	pathFn := func(desc string, f func(string) string) function.Function {
		return function.New(&function.Spec{
			Description: desc,
			Params:      []function.Parameter{str("path")},
			Type:        function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				return cty.StringVal(f(args[0].AsString())), nil
			},
		})
	}
	fs["abspath"] = pathFn("The path made absolute against the workspace directory.", l.abs)
	fs["basename"] = pathFn("The last element of a path.", filepath.Base)
	fs["dirname"] = pathFn("All but the last element of a path.", filepath.Dir)
	fs["pathexpand"] = pathFn("A leading ~ replaced by $HOME.", func(p string) string {
		home, ok := l.opts.Env["HOME"]
		if !ok || !(p == "~" || strings.HasPrefix(p, "~/")) {
			return p
		}
		return home + p[1:]
	})
	fs["pathjoin"] = function.New(&function.Spec{
		Description: "Path elements joined with the separator and cleaned.",
		VarParam:    &function.Parameter{Name: "elem", Type: cty.String},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			parts := make([]string, len(args))
			for i, a := range args {
				parts[i] = a.AsString()
			}
			return cty.StringVal(filepath.Join(parts...)), nil
		},
	})
	return fs
}

// includeError explains why file(name) failed and what to do.
func includeError(name string, err error) error {
	var tooLarge *fsutil.TooLargeError
	var notRegular *fsutil.NotRegularError
	switch {
	case errors.As(err, &tooLarge):
		size := "more"
		if tooLarge.Size >= 0 {
			size = fsutil.FormatSize(tooLarge.Size)
		}
		return fmt.Errorf("%s has %s; file() reads at most %s. Keep large data out of the workspace: give the program the file's path instead (for example args = [abspath(%q)])", name, size, fsutil.FormatSize(tooLarge.Limit), name)
	case errors.As(err, &notRegular):
		return fmt.Errorf("%s is %s; file() reads only regular files", name, notRegular.Kind())
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("read %s: file does not exist", name)
	}
	return fmt.Errorf("read %s: %w", name, err)
}

// abs resolves p against the workspace directory.
func (l *loader) abs(p string) string {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "~") {
		return filepath.Clean(p)
	}
	return filepath.Join(l.root, p)
}
