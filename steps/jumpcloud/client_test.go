package jumpcloud_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"jcaccess/model"
	"jcaccess/steps/jumpcloud"
	"jcaccess/steps/jumpcloud/jumpcloudtest"
)

const (
	key    = "jca_testkey0123456789abcdefABCDEF"
	domain = "example.cloudflareaccess.com"
)

func want() jumpcloud.Want {
	cb := "https://" + domain + "/cdn-cgi/access/callback"
	return jumpcloud.Want{IdPEntityID: "https://" + domain + "/", SPEntityID: cb, ACSURL: cb, GroupsAttribute: "groups", EmailAttribute: "email"}
}

type sleeps struct{ d []time.Duration }

func (s *sleeps) sleep(_ context.Context, d time.Duration) error { s.d = append(s.d, d); return nil }

func client(t *testing.T, f *jumpcloudtest.Fake, orgID string, readOnly bool) (*jumpcloud.Client, *sleeps) {
	t.Helper()
	s := &sleeps{}
	c, err := jumpcloud.New(jumpcloud.Options{BaseURL: f.Server.URL, Key: model.NewSecret(f.Key), OrgID: orgID, HTTP: f.Server.Client(), ReadOnly: readOnly, Sleep: s.sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

// fakeWithApp is an org with the team's application, configured right,
// two groups, one of them bound.
func fakeWithApp(t *testing.T) *jumpcloudtest.Fake {
	f := jumpcloudtest.New(t, key)
	f.Apps = []map[string]any{
		{"_id": "other1", "displayLabel": "Slack", "name": "slack", "config": map[string]any{"acsUrl": map[string]any{"value": "https://slack.com/sso/saml"}}},
		jumpcloudtest.SSOApp("app1", "Cloudflare Access", domain),
	}
	f.Groups = []map[string]any{{"id": "g1", "name": "Engineering", "type": "user_group"}, {"id": "g2", "name": "Sales", "type": "user_group"}}
	f.Bound["app1"] = []string{"g1"}
	return f
}

func TestRegionBaseURL(t *testing.T) {
	for region, want := range map[string]string{"": jumpcloud.USBaseURL, "us": "https://console.jumpcloud.com", "EU": "https://console.eu.jumpcloud.com"} {
		got, err := jumpcloud.RegionBaseURL(region)
		if err != nil || got != want {
			t.Errorf("RegionBaseURL(%q) = %q, %v; want %q", region, got, err, want)
		}
	}
	if _, err := jumpcloud.RegionBaseURL("asia"); err == nil || !strings.Contains(err.Error(), "us") {
		t.Errorf("an unknown region: %v", err)
	}
}

func TestNewRefusesPlainHTTPOffLoopbackAndPaths(t *testing.T) {
	for _, base := range []string{"http://console.jumpcloud.com", "https://console.jumpcloud.com/api", "ftp://x"} {
		if _, err := jumpcloud.New(jumpcloud.Options{BaseURL: base, Key: model.NewSecret(key)}); err == nil {
			t.Errorf("New accepted base %q", base)
		}
	}
	if _, err := jumpcloud.New(jumpcloud.Options{BaseURL: "http://127.0.0.1:8080", Key: model.NewSecret(key)}); err != nil {
		t.Errorf("plain http on loopback: %v", err)
	}
	if _, err := jumpcloud.New(jumpcloud.Options{}); err == nil || !strings.Contains(err.Error(), "JUMPCLOUD_API_KEY") {
		t.Errorf("no key: %v", err)
	}
}

func TestRequestsCarryKeyAndOrgIDAndPage(t *testing.T) {
	f := jumpcloudtest.New(t, key)
	f.OrgID = "org-multi-tenant-1"
	for i := range 250 {
		f.Apps = append(f.Apps, map[string]any{"_id": fmt.Sprintf("a%03d", i), "displayLabel": fmt.Sprint("app ", i)})
	}
	c, _ := client(t, f, f.OrgID, true)
	apps, err := c.ListApps(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 250 || apps[249].View().ID != "a249" {
		t.Fatalf("got %d apps", len(apps))
	}
	var skips []string
	for _, r := range f.Requests {
		if r.Key != key || r.OrgID != f.OrgID {
			t.Errorf("request %s %s carried key %q, org %q", r.Method, r.Path, r.Key, r.OrgID)
		}
		skips = append(skips, r.Query["skip"][0]+"/"+r.Query["limit"][0])
	}
	if !reflect.DeepEqual(skips, []string{"0/100", "100/100", "200/100"}) {
		t.Errorf("pages asked: %v", skips)
	}
}

func TestV2ListsPageUntilAShortPage(t *testing.T) {
	f := jumpcloudtest.New(t, key)
	for i := range 230 {
		f.Groups = append(f.Groups, map[string]any{"id": fmt.Sprint("g", i), "name": fmt.Sprint("group ", i)})
	}
	c, _ := client(t, f, "", true)
	gs, err := c.UserGroups(context.Background())
	if err != nil || len(gs) != 230 || gs[229].Name != "group 229" {
		t.Fatalf("got %d groups, %v", len(gs), err)
	}
	if len(f.Requests) != 3 {
		t.Errorf("%d requests, want 3 pages", len(f.Requests))
	}
}

func TestRateLimitIsRetriedAfterRetryAfter(t *testing.T) {
	f := fakeWithApp(t)
	f.RateLimit, f.RetryAfter = 2, "7"
	c, s := client(t, f, "", true)
	if _, err := c.ListApps(context.Background()); err != nil {
		t.Fatalf("after two 429s: %v", err)
	}
	if !reflect.DeepEqual(s.d, []time.Duration{7 * time.Second, 7 * time.Second}) {
		t.Errorf("waited %v, want Retry-After's 7 s twice", s.d)
	}
	// A server that keeps refusing ends in a rate-limit error, bounded.
	f.RateLimit, f.RetryAfter = 100, "3600"
	s.d = nil
	_, err := c.ListApps(context.Background())
	if jumpcloud.KindOf(err) != jumpcloud.KindRateLimited || len(s.d) != 3 {
		t.Fatalf("err %v (kind %s) after %d waits", err, jumpcloud.KindOf(err), len(s.d))
	}
	for _, d := range s.d {
		if d > 30*time.Second {
			t.Errorf("waited %v: Retry-After must be capped", d)
		}
	}
}

func TestKeyAndRoleErrorsBecomeTheirFindings(t *testing.T) {
	cases := []struct {
		name string
		set  func(*jumpcloudtest.Fake)
		org  string
		code string
	}{
		{"wrong key", func(f *jumpcloudtest.Fake) { f.Key = "jca_anotherkey0123456789" }, "", jumpcloud.CodeKeyInvalid},
		{"no role", func(f *jumpcloudtest.Fake) { f.Forbidden = true }, "", jumpcloud.CodeKeyForbidden},
		{"multi-tenant without org ID", func(f *jumpcloudtest.Fake) { f.OrgID = "org-mtp" }, "", jumpcloud.CodeOrgIDMissing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := fakeWithApp(t)
			c, _ := client(t, f, tc.org, true)
			tc.set(f)
			in := jumpcloud.Inspect(context.Background(), c, want())
			if got := in.Findings.Codes(); !reflect.DeepEqual(got, []string{tc.code}) || in.Findings[0].Severity != model.SeverityError {
				t.Fatalf("findings %v", in.Findings)
			}
			if strings.Contains(in.Findings[0].Message, key) || strings.Contains(in.Err.Error(), key) {
				t.Errorf("the key leaked: %s", in.Findings[0].Message)
			}
			if !strings.Contains(in.Findings[0].Message, "JUMPCLOUD_") && !strings.Contains(in.Findings[0].Message, "Administrator With Billing role") {
				t.Errorf("the message says no fix: %s", in.Findings[0].Message)
			}
		})
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the redirect was followed, key %q", r.Header.Get("x-api-key"))
	}))
	defer other.Close()
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer ts.Close()
	c, err := jumpcloud.New(jumpcloud.Options{BaseURL: ts.URL, Key: model.NewSecret(key), HTTP: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListApps(context.Background())
	if jumpcloud.KindOf(err) != jumpcloud.KindRedirect || !strings.Contains(err.Error(), "redirect to") {
		t.Fatalf("err %v", err)
	}
}

func TestOversizedAnswerIsCut(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(bytes.Repeat([]byte(" "), 9<<20))
	}))
	defer ts.Close()
	c, _ := jumpcloud.New(jumpcloud.Options{BaseURL: ts.URL, Key: model.NewSecret(key), HTTP: ts.Client()})
	if _, err := c.ListApps(context.Background()); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err %v", err)
	}
}

