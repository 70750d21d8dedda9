package jumpcloud

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The admin API of the sandbox's JumpCloud, on the same host as its SSO
// (docs/reference/jumpcloud-api.md §2: V1 under /api, V2 under /api/v2).
// It serves the operations of docs/reference/jumpcloud-openapi-excerpt.json
// over the IdP's one state: the application object IS the SSO application
// (apiapp.go), the user groups bound to it are its associations
// (apigraph.go). Conventions (§3): V1 lists in a {totalCount, results}
// envelope, V2 lists as bare arrays; limit/skip paging; filter; errors as
// {code, message, status}.

// APIKnobs are the admin API's behaviours a test or the sandbox can turn
// on. None is saved with the IdP.
type APIKnobs struct {
	// ReadOnlyRole: the key's admin has a role that may not configure SSO
	// applications. Roles apply to API keys, and only Administrator and
	// Administrator with Billing may configure SSO apps (jumpcloud-api.md
	// §1, KB-roles). Whether lower roles may read them is [U]; the sandbox
	// lets them read and answers every write 403.
	ReadOnlyRole bool
	// MultiTenant: the key's admin uses the Multi-Tenant Portal and must
	// name the organization in x-org-id (§1: 401 when missing, 400 when
	// malformed, 404 when unknown, 403 when sent on a route that does not
	// take it, GET /organizations[/{id}]).
	MultiTenant bool
	// RateLimitEvery: every Nth request to the API answers 429 with a
	// Retry-After header. JumpCloud documents no numbers (§3), so the
	// sandbox makes the limit a knob. 0: never.
	RateLimitEvery int
	// RetryAfter is the 429's Retry-After; it is sent in whole seconds, at
	// least 1.
	RetryAfter time.Duration
}

// adminAPIState is the key and knobs, held in memory only: the key is the
// admin's secret, and a restarted sandbox makes a new one.
type adminAPIState struct {
	mu       sync.Mutex
	key      string
	knobs    APIKnobs
	requests int // counts requests for RateLimitEvery
}

// APIKeyPrefix starts every JumpCloud API key (jumpcloud-api.md §1, KB-api).
const APIKeyPrefix = "jca_"

// SetAPIKey sets the key the admin API accepts in x-api-key. Until it is
// set, every call answers 401: API access is off by default for admins
// (§1).
func (p *IdP) SetAPIKey(key string) {
	p.api.mu.Lock()
	defer p.api.mu.Unlock()
	p.api.key = key
}

// SetAPIKnobs sets the admin API's knobs.
func (p *IdP) SetAPIKnobs(k APIKnobs) {
	p.api.mu.Lock()
	defer p.api.mu.Unlock()
	p.api.knobs = k
}

// OrganizationID is the _id of the IdP's organization (GET
// /api/organizations), which the metadata URL names.
func (p *IdP) OrganizationID() string { return objectID(p.org, "organization", p.org) }

// maxBody bounds a request body; application objects are a few KiB.
const maxBody = 1 << 20

// adminAPI routes /api/... after the checks every call goes through.
func (p *IdP) adminAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/applications", p.listApplications)
	mux.HandleFunc("POST /api/applications", p.writeOp(p.createApplication))
	mux.HandleFunc("GET /api/applications/{id}", p.getApplication)
	mux.HandleFunc("PUT /api/applications/{id}", p.writeOp(p.putApplication))
	mux.HandleFunc("DELETE /api/applications/{id}", p.writeOp(p.deleteApplication))
	mux.HandleFunc("GET /api/application-templates", p.listTemplates)
	mux.HandleFunc("GET /api/application-templates/{id}", p.getTemplate)
	mux.HandleFunc("GET /api/organizations", p.listOrganizations)
	mux.HandleFunc("GET /api/organizations/{id}", p.getOrganization)
	mux.HandleFunc("GET /api/organizations/{org}/applications/{app}/metadata.xml", p.apiMetadata)
	mux.HandleFunc("GET /api/v2/applications/{id}/associations", p.listAssociations)
	mux.HandleFunc("POST /api/v2/applications/{id}/associations", p.writeOp(p.postAssociation))
	mux.HandleFunc("GET /api/v2/applications/{id}/usergroups", p.traverseUserGroups)
	mux.HandleFunc("GET /api/v2/usergroups", p.listUserGroups)
	mux.HandleFunc("GET /api/v2/usergroups/{id}/members", p.listMembers)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, r.Method+" "+r.URL.Path+" is not an operation of the JumpCloud API")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.admit(w, r) {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		mux.ServeHTTP(w, r)
	})
}

