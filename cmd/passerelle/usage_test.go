package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestUsageListsEveryCommand reads the dispatcher's source: the names in
// run's switch on the command, and the names each case (or the function
// it calls) compares a first argument with, must be exactly the commands
// and subcommands of the usage text. A command added to the dispatcher
// and not to usage fails here.
func TestUsageListsEveryCommand(t *testing.T) {
	funcs := map[string]*ast.FuncDecl{}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				funcs[fd.Name.Name] = fd
			}
		}
	}

	dispatched := map[string][]string{} // command → subcommands
	ast.Inspect(funcs["run"].Body, func(n ast.Node) bool {
		sw, ok := n.(*ast.SwitchStmt)
		if !ok || !isIdent(sw.Tag, "cmd") {
			return true
		}
		for _, c := range sw.Body.List {
			cc := c.(*ast.CaseClause)
			var subs []string
			for _, stmt := range cc.Body {
				subs = append(subs, firstArgNames(stmt)...)
				ast.Inspect(stmt, func(n ast.Node) bool { // one call deep: clientsCmd and the like
					if call, ok := n.(*ast.CallExpr); ok {
						if id, ok := call.Fun.(*ast.Ident); ok && funcs[id.Name] != nil {
							subs = append(subs, firstArgNames(funcs[id.Name].Body)...)
						}
					}
					return true
				})
			}
			for _, e := range cc.List {
				if name := stringLit(e); !strings.HasPrefix(name, "-") { // -h, --help: help's spellings
					dispatched[name] = sorted(subs)
				}
			}
		}
		return false
	})
	if len(dispatched) == 0 {
		t.Fatal("found no switch on cmd in run")
	}

	documented := map[string][]string{}
	for _, line := range strings.Split(usage, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "passerelle" {
			continue
		}
		subs := documented[f[1]]
		if len(f) > 2 && f[2] != strings.ToUpper(f[2]) && !strings.HasPrefix(f[2], "-") && !strings.HasPrefix(f[2], "[") {
			subs = append(subs, strings.Split(f[2], "|")...)
		}
		documented[f[1]] = sorted(subs)
	}

	for cmd, subs := range dispatched {
		doc, ok := documented[cmd]
		switch {
		case !ok:
			t.Errorf("run dispatches %q; usage does not list it", cmd)
		case !slices.Equal(subs, doc):
			t.Errorf("passerelle %s: dispatched subcommands %v, usage lists %v", cmd, subs, doc)
		}
	}
	for cmd := range documented {
		if _, ok := dispatched[cmd]; !ok {
			t.Errorf("usage lists %q; run does not dispatch it", cmd)
		}
	}
}

// firstArgNames returns the string constants that n switches a first
// argument (x[0]) on, or compares one with.
func firstArgNames(n ast.Node) []string {
	var names []string
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SwitchStmt:
			if isFirst(n.Tag) {
				for _, c := range n.Body.List {
					for _, e := range c.(*ast.CaseClause).List {
						names = append(names, stringLit(e))
					}
				}
			}
		case *ast.BinaryExpr:
			if (n.Op == token.EQL || n.Op == token.NEQ) && isFirst(n.X) {
				names = append(names, stringLit(n.Y))
			}
		}
		return true
	})
	return names
}

func isFirst(e ast.Expr) bool {
	ix, ok := e.(*ast.IndexExpr)
	if !ok {
		return false
	}
	lit, ok := ix.Index.(*ast.BasicLit)
	return ok && lit.Value == "0"
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func stringLit(e ast.Expr) string {
	if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
		if s, err := strconv.Unquote(lit.Value); err == nil {
			return s
		}
	}
	return "?" // not a constant: the comparison with usage fails and shows it
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