func TestMatchingAppIsVerifiedWithItsGroups(t *testing.T) {
	f := fakeWithApp(t)
	c, _ := client(t, f, "", true)
	in := jumpcloud.Inspect(context.Background(), c, want())
	if in.Findings.Codes()[0] != jumpcloud.CodeAppMatches || len(in.Findings) != 1 || in.Findings.Status() != model.StatusVerified {
		t.Fatalf("findings %v", in.Findings)
	}
	if !strings.Contains(in.Findings[0].Message, `"Engineering"`) {
		t.Errorf("the bound group is not named: %s", in.Findings[0].Message)
	}
	if v := in.App; v == nil || v.ID != "app1" || v.SSOURL == "" {
		t.Errorf("view %+v", in.App)
	}
	if w := f.Writes(); len(w) != 0 {
		t.Errorf("Inspect wrote: %v", w)
	}
}

func TestEachMismatchHasItsCode(t *testing.T) {
	set := func(key string, v any) func(map[string]any) {
		return func(a map[string]any) { a["config"].(map[string]any)[key].(map[string]any)["value"] = v }
	}
	cases := []struct {
		name string
		edit func(map[string]any)
		code string
	}{
		{"IdP entity ID is the SP URL", set("idpEntityId", "https://"+domain+"/cdn-cgi/access/callback"), jumpcloud.CodeIdPEntityIDWrong},
		{"SP entity ID case", set("spEntityId", "https://EXAMPLE.cloudflareaccess.com/cdn-cgi/access/callback"), jumpcloud.CodeSPEntityIDWrong},
		{"ACS URL", set("acsUrl", "https://"+domain+"/"), jumpcloud.CodeACSURLWrong},
		{"groups off", set("includeGroups", false), jumpcloud.CodeGroupsAttributeOff},
		{"groups key absent", func(a map[string]any) { delete(a["config"].(map[string]any), "includeGroups") }, jumpcloud.CodeGroupsAttributeOff},
		{"groups misnamed", set("groupsAttributeName", "gropus"), jumpcloud.CodeGroupsAttrMisnamed},
		{"no email attribute", set("databaseAttributes", []any{map[string]any{"name": "mail", "value": "email"}}), jumpcloud.CodeEmailAttrMissing},
	}
	for _, fix := range []bool{false, true} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/fix=%v", tc.name, fix), func(t *testing.T) {
				f := fakeWithApp(t)
				tc.edit(f.Apps[1])
				c, _ := client(t, f, "", true)
				w := want()
				w.Fix = fix
				in := jumpcloud.Inspect(context.Background(), c, w)
				if got := in.Findings.Codes(); !reflect.DeepEqual(got, []string{tc.code}) {
					t.Fatalf("codes %v, want [%s]: %v", got, tc.code, in.Findings)
				}
				if in.Findings.Status() == model.StatusVerified {
					t.Error("a mismatch left the app verified")
				}
			})
		}
	}
	t.Run("no group bound", func(t *testing.T) {
		f := fakeWithApp(t)
		delete(f.Bound, "app1")
		c, _ := client(t, f, "", true)
		in := jumpcloud.Inspect(context.Background(), c, want())
		if got := in.Findings.Codes(); !reflect.DeepEqual(got, []string{jumpcloud.CodeNoGroupsBound}) || in.Findings[0].Severity != model.SeverityWarning {
			t.Fatalf("findings %v", in.Findings)
		}
	})
}