// admit applies the rate limit, the API key and the multi-tenant header,
// in that order, and answers the request itself when one refuses it.
func (p *IdP) admit(w http.ResponseWriter, r *http.Request) bool {
	p.api.mu.Lock()
	key, knobs := p.api.key, p.api.knobs
	p.api.requests++
	limited := knobs.RateLimitEvery > 0 && p.api.requests%knobs.RateLimitEvery == 0
	p.api.mu.Unlock()
	if limited {
		// KB-bp lists 429 among the codes a client must handle (§3).
		secs := max(1, int((knobs.RetryAfter+time.Second-1)/time.Second))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		apiError(w, http.StatusTooManyRequests, "Too many requests; retry after "+strconv.Itoa(secs)+"s")
		return false
	}
	sent := r.Header.Get("x-api-key")
	if key == "" || sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(key)) != 1 {
		// The message names no part of the key sent.
		apiError(w, http.StatusUnauthorized, "Unauthorized: the x-api-key header is missing or not a valid API key")
		return false
	}
	return p.checkOrgHeader(w, r, knobs.MultiTenant)
}

// orgRoute matches the routes that do not declare x-org-id in JumpCloud's
// spec (GET /organizations and /organizations/{id}, jumpcloud-api.md §1).
var orgRoute = regexp.MustCompile(`^/api/organizations(/[^/]+)?/?$`)

// objectIDPattern is a JumpCloud object id: 24 hex characters.
var objectIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

// checkOrgHeader applies the Multi-Tenant Portal rules of the spec's
// info.description (jumpcloud-api.md §1).
func (p *IdP) checkOrgHeader(w http.ResponseWriter, r *http.Request, multiTenant bool) bool {
	org, sent := r.Header.Get("x-org-id"), r.Header.Values("x-org-id") != nil
	switch {
	case orgRoute.MatchString(r.URL.Path):
		if sent {
			apiError(w, http.StatusForbidden, "x-org-id is not supported on "+r.URL.Path+"; send it on the other routes only")
			return false
		}
		return true
	case !sent:
		if multiTenant {
			apiError(w, http.StatusUnauthorized, "Unauthorized: a multi-tenant administrator must send the x-org-id header naming the organization")
			return false
		}
		return true
	case !objectIDPattern.MatchString(org):
		apiError(w, http.StatusBadRequest, "x-org-id is not a valid organization ID (24 hexadecimal characters)")
		return false
	case org != p.OrganizationID():
		apiError(w, http.StatusNotFound, "organization "+org+" not found")
		return false
	}
	return true
}

// writeOp refuses writes for an admin whose role may not make them.
func (p *IdP) writeOp(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p.api.mu.Lock()
		ro := p.api.knobs.ReadOnlyRole
		p.api.mu.Unlock()
		if ro {
			apiError(w, http.StatusForbidden, "Forbidden: the administrator's role does not allow changing SSO applications or their associations; use an Administrator's API key")
			return
		}
		h(w, r)
	}
}

// apiError writes JumpCloud's error object (V1 Error: code, message,
// status; jumpcloud-api.md §3).
func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"code": status, "message": msg, "status": http.StatusText(status)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding the response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Paging (jumpcloud-api.md §3): limit defaults to 10 and is "Limited to
// 100" (the shared traits; V1 /applications declares no default or maximum,
// [U], so the sandbox applies the traits' values there too). A larger
// limit is cut to 100 without an error, the harsher reading: a client that
// asks for more and does not page misses rows.
const (
	defaultLimit = 10
	maxLimit     = 100
)

type page struct{ limit, skip int }

func parsePage(r *http.Request) (page, error) {
	pg := page{limit: defaultLimit}
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return pg, fmt.Errorf("limit %q is not a non-negative integer", v)
		}
		if n > 0 {
			pg.limit = min(n, maxLimit)
		}
	}
	if v := q.Get("skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return pg, fmt.Errorf("skip %q is not a non-negative integer", v)
		}
		pg.skip = n
	}
	return pg, nil
}

func (pg page) of(items []map[string]any) []map[string]any {
	if pg.skip >= len(items) {
		return []map[string]any{}
	}
	return items[pg.skip:min(len(items), pg.skip+pg.limit)]
}

// filterTerm is one <field>:<operator>:<value> condition.
type filterTerm struct{ field, op, value string }

// V1 operators ($eq ...) and V2 operators (eq ...) differ (the V2 trait's
// description says so); the sandbox evaluates the equality and order ones
// on string fields and refuses the rest by name rather than ignoring them.
var (
	v1Ops = map[string]string{"$eq": "eq", "$ne": "ne", "$gt": "gt", "$gte": "ge", "$lt": "lt", "$lte": "le"}
	v2Ops = map[string]string{"eq": "eq", "ne": "ne", "gt": "gt", "ge": "ge", "lt": "lt", "le": "le"}
)

