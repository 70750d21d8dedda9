package jumpcloud_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"jcaccess/sandbox/jumpcloud"
	"jcaccess/sandbox/jumpcloud/jcapicheck"
)

const apiKey = jumpcloud.APIKeyPrefix + "test0123456789abcdef"

// apiClient calls the sandbox JumpCloud's admin API the way a client
// would; every exchange is validated against the OpenAPI excerpt.
type apiClient struct {
	t    *testing.T
	base string
	key  string
	hdr  map[string]string
	hc   *http.Client
	tr   *jcapicheck.Transport
	// invalid marks the requests as breaking the excerpt on purpose.
	invalid bool
}

func newAPIClient(t *testing.T, idp *jumpcloud.IdP, ts *httptest.Server) *apiClient {
	t.Helper()
	v, err := jcapicheck.Load()
	if err != nil {
		t.Fatal(err)
	}
	tr := v.Transport(ts.Client().Transport, t.Errorf)
	c := &apiClient{t: t, base: ts.URL, key: apiKey, hdr: map[string]string{}, hc: &http.Client{Transport: tr}, tr: tr}
	t.Cleanup(func() {
		if tr.Matched == 0 {
			t.Errorf("no exchange matched an operation of the excerpt: the validator checked nothing")
		}
	})
	return c
}