func TestFindingTheApp(t *testing.T) {
	t.Run("by label when no URL matches and it is set up for no team", func(t *testing.T) {
		f := fakeWithApp(t)
		// As the connector leaves it: the placeholder domain.
		f.Apps[1] = jumpcloudtest.SSOApp("app1", "Cloudflare Access", "YOURDOMAIN")
		c, _ := client(t, f, "", true)
		in := jumpcloud.Inspect(context.Background(), c, want())
		if in.App == nil || in.App.ID != "app1" || !slices.Contains(in.Findings.Codes(), jumpcloud.CodeSPEntityIDWrong) {
			t.Fatalf("%+v %v", in.App, in.Findings)
		}
	})
	t.Run("two by URL are ambiguous", func(t *testing.T) {
		f := fakeWithApp(t)
		f.Apps = append(f.Apps, jumpcloudtest.SSOApp("app2", "Cloudflare copy", domain))
		c, _ := client(t, f, "", true)
		in := jumpcloud.Inspect(context.Background(), c, want())
		if got := in.Findings.Codes(); !reflect.DeepEqual(got, []string{jumpcloud.CodeAppAmbiguous}) || !strings.Contains(in.Findings[0].Message, "app2") {
			t.Fatalf("%v", in.Findings)
		}
		if ch, _ := jumpcloud.Plan(in, want(), "jumpcloud-app"); len(ch) != 0 {
			t.Errorf("an ambiguous app planned %v", ch)
		}
	})
	t.Run("none is missing", func(t *testing.T) {
		f := fakeWithApp(t)
		f.Apps = f.Apps[:1]
		c, _ := client(t, f, "", true)
		in := jumpcloud.Inspect(context.Background(), c, want())
		if got := in.Findings.Codes(); !reflect.DeepEqual(got, []string{jumpcloud.CodeAppMissing}) || in.Findings[0].Severity != model.SeverityError {
			t.Fatalf("%v", in.Findings)
		}
	})
	t.Run("a wanted group not bound", func(t *testing.T) {
		f := fakeWithApp(t)
		c, _ := client(t, f, "", true)
		w := want()
		w.Groups = []string{"Engineering", "Sales"}
		in := jumpcloud.Inspect(context.Background(), c, w)
		if got := in.Findings.Codes(); !reflect.DeepEqual(got, []string{jumpcloud.CodeGroupNotBound}) || !strings.Contains(in.Findings[0].Message, `"Sales"`) {
			t.Fatalf("%v", in.Findings)
		}
	})
	t.Run("unknown and duplicate wanted groups", func(t *testing.T) {
		f := fakeWithApp(t)
		f.Groups = append(f.Groups, map[string]any{"id": "g3", "name": "Sales"})
		c, _ := client(t, f, "", true)
		w := want()
		w.Groups = []string{"engineering", "Sales"}
		in := jumpcloud.Inspect(context.Background(), c, w)
		codes := in.Findings.Codes()
		if !slices.Contains(codes, jumpcloud.CodeGroupUnknown) || !slices.Contains(codes, jumpcloud.CodeGroupAmbiguous) {
			t.Fatalf("%v", in.Findings)
		}
	})
}

