package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"jcaccess/sandbox/cfapi"
	"jcaccess/sandbox/jumpcloud"
)

// Recognisable secrets, so tests can scan for leaks.
const (
	testToken     = "TOKEN-e2e-4f9d2c7a1b3e5d6f8a9b0c1d2e3f4a5b"
	readOnlyToken = "TOKEN-readonly-0a1b2c3d4e5f6a7b8c9d0e1f2a3b"
	testAccount   = "0123456789abcdef0123456789abcdef"
)

var testNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// world is a fake Cloudflare (API, team domain and SCIM server on one TLS
// listener), a JumpCloud metadata export for it, and a state folder.
type world struct {
	t        *testing.T
	api      *cfapi.Server
	ts       *httptest.Server
	domain   string
	stateDir string
	config   string
	metadata string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	api := cfapi.New(cfapi.Options{AccountID: testAccount, AccountName: "Example Inc", Now: func() time.Time { return testNow }})
	api.AddToken(testToken, cfapi.TokenAccount, cfapi.PermAccessWrite, cfapi.PermSCIMLogsRead)
	api.AddToken(readOnlyToken, cfapi.TokenUser, cfapi.PermAccessRead)
	ts := cfapi.StartTLS(api)
	t.Cleanup(ts.Close)
	w := &world{t: t, api: api, ts: ts, domain: api.AuthDomain(), stateDir: t.TempDir()}
	dir := t.TempDir()
	_, cert, err := jumpcloud.NewCertificate("Example Inc", testNow.Add(-24*time.Hour), 2048)
	if err != nil {
		t.Fatal(err)
	}
	exp := jumpcloud.Export{EntityID: "https://" + w.domain + "/", SSOURL: "https://" + w.domain + "/saml2/cloudflareaccess", Cert: cert}
	w.metadata = filepath.Join(dir, "JumpCloud-saml2-metadata.xml")
	if err := os.WriteFile(w.metadata, exp.MetadataXML(), 0o600); err != nil {
		t.Fatal(err)
	}
	w.config = w.writeConfig("team: acme\nteam_domain: " + w.domain + "\nidp:\n  metadata: JumpCloud-saml2-metadata.xml\n")
	return w
}

func (w *world) writeConfig(body string) string {
	w.t.Helper()
	p := filepath.Join(filepath.Dir(w.metadata), "jcaccess.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return p
}

type result struct {
	code   int
	stdout string
	stderr string
}

// run executes jcaccess in-process, as a non-interactive caller would.
func (w *world) run(env map[string]string, args ...string) result {
	w.t.Helper()
	vars := map[string]string{
		"CLOUDFLARE_API_TOKEN": testToken,
		"CLOUDFLARE_BASE_URL":  w.ts.URL + "/client/v4/",
		"JCACCESS_STATE_DIR":   w.stateDir,
	}
	for k, v := range env {
		vars[k] = v
	}
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:         &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv:     func(k string) string { return vars[k] },
		HTTPClient: w.client(),
		Now:        func() time.Time { return testNow },
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := f.Run(ctx, args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func (w *world) client() *http.Client {
	c := w.ts.Client()
	c.Timeout = 20 * time.Second
	return c
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\n--- stdout\n" + r.stdout + "\n--- stderr\n" + r.stderr
}

// apiRequest acts as the dashboard would, straight on the fake API.
func (w *world) apiRequest(method, path, body string) int {
	w.t.Helper()
	req, err := http.NewRequest(method, w.ts.URL+"/client/v4"+path, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := w.client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