// parseV1Filter reads filter=... (repeated) and filter[N]=... (RAW's
// form), all ANDed (jumpcloud-api.md §3). The ORed form is refused: the
// sandbox does not evaluate it.
func parseV1Filter(r *http.Request) ([]filterTerm, error) {
	var terms []filterTerm
	for k, vs := range r.URL.Query() {
		if k != "filter" && !strings.HasPrefix(k, "filter[") {
			continue
		}
		if strings.HasPrefix(k, "filter[or]") {
			return nil, fmt.Errorf("%s: the sandbox does not evaluate ORed filters; send ANDed filter=<field>:$eq:<value> terms", k)
		}
		for _, v := range vs {
			t, err := parseTerm(v, v1Ops)
			if err != nil {
				return nil, err
			}
			terms = append(terms, t)
		}
	}
	return terms, nil
}

// parseV2Filter reads filter=a,b (csv, explode false, ANDed; the V2 trait).
func parseV2Filter(r *http.Request) ([]filterTerm, error) {
	var terms []filterTerm
	for _, v := range r.URL.Query()["filter"] {
		for _, part := range strings.Split(v, ",") {
			if part == "" {
				continue
			}
			t, err := parseTerm(part, v2Ops)
			if err != nil {
				return nil, err
			}
			terms = append(terms, t)
		}
	}
	return terms, nil
}

func parseTerm(s string, ops map[string]string) (filterTerm, error) {
	field, rest, ok1 := strings.Cut(s, ":")
	op, value, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || field == "" {
		return filterTerm{}, fmt.Errorf("filter %q is not <field>:<operator>:<value>", s)
	}
	norm, ok := ops[op]
	if !ok {
		var names []string
		for k := range ops {
			names = append(names, k)
		}
		slices.Sort(names)
		return filterTerm{}, fmt.Errorf("filter %q: operator %q is not one the sandbox evaluates (%s)", s, op, strings.Join(names, " "))
	}
	return filterTerm{field: field, op: norm, value: value}, nil
}

// match evaluates the terms on an item's top-level fields. Values are case
// sensitive (§3); a field the item lacks matches only "ne".
func match(item map[string]any, terms []filterTerm) bool {
	for _, t := range terms {
		v, has := item[t.field]
		s := fmt.Sprint(v)
		c := strings.Compare(s, t.value)
		ok := has && ((t.op == "eq" && c == 0) || (t.op == "gt" && c > 0) || (t.op == "ge" && c >= 0) ||
			(t.op == "lt" && c < 0) || (t.op == "le" && c <= 0))
		if t.op == "ne" {
			ok = !has || c != 0
		}
		if !ok {
			return false
		}
	}
	return true
}

// listQuery applies filter, then paging, to items; total is the count
// after filtering.
func listQuery(r *http.Request, items []map[string]any, v2 bool) (out []map[string]any, total int, err error) {
	pg, err := parsePage(r)
	if err != nil {
		return nil, 0, err
	}
	var terms []filterTerm
	if v2 {
		terms, err = parseV2Filter(r)
	} else {
		terms, err = parseV1Filter(r)
	}
	if err != nil {
		return nil, 0, err
	}
	var kept []map[string]any
	for _, it := range items {
		if match(it, terms) {
			kept = append(kept, it)
		}
	}
	return pg.of(kept), len(kept), nil
}

// selectFields keeps the listed top-level fields and the id (idKey: V1
// "_id", V2 "id"), as Mongo-backed JumpCloud does; none keeps all. V1
// lists fields space separated, V2 comma separated (the traits).
func selectFields(items []map[string]any, want []string, idKey string) []map[string]any {
	if len(want) == 0 {
		return items
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		o := map[string]any{}
		if id, ok := it[idKey]; ok {
			o[idKey] = id
		}
		for _, f := range want {
			if v, ok := it[f]; ok {
				o[f] = v
			}
		}
		out[i] = o
	}
	return out
}

// v1List writes the V1 envelope.
func v1List(w http.ResponseWriter, r *http.Request, items []map[string]any) {
	page, total, err := listQuery(r, items, false)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	fields := strings.Fields(r.URL.Query().Get("fields"))
	writeJSON(w, http.StatusOK, map[string]any{"totalCount": total, "results": selectFields(page, fields, "_id")})
}

// v2List writes a V2 bare array. JumpCloud declares no total for these
// operations; the X-Total-Count header only a third-party client reads
// (§3, [3P]) is not sent: clients page until a short page.
func v2List(w http.ResponseWriter, r *http.Request, items []map[string]any) {
	page, _, err := listQuery(r, items, true)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	var fields []string
	for _, v := range r.URL.Query()["fields"] {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				fields = append(fields, f)
			}
		}
	}
	writeJSON(w, http.StatusOK, selectFields(page, fields, "id"))
}