// applyAll sends a plan through a writing client, as the engine does.
func applyAll(t *testing.T, c *jumpcloud.Client, changes []model.Change) {
	t.Helper()
	created := ""
	for _, ch := range changes {
		res, err := c.Apply(context.Background(), ch, created)
		if err != nil {
			t.Fatalf("%s: %v", ch.Summary, err)
		}
		if ch.Action == "create" {
			created = res.AppID
		}
	}
}

func TestUpdateWritesBackEverythingItRead(t *testing.T) {
	f := fakeWithApp(t)
	cfg := f.Apps[1]["config"].(map[string]any)
	cfg["spEntityId"].(map[string]any)["value"] = "https://wrong/"
	cfg["groupsAttributeName"].(map[string]any)["value"] = "memberOf"
	before := f.App("app1")
	ro, _ := client(t, f, "", true)
	w := want()
	w.Fix = true
	plan, err := jumpcloud.Plan(jumpcloud.Inspect(context.Background(), ro, w), w, "jumpcloud-app")
	if err != nil || len(plan) != 1 || plan[0].Method != "PUT" || plan[0].Path != "/api/applications/app1" {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	if string(plan[0].Body) != `{"config":{"groupsAttributeName":{"value":"groups"},"spEntityId":{"value":"https://`+domain+`/cdn-cgi/access/callback"}}}` {
		t.Errorf("the plan's body is %s", plan[0].Body)
	}
	if _, err := ro.Apply(context.Background(), plan[0], ""); jumpcloud.KindOf(err) != jumpcloud.KindReadOnly {
		t.Fatalf("a read-only client applied: %v", err)
	}
	rw, _ := client(t, f, "", false)
	applyAll(t, rw, plan)
	var put *jumpcloudtest.Request
	for _, r := range f.Writes() {
		if r.Method == "PUT" {
			put = &r
		}
	}
	if put == nil {
		t.Fatal("no PUT sent")
	}
	var got, orig map[string]any
	_ = json.Unmarshal(put.Body, &got)
	_ = json.Unmarshal(before, &orig)
	oc := orig["config"].(map[string]any)
	oc["spEntityId"].(map[string]any)["value"] = "https://" + domain + "/cdn-cgi/access/callback"
	oc["groupsAttributeName"].(map[string]any)["value"] = "groups"
	if !reflect.DeepEqual(got, orig) {
		t.Errorf("the PUT body differs from the GET body beyond the two values:\nPUT %s\nGET %s", put.Body, before)
	}
	if !bytes.Contains(put.Body, []byte("futureConfigKey")) || !bytes.Contains(put.Body, []byte("futureTopLevelField")) || !strings.Contains(string(put.Body), "MIIJQwIBADANBgkqhkiG9w0BAQEFAASCCS0wggkpAgEAAoICAQDjcaccesstest") {
		t.Error("the PUT dropped unknown members or the private key")
	}
	again, _ := jumpcloud.Plan(jumpcloud.Inspect(context.Background(), ro, w), w, "jumpcloud-app")
	if len(again) != 0 {
		t.Errorf("a second plan is not empty: %+v", again)
	}
}

func TestCreateFromCatalogThenBindThenNothingLeft(t *testing.T) {
	f := fakeWithApp(t)
	f.Apps = f.Apps[:1]
	f.Templates = []map[string]any{
		{"_id": "t-saas", "name": "cloudflare", "displayName": "Cloudflare"},
		{"_id": "t-cfa", "name": "cloudflareaccess", "displayName": "Cloudflare Access", "ssoUrl": "https://sso.jumpcloud.com/saml2/cloudflareaccess",
			"isConfigured": false, "keywords": []any{"zero trust"},
			"config": map[string]any{
				"idpEntityId": map[string]any{"label": "IdP Entity ID", "value": "YOURDOMAIN"}, "spEntityId": map[string]any{"value": "YOURDOMAIN"},
				"acsUrl": map[string]any{"value": "https://YOURDOMAIN/cdn-cgi/access/callback"}, "signAssertion": map[string]any{"value": true},
				"idpPrivateKey":      map[string]any{"value": "-----BEGIN PRIVATE KEY-----TEMPLATEKEYSHOULDNOTBECOPIED"},
				"databaseAttributes": map[string]any{"value": []any{map[string]any{"name": "email", "value": "email"}}},
			}},
	}
	ro, _ := client(t, f, "", true)
	w := want()
	w.Fix, w.Groups, w.Label = true, []string{"Engineering", "Sales"}, "Cloudflare Access (example)"
	in := jumpcloud.Inspect(context.Background(), ro, w)
	if got := in.Findings.Codes(); !reflect.DeepEqual(got, []string{jumpcloud.CodeAppMissing}) || in.Findings[0].Severity != model.SeverityWarning {
		t.Fatalf("%v", in.Findings)
	}
	plan, err := jumpcloud.Plan(in, w, "jumpcloud-app")
	if err != nil || len(plan) != 3 || plan[0].Action != "create" || plan[1].Action != "bind" {
		t.Fatalf("plan %+v %v", plan, err)
	}
	js, _ := json.Marshal(plan)
	for _, secret := range []string{key, "PRIVATE KEY", "TEMPLATEKEY"} {
		if bytes.Contains(js, []byte(secret)) {
			t.Errorf("the plan holds %q", secret)
		}
	}
	var body map[string]any
	_ = json.Unmarshal(plan[0].Body, &body)
	if body["name"] != "cloudflareaccess" || body["displayLabel"] != w.Label || body["keywords"] != nil {
		t.Errorf("create body %s", plan[0].Body)
	}
	rw, _ := client(t, f, "", false)
	applyAll(t, rw, plan)
	var binds []string
	for _, r := range f.Writes() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/associations") {
			binds = append(binds, r.Path+" "+strings.TrimSpace(string(r.Body)))
		}
	}
	wantBinds := []string{
		`/api/v2/applications/newapp000000000000000001/associations {"op":"add","type":"user_group","id":"g1"}`,
		`/api/v2/applications/newapp000000000000000001/associations {"op":"add","type":"user_group","id":"g2"}`,
	}
	if !reflect.DeepEqual(binds, wantBinds) {
		t.Errorf("binds sent:\n%s", strings.Join(binds, "\n"))
	}
	in = jumpcloud.Inspect(context.Background(), ro, w)
	if again, _ := jumpcloud.Plan(in, w, "jumpcloud-app"); len(again) != 0 {
		t.Errorf("a second plan is not empty: %+v (findings %v)", again, in.Findings)
	}
	if in.Findings.Codes()[0] != jumpcloud.CodeAppMatches {
		t.Errorf("after apply: %v", in.Findings)
	}
}

