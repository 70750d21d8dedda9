package ui

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"jcaccess/model"
	"jcaccess/sandbox/cfapi"
	"jcaccess/sandbox/cfapi/openapicheck"
	"jcaccess/steps"
	"jcaccess/steps/cloudflare"
)

// Recognisable secrets, so tests can scan for leaks.
const (
	testToken     = "TOKEN-ui-4f9d2c7a1b3e5d6f8a9b0c1d2e3f4a5b"
	readOnlyToken = "TOKEN-ui-readonly-0a1b2c3d4e5f6a7b8c9d0e1f"
	testAccount   = "0123456789abcdef0123456789abcdef"
	testDomain    = "acme.cloudflareaccess.com"
	testAPIBase   = "https://api.cloudflare.test/client/v4/"
)

var testNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// world is a fake Cloudflare (API, team domain, SCIM server) on one TLS
// listener, reached under the real-looking names acme.cloudflareaccess.com,
// api.cloudflare.test and sso.jumpcloud.com, so screens do not depend on a
// port; plus a fixed JumpCloud metadata export and a state folder.
type world struct {
	t        testing.TB
	api      *cfapi.Server
	ts       *httptest.Server
	hc       *http.Client
	stateDir string
	metadata string
	control  *fakeControl
}

// newWorld is Cloudflare as documented; opts change the fake's options (a
// test that needs the undocumented refresh endpoint turns it on).
func newWorld(t testing.TB, opts ...func(*cfapi.Options)) *world {
	t.Helper()
	o := cfapi.Options{AccountID: testAccount, AccountName: "Example Inc", AuthDomain: testDomain, Now: func() time.Time { return testNow }, CheckRequest: openapicheck.New()}
	for _, f := range opts {
		f(&o)
	}
	api := cfapi.New(o)
	api.AddToken(testToken, cfapi.TokenUser, cfapi.PermAccessWrite, cfapi.PermSCIMLogsRead, cfapi.PermAuditLogsRead) // user-owned: the wizard discovers the account (Cloudflare lists no accounts for account-owned tokens)
	api.AddToken(readOnlyToken, cfapi.TokenUser, cfapi.PermAccessRead)
	ts := cfapi.StartTLS(api)
	t.Cleanup(ts.Close)
	w := &world{t: t, api: api, ts: ts, stateDir: filepath.Join(t.TempDir(), "state")}
	w.hc = w.client()
	w.metadata = filepath.Join(t.TempDir(), "JumpCloud-saml2-metadata.xml")
	b, err := os.ReadFile("testdata/JumpCloud-saml2-metadata.xml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.metadata, b, 0o600); err != nil {
		t.Fatal(err)
	}
	w.control = &fakeControl{w: w}
	return w
}

