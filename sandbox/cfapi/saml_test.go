package cfapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"jcaccess/sandbox/cfapi"
	"jcaccess/sandbox/cfapi/openapicheck"
	"jcaccess/sandbox/jumpcloud"
)

// fakeClock is a settable clock shared by the fake Cloudflare and the IdP.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// samlEnv is a fake Cloudflare and a JumpCloud IdP, both over TLS, and a
// browser client that can tamper with what it posts to the Access callback.
type samlEnv struct {
	t     *testing.T
	clock *fakeClock
	s     *cfapi.Server
	ts    *httptest.Server
	idp   *jumpcloud.IdP
	idpTS *httptest.Server
	hc    *http.Client

	mu sync.Mutex
	// tamper rewrites the SAML response XML posted to the callback.
	tamper func(xml string) string
	// beforeCallback runs just before the response is posted to the callback.
	beforeCallback func()
}

var testUsers = []jumpcloud.User{
	{Email: "alice@example.com", FirstName: "Alice", LastName: "Liddell", Groups: []string{"engineering"}},
	{Email: "bob@example.com", FirstName: "Bob", LastName: "Builder", Groups: []string{"sales"}},
}

// newSAMLEnv starts both servers. app's empty SPEntityID/ACSURL are the
// callback URL, an empty IdPEntityID the team domain root.
func newSAMLEnv(t *testing.T, app jumpcloud.App) *samlEnv {
	t.Helper()
	e := &samlEnv{t: t, clock: newClock()}
	e.s = cfapi.New(cfapi.Options{AccountID: acct, AccountName: "Acme", Now: e.clock.Now, CheckRequest: openapicheck.New()})
	e.s.AddToken(writeTok, cfapi.TokenUser, cfapi.PermAccessWrite, cfapi.PermSCIMLogsRead)
	e.ts = cfapi.StartTLS(e.s)
	t.Cleanup(e.ts.Close)
	if app.SPEntityID == "" {
		app.SPEntityID = e.s.CallbackURL()
	}
	if app.ACSURL == "" {
		app.ACSURL = e.s.CallbackURL()
	}
	if app.IdPEntityID == "" {
		app.IdPEntityID = "https://" + e.s.AuthDomain() + "/"
	}
	idp, idpTS, err := jumpcloud.StartTLS(jumpcloud.IdPOptions{Org: "Acme", Now: e.clock.Now, KeyBits: 2048, Users: testUsers, App: app})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idpTS.Close)
	e.idp, e.idpTS = idp, idpTS
	// httptest servers share one certificate: this client trusts both.
	e.hc = &http.Client{Transport: &interceptor{base: e.ts.Client().Transport, e: e}}
	return e
}

// defaultApp is the JumpCloud app as the jumpcloud-app step has the admin
// set it: NameID the email, the email mapped to "email", groups included.
func defaultApp() jumpcloud.App {
	return jumpcloud.App{
		NameIDField: jumpcloud.FieldEmail, NameIDFormat: jumpcloud.EmailNameIDFormat,
		Attributes:    []jumpcloud.AttributeMapping{{Name: "email", UserField: jumpcloud.FieldEmail}},
		IncludeGroups: true, GroupsAttributeName: "groups", BoundGroups: []string{"engineering"},
	}
}

type interceptor struct {
	base http.RoundTripper
	e    *samlEnv
}

func (i *interceptor) RoundTrip(r *http.Request) (*http.Response, error) {
	i.e.mu.Lock()
	tamper, before := i.e.tamper, i.e.beforeCallback
	i.e.mu.Unlock()
	if r.Method == http.MethodPost && r.URL.Path == "/cdn-cgi/access/callback" {
		if before != nil {
			before()
		}
		if tamper != nil {
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			raw, err := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
			if err != nil {
				return nil, err
			}
			form.Set("SAMLResponse", base64.StdEncoding.EncodeToString([]byte(tamper(string(raw)))))
			enc := form.Encode()
			r = r.Clone(r.Context())
			r.Body = io.NopCloser(strings.NewReader(enc))
			r.ContentLength = int64(len(enc))
		}
	}
	return i.base.RoundTrip(r)
}