func TestUpdatePlanHoldsNoSecret(t *testing.T) {
	f := fakeWithApp(t)
	f.Apps[1]["config"].(map[string]any)["idpEntityId"].(map[string]any)["value"] = "JumpCloud"
	c, _ := client(t, f, "", true)
	w := want()
	w.Fix, w.Groups = true, []string{"Sales"}
	plan, _ := jumpcloud.Plan(jumpcloud.Inspect(context.Background(), c, w), w, "jumpcloud-app")
	if len(plan) != 2 || plan[1].Body == nil || string(plan[1].Body) != `{"op":"add","type":"user_group","id":"g2"}` {
		t.Fatalf("plan %+v", plan)
	}
	js, _ := json.Marshal(plan)
	for _, secret := range []string{key, "PRIVATE KEY", "MIIJQw", "idpCertificate"} {
		if bytes.Contains(js, []byte(secret)) {
			t.Errorf("the plan holds %q: %s", secret, js)
		}
	}
}

func TestPrivateKeyNeverPrints(t *testing.T) {
	f := fakeWithApp(t)
	c, _ := client(t, f, "", true)
	a, err := c.GetApp(context.Background(), "app1")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(a)
	for _, s := range []string{fmt.Sprint(a), fmt.Sprintf("%#v", a), string(js), model.Scrub("echo: " + jumpcloudtest.PrivateKey)} {
		if strings.Contains(s, "MIIJQw") {
			t.Errorf("the private key shows: %s", s)
		}
	}
}

