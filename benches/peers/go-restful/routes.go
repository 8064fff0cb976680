// Package main is the go-restful peer of krest's benchmarks: the route sets krest generates,
// laid out as kube-apiserver lays out its WebServices (one per group-version, routes added the
// way registerResourceHandlers adds them, dispatched by CurlyRouter), measured with
// `go test -bench` (dispatch) and served over HTTP from an in-memory map (throughput).
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	restful "github.com/emicklei/go-restful/v3"
)

// Route is one line of a route file.
type Route struct {
	Method      string
	Template    string
	Verb        string // the installer's action verb: LIST, POST, GET, PUT, ...
	Subresource string // "" for the main resource
	APIVersion  string
	Kind        string
	Plural      string
	Namespaced  bool
}

// Probe is one request of a request mix and the template that must answer it ("" for none).
type Probe struct {
	Method   string
	Path     string
	Expected string
}

func readLines(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		if fields := strings.Fields(s.Text()); len(fields) > 0 {
			out = append(out, fields)
		}
	}
	return out, s.Err()
}

// ReadRoutes reads `METHOD TEMPLATE [VERB SUBRESOURCE API-VERSION KIND PLURAL SCOPE]` lines.
func ReadRoutes(path string) ([]Route, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	routes := make([]Route, 0, len(lines))
	for _, f := range lines {
		r := Route{Method: f[0], Template: f[1]}
		if len(f) >= 8 {
			r.Verb, r.APIVersion, r.Kind, r.Plural = f[2], f[4], f[5], f[6]
			if f[3] != "-" {
				r.Subresource = f[3]
			}
			r.Namespaced = f[7] == "namespaced"
		}
		routes = append(routes, r)
	}
	return routes, nil
}

// ReadProbes reads `METHOD PATH EXPECTED` lines.
func ReadProbes(path string) ([]Probe, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	probes := make([]Probe, 0, len(lines))
	for _, f := range lines {
		p := Probe{Method: f[0], Path: f[1]}
		if f[2] != "-" {
			p.Expected = f[2]
		}
		probes = append(probes, p)
	}
	return probes, nil
}

// groupVersionRoot is the WebService root of a template: `/api/v1` or `/apis/{group}/{version}`.
func groupVersionRoot(template string) (root, relative string, err error) {
	parts := strings.SplitN(strings.TrimPrefix(template, "/"), "/", 4)
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		return "/api/" + parts[1], strings.TrimPrefix(template, "/api/"+parts[1]+"/"), nil
	case len(parts) >= 4 && parts[0] == "apis":
		return "/apis/" + parts[1] + "/" + parts[2], parts[3], nil
	}
	return "", "", fmt.Errorf("template %q is not under /api or /apis", template)
}

// Media types kube-apiserver's WebServices produce, and the patch types PATCH routes consume.
var (
	produces     = []string{"application/json", "application/yaml", "application/vnd.kubernetes.protobuf", "application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch"}
	patchConsume = []string{"application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"}
)

// BuildWebServices lays routes out as kube-apiserver's APIInstaller does: one WebService per
// group-version (`ws.Path("/apis/g/v")`, `ws.Consumes("*/*")`), each route added relative to it
// with its produced (and, for PATCH, consumed) media types. `handler` picks each route's function.
func BuildWebServices(routes []Route, handler func(Route) restful.RouteFunction) ([]*restful.WebService, error) {
	var order []string
	services := map[string]*restful.WebService{}
	for _, r := range routes {
		root, relative, err := groupVersionRoot(r.Template)
		if err != nil {
			return nil, err
		}
		ws, ok := services[root]
		if !ok {
			ws = new(restful.WebService)
			ws.Path(root)
			ws.Doc("API at " + root)
			ws.Consumes("*/*")
			ws.Produces(produces...)
			services[root] = ws
			order = append(order, root)
		}
		rb := ws.Method(r.Method).Path(relative).To(handler(r)).Operation(r.Verb + r.Kind + r.Subresource).Produces(produces...)
		if r.Method == "PATCH" {
			rb = rb.Consumes(patchConsume...)
		}
		ws.Route(rb)
	}
	out := make([]*restful.WebService, 0, len(order))
	for _, root := range order {
		out = append(out, services[root])
	}
	return out, nil
}

// NewContainer is the go-restful container kube-apiserver builds: CurlyRouter, the services
// added in order.
func NewContainer(services []*restful.WebService) *restful.Container {
	c := restful.NewContainer()
	c.Router(restful.CurlyRouter{})
	for _, ws := range services {
		c.Add(ws)
	}
	return c
}