// api calls the fake API with the write token.
func (e *samlEnv) api(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.ts.URL+"/client/v4/accounts/"+acct+path, rd)
	req.Header.Set("Authorization", "Bearer "+writeTok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// samlConfig is the IdP config Cloudflare makes from the JumpCloud metadata.
func (e *samlEnv) samlConfig() map[string]any {
	return map[string]any{
		"issuer_url":       e.idp.App().IdPEntityID,
		"sso_target_url":   e.idp.SSOURL(),
		"idp_public_certs": []string{base64.StdEncoding.EncodeToString(e.idp.Certificate().Raw)},
		"sign_request":     false,
		"attributes":       []string{"groups"},
	}
}

// createIdP creates the SAML IdP with cfg (nil: samlConfig()) and returns its id.
func (e *samlEnv) createIdP(cfg map[string]any) string {
	e.t.Helper()
	if cfg == nil {
		cfg = e.samlConfig()
	}
	st, out := e.api(http.MethodPost, "/access/identity_providers", map[string]any{"name": "JumpCloud", "type": "saml", "config": cfg})
	if st != http.StatusCreated {
		e.t.Fatalf("create IdP: %d %v", st, out)
	}
	return out["result"].(map[string]any)["id"].(string)
}

func (e *samlEnv) updateIdP(id string, cfg map[string]any) {
	e.t.Helper()
	st, out := e.api(http.MethodPut, "/access/identity_providers/"+id, map[string]any{"name": "JumpCloud", "type": "saml", "config": cfg})
	if st != http.StatusOK {
		e.t.Fatalf("update IdP: %d %v", st, out)
	}
}

func (e *samlEnv) login(start, email string) (int, string) {
	e.t.Helper()
	st, text, err := jumpcloud.BrowserLogin(context.Background(), e.hc, start, email)
	if err != nil {
		e.t.Fatalf("BrowserLogin: %v", err)
	}
	return st, text
}

func (e *samlEnv) lastLogin() cfapi.Login {
	e.t.Helper()
	logins := e.s.Logins()
	if len(logins) == 0 {
		e.t.Fatal("no login recorded")
	}
	return logins[len(logins)-1]
}

func (e *samlEnv) set(tamper func(string) string, before func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tamper, e.beforeCallback = tamper, before
}

func TestSAMLLoginRoundTrip(t *testing.T) {
	e := newSAMLEnv(t, defaultApp())
	id := e.createIdP(nil)
	st, text := e.login(e.s.TestURL(id), "alice@example.com")
	if st != http.StatusOK || !strings.Contains(text, "Your connection works!") || !strings.Contains(text, "alice@example.com") {
		t.Fatalf("test page: %d %q", st, text)
	}
	l := e.lastLogin()
	if l.Error != "" || l.IdPID != id || l.Email != "alice@example.com" || !slices.Equal(l.Groups, []string{"engineering"}) || !l.At.Equal(e.clock.Now()) {
		t.Fatalf("login = %+v", l)
	}
	if got := l.Attributes["email"]; !slices.Equal(got, []string{"alice@example.com"}) {
		t.Fatalf("attributes = %v", l.Attributes)
	}
	// The AuthnRequest was answered once: replaying the same response fails.
	var captured string
	e.set(func(x string) string { captured = x; return x }, nil)
	e.login(e.s.TestURL(id), "alice@example.com")
	e.set(nil, nil)
	form := url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString([]byte(captured))}, "RelayState": {id}}
	resp, err := e.ts.Client().PostForm(e.s.CallbackURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(e.lastLogin().Error, "SAML Verify: Invalid SAML response") {
		t.Fatalf("replay: %d %+v", resp.StatusCode, e.lastLogin())
	}
}

func TestSAMLIdPInitiatedLogin(t *testing.T) {
	e := newSAMLEnv(t, defaultApp())
	id := e.createIdP(nil)
	// Opening the SSO URL without a SAMLRequest: no RelayState, the
	// callback finds the IdP by the response's Issuer.
	st, text := e.login(e.idp.SSOURL(), "alice@example.com")
	if st != http.StatusOK || !strings.Contains(text, "Your connection works!") {
		t.Fatalf("IdP-initiated: %d %q", st, text)
	}
	if l := e.lastLogin(); l.IdPID != id || l.Email != "alice@example.com" {
		t.Fatalf("login = %+v", l)
	}
}

func TestSAMLTamperedResponse(t *testing.T) {
	e := newSAMLEnv(t, defaultApp())
	id := e.createIdP(nil)
	e.set(func(x string) string { return strings.ReplaceAll(x, "alice@example.com", "mallory@example.com") }, nil)
	st, text := e.login(e.s.TestURL(id), "alice@example.com")
	if st != http.StatusBadRequest || !strings.Contains(text, "SAML Verify: Invalid SAML response") {
		t.Fatalf("tampered: %d %q", st, text)
	}
	if l := e.lastLogin(); l.Email != "" || !strings.Contains(l.Error, "signature") {
		t.Fatalf("login = %+v", l)
	}
}

