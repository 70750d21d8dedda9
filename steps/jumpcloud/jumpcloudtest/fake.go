// Package jumpcloudtest is an in-process stand-in for JumpCloud's admin
// API, for the client's and the steps' tests. It is written from
// docs/reference/jumpcloud-api.md, not from the client, and is far smaller
// than the sandbox: it answers the calls jcaccess makes and records every
// request so tests can assert on what was sent.
package jumpcloudtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Request is one request the fake received.
type Request struct {
	Method, Path string
	Query        map[string][]string
	Key, OrgID   string
	Body         []byte
}

// Fake is the stand-in. Its fields are set before the test sends requests
// (or under Lock).
type Fake struct {
	sync.Mutex
	Key string
	// OrgID, when set, makes the admin multi-tenant: a request without
	// x-org-id is answered 401 (docs §1).
	OrgID string
	// Forbidden answers 403 to every request (the key's admin lacks a
	// role, docs §1).
	Forbidden bool
	// RateLimit answers this many next requests 429 with Retry-After.
	RateLimit  int
	RetryAfter string
	Apps       []map[string]any
	Templates  []map[string]any
	Groups     []map[string]any
	// RegeneratePairOnPut makes a PUT replace the application's signing
	// certificate: the harsher reading of docs §6, where what a PUT does
	// to the pair is [U, untested].
	RegeneratePairOnPut bool
	// Bound maps application ID to the bound user group IDs.
	Bound    map[string][]string
	Metadata map[string]string // app ID → XML
	Requests []Request
	nextID   int
	Server   *httptest.Server
}

// New starts a fake (TLS) with one key.
func New(t testing.TB, key string) *Fake {
	f := &Fake{Key: key, Bound: map[string][]string{}, Metadata: map[string]string{}, RetryAfter: "2"}
	f.Server = httptest.NewTLSServer(f)
	t.Cleanup(f.Server.Close)
	return f
}

// Writes are the requests that were not GETs.
func (f *Fake) Writes() []Request {
	f.Lock()
	defer f.Unlock()
	var out []Request
	for _, r := range f.Requests {
		if r.Method != http.MethodGet {
			out = append(out, r)
		}
	}
	return out
}

// App returns the stored application with this ID (a copy, as JSON).
func (f *Fake) App(id string) []byte {
	f.Lock()
	defer f.Unlock()
	for _, a := range f.Apps {
		if a["_id"] == id {
			b, _ := json.Marshal(a)
			return b
		}
	}
	return nil
}

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.Lock()
	defer f.Unlock()
	f.Requests = append(f.Requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Key: r.Header.Get("x-api-key"), OrgID: r.Header.Get("x-org-id"), Body: body})
	fail := func(status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		// V1 Error {code, message, status} (docs §3).
		_ = json.NewEncoder(w).Encode(map[string]any{"code": status, "message": msg, "status": http.StatusText(status)})
	}
	switch {
	case r.Header.Get("x-api-key") != f.Key:
		fail(401, "Unauthorized")
		return
	case f.OrgID != "" && r.Header.Get("x-org-id") == "":
		fail(401, "x-org-id header is required for multi-tenant admins")
		return
	case f.OrgID != "" && r.Header.Get("x-org-id") != f.OrgID:
		fail(404, "organization not found")
		return
	case f.Forbidden:
		fail(403, "Forbidden")
		return
	case f.RateLimit > 0:
		f.RateLimit--
		w.Header().Set("Retry-After", f.RetryAfter)
		fail(429, "Too Many Requests")
		return
	}
	p := r.URL.Path
	switch {
	case r.Method == "GET" && p == "/api/applications":
		f.listV1(w, r, f.Apps)
	case r.Method == "GET" && p == "/api/application-templates":
		f.listV1(w, r, f.Templates)
	case r.Method == "GET" && p == "/api/organizations":
		f.listV1(w, r, []map[string]any{{"_id": f.orgID(), "displayName": "Example"}})
	case strings.HasPrefix(p, "/api/application-templates/") && r.Method == "GET":
		id := strings.TrimPrefix(p, "/api/application-templates/")
		for _, t := range f.Templates {
			if t["_id"] == id {
				writeJSON(w, 200, t)
				return
			}
		}
		fail(404, "Not Found")
	case r.Method == "POST" && p == "/api/applications":
		var a map[string]any
		if json.Unmarshal(body, &a) != nil || a["name"] == nil || a["config"] == nil {
			fail(400, "name, config and ssoUrl are required")
			return
		}
		f.nextID++
		a["_id"] = fmt.Sprintf("newapp%018d", f.nextID)
		cfg := a["config"].(map[string]any)
		// The signing pair is generated on activation (jumpcloud.md §2).
		cfg["idpPrivateKey"] = map[string]any{"value": "-----BEGIN PRIVATE KEY-----\nGENERATED" + a["_id"].(string) + "\n-----END PRIVATE KEY-----"}
		f.Apps = append(f.Apps, a)
		writeJSON(w, 200, a)
	case strings.HasPrefix(p, "/api/applications/"):
		id := strings.TrimPrefix(p, "/api/applications/")
		i := slices.IndexFunc(f.Apps, func(a map[string]any) bool { return a["_id"] == id })
		if i < 0 {
			fail(404, "Not Found")
			return
		}
		switch r.Method {
		case "GET":
			writeJSON(w, 200, f.Apps[i])
		case "PUT":
			// PUT replaces the whole object (docs §6).
			var a map[string]any
			if json.Unmarshal(body, &a) != nil {
				fail(400, "bad json")
				return
			}
			a["_id"] = id
			if cfg, ok := a["config"].(map[string]any); ok && f.RegeneratePairOnPut {
				cfg["idpCertificate"] = map[string]any{"value": "MIIFregenerated" + id}
			}
			f.Apps[i] = a
			writeJSON(w, 200, a)
		default:
			fail(405, "Method Not Allowed")
		}
	case r.Method == "GET" && p == "/api/v2/usergroups":
		gs := f.Groups
		if flt := r.URL.Query().Get("filter"); strings.HasPrefix(flt, "name:eq:") {
			gs = nil
			for _, g := range f.Groups {
				if g["name"] == strings.TrimPrefix(flt, "name:eq:") {
					gs = append(gs, g)
				}
			}
		}
		f.listV2(w, r, gs)
	case strings.HasPrefix(p, "/api/v2/applications/") && strings.HasSuffix(p, "/associations"):
		id := strings.TrimSuffix(strings.TrimPrefix(p, "/api/v2/applications/"), "/associations")
		switch r.Method {
		case "GET":
			if r.URL.Query().Get("targets") == "" {
				fail(400, "targets is required")
				return
			}
			var items []map[string]any
			for _, g := range f.Bound[id] {
				items = append(items, map[string]any{"to": map[string]any{"id": g, "type": "user_group"}})
			}
			f.listV2(w, r, items)
		case "POST":
			var op struct{ Op, Type, ID string }
			if json.Unmarshal(body, &op) != nil || op.Op != "add" || op.Type != "user_group" || op.ID == "" {
				fail(400, "bad graph operation")
				return
			}
			if !slices.Contains(f.Bound[id], op.ID) {
				f.Bound[id] = append(f.Bound[id], op.ID)
			}
			w.WriteHeader(204)
		}
	case r.Method == "GET" && strings.HasPrefix(p, "/api/organizations/") && strings.HasSuffix(p, "/metadata.xml"):
		parts := strings.Split(p, "/")
		if len(parts) != 7 {
			fail(404, "Not Found")
			return
		}
		xml, ok := f.Metadata[parts[5]]
		if !ok {
			fail(404, "Not Found")
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		_, _ = io.WriteString(w, xml)
	default:
		fail(404, "Not Found")
	}
}

