package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	restful "github.com/emicklei/go-restful/v3"
)

// The route sets and mixes come from `krest-route-sets DIR` (scripts/bench.sh writes them to
// target/bench-report/routes); KREST_ROUTES_DIR names the directory.
func routesDir(tb testing.TB) string {
	dir := os.Getenv("KREST_ROUTES_DIR")
	if dir == "" {
		tb.Skip("KREST_ROUTES_DIR is not set: run `cargo run -p krest-benches --bin krest-route-sets -- DIR` first")
	}
	return dir
}

var sizes = []int{1, 100, 500}

func noop(Route) restful.RouteFunction {
	return func(*restful.Request, *restful.Response) {}
}

func load(tb testing.TB, n int) ([]*restful.WebService, []*http.Request, []Probe) {
	dir := routesDir(tb)
	routes, err := ReadRoutes(filepath.Join(dir, fmt.Sprintf("dispatch-%d.routes", n)))
	if err != nil {
		tb.Fatal(err)
	}
	probes, err := ReadProbes(filepath.Join(dir, fmt.Sprintf("dispatch-%d.probes", n)))
	if err != nil {
		tb.Fatal(err)
	}
	services, err := BuildWebServices(routes, noop)
	if err != nil {
		tb.Fatal(err)
	}
	requests := make([]*http.Request, len(probes))
	for i, p := range probes {
		var body *strings.Reader
		if p.Method == "POST" || p.Method == "PUT" {
			body = strings.NewReader("{}")
		} else {
			body = strings.NewReader("")
		}
		req, err := http.NewRequest(p.Method, "http://127.0.0.1"+p.Path, body)
		if err != nil {
			tb.Fatal(err)
		}
		req.Header.Set("Accept", "application/json")
		if body.Len() > 0 {
			req.Header.Set("Content-Type", "application/json")
		}
		requests[i] = req
	}
	return services, requests, probes
}

// TestProbes checks that CurlyRouter picks the expected route for every request of each mix.
func TestProbes(t *testing.T) {
	for _, n := range sizes {
		services, requests, probes := load(t, n)
		for i, req := range requests {
			_, route, err := restful.CurlyRouter{}.SelectRoute(services, req)
			got := ""
			if err == nil && route != nil {
				got = route.Path
			}
			if got != probes[i].Expected {
				t.Errorf("%d routes: %s %s: got %q, want %q (%v)", n, probes[i].Method, probes[i].Path, got, probes[i].Expected, err)
			}
		}
	}
}

// BenchmarkCurlyRouter routes the whole mix per iteration; ns/request is per request.
func BenchmarkCurlyRouter(b *testing.B) {
	for _, n := range sizes {
		services, requests, _ := load(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			router := restful.CurlyRouter{}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				for _, req := range requests {
					_, _, _ = router.SelectRoute(services, req)
				}
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*len(requests)), "ns/request")
		})
	}
}