var signaturePattern = regexp.MustCompile(`(?s)<ds:Signature\b.*?</ds:Signature>`)

func TestSAMLUnsignedResponse(t *testing.T) {
	e := newSAMLEnv(t, defaultApp())
	id := e.createIdP(nil)
	e.set(func(x string) string {
		if !signaturePattern.MatchString(x) {
			t.Errorf("the response has no ds:Signature: %s", x)
		}
		return signaturePattern.ReplaceAllString(x, "")
	}, nil)
	st, text := e.login(e.s.TestURL(id), "alice@example.com")
	if st != http.StatusBadRequest || !strings.Contains(text, "SAML Verify: Invalid SAML response, signature element not present") {
		t.Fatalf("unsigned: %d %q", st, text)
	}
}

func TestSAMLWrongCertificate(t *testing.T) {
	e := newSAMLEnv(t, defaultApp())
	_, other, err := jumpcloud.NewCertificate("Acme", e.clock.Now(), 2048)
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.samlConfig()
	cfg["idp_public_certs"] = []string{base64.StdEncoding.EncodeToString(other.Raw)}
	id := e.createIdP(cfg)
	st, text := e.login(e.s.TestURL(id), "alice@example.com")
	if st != http.StatusBadRequest || !strings.Contains(text, "SAML Verify: Invalid SAML response, cannot validate signature on Assertion: Could not verify certificate against trusted certs") {
		t.Fatalf("wrong cert: %d %q", st, text)
	}

	// PEM is accepted too, and with the right certificate the login works.
	cfg["idp_public_certs"] = []string{"-----BEGIN CERTIFICATE-----\n" + base64.StdEncoding.EncodeToString(e.idp.Certificate().Raw) + "\n-----END CERTIFICATE-----\n"}
	e.updateIdP(id, cfg)
	if st, text := e.login(e.s.TestURL(id), "alice@example.com"); st != http.StatusOK {
		t.Fatalf("PEM cert: %d %q", st, text)
	}

	// No certificate at all: Cloudflare's own message.
	cfg["idp_public_certs"] = []string{}
	e.updateIdP(id, cfg)
	if _, text := e.login(e.s.TestURL(id), "alice@example.com"); !strings.Contains(text, "SAML Verify: Invalid SAML response, SAML Verify: No certificate selected to verify") {
		t.Fatalf("no cert: %q", text)
	}
}

func TestSAMLMissingEmail(t *testing.T) {
	app := defaultApp()
	app.Attributes = []jumpcloud.AttributeMapping{{Name: "mail", UserField: jumpcloud.FieldEmail}, {Name: "firstname", UserField: jumpcloud.FieldFirstName}}
	e := newSAMLEnv(t, app)
	id := e.createIdP(nil)
	st, text := e.login(e.s.TestURL(id), "alice@example.com")
	if st != http.StatusBadRequest || !strings.Contains(text, "Required attributes are missing") {
		t.Fatalf("missing email: %d %q", st, text)
	}
	// The page says only Cloudflare's documented error: no attribute names,
	// no advice (identity.go, refusal).
	if strings.Contains(text, "email.") || strings.Contains(text, "Attribute Mapping") {
		t.Fatalf("the page says more than Cloudflare documents: %q", text)
	}
	if l := e.lastLogin(); l.Error != "Required attributes are missing" || l.Email != "" || l.Attributes["mail"][0] != "alice@example.com" {
		t.Fatalf("login = %+v", l)
	}
	// Setting "Email attribute name" fixes it.
	cfg := e.samlConfig()
	cfg["email_attribute_name"] = "mail"
	e.updateIdP(id, cfg)
	if st, text := e.login(e.s.TestURL(id), "alice@example.com"); st != http.StatusOK || e.lastLogin().Email != "alice@example.com" {
		t.Fatalf("email_attribute_name: %d %q", st, text)
	}
}

func TestSAMLExpiredAssertion(t *testing.T) {
	e := newSAMLEnv(t, defaultApp())
	id := e.createIdP(nil)
	// The response reaches Cloudflare ten minutes after it was issued.
	e.set(nil, func() { e.clock.Add(10 * time.Minute) })
	st, text := e.login(e.s.TestURL(id), "alice@example.com")
	if st != http.StatusBadRequest || !strings.Contains(text, "SAML Verify: Invalid SAML response, response IssueInstant expired at") {
		t.Fatalf("expired: %d %q", st, text)
	}
}

