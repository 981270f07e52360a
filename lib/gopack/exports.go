// The reader behind `cshared go pack`: the //export functions of the Go
// package in a directory, as `go build` sees them for each of the given
// platforms (build constraints included). Prints one JSON object: the
// package name, the exports, and a Go file of their doc comments and
// signatures with the bodies left out, which the generated npm package ships
// for load()'s goSource (slices typed by element, results named as Go names
// them, Go's doc comments) without shipping the package's code.
//
// Usage: go run exports.go DIR GOOS/GOARCH...
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type export struct {
	Name string `json:"name"`
	File string `json:"file"`
	Line int    `json:"line"`
	// CString: the one result is a *C.char (from C.CString, usually), which
	// the caller may have to free.
	CString bool `json:"cstring"`
}

type result struct {
	Package string   `json:"package"`
	Files   []string `json:"files"`
	Exports []export `json:"exports"`
	Source  string   `json:"source"`
	Error   string   `json:"error,omitempty"`
}

func main() {
	var res result
	if len(os.Args) < 3 {
		res.Error = "usage: go run exports.go DIR GOOS/GOARCH..."
	} else if err := read(os.Args[1], os.Args[2:], &res); err != nil {
		res.Error = err.Error()
	}
	out, _ := json.Marshal(res)
	os.Stdout.Write(append(out, '\n'))
}

func read(dir string, platforms []string, res *result) error {
	seen := map[string]bool{}
	for _, p := range platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		ctx := build.Default
		ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = goos, goarch, true
		pkg, err := ctx.ImportDir(dir, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return fmt.Errorf("%s has no Go files for %s", dir, p)
		}
		if err != nil {
			return err
		}
		if pkg.Name != "main" {
			return fmt.Errorf("%s is package %s: -buildmode=c-shared needs package main (with an empty func main)", dir, pkg.Name)
		}
		res.Package = pkg.Name
		for _, f := range append(pkg.GoFiles, pkg.CgoFiles...) {
			if !seen[f] {
				seen[f] = true
				res.Files = append(res.Files, f)
			}
		}
	}
	sort.Strings(res.Files)

	fset := token.NewFileSet()
	var src bytes.Buffer
	names := map[string]bool{}
	for _, name := range res.Files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Doc == nil || fd.Recv != nil || !exported(fd) || names[fd.Name.Name] {
				continue
			}
			names[fd.Name.Name] = true
			pos := fset.Position(fd.Pos())
			res.Exports = append(res.Exports, export{Name: fd.Name.Name, File: name, Line: pos.Line, CString: cString(fd)})
			for _, c := range fd.Doc.List {
				writeComment(&src, c.Text)
			}
			if err := printer.Fprint(&src, fset, &ast.FuncDecl{Name: fd.Name, Type: fd.Type}); err != nil {
				return err
			}
			fmt.Fprintf(&src, " {\n\tpanic(\"signature only: %s:%d\")\n}\n\n", name, pos.Line)
		}
	}
	if len(res.Exports) == 0 {
		return fmt.Errorf("%s exports no functions: mark them with an //export Name comment right above func Name (and import \"C\")", dir)
	}
	res.Source = src.String()
	return nil
}

// exported: the doc comment has cgo's //export line for this function.
func exported(fd *ast.FuncDecl) bool {
	for _, c := range fd.Doc.List {
		if rest, ok := strings.CutPrefix(c.Text, "//export "); ok && strings.TrimSpace(rest) == fd.Name.Name {
			return true
		}
	}
	return false
}

// cString: the function returns one *C.char.
func cString(fd *ast.FuncDecl) bool {
	r := fd.Type.Results
	if r == nil || len(r.List) != 1 || len(r.List[0].Names) > 1 {
		return false
	}
	star, ok := r.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "C" && sel.Sel.Name == "char"
}

// writeComment writes a doc comment as // lines (a /* */ comment too),
// which is what cshared's reader takes as the doc comment.
func writeComment(w *bytes.Buffer, text string) {
	if strings.HasPrefix(text, "//") {
		w.WriteString(text + "\n")
		return
	}
	body := strings.TrimSuffix(strings.TrimPrefix(text, "/*"), "*/")
	for _, l := range strings.Split(strings.Trim(body, "\n"), "\n") {
		l = strings.TrimRight(l, " \t\r")
		if l == "" {
			w.WriteString("//\n")
		} else {
			w.WriteString("// " + strings.TrimLeft(l, " \t") + "\n")
		}
	}
}
