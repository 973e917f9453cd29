package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Argo CD's health status codes; anything else a script returns becomes Unknown.
var validHealth = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true,
	"Missing": true, "Unknown": true,
}

// scriptPath is where Argo CD looks for a built-in health script:
// resource_customizations/<group>/<Kind>/health.lua.
func scriptPath(dir string, obj *unstructured.Unstructured) string {
	gvk := obj.GroupVersionKind()
	return filepath.Join(dir, gvk.Group, gvk.Kind, "health.lua")
}

func argoHealthOf(dir string, obj *unstructured.Unstructured) (Verdict, error) {
	script, err := os.ReadFile(scriptPath(dir, obj))
	if err != nil {
		return Verdict{}, err
	}
	return runHealthLua(string(script), obj.Object)
}

// runHealthLua runs a health script the way Argo CD's util/lua does: a state without
// the standard libraries except package, base, table (and a reduced os, which our
// scripts do not use), a one-second deadline, the object as the global `obj`, and a
// table {status, message} as the result.
func runHealthLua(script string, obj map[string]any) (Verdict, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for name, open := range map[string]lua.LGFunction{
		lua.LoadLibName: lua.OpenPackage,
		lua.BaseLibName: lua.OpenBase,
		lua.TabLibName:  lua.OpenTable,
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(open), NRet: 0, Protect: true}, lua.LString(name)); err != nil {
			return Verdict{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return Verdict{}, err
	}
	ret, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return Verdict{}, fmt.Errorf("health script returned %s, not a table", l.Get(-1).Type())
	}
	v := Verdict{Status: lua.LVAsString(ret.RawGetString("status")), Message: lua.LVAsString(ret.RawGetString("message"))}
	if !validHealth[v.Status] {
		return Verdict{Status: "Unknown", Message: "Lua returned an invalid health status"}, nil
	}
	return v, nil
}

// toLua converts decoded JSON into Lua values: objects and arrays become tables
// (arrays 1-based), like Argo CD's decodeValue.
func toLua(l *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(v)
	case string:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case int:
		return lua.LNumber(v)
	case map[string]any:
		t := l.NewTable()
		for k, e := range v {
			t.RawSetString(k, toLua(l, e))
		}
		return t
	case []any:
		t := l.NewTable()
		for _, e := range v {
			t.Append(toLua(l, e))
		}
		return t
	default:
		return lua.LString(fmt.Sprint(v))
	}
}
