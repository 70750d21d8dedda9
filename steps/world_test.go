package steps

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"jcaccess/model"
	"jcaccess/sandbox/cfapi"
	"jcaccess/sandbox/cfapi/openapicheck"
	"jcaccess/sandbox/jumpcloud"
	"jcaccess/steps/cloudflare"
)

const (
	tokWrite    = "tok-write-0123456789abcdef"
	tokRead     = "tok-read-0123456789abcdef"
	tokNoAccess = "tok-none-0123456789abcdef"
	account     = "0123456789abcdef0123456789abcdef"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// world is the fake Cloudflare (API, team domain, SCIM server) and a
// JumpCloud metadata export pointing at it.
type world struct {
	t        *testing.T
	api      *cfapi.Server
	ts       *httptest.Server
	domain   string
	metadata string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldWith(t, cfapi.Options{})
}

// newWorldWith is newWorld with the fake's knobs set as in opts (its
// account, clock and request check are newWorld's).
func newWorldWith(t *testing.T, opts cfapi.Options) *world {
	t.Helper()
	opts.AccountID, opts.AccountName, opts.Now, opts.CheckRequest = account, "Example Inc", func() time.Time { return now }, openapicheck.New()
	api := cfapi.New(opts)
	api.AddToken(tokWrite, cfapi.TokenAccount, cfapi.PermAccessWrite, cfapi.PermSCIMLogsRead)
	api.AddToken(tokRead, cfapi.TokenUser, cfapi.PermAccessRead)
	api.AddToken(tokNoAccess, cfapi.TokenUser)
	ts := cfapi.StartTLS(api)
	t.Cleanup(ts.Close)
	w := &world{t: t, api: api, ts: ts, domain: api.AuthDomain()}
	w.metadata = w.writeMetadata("https://"+w.domain+"/", now.Add(-24*time.Hour))
	return w
}

// writeMetadata exports JumpCloud-shaped metadata with a fresh certificate.
func (w *world) writeMetadata(entityID string, notBefore time.Time) string {
	w.t.Helper()
	_, cert, err := jumpcloud.NewCertificate("Example Inc", notBefore, 2048)
	if err != nil {
		w.t.Fatal(err)
	}
	p := filepath.Join(w.t.TempDir(), "metadata.xml")
	exp := jumpcloud.Export{EntityID: entityID, SSOURL: "https://" + w.domain + "/saml2/cloudflareaccess", Cert: cert}
	if err := os.WriteFile(p, exp.MetadataXML(), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *world) client(token string, readOnly bool) *cloudflare.Client {
	return cloudflare.New(cloudflare.Config{
		Token: model.NewSecret(token), BaseURL: w.ts.URL + "/client/v4/", HTTPClient: w.ts.Client(), ReadOnly: readOnly,
	})
}

// env is a fresh session for team acme on this world.
func (w *world) env(token string, readOnly bool) *Env {
	in := model.DefaultInputs()
	in.Team = "acme"
	in.TeamDomain = w.domain
	in.AccountID = account
	in.IdP.Metadata = w.metadata
	return &Env{
		Session: model.NewSession(in, now),
		Deps:    Deps{CF: w.client(token, readOnly), HTTP: w.ts.Client(), Now: func() time.Time { return now }, CheckTimeout: 5 * time.Second},
	}
}

// apply plans and applies the whole setup, failing the test on any error.
func (w *world) apply(env *Env) *Report {
	w.t.Helper()
	ctx := context.Background()
	rep, err := Plan(ctx, env, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := Apply(ctx, env, rep, nil); err != nil {
		w.t.Fatalf("apply: %v\nfindings: %v", err, rep.Findings())
	}
	return rep
}

func (w *world) noViolations() {
	w.t.Helper()
	if v := w.api.Violations(); len(v) != 0 {
		w.t.Fatalf("requests violated the OpenAPI excerpt: %v", v)
	}
}

func codes(fs model.Findings) map[string]model.Severity {
	out := map[string]model.Severity{}
	for _, f := range fs {
		out[f.Code] = f.Severity
	}
	return out
}

func hasCode(t *testing.T, fs model.Findings, code string, sev model.Severity) {
	t.Helper()
	if got, ok := codes(fs)[code]; !ok || got != sev {
		t.Fatalf("want %s %s in %v", sev, code, fs)
	}
}