func (f *Fake) orgID() string {
	if f.OrgID != "" {
		return f.OrgID
	}
	return "5f0c1a2b3c4d5e6f7a8b9c0d"
}

// page applies limit (default 10, at most 100) and skip (docs §3).
func page(w http.ResponseWriter, r *http.Request, n int) (int, int, bool) {
	limit, skip := 10, 0
	if v := r.URL.Query().Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	if v := r.URL.Query().Get("skip"); v != "" {
		skip, _ = strconv.Atoi(v)
	}
	if limit < 1 || limit > 100 || skip < 0 {
		writeJSON(w, 400, map[string]any{"code": 400, "message": "limit must be 1..100"})
		return 0, 0, false
	}
	return min(skip, n), min(skip+limit, n), true
}

func (f *Fake) listV1(w http.ResponseWriter, r *http.Request, all []map[string]any) {
	lo, hi, ok := page(w, r, len(all))
	if ok {
		writeJSON(w, 200, map[string]any{"totalCount": len(all), "results": nonNil(all[lo:hi])})
	}
}

func (f *Fake) listV2(w http.ResponseWriter, r *http.Request, all []map[string]any) {
	lo, hi, ok := page(w, r, len(all))
	if ok {
		writeJSON(w, 200, nonNil(all[lo:hi]))
	}
}

func nonNil(s []map[string]any) []map[string]any {
	if s == nil {
		return []map[string]any{}
	}
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// PrivateKey is the private key SSOApp holds, for tests that search for it.
const PrivateKey = "-----BEGIN PRIVATE KEY-----\nMIIJQwIBADANBgkqhkiG9w0BAQEFAASCCS0wggkpAgEAAoICAQDjcaccesstest\n-----END PRIVATE KEY-----"

// SSOApp is a Cloudflare Access application as the documented object
// (docs §5): config entries are UI field objects, plus members jcaccess
// does not know, and the private key.
func SSOApp(id, label, domain string) map[string]any {
	cb := "https://" + domain + "/cdn-cgi/access/callback"
	fieldObj := func(v any) map[string]any {
		return map[string]any{"label": "x", "position": 1, "readOnly": false, "required": true, "type": "text", "value": v, "visible": true}
	}
	return map[string]any{
		"_id": id, "name": "cloudflareaccess", "displayLabel": label, "displayName": "Cloudflare Access",
		"ssoUrl": "https://sso.jumpcloud.com/saml2/" + label, "organization": "5f0c1a2b3c4d5e6f7a8b9c0d",
		"active": true, "color": "#202D38", "sso": map[string]any{"type": "saml", "jit": false, "idpCertExpirationAt": "2031-05-01T00:00:00Z"},
		"futureTopLevelField": map[string]any{"keep": []any{1, "two", nil}},
		"config": map[string]any{
			"idpEntityId":         fieldObj("https://" + domain + "/"),
			"spEntityId":          fieldObj(cb),
			"acsUrl":              fieldObj(cb),
			"includeGroups":       fieldObj(true),
			"groupsAttributeName": fieldObj("groups"),
			"constantAttributes":  fieldObj([]any{}),
			"databaseAttributes":  fieldObj([]any{map[string]any{"name": "email", "value": "email", "readOnly": false, "required": false, "visible": true}}),
			"idpCertificate":      fieldObj("MIIFazCCA1OgAwIBAgIUtest"),
			"idpPrivateKey":       fieldObj(PrivateKey),
			"signAssertion":       fieldObj(true),
			"futureConfigKey":     map[string]any{"value": "kept", "options": []any{map[string]any{"text": "a", "value": 1}}},
		},
	}
}