// client dials the fake for the names it serves and nothing else; TLS is
// verified against the test server's certificate.
func (w *world) client() *http.Client {
	tr := w.ts.Client().Transport.(*http.Transport).Clone()
	addr := w.ts.Listener.Addr().String()
	// other.cloudflareaccess.com answers too: a live team domain that is
	// not the account's.
	known := map[string]bool{testDomain: true, "other.cloudflareaccess.com": true, "api.cloudflare.test": true, "sso.jumpcloud.com": true}
	tr.DialContext = func(ctx context.Context, network, a string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(a)
		if !known[host] {
			return nil, fmt.Errorf("dial %s: no such host", host)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	tr.TLSClientConfig = tr.TLSClientConfig.Clone()
	tr.TLSClientConfig.ServerName = "example.com" // the name httptest's certificate carries
	tr.TLSClientConfig.MinVersion = tls.VersionTLS12
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func (w *world) newClient(tok model.Secret, readOnly bool) *cloudflare.Client {
	return cloudflare.New(cloudflare.Config{Token: tok, BaseURL: testAPIBase, HTTPClient: w.hc, ReadOnly: readOnly, Retries: 0})
}

// setup describes one wizard start.
type setup struct {
	inputs  model.Inputs
	token   string // "" means none: the wizard asks
	dryRun  bool
	sandbox bool
	saved   bool // offer the team's saved session
}

// options builds what the command layer would hand the wizard.
func (w *world) options(s setup) Options {
	w.t.Helper()
	store := model.Store{Dir: w.stateDir}
	env := &steps.Env{Session: model.NewSession(s.inputs, testNow), Deps: steps.Deps{HTTP: w.hc, Now: func() time.Time { return testNow }, CheckTimeout: 5 * time.Second}}
	if s.token != "" {
		env.CF = w.newClient(model.NewSecret(s.token), s.dryRun)
	}
	if s.sandbox {
		env.Sandbox = w.control
	}
	o := Options{
		Env: env, Store: store, APIBase: testAPIBase, TokenFromEnv: s.token != "", DryRun: s.dryRun,
		NewClient:    func(tok model.Secret) *cloudflare.Client { return w.newClient(tok, s.dryRun) },
		Getenv:       func(string) string { return "" },
		Open:         func(string) error { return errNoDisplay },
		PollInterval: -1,
		Static:       true,
		NoColor:      true,
	}
	if s.saved {
		saved, err := store.Load(s.inputs.Team)
		if err != nil {
			w.t.Fatalf("no saved session: %v", err)
		}
		saved.Inputs = s.inputs
		o.Saved = saved
	}
	return o
}

// acme are the answers of a team whose metadata is known.
func (w *world) acme() model.Inputs {
	in := model.DefaultInputs()
	in.Team = "acme"
	in.IdP.Metadata = w.metadata
	return in
}

// requests counts the requests to a path suffix.
func (w *world) requests(method, suffix string) int {
	n := 0
	for _, r := range w.api.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// fakeControl stands in for the sandbox's JumpCloud: Activate pushes a user
// and a group over real SCIM requests; SignIn records alice's sign-in.
type fakeControl struct {
	w         *world
	mu        sync.Mutex
	activated int
	logins    int
}

func (f *fakeControl) ActivateSCIM(ctx context.Context, baseURL string, token model.Secret) error {
	f.mu.Lock()
	f.activated++
	f.mu.Unlock()
	post := func(path string, body any) (map[string]any, error) {
		b, _ := json.Marshal(body)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(baseURL, "/")+path, bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token.Reveal())
		req.Header.Set("Content-Type", "application/scim+json")
		res, err := f.w.hc.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("POST %s: HTTP %d", path, res.StatusCode)
		}
		return out, nil
	}
	user, err := post("/Users", map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "alice@example.com", "externalId": "jc-alice",
		"name": map[string]any{"givenName": "Alice", "familyName": "Example"}, "active": true,
		"emails": []any{map[string]any{"value": "alice@example.com", "type": "work", "primary": true}},
	})
	if err != nil {
		return err
	}
	_, err = post("/Groups", map[string]any{"displayName": "Engineering", "externalId": "jc-eng", "members": []any{map[string]any{"value": user["id"]}}})
	return err
}

// SignIn stands for alice at a browser: the world has no JumpCloud to
// sign a SAML response, so a login method that exists records her sign-in
// on the fake Cloudflare as its Access callback would; the test step then
// reads it through the API like any other.
func (f *fakeControl) SignIn(ctx context.Context, loginMethod string) (model.BrowserPage, error) {
	f.mu.Lock()
	f.logins++
	f.mu.Unlock()
	const alice = "alice@example.com"
	for _, p := range f.w.api.IdPs() {
		if p.Name == loginMethod {
			f.w.api.SignedIn(p.ID, alice, []string{"Engineering"})
			return model.BrowserPage{Person: alice, URL: "https://" + testDomain + "/", Text: "App Launcher Signed in as " + alice, SignedIn: true}, nil
		}
	}
	return model.BrowserPage{Person: alice, URL: "https://" + testDomain + "/cdn-cgi/access/login", Text: "Sign in to Example Inc: no login method named " + loginMethod}, nil
}

// faultSlowCerts makes the team domain answer after 10 s: long enough to
// cancel, never waited for.
func faultSlowCerts() cfapi.Fault {
	return cfapi.Fault{Method: "GET", PathSuffix: "/cdn-cgi/access/certs", Latency: 10 * time.Second}
}
