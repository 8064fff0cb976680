package main

import (
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"

	restful "github.com/emicklei/go-restful/v3"
)

// ObjectMeta holds the metadata fields krest writes, in krest's order, so that the bytes match.
type ObjectMeta struct {
	ResourceVersion   string            `json:"resourceVersion,omitempty"`
	CreationTimestamp string            `json:"creationTimestamp,omitempty"`
	Generation        int64             `json:"generation,omitempty"`
	Name              string            `json:"name,omitempty"`
	Namespace         string            `json:"namespace,omitempty"`
	UID               string            `json:"uid,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
}

// WidgetSpec is the example's Widget spec.
type WidgetSpec struct {
	Color    string  `json:"color"`
	Replicas int32   `json:"replicas"`
	Size     *string `json:"size,omitempty"`
}

// WidgetStatus is the example's Widget status.
type WidgetStatus struct {
	ReadyReplicas int32  `json:"readyReplicas"`
	Phase         string `json:"phase,omitempty"`
}

// Object is a typed object, as kube-apiserver keeps built-in kinds in its watch cache.
type Object struct {
	APIVersion string        `json:"apiVersion"`
	Kind       string        `json:"kind"`
	Metadata   ObjectMeta    `json:"metadata"`
	Spec       *WidgetSpec   `json:"spec,omitempty"`
	Status     *WidgetStatus `json:"status,omitempty"`
}

// List is a list of objects.
type List struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
	Items []*Object `json:"items"`
}

// Status is metav1.Status.
type Status struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   map[string]string `json:"metadata"`
	Status     string            `json:"status"`
	Message    string            `json:"message"`
	Reason     string            `json:"reason"`
	Details    map[string]string `json:"details,omitempty"`
	Code       int               `json:"code"`
}

// Store is the in-memory map: collection (plural/namespace) -> name -> object; objects are
// replaced, never mutated, so readers encode them outside the lock.
type Store struct {
	mu          sync.RWMutex
	revision    uint64
	collections map[string]map[string]*Object
}

var dns1123Subdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

func writeJSON(resp *restful.Response, code int, v interface{}) {
	resp.Header().Set("Content-Type", "application/json")
	resp.WriteHeader(code)
	// kube-apiserver's JSON serializer encodes straight into the response.
	_ = json.NewEncoder(resp).Encode(v)
}

func fail(resp *restful.Response, code int, reason, message string, details map[string]string) {
	writeJSON(resp, code, Status{APIVersion: "v1", Kind: "Status", Metadata: map[string]string{}, Status: "Failure", Message: message, Reason: reason, Details: details, Code: code})
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

type served struct {
	store *Store
	route Route
}

func (s served) collection(req *restful.Request) string {
	if s.route.Namespaced {
		return s.route.Plural + "/" + req.PathParameter("namespace")
	}
	return s.route.Plural + "/"
}

func (s served) list(req *restful.Request, resp *restful.Response) {
	st := s.store
	st.mu.RLock()
	items := st.collections[s.collection(req)]
	out := List{APIVersion: s.route.APIVersion, Kind: s.route.Kind + "List", Items: make([]*Object, 0, len(items))}
	out.Metadata.ResourceVersion = strconv.FormatUint(st.revision, 10)
	for _, o := range items {
		out.Items = append(out.Items, o)
	}
	st.mu.RUnlock()
	sort.Slice(out.Items, func(i, j int) bool { return out.Items[i].Metadata.Name < out.Items[j].Metadata.Name })
	writeJSON(resp, http.StatusOK, &out)
}

func (s served) get(req *restful.Request, resp *restful.Response) {
	name := req.PathParameter("name")
	s.store.mu.RLock()
	o := s.store.collections[s.collection(req)][name]
	s.store.mu.RUnlock()
	if o == nil {
		fail(resp, 404, "NotFound", fmt.Sprintf("%s %q not found", s.route.Plural, name), map[string]string{"name": name, "kind": s.route.Plural})
		return
	}
	writeJSON(resp, http.StatusOK, o)
}

func (s served) decode(req *restful.Request, resp *restful.Response) (*Object, bool) {
	var o Object
	if err := json.NewDecoder(req.Request.Body).Decode(&o); err != nil {
		fail(resp, 400, "BadRequest", "the request body is not valid JSON: "+err.Error(), nil)
		return nil, false
	}
	if o.APIVersion != s.route.APIVersion || o.Kind != s.route.Kind {
		fail(resp, 400, "BadRequest", "the body's apiVersion and kind do not match the path", nil)
		return nil, false
	}
	if !dns1123Subdomain.MatchString(o.Metadata.Name) || len(o.Metadata.Name) > 253 {
		fail(resp, 422, "Invalid", "metadata.name: Invalid value", nil)
		return nil, false
	}
	if o.Spec != nil && o.Spec.Replicas < 0 {
		fail(resp, 422, "Invalid", "spec.replicas: must be greater than or equal to 0", nil)
		return nil, false
	}
	if s.route.Namespaced {
		ns := req.PathParameter("namespace")
		if o.Metadata.Namespace != "" && o.Metadata.Namespace != ns {
			fail(resp, 400, "BadRequest", "the namespace of the object does not match the namespace on the request", nil)
			return nil, false
		}
		o.Metadata.Namespace = ns
	}
	return &o, true
}

func (s served) create(req *restful.Request, resp *restful.Response) {
	o, ok := s.decode(req, resp)
	if !ok {
		return
	}
	o.Metadata.UID = uuid()
	o.Metadata.CreationTimestamp = time.Now().UTC().Format(time.RFC3339)
	o.Metadata.Generation = 1
	st := s.store
	key := s.collection(req)
	st.mu.Lock()
	// NamespaceLifecycle: the namespace must exist.
	if s.route.Namespaced && st.collections["namespaces/"][o.Metadata.Namespace] == nil {
		st.mu.Unlock()
		fail(resp, 404, "NotFound", fmt.Sprintf("namespaces %q not found", o.Metadata.Namespace), nil)
		return
	}
	items := st.collections[key]
	if items == nil {
		items = map[string]*Object{}
		st.collections[key] = items
	}
	if items[o.Metadata.Name] != nil {
		st.mu.Unlock()
		fail(resp, 409, "AlreadyExists", fmt.Sprintf("%s %q already exists", s.route.Plural, o.Metadata.Name), nil)
		return
	}
	st.revision++
	o.Metadata.ResourceVersion = strconv.FormatUint(st.revision, 10)
	items[o.Metadata.Name] = o
	st.mu.Unlock()
	writeJSON(resp, http.StatusCreated, o)
}

func (s served) update(req *restful.Request, resp *restful.Response) {
	o, ok := s.decode(req, resp)
	if !ok {
		return
	}
	name := req.PathParameter("name")
	if o.Metadata.Name != name {
		fail(resp, 400, "BadRequest", "the name of the object does not match the name on the URL", nil)
		return
	}
	if o.Metadata.ResourceVersion == "" {
		fail(resp, 422, "Invalid", "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update", nil)
		return
	}
	st := s.store
	key := s.collection(req)
	st.mu.Lock()
	current := st.collections[key][name]
	if current == nil {
		st.mu.Unlock()
		fail(resp, 404, "NotFound", fmt.Sprintf("%s %q not found", s.route.Plural, name), nil)
		return
	}
	if current.Metadata.ResourceVersion != o.Metadata.ResourceVersion {
		st.mu.Unlock()
		fail(resp, 409, "Conflict", fmt.Sprintf("Operation cannot be fulfilled on %s %q: the object has been modified; please apply your changes to the latest version and try again", s.route.Plural, name), map[string]string{"name": name})
		return
	}
	o.Metadata.UID = current.Metadata.UID
	o.Metadata.CreationTimestamp = current.Metadata.CreationTimestamp
	o.Metadata.Generation = current.Metadata.Generation
	if (o.Spec == nil) != (current.Spec == nil) || (o.Spec != nil && (o.Spec.Color != current.Spec.Color || o.Spec.Replicas != current.Spec.Replicas)) {
		o.Metadata.Generation++
	}
	o.Status = current.Status
	st.revision++
	o.Metadata.ResourceVersion = strconv.FormatUint(st.revision, 10)
	st.collections[key][name] = o
	st.mu.Unlock()
	writeJSON(resp, http.StatusOK, o)
}

func notImplemented(_ *restful.Request, resp *restful.Response) {
	fail(resp, 501, "NotImplemented", "not served by the benchmark peer", nil)
}

// Handlers picks each route's handler: GET, LIST, CREATE and UPDATE of main resources; the
// other routes are registered (so dispatch sees the whole table) and answer 501.
func Handlers(store *Store) func(Route) restful.RouteFunction {
	return func(r Route) restful.RouteFunction {
		s := served{store: store, route: r}
		if r.Subresource != "" {
			return notImplemented
		}
		switch r.Verb {
		case "LIST":
			return s.list
		case "GET":
			return s.get
		case "POST":
			return s.create
		case "PUT":
			return s.update
		}
		return notImplemented
	}
}

func main() {
	routesFile := flag.String("routes", "", "route file written by krest-route-sets (server-N.routes)")
	listen := flag.String("listen", "127.0.0.1:18082", "address to serve on")
	flag.Parse()
	routes, err := ReadRoutes(*routesFile)
	if err != nil {
		log.Fatal(err)
	}
	store := &Store{collections: map[string]map[string]*Object{"namespaces/": {}}}
	for _, ns := range []string{"default", "kube-system", "kube-public"} {
		store.revision++
		store.collections["namespaces/"][ns] = &Object{APIVersion: "v1", Kind: "Namespace", Metadata: ObjectMeta{Name: ns, UID: uuid(), ResourceVersion: strconv.FormatUint(store.revision, 10)}}
	}
	services, err := BuildWebServices(routes, Handlers(store))
	if err != nil {
		log.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, r := range routes {
		kinds[r.APIVersion+"/"+r.Kind] = true
	}
	log.Printf("go-restful peer: %d routes, %d kinds, %d web services on %s", len(routes), len(kinds), len(services), *listen)
	log.Fatal(http.ListenAndServe(*listen, NewContainer(services)))
}