// newAPIIdP is an IdP with the pre-made app and an API client for it.
func newAPIIdP(t *testing.T) (*jumpcloud.IdP, *apiClient) {
	t.Helper()
	cb := "https://acme.cloudflareaccess.com/cdn-cgi/access/callback"
	idp, ts, err := jumpcloud.StartTLS(jumpcloud.IdPOptions{
		Org: "Acme Inc", KeyBits: 2048, Users: users,
		App: jumpcloud.App{IdPEntityID: "https://acme.cloudflareaccess.com/", SPEntityID: cb, ACSURL: cb,
			IncludeGroups: true, GroupsAttributeName: "groups", BoundGroups: []string{"engineering", "ops"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.Close)
	idp.SetAPIKey(apiKey)
	return idp, newAPIClient(t, idp, ts)
}

func (c *apiClient) do(method, path string, body any) (int, http.Header, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			b, _ = json.Marshal(body)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.invalid {
		req = req.WithContext(jcapicheck.ExpectInvalid(req.Context()))
	}
	if c.key != "" {
		req.Header.Set("x-api-key", c.key)
	}
	for k, v := range c.hdr {
		req.Header.Set(k, v)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

// obj calls and decodes a JSON object answer.
func (c *apiClient) obj(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	st, _, b := c.do(method, path, body)
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			c.t.Fatalf("%s %s: %d %s: not a JSON object", method, path, st, b)
		}
	}
	return st, out
}

// list calls and decodes a V2 array answer.
func (c *apiClient) list(path string) []map[string]any {
	c.t.Helper()
	st, _, b := c.do(http.MethodGet, path, nil)
	var out []map[string]any
	if st != http.StatusOK || json.Unmarshal(b, &out) != nil {
		c.t.Fatalf("GET %s: %d %s", path, st, b)
	}
	return out
}

// theApp returns the one application of GET /api/applications.
func (c *apiClient) theApp() map[string]any {
	c.t.Helper()
	st, out := c.obj(http.MethodGet, "/api/applications", nil)
	res, _ := out["results"].([]any)
	if st != http.StatusOK || out["totalCount"] != float64(1) || len(res) != 1 {
		c.t.Fatalf("GET /api/applications: %d %v, want one application", st, out)
	}
	return res[0].(map[string]any)
}

func value(app map[string]any, key string) any {
	cfg, _ := app["config"].(map[string]any)
	entry, _ := cfg[key].(map[string]any)
	return entry["value"]
}

func setValue(app map[string]any, key string, v any) {
	cfg := app["config"].(map[string]any)
	entry, _ := cfg[key].(map[string]any)
	if entry == nil {
		entry = map[string]any{}
	}
	entry["value"] = v
	cfg[key] = entry
}

// putBody is app as a client sends it back: without the sso dates the
// spec marks readOnly.
func putBody(app map[string]any) map[string]any {
	b, _ := json.Marshal(app)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	if sso, ok := out["sso"].(map[string]any); ok {
		delete(sso, "idpCertificateUpdatedAt")
		delete(sso, "idpPrivateKeyUpdatedAt")
	}
	return out
}

func TestAdminAPIReadsTheSSOApp(t *testing.T) {
	idp, c := newAPIIdP(t)
	app := c.theApp()
	want := idp.App()
	for key, v := range map[string]any{
		"idpEntityId": want.IdPEntityID, "spEntityId": want.SPEntityID, "acsUrl": want.ACSURL,
		"includeGroups": true, "groupsAttributeName": "groups",
	} {
		if got := value(app, key); got != v {
			t.Errorf("config.%s.value = %v, want %v", key, got, v)
		}
	}
	if app["ssoUrl"] != idp.SSOURL() {
		t.Errorf("ssoUrl = %v, want %s", app["ssoUrl"], idp.SSOURL())
	}
	// The private key is in the response (the client must keep it secret).
	if k, _ := value(app, "idpPrivateKey").(string); !strings.Contains(k, "PRIVATE KEY") {
		t.Errorf("idpPrivateKey.value = %q, want the PEM key", k)
	}
	if c, _ := value(app, "idpCertificate").(string); !strings.Contains(c, "CERTIFICATE") {
		t.Errorf("idpCertificate.value = %q, want the PEM certificate", c)
	}
	id := app["_id"].(string)
	if st, one := c.obj(http.MethodGet, "/api/applications/"+id, nil); st != http.StatusOK || one["_id"] != id {
		t.Errorf("GET one: %d %v", st, one)
	}

	// A console change shows through the API: one state.
	changed := idp.App()
	changed.IdPEntityID = changed.ACSURL
	idp.SetApp(changed)
	if got := value(c.theApp(), "idpEntityId"); got != changed.ACSURL {
		t.Errorf("after the console change idpEntityId = %v, want %s", got, changed.ACSURL)
	}

	// The metadata export through the API is the SSO tab's.
	st, orgs := c.obj(http.MethodGet, "/api/organizations", nil)
	res, _ := orgs["results"].([]any)
	if st != http.StatusOK || len(res) != 1 {
		t.Fatalf("GET /api/organizations: %d %v", st, orgs)
	}
	org := res[0].(map[string]any)["_id"].(string)
	if st, o := c.obj(http.MethodGet, "/api/organizations/"+org, nil); st != http.StatusOK || o["displayName"] != "Acme Inc" {
		t.Errorf("GET organization: %d %v", st, o)
	}
	st, hdr, xml := c.do(http.MethodGet, "/api/organizations/"+org+"/applications/"+id+"/metadata.xml", nil)
	if st != http.StatusOK || !bytes.Equal(xml, idp.MetadataXML()) || !strings.Contains(hdr.Get("Content-Type"), "xml") {
		t.Errorf("metadata.xml: %d %s %.80s", st, hdr.Get("Content-Type"), xml)
	}
	if st, _, _ := c.do(http.MethodGet, "/api/organizations/"+org+"/applications/0123456789abcdef01234567/metadata.xml", nil); st != http.StatusNotFound {
		t.Errorf("metadata.xml of an unknown app: %d, want 404", st)
	}
}

func TestAdminAPIPutReplacesTheObject(t *testing.T) {
	idp, c := newAPIIdP(t)
	app := c.theApp()
	id := app["_id"].(string)
	oldCert := idp.Certificate()

	// A client sends back what it got, changes the group attribute name,
	// leaves includeGroups out, and adds fields jcaccess does not know.
	body := putBody(app)
	setValue(body, "groupsAttributeName", "memberOf")
	delete(body["config"].(map[string]any), "includeGroups")
	body["config"].(map[string]any)["futureSetting"] = map[string]any{"label": "Future", "value": map[string]any{"nested": []any{1.5, "x"}}}
	body["x-vendor"] = map[string]any{"kept": true}
	st, got := c.obj(http.MethodPut, "/api/applications/"+id, body)
	if st != http.StatusOK {
		t.Fatalf("PUT: %d %v", st, got)
	}
	a := idp.App()
	if a.GroupsAttributeName != "memberOf" || a.IncludeGroups {
		t.Errorf("after PUT the SSO app has groups attribute %q, include %v; want memberOf, false (unsent = reset)", a.GroupsAttributeName, a.IncludeGroups)
	}
	if value(got, "includeGroups") != false {
		t.Errorf("response includeGroups = %v, want the reset false", value(got, "includeGroups"))
	}
	if !idp.Certificate().Equal(oldCert) {
		t.Error("a PUT that sent the certificate and key back replaced them")
	}
	again := c.theApp()
	want, _ := json.Marshal(map[string]any{"nested": []any{1.5, "x"}})
	if g, _ := json.Marshal(value(again, "futureSetting")); !bytes.Equal(g, want) {
		t.Errorf("unknown config entry came back as %s, want %s", g, want)
	}
	if v, _ := again["x-vendor"].(map[string]any); v["kept"] != true {
		t.Errorf("unknown top-level field came back as %v", again["x-vendor"])
	}

	// A PUT without the signing pair resets it: a new certificate.
	body = putBody(again)
	delete(body["config"].(map[string]any), "idpCertificate")
	delete(body["config"].(map[string]any), "idpPrivateKey")
	if st, got = c.obj(http.MethodPut, "/api/applications/"+id, body); st != http.StatusOK {
		t.Fatalf("PUT without the pair: %d %v", st, got)
	}
	if idp.Certificate().Equal(oldCert) {
		t.Error("a PUT without the signing pair kept it; unsent fields are reset")
	}
	if !strings.Contains(string(idp.MetadataXML()), strings.SplitN(strings.ReplaceAll(value(got, "idpCertificate").(string), "\n", ""), "-----", 4)[2][:40]) {
		t.Error("the response's certificate is not the one the metadata export carries")
	}

	// Only one of the pair is refused.
	body = putBody(c.theApp())
	delete(body["config"].(map[string]any), "idpPrivateKey")
	if st, got = c.obj(http.MethodPut, "/api/applications/"+id, body); st != http.StatusBadRequest || !strings.Contains(got["message"].(string), "idpPrivateKey") {
		t.Errorf("PUT with the certificate only: %d %v, want 400 naming idpPrivateKey", st, got)
	}
	// The label cannot change.
	body = putBody(c.theApp())
	body["ssoUrl"] = idp.BaseURL() + "/saml2/other"
	if st, got = c.obj(http.MethodPut, "/api/applications/"+id, body); st != http.StatusBadRequest || !strings.Contains(got["message"].(string), `ssoUrl: the label "other" cannot change`) {
		t.Errorf("PUT with another label: %d %v, want 400 naming ssoUrl", st, got)
	}
	// Nor can the host: SSO URLs live on JumpCloud's SSO host, which in the
	// sandbox is its own; one the client made up is refused, naming the
	// expected host, and the app stays as it was.
	before := c.theApp()
	for _, foreign := range []string{"https://sso.jumpcloud.com/saml2/" + jumpcloud.DefaultLabel, strings.Replace(idp.BaseURL(), "https://", "http://", 1) + "/saml2/" + jumpcloud.DefaultLabel} {
		body = putBody(c.theApp())
		body["ssoUrl"] = foreign
		st, got = c.obj(http.MethodPut, "/api/applications/"+id, body)
		if msg, _ := got["message"].(string); st != http.StatusBadRequest || !strings.Contains(msg, "ssoUrl") || !strings.Contains(msg, idp.BaseURL()+"/saml2/<label>") {
			t.Errorf("PUT with ssoUrl %s: %d %v, want 400 naming ssoUrl and %s", foreign, st, got, idp.BaseURL())
		}
	}
	if after := c.theApp(); after["ssoUrl"] != before["ssoUrl"] || after["ssoUrl"] != idp.SSOURL() {
		t.Errorf("the refused PUTs changed ssoUrl: %v, want %s", after["ssoUrl"], idp.SSOURL())
	}
}

func TestAdminAPIBadRequests(t *testing.T) {
	idp, c := newAPIIdP(t)
	id := c.theApp()["_id"].(string)
	sso := idp.BaseURL() + "/saml2/"
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		mention            string
		invalid            bool // breaks the excerpt's schema
	}{
		{"malformed body", http.MethodPut, "/api/applications/" + id, []byte(`{"name":`), 400, "JSON", true},
		{"no name", http.MethodPut, "/api/applications/" + id, map[string]any{"ssoUrl": sso + "cloudflareaccess", "config": map[string]any{}}, 400, "name", true},
		{"no config", http.MethodPut, "/api/applications/" + id, map[string]any{"name": "a", "ssoUrl": sso + "cloudflareaccess"}, 400, "config", true},
		{"value of the wrong type", http.MethodPut, "/api/applications/" + id, map[string]any{"name": "a", "ssoUrl": sso + "cloudflareaccess", "config": map[string]any{"includeGroups": map[string]any{"value": "yes"}}}, 400, "includeGroups", true},
		{"unknown application", http.MethodGet, "/api/applications/0123456789abcdef01234567", nil, 404, "not found", false},
		{"unknown group", http.MethodGet, "/api/v2/usergroups/0123456789abcdef01234567/members", nil, 404, "not found", false},
		{"no targets", http.MethodGet, "/api/v2/applications/" + id + "/associations", nil, 400, "targets", true},
		{"unknown path", http.MethodGet, "/api/systemusers", nil, 404, "not an operation", false},
		{"bad limit", http.MethodGet, "/api/v2/usergroups?limit=x", nil, 400, "limit", true},
		{"bad filter", http.MethodGet, "/api/v2/usergroups?filter=name:like:x", nil, 400, "operator", false},
		{"foreign SSO host", http.MethodPost, "/api/applications", map[string]any{"name": "a", "ssoUrl": "https://sso.jumpcloud.com/saml2/second", "config": map[string]any{}}, 400, "is not on JumpCloud's SSO host: it must be " + sso, false},
		{"second app", http.MethodPost, "/api/applications", map[string]any{"name": "a", "ssoUrl": sso + "second", "config": map[string]any{}}, 400, "one SSO application", false},
	} {
		c.invalid = tc.invalid
		st, _, b := c.do(tc.method, tc.path, tc.body)
		if st != tc.status || !strings.Contains(string(b), tc.mention) {
			t.Errorf("%s: %d %s, want %d mentioning %q", tc.name, st, b, tc.status, tc.mention)
		}
	}
}

func TestAdminAPIAuthAndKnobs(t *testing.T) {
	idp, c := newAPIIdP(t)
	c.key = ""
	if st, _, _ := c.do(http.MethodGet, "/api/applications", nil); st != http.StatusUnauthorized {
		t.Errorf("no key: %d, want 401", st)
	}
	c.key = apiKey + "x"
	st, _, b := c.do(http.MethodGet, "/api/applications", nil)
	if st != http.StatusUnauthorized || strings.Contains(string(b), apiKey) {
		t.Errorf("wrong key: %d %s, want 401 naming no key", st, b)
	}
	c.key = apiKey
	id := c.theApp()["_id"].(string)

	idp.SetAPIKnobs(jumpcloud.APIKnobs{ReadOnlyRole: true})
	c.theApp() // reads still work
	op := map[string]any{"op": "add", "type": "user_group", "id": idp.GroupID("sales")}
	if st, _, _ := c.do(http.MethodPost, "/api/v2/applications/"+id+"/associations", op); st != http.StatusForbidden {
		t.Errorf("bind with a read-only role: %d, want 403", st)
	}
	if st, _, _ := c.do(http.MethodDelete, "/api/applications/"+id, nil); st != http.StatusForbidden {
		t.Errorf("delete with a read-only role: %d, want 403", st)
	}
	if slices.Contains(idp.App().BoundGroups, "sales") || idp.App().Missing {
		t.Error("a refused write changed the app")
	}

	idp.SetAPIKnobs(jumpcloud.APIKnobs{MultiTenant: true})
	if st, _, _ := c.do(http.MethodGet, "/api/applications", nil); st != http.StatusUnauthorized {
		t.Errorf("multi-tenant admin without x-org-id: %d, want 401", st)
	}
	_, orgs := c.obj(http.MethodGet, "/api/organizations", nil) // takes no x-org-id
	org := orgs["results"].([]any)[0].(map[string]any)["_id"].(string)
	for hdr, want := range map[string]int{"nothex": 400, "0123456789abcdef01234567": 404, org: 200} {
		c.hdr["x-org-id"] = hdr
		if st, _, _ := c.do(http.MethodGet, "/api/applications", nil); st != want {
			t.Errorf("x-org-id %q: %d, want %d", hdr, st, want)
		}
	}
	if st, _, _ := c.do(http.MethodGet, "/api/organizations", nil); st != http.StatusForbidden {
		t.Errorf("x-org-id on GET /organizations: %d, want 403", st)
	}
	delete(c.hdr, "x-org-id")

	idp.SetAPIKnobs(jumpcloud.APIKnobs{RateLimitEvery: 3, RetryAfter: 2 * time.Second})
	var got []int
	for range 6 {
		st, hdr, _ := c.do(http.MethodGet, "/api/v2/usergroups", nil)
		got = append(got, st)
		if st == http.StatusTooManyRequests && hdr.Get("Retry-After") != "2" {
			t.Errorf("429 Retry-After = %q, want 2", hdr.Get("Retry-After"))
		}
	}
	if !slices.Equal(got, []int{200, 200, 429, 200, 200, 429}) {
		t.Errorf("statuses with RateLimitEvery 3: %v", got)
	}
}

func TestAdminAPIGroupsPagingAndFilter(t *testing.T) {
	idp, c := newAPIIdP(t)
	all := c.list("/api/v2/usergroups?limit=100")
	var names []string
	for _, g := range all {
		names = append(names, g["name"].(string))
	}
	if want := []string{"engineering", "everyone", "ops", "sales"}; !slices.Equal(names, want) {
		t.Fatalf("groups %v, want %v", names, want)
	}
	if p := c.list("/api/v2/usergroups?limit=3&skip=3"); len(p) != 1 || p[0]["name"] != "sales" {
		t.Errorf("second page: %v", p)
	}
	if p := c.list("/api/v2/usergroups?filter=name:eq:ops"); len(p) != 1 || p[0]["id"] != idp.GroupID("ops") {
		t.Errorf("filter name:eq:ops: %v", p)
	}
	if p := c.list("/api/v2/usergroups?filter=name:eq:ops&fields=name"); len(p) != 1 || len(p[0]) != 2 || p[0]["name"] != "ops" || p[0]["id"] == nil {
		t.Errorf("fields=name gave %v, want id and name only", p)
	}
	if p := c.list("/api/v2/usergroups?filter=name:eq:OPS"); len(p) != 0 {
		t.Errorf("filters are case-sensitive; name:eq:OPS gave %v", p)
	}
	var members []string
	for _, m := range c.list("/api/v2/usergroups/" + idp.GroupID("ops") + "/members") {
		to := m["to"].(map[string]any)
		if to["type"] != "user" {
			t.Errorf("member %v is not a user", m)
		}
		members = append(members, to["id"].(string))
	}
	if want := []string{idp.UserID("carol@example.com"), idp.UserID("dave@example.com")}; !slices.Equal(members, want) {
		t.Errorf("ops members %v, want carol and dave %v", members, want)
	}
	// V1 paging and fields.
	st, out := c.obj(http.MethodGet, "/api/application-templates?limit=1&skip=0&fields=name+displayName", nil)
	res, _ := out["results"].([]any)
	if st != http.StatusOK || out["totalCount"] != float64(2) || len(res) != 1 {
		t.Fatalf("templates page: %d %v", st, out)
	}
	if tmpl := res[0].(map[string]any); tmpl["displayName"] != "Cloudflare Access" || tmpl["config"] != nil {
		t.Errorf("fields=name displayName gave %v", tmpl)
	}
	st, out = c.obj(http.MethodGet, "/api/application-templates?filter=displayName:$eq:Custom%20SAML%20App", nil)
	if res, _ := out["results"].([]any); st != http.StatusOK || len(res) != 1 {
		t.Errorf("template filter: %d %v", st, out)
	} else if _, one := c.obj(http.MethodGet, "/api/application-templates/"+res[0].(map[string]any)["_id"].(string), nil); one["name"] != "custom-saml" {
		t.Errorf("GET one template: %v", one)
	}
}

// An organization without the app: creating it and binding a group through
// the API is what makes the SSO login work, through a real SAML round trip
// to the fake Cloudflare.
func TestAdminAPICreatedAppSignsIn(t *testing.T) {
	w := newWorld(t)
	oldCert := w.idp.Certificate()
	w.idp.SetApp(jumpcloud.App{Missing: true})
	w.idp.SetAPIKey(apiKey)
	c := newAPIClient(t, w.idp, w.idpTS)

	if st, out := c.obj(http.MethodGet, "/api/applications", nil); st != http.StatusOK || out["totalCount"] != float64(0) {
		t.Fatalf("no app yet: GET /api/applications = %d %v", st, out)
	}
	if st, _ := w.login("alice@example.com"); st != http.StatusNotFound {
		t.Fatalf("the SSO URL answers %d before the app exists, want 404", st)
	}

	callback := w.cf.CallbackURL()
	ssoURL := w.idpTS.URL + "/saml2/" + jumpcloud.DefaultLabel
	st, app := c.obj(http.MethodPost, "/api/applications", map[string]any{
		"name": "cloudflareaccess", "displayLabel": "Cloudflare Access", "ssoUrl": ssoURL,
		"config": map[string]any{
			"idpEntityId":         map[string]any{"value": "https://" + w.cf.AuthDomain() + "/"},
			"spEntityId":          map[string]any{"value": callback},
			"acsUrl":              map[string]any{"value": callback},
			"includeGroups":       map[string]any{"value": true},
			"groupsAttributeName": map[string]any{"value": "groups"},
			// The email Access reads (the sandbox's Access, as Cloudflare
			// documents, takes it from the attribute, not the NameID).
			"databaseAttributes": map[string]any{"value": []map[string]any{{"name": "email", "value": "email"}}},
		},
	})
	if st != http.StatusOK || app["ssoUrl"] != ssoURL || value(app, "acsUrl") != callback {
		t.Fatalf("POST /api/applications: %d %v", st, app)
	}
	id := app["_id"].(string)
	if w.idp.Certificate().Equal(oldCert) {
		t.Error("the new application reuses the old signing certificate; JumpCloud generates one per app")
	}

	// No group is bound: JumpCloud denies the user.
	if st, text := w.login("alice@example.com"); st != http.StatusForbidden || !strings.Contains(text, jumpcloud.DeniedText) {
		t.Fatalf("unbound app: %d %q, want JumpCloud's denial", st, text)
	}
	eng := w.idp.GroupID("engineering")
	if st, _, b := c.do(http.MethodPost, "/api/v2/applications/"+id+"/associations", map[string]any{"op": "add", "type": "user_group", "id": eng}); st != http.StatusNoContent || len(b) != 0 {
		t.Fatalf("bind engineering: %d %s, want 204 and no body", st, b)
	}
	if st, _, _ := c.do(http.MethodPost, "/api/v2/applications/"+id+"/associations", map[string]any{"op": "add", "type": "user_group", "id": eng}); st != http.StatusConflict {
		t.Errorf("binding twice: %d, want 409", st)
	}
	if a := c.list("/api/v2/applications/" + id + "/associations?targets=user_group"); len(a) != 1 || a[0]["to"].(map[string]any)["id"] != eng {
		t.Errorf("associations: %v", a)
	}
	if g := c.list("/api/v2/applications/" + id + "/usergroups"); len(g) != 1 || g[0]["id"] != eng || len(g[0]["paths"].([]any)) != 1 {
		t.Errorf("usergroups traversal: %v", g)
	}

	// Cloudflare still trusts the old certificate: the assertion is refused
	// until the new metadata is uploaded.
	before := len(w.logins())
	w.login("alice@example.com")
	if l := w.logins(); len(l) != before+1 || l[len(l)-1].Error == "" {
		t.Fatalf("with the old certificate pinned, logins = %+v, want a refused one", l[before:])
	}
	_, orgs := c.obj(http.MethodGet, "/api/organizations", nil)
	org := orgs["results"].([]any)[0].(map[string]any)["_id"].(string)
	st, _, xml := c.do(http.MethodGet, "/api/organizations/"+org+"/applications/"+id+"/metadata.xml", nil)
	if st != http.StatusOK || !bytes.Equal(xml, w.idp.MetadataXML()) {
		t.Fatalf("metadata.xml: %d", st)
	}
	w.reuploadMetadata()
	if st, text := w.login("alice@example.com"); st != http.StatusOK || !strings.Contains(text, "Your connection works!") {
		t.Fatalf("after create, bind and upload: %d %q", st, text)
	}
	l := w.logins()[len(w.logins())-1]
	if l.Error != "" || l.Email != "alice@example.com" || !slices.Contains(l.Groups, "engineering") {
		t.Fatalf("login = %+v", l)
	}

	// Unbinding denies again; deleting removes the SSO URL.
	if st, _, _ := c.do(http.MethodPost, "/api/v2/applications/"+id+"/associations", map[string]any{"op": "remove", "type": "user_group", "id": eng}); st != http.StatusNoContent {
		t.Fatalf("unbind: %d", st)
	}
	if st, _ := w.login("alice@example.com"); st != http.StatusForbidden {
		t.Errorf("after unbinding: %d, want 403", st)
	}
	if st, del := c.obj(http.MethodDelete, "/api/applications/"+id, nil); st != http.StatusOK || del["_id"] != id {
		t.Fatalf("DELETE: %d %v", st, del)
	}
	if st, _ := w.login("alice@example.com"); st != http.StatusNotFound {
		t.Errorf("after DELETE the SSO URL answers %d, want 404", st)
	}
	if st, _, _ := c.do(http.MethodGet, "/api/applications/"+id, nil); st != http.StatusNotFound {
		t.Errorf("GET a deleted app: %d, want 404", st)
	}
}

// The app's state survives a restore; the API key does not.
func TestAdminAPIStateIsSavedButNotTheKey(t *testing.T) {
	idp, c := newAPIIdP(t)
	id := c.theApp()["_id"].(string)
	body := putBody(c.theApp())
	body["x-vendor"] = "kept"
	if st, _ := c.obj(http.MethodPut, "/api/applications/"+id, body); st != http.StatusOK {
		t.Fatalf("PUT: %d", st)
	}
	snap, err := idp.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(snap), apiKey) {
		t.Error("the snapshot holds the API key")
	}
	restored, err := jumpcloud.RestoreIdP(jumpcloud.IdPOptions{BaseURL: idp.BaseURL()}, snap)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(restored.Handler())
	ts.StartTLS()
	t.Cleanup(ts.Close)
	c2 := newAPIClient(t, restored, ts)
	if st, _, _ := c2.do(http.MethodGet, "/api/applications", nil); st != http.StatusUnauthorized {
		t.Errorf("the restored IdP accepts the old key: %d, want 401 (a restarted sandbox makes a new key)", st)
	}
	restored.SetAPIKey(apiKey)
	if got := c2.theApp(); got["x-vendor"] != "kept" || got["_id"] != id {
		t.Errorf("restored app: %v", got)
	}
}