func TestSAMLTestPageUnknownIdP(t *testing.T) {
	e := newSAMLEnv(t, defaultApp())
	resp, err := e.ts.Client().Get(e.s.TestURL("00000000-0000-4000-8000-000000000000"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "Identity provider not found") {
		t.Fatalf("unknown IdP: %d %s", resp.StatusCode, body)
	}
	// A non-SAML IdP has no SAML test either.
	st, out := e.api(http.MethodPost, "/access/identity_providers", map[string]any{"name": "OTP", "type": "onetimepin", "config": map[string]any{}})
	if st != http.StatusCreated {
		t.Fatalf("create OTP: %d %v", st, out)
	}
	resp, err = e.ts.Client().Get(e.s.TestURL(out["result"].(map[string]any)["id"].(string)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("OTP IdP: %d", resp.StatusCode)
	}
}

func TestSAMLRequestShape(t *testing.T) {
	e := newSAMLEnv(t, defaultApp())
	id := e.createIdP(nil)
	c := *e.ts.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(e.s.TestURL(id))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("test-idp: %d %v", resp.StatusCode, err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != e.idp.SSOURL() {
		t.Fatalf("redirect to %s, want the SSO URL %s", got, e.idp.SSOURL())
	}
	if loc.Query().Get("RelayState") != id || loc.Query().Get("SAMLRequest") == "" {
		t.Fatalf("query = %v", loc.Query())
	}
	// The SP metadata names the callback as entity ID and ACS.
	resp, err = e.ts.Client().Get("https://" + e.s.AuthDomain() + "/cdn-cgi/access/saml-metadata")
	if err != nil {
		t.Fatal(err)
	}
	md, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(md), `entityID="`+e.s.CallbackURL()+`"`) || !strings.Contains(string(md), `Location="`+e.s.CallbackURL()+`"`) {
		t.Fatalf("SP metadata: %s", md)
	}
}

// Every attribute the login method lists must be sent: a missing one fails
// the sign-in with Cloudflare's error, naming it.
func TestSAMLMissingConfiguredAttribute(t *testing.T) {
	e := newSAMLEnv(t, defaultApp())
	cfg := e.samlConfig()
	cfg["attributes"] = []string{"groups", "department", "email"}
	id := e.createIdP(cfg)
	st, text := e.login(e.s.TestURL(id), "alice@example.com")
	if st != http.StatusBadRequest || !strings.Contains(text, "Required attributes are missing") || strings.Contains(text, "department") {
		t.Fatalf("missing department: %d %q", st, text)
	}
	if l := e.lastLogin(); l.Email != "alice@example.com" || l.Error != "Required attributes are missing" || l.Attributes["department"] != nil {
		t.Fatalf("login = %+v", l)
	}

	// "Include group attribute" unticked: groups is missing.
	app := e.idp.App()
	app.IncludeGroups = false
	e.idp.SetApp(app)
	cfg["attributes"] = []string{"groups"}
	e.updateIdP(id, cfg)
	if st, text := e.login(e.s.TestURL(id), "alice@example.com"); st != http.StatusBadRequest || !strings.Contains(text, "Required attributes are missing") || e.lastLogin().Attributes["groups"] != nil {
		t.Fatalf("missing groups: %d %q", st, text)
	}

	// Groups under another case still count as groups.
	app.IncludeGroups, app.GroupsAttributeName = true, "Groups"
	e.idp.SetApp(app)
	if st, text := e.login(e.s.TestURL(id), "alice@example.com"); st != http.StatusOK || !slices.Equal(e.lastLogin().Groups, []string{"engineering"}) {
		t.Fatalf("Groups: %d %q", st, text)
	}
}

// The email attribute must hold an email: a username is refused.
func TestSAMLEmailAttributeNotAnEmail(t *testing.T) {
	app := defaultApp()
	app.Attributes = []jumpcloud.AttributeMapping{{Name: "email", UserField: jumpcloud.FieldUsername}}
	e := newSAMLEnv(t, app)
	id := e.createIdP(nil)
	st, text := e.login(e.s.TestURL(id), "alice@example.com")
	if st != http.StatusBadRequest || !strings.Contains(text, "Invalid email") || strings.Contains(text, "alice") {
		t.Fatalf("username as email: %d %q", st, text)
	}
	if l := e.lastLogin(); l.Error != "Invalid email" || l.Email != "alice" {
		t.Fatalf("login = %+v", l)
	}
}