func TestMetadata(t *testing.T) {
	f := fakeWithApp(t)
	f.Metadata["app1"] = `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>`
	c, _ := client(t, f, "", true)
	xml, err := c.Metadata(context.Background(), "app1")
	if err != nil || !bytes.Contains(xml, []byte("EntityDescriptor")) {
		t.Fatalf("%s %v", xml, err)
	}
	last := f.Requests[len(f.Requests)-1]
	if last.Path != "/api/organizations/5f0c1a2b3c4d5e6f7a8b9c0d/applications/app1/metadata.xml" {
		t.Errorf("asked %s", last.Path)
	}
	if _, err := c.Metadata(context.Background(), "other1"); jumpcloud.KindOf(err) != jumpcloud.KindNotFound {
		t.Errorf("missing metadata: %v", err)
	}
}

func TestServiceUnavailableIsRetriedOnlyForReads(t *testing.T) {
	var gets, posts int
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			gets++
		} else {
			posts++
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer ts.Close()
	s := &sleeps{}
	c, _ := jumpcloud.New(jumpcloud.Options{BaseURL: ts.URL, Key: model.NewSecret(key), HTTP: ts.Client(), Sleep: s.sleep, Retries: 2})
	if _, err := c.ListApps(context.Background()); jumpcloud.KindOf(err) != jumpcloud.KindServer || gets != 3 {
		t.Errorf("GET: %d attempts, %v", gets, err)
	}
	if err := c.BindGroup(context.Background(), "app1", "g1"); jumpcloud.KindOf(err) != jumpcloud.KindServer || posts != 1 {
		t.Errorf("POST: %d attempts, %v", posts, err)
	}
}

func TestErrorEchoingAPrivateKeyIsScrubbed(t *testing.T) {
	f := fakeWithApp(t)
	c, _ := client(t, f, "", false)
	if _, err := c.GetApp(context.Background(), "app1"); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"code": 400, "message": "invalid idpPrivateKey " + jumpcloudtest.PrivateKey + " key " + key})
	}))
	defer ts.Close()
	c2, _ := jumpcloud.New(jumpcloud.Options{BaseURL: ts.URL, Key: model.NewSecret(key), HTTP: ts.Client()})
	_, err := c2.CreateApp(context.Background(), json.RawMessage(`{}`))
	if err == nil || strings.Contains(err.Error(), "MIIJQw") || strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "400") {
		t.Fatalf("err %v", err)
	}
}
