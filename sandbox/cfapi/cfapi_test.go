package cfapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	cloudflare "github.com/cloudflare/cloudflare-go/v6"
	"github.com/cloudflare/cloudflare-go/v6/accounts"
	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/zero_trust"

	"jcaccess/sandbox/cfapi"
	"jcaccess/sandbox/cfapi/openapicheck"
)

const (
	acct       = "023e105f4ecef8ad9ca31a8372d0c353"
	writeTok   = "write-token"
	readTok    = "read-token"
	logsTok    = "logs-token"
	acctTok    = "account-token"
	noPermsTok = "no-perms-token"
)

type env struct {
	t   *testing.T
	s   *cfapi.Server
	ts  *httptest.Server
	ctx context.Context
}

func setup(t *testing.T) *env {
	t.Helper()
	return setupWith(t, cfapi.Options{})
}

// setupWith is setup with the knobs of opts (its account, name and request
// check are setup's).
func setupWith(t *testing.T, opts cfapi.Options) *env {
	t.Helper()
	opts.AccountID, opts.AccountName, opts.CheckRequest = acct, "Acme", openapicheck.New()
	s := cfapi.New(opts)
	s.AddToken(writeTok, cfapi.TokenUser, cfapi.PermAccessWrite, cfapi.PermSCIMLogsRead)
	s.AddToken(readTok, cfapi.TokenUser, cfapi.PermAccessRead)
	s.AddToken(logsTok, cfapi.TokenUser, cfapi.PermSCIMLogsRead)
	s.AddToken(acctTok, cfapi.TokenAccount, cfapi.PermAccessWrite)
	s.AddToken(noPermsTok, cfapi.TokenUser)
	ts := cfapi.StartTLS(s)
	t.Cleanup(ts.Close)
	return &env{t: t, s: s, ts: ts, ctx: context.Background()}
}

func (e *env) client(token string, opts ...option.RequestOption) *cloudflare.Client {
	base := []option.RequestOption{
		option.WithBaseURL(e.ts.URL + "/client/v4/"),
		option.WithHTTPClient(e.ts.Client()),
		option.WithAPIToken(token),
		option.WithMaxRetries(0),
	}
	return cloudflare.NewClient(append(base, opts...)...)
}

func (e *env) host() string { return strings.TrimPrefix(e.ts.URL, "https://") }

// apiError asserts err is a *cloudflare.Error with that status and first code.
func apiError(t *testing.T, err error, status, code int) *cloudflare.Error {
	t.Helper()
	var cfErr *cloudflare.Error
	if !errors.As(err, &cfErr) {
		t.Fatalf("want *cloudflare.Error %d/%d, got %v", status, code, err)
	}
	if cfErr.StatusCode != status {
		t.Fatalf("status = %d, want %d (%v)", cfErr.StatusCode, status, err)
	}
	if len(cfErr.Errors) == 0 || cfErr.Errors[0].Code != int64(code) {
		t.Fatalf("errors = %+v, want code %d", cfErr.Errors, code)
	}
	return cfErr
}

func samlParam(name string, scim bool) zero_trust.IdentityProviderAccessSAMLParam {
	p := zero_trust.IdentityProviderAccessSAMLParam{
		Name: cloudflare.F(name),
		Type: cloudflare.F(zero_trust.IdentityProviderTypeSAML),
		Config: cloudflare.F(zero_trust.IdentityProviderAccessSAMLConfigParam{
			IssuerURL:          cloudflare.F("https://acme.cloudflareaccess.com/"),
			SSOTargetURL:       cloudflare.F("https://sso.jumpcloud.com/saml2/cloudflareaccess"),
			IdPPublicCERTs:     cloudflare.F([]string{"MIIC...base64..."}),
			EmailAttributeName: cloudflare.F("email"),
			Attributes:         cloudflare.F([]string{"groups"}),
			SignRequest:        cloudflare.F(false),
		}),
	}
	if scim {
		p.SCIMConfig = cloudflare.F(zero_trust.IdentityProviderSCIMConfigParam{
			Enabled:                cloudflare.F(true),
			UserDeprovision:        cloudflare.F(true),
			SeatDeprovision:        cloudflare.F(false),
			IdentityUpdateBehavior: cloudflare.F(zero_trust.IdentityProviderSCIMConfigIdentityUpdateBehaviorAutomatic),
		})
	}
	return p
}

func (e *env) createSAML(name string, scim bool) *zero_trust.IdentityProvider {
	e.t.Helper()
	idp, err := e.client(writeTok).ZeroTrust.IdentityProviders.New(e.ctx, zero_trust.IdentityProviderNewParams{
		AccountID:        cloudflare.F(acct),
		IdentityProvider: samlParam(name, scim),
	})
	if err != nil {
		e.t.Fatalf("create IdP: %v", err)
	}
	return idp
}

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestTokenVerify(t *testing.T) {
	e := setup(t)
	res, err := e.client(writeTok).User.Tokens.Verify(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "active" || res.ID == "" {
		t.Fatalf("user verify = %+v", res)
	}
	ares, err := e.client(acctTok).Accounts.Tokens.Verify(e.ctx, accounts.TokenVerifyParams{AccountID: cloudflare.F(acct)})
	if err != nil {
		t.Fatal(err)
	}
	if ares.Status != "active" {
		t.Fatalf("account verify = %+v", ares)
	}

	// The wrong kind of token, and unknown tokens, are invalid for verify.
	_, err = e.client(acctTok).User.Tokens.Verify(e.ctx)
	apiError(t, err, 401, 1000)
	_, err = e.client(writeTok).Accounts.Tokens.Verify(e.ctx, accounts.TokenVerifyParams{AccountID: cloudflare.F(acct)})
	apiError(t, err, 401, 1000)
	_, err = e.client("nope").User.Tokens.Verify(e.ctx)
	apiError(t, err, 401, 1000)

	// A disabled token verifies as "disabled" and fails everything else.
	e.s.DisableToken(readTok)
	res, err = e.client(readTok).User.Tokens.Verify(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "disabled" {
		t.Fatalf("status = %q, want disabled", res.Status)
	}
	_, err = e.client(readTok).ZeroTrust.Organizations.List(e.ctx, zero_trust.OrganizationListParams{AccountID: cloudflare.F(acct)})
	apiError(t, err, 401, 10000)
}

func TestAccountsAndOrganization(t *testing.T) {
	e := setup(t)
	page, err := e.client(readTok).Accounts.List(e.ctx, accounts.AccountListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Result) != 1 || page.Result[0].ID != acct || page.Result[0].Name != "Acme" || page.Result[0].Type != "standard" {
		t.Fatalf("accounts = %+v", page.Result)
	}
	page, err = e.client(noPermsTok).Accounts.List(e.ctx, accounts.AccountListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Result) != 0 {
		t.Fatalf("accounts for a token without Access permissions = %+v", page.Result)
	}
	// An account-owned token cannot list accounts.
	_, err = e.client(acctTok).Accounts.List(e.ctx, accounts.AccountListParams{})
	apiError(t, err, 400, 1001)

	org, err := e.client(readTok).ZeroTrust.Organizations.List(e.ctx, zero_trust.OrganizationListParams{AccountID: cloudflare.F(acct)})
	if err != nil {
		t.Fatal(err)
	}
	if org.AuthDomain != e.host() || org.Name != "Acme" {
		t.Fatalf("org = %+v", org)
	}
	_, err = e.client(noPermsTok).ZeroTrust.Organizations.List(e.ctx, zero_trust.OrganizationListParams{AccountID: cloudflare.F(acct)})
	apiError(t, err, 403, 10000)

	// Another account: 403; a malformed account ID: 400 7003.
	_, err = e.client(readTok).ZeroTrust.Organizations.List(e.ctx, zero_trust.OrganizationListParams{AccountID: cloudflare.F("ffffffffffffffffffffffffffffffff")})
	apiError(t, err, 403, 10000)
	_, err = e.client(readTok).ZeroTrust.Organizations.List(e.ctx, zero_trust.OrganizationListParams{AccountID: cloudflare.F("acme")})
	apiError(t, err, 400, 7003)
}

// rawSAML decodes the fields of the SAML answer the SDK structs miss.
type rawSAML struct {
	Config struct {
		RedirectURL string `json:"redirect_url"`
		IssuerURL   string `json:"issuer_url"`
	} `json:"config"`
	SCIMConfig map[string]any `json:"scim_config"`
}

func decodeRaw(t *testing.T, raw string) rawSAML {
	t.Helper()
	var out rawSAML
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestIdentityProviderLifecycle(t *testing.T) {
	e := setup(t)
	c := e.client(writeTok)

	idp := e.createSAML("JumpCloud", true)
	if idp.ID == "" || idp.Name != "JumpCloud" || idp.Type != zero_trust.IdentityProviderTypeSAML {
		t.Fatalf("created = %+v", idp)
	}
	secret := idp.SCIMConfig.Secret
	if !hex64.MatchString(secret) {
		t.Fatalf("create answer secret = %q", secret)
	}
	wantBase := "https://" + e.host() + "/scim/" + idp.ID
	if idp.SCIMConfig.SCIMBaseURL != wantBase || !idp.SCIMConfig.Enabled || !idp.SCIMConfig.UserDeprovision {
		t.Fatalf("scim_config = %+v", idp.SCIMConfig)
	}
	raw := decodeRaw(t, idp.JSON.RawJSON())
	if raw.Config.RedirectURL != "https://"+e.host()+"/cdn-cgi/access/callback" {
		t.Fatalf("redirect_url = %q", raw.Config.RedirectURL)
	}
	if reqs := e.s.MutatingRequests(); len(reqs) != 1 || reqs[0].Method != http.MethodPost {
		t.Fatalf("mutating requests = %+v", reqs)
	}

	// Reads redact the secret but keep the base URL.
	got, err := c.ZeroTrust.IdentityProviders.Get(e.ctx, idp.ID, zero_trust.IdentityProviderGetParams{AccountID: cloudflare.F(acct)})
	if err != nil {
		t.Fatal(err)
	}
	if got.SCIMConfig.Secret != "" || got.SCIMConfig.SCIMBaseURL != wantBase {
		t.Fatalf("get scim_config = %+v", got.SCIMConfig)
	}
	if _, has := decodeRaw(t, got.JSON.RawJSON()).SCIMConfig["secret"]; has {
		t.Fatalf("get answer carries a secret: %s", got.JSON.RawJSON())
	}
	list, err := c.ZeroTrust.IdentityProviders.List(e.ctx, zero_trust.IdentityProviderListParams{AccountID: cloudflare.F(acct)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Result) != 1 || list.Result[0].SCIMConfig.Secret != "" || list.Result[0].ID != idp.ID {
		t.Fatalf("list = %+v", list.Result)
	}

	// Update is a full replacement; the secret stays redacted.
	upd := samlParam("JumpCloud SSO", true)
	upd.SCIMConfig = cloudflare.F(zero_trust.IdentityProviderSCIMConfigParam{
		Enabled:                cloudflare.F(true),
		UserDeprovision:        cloudflare.F(true),
		SeatDeprovision:        cloudflare.F(true),
		IdentityUpdateBehavior: cloudflare.F(zero_trust.IdentityProviderSCIMConfigIdentityUpdateBehaviorReauth),
	})
	updated, err := c.ZeroTrust.IdentityProviders.Update(e.ctx, idp.ID, zero_trust.IdentityProviderUpdateParams{AccountID: cloudflare.F(acct), IdentityProvider: upd})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Name != "JumpCloud SSO" || updated.SCIMConfig.Secret != "" || updated.SCIMConfig.IdentityUpdateBehavior != "reauth" || !updated.SCIMConfig.SeatDeprovision {
		t.Fatalf("updated = %+v", updated)
	}
	snap := e.s.IdPs()
	if len(snap) != 1 || snap[0].SCIMSecret != secret || snap[0].Name != "JumpCloud SSO" || snap[0].SCIMBaseURL != wantBase {
		t.Fatalf("IdPs() = %+v", snap)
	}

	// seat_deprovision without user_deprovision is refused.
	bad := samlParam("x", true)
	bad.SCIMConfig = cloudflare.F(zero_trust.IdentityProviderSCIMConfigParam{Enabled: cloudflare.F(true), SeatDeprovision: cloudflare.F(true)})
	_, err = c.ZeroTrust.IdentityProviders.Update(e.ctx, idp.ID, zero_trust.IdentityProviderUpdateParams{AccountID: cloudflare.F(acct), IdentityProvider: bad})
	apiError(t, err, 400, 12130)

	del, err := c.ZeroTrust.IdentityProviders.Delete(e.ctx, idp.ID, zero_trust.IdentityProviderDeleteParams{AccountID: cloudflare.F(acct)})
	if err != nil {
		t.Fatal(err)
	}
	if del.ID != idp.ID {
		t.Fatalf("delete = %+v", del)
	}
	if last := e.s.Requests()[len(e.s.Requests())-1]; last.Method != http.MethodDelete {
		t.Fatalf("last request = %+v", last)
	}
	_, err = c.ZeroTrust.IdentityProviders.Get(e.ctx, idp.ID, zero_trust.IdentityProviderGetParams{AccountID: cloudflare.F(acct)})
	apiError(t, err, 404, 12135)
	if len(e.s.Violations()) != 0 {
		t.Fatalf("violations: %v", e.s.Violations())
	}
}

func TestDeleteAnswers202(t *testing.T) {
	e := setup(t)
	idp := e.createSAML("a", false)
	var res *http.Response
	_, err := e.client(writeTok).ZeroTrust.IdentityProviders.Delete(e.ctx, idp.ID, zero_trust.IdentityProviderDeleteParams{AccountID: cloudflare.F(acct)}, option.WithResponseInto(&res))
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("status = %d", res.StatusCode)
	}
}

func TestSCIMSecretOnLaterEnable(t *testing.T) {
	e := setupWith(t, cfapi.Options{RefreshSCIMSecret: true})
	c := e.client(writeTok)
	idp := e.createSAML("later", false)
	if idp.SCIMConfig.Secret != "" || idp.SCIMConfig.SCIMBaseURL != "" || idp.SCIMConfig.Enabled {
		t.Fatalf("SCIM off: scim_config = %+v", idp.SCIMConfig)
	}
	on, err := c.ZeroTrust.IdentityProviders.Update(e.ctx, idp.ID, zero_trust.IdentityProviderUpdateParams{AccountID: cloudflare.F(acct), IdentityProvider: samlParam("later", true)})
	if err != nil {
		t.Fatal(err)
	}
	if !hex64.MatchString(on.SCIMConfig.Secret) || on.SCIMConfig.SCIMBaseURL == "" {
		t.Fatalf("enabling PUT: scim_config = %+v", on.SCIMConfig)
	}
	again, err := c.ZeroTrust.IdentityProviders.Update(e.ctx, idp.ID, zero_trust.IdentityProviderUpdateParams{AccountID: cloudflare.F(acct), IdentityProvider: samlParam("later", true)})
	if err != nil {
		t.Fatal(err)
	}
	if again.SCIMConfig.Secret != "" {
		t.Fatal("a second PUT revealed the secret again")
	}

	// refresh_scim_secret rotates it.
	var out struct {
		Result struct {
			SCIMConfig struct {
				Secret string `json:"secret"`
			} `json:"scim_config"`
		} `json:"result"`
	}
	if err := c.Post(e.ctx, "accounts/"+acct+"/access/identity_providers/"+idp.ID+"/refresh_scim_secret", nil, &out); err != nil {
		t.Fatal(err)
	}
	if !hex64.MatchString(out.Result.SCIMConfig.Secret) || out.Result.SCIMConfig.Secret == on.SCIMConfig.Secret {
		t.Fatalf("refreshed secret = %q", out.Result.SCIMConfig.Secret)
	}
	if st, _ := e.scim(http.MethodGet, idp.ID, "/Users", on.SCIMConfig.Secret, nil); st != 401 {
		t.Fatalf("old secret: %d", st)
	}
	if st, _ := e.scim(http.MethodGet, idp.ID, "/Users", out.Result.SCIMConfig.Secret, nil); st != 200 {
		t.Fatalf("new secret: %d", st)
	}
	off := e.createSAML("off", false)
	err = c.Post(e.ctx, "accounts/"+acct+"/access/identity_providers/"+off.ID+"/refresh_scim_secret", nil, &out)
	apiError(t, err, 400, 12130)
}

func TestListPagination(t *testing.T) {
	e := setup(t)
	for _, n := range []string{"one", "two", "three"} {
		e.createSAML(n, n == "two")
	}
	c := e.client(readTok)
	p1, err := c.ZeroTrust.IdentityProviders.List(e.ctx, zero_trust.IdentityProviderListParams{AccountID: cloudflare.F(acct), PerPage: cloudflare.F(int64(2))})
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.Result) != 2 || p1.ResultInfo.PerPage != 2 || p1.ResultInfo.Page != 1 {
		t.Fatalf("page 1 = %d items, %+v", len(p1.Result), p1.ResultInfo)
	}
	p2, err := p1.GetNextPage()
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Result) != 1 || p2.Result[0].Name != "three" {
		t.Fatalf("page 2 = %+v", p2.Result)
	}
	var names []string
	iter := c.ZeroTrust.IdentityProviders.ListAutoPaging(e.ctx, zero_trust.IdentityProviderListParams{AccountID: cloudflare.F(acct), PerPage: cloudflare.F(int64(2))})
	for iter.Next() {
		names = append(names, iter.Current().Name)
	}
	if iter.Err() != nil || strings.Join(names, ",") != "one,two,three" {
		t.Fatalf("auto paging = %v, %v", names, iter.Err())
	}
	enabled, err := c.ZeroTrust.IdentityProviders.List(e.ctx, zero_trust.IdentityProviderListParams{AccountID: cloudflare.F(acct), SCIMEnabled: cloudflare.F("true")})
	if err != nil {
		t.Fatal(err)
	}
	if len(enabled.Result) != 1 || enabled.Result[0].Name != "two" {
		t.Fatalf("scim_enabled=true = %+v", enabled.Result)
	}
	// per_page above the documented maximum is a schema violation.
	_, err = c.ZeroTrust.IdentityProviders.List(e.ctx, zero_trust.IdentityProviderListParams{AccountID: cloudflare.F(acct), PerPage: cloudflare.F(int64(5000))})
	apiError(t, err, 400, 10001)
}

func TestAuthFailures(t *testing.T) {
	e := setup(t)
	_, err := e.client(readTok).ZeroTrust.IdentityProviders.New(e.ctx, zero_trust.IdentityProviderNewParams{
		AccountID: cloudflare.F(acct), IdentityProvider: samlParam("x", true),
	})
	apiError(t, err, 403, 10000)
	if len(e.s.IdPs()) != 0 {
		t.Fatal("a forbidden create stored an IdP")
	}
	_, err = e.client("unknown").ZeroTrust.IdentityProviders.List(e.ctx, zero_trust.IdentityProviderListParams{AccountID: cloudflare.F(acct)})
	apiError(t, err, 403, 9109)
	_, err = e.client(logsTok).ZeroTrust.IdentityProviders.List(e.ctx, zero_trust.IdentityProviderListParams{AccountID: cloudflare.F(acct)})
	apiError(t, err, 403, 10000)
	_, err = e.client(readTok).ZeroTrust.Access.Logs.SCIM.Updates.List(e.ctx, zero_trust.AccessLogSCIMUpdateListParams{AccountID: cloudflare.F(acct), IdPID: cloudflare.F([]string{"x"})})
	apiError(t, err, 403, 10000)

	// An account-owned token works on its account.
	if _, err := e.client(acctTok).ZeroTrust.IdentityProviders.List(e.ctx, zero_trust.IdentityProviderListParams{AccountID: cloudflare.F(acct)}); err != nil {
		t.Fatal(err)
	}
	// No Authorization header at all.
	resp, err := e.ts.Client().Get(e.ts.URL + "/client/v4/accounts/" + acct + "/access/identity_providers")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
}

func TestOpenAPIViolation(t *testing.T) {
	e := setup(t)
	body := map[string]any{
		"name": "bad", "type": "saml",
		"config": map[string]any{"issuer_url": 42, "sso_target_url": "https://x"},
	}
	err := e.client(writeTok).Post(e.ctx, "accounts/"+acct+"/access/identity_providers", body, nil)
	cfErr := apiError(t, err, 400, 10001)
	if !strings.Contains(cfErr.Errors[0].Message, "issuer_url") {
		t.Fatalf("message = %q", cfErr.Errors[0].Message)
	}
	v := e.s.Violations()
	if len(v) != 1 || !strings.HasPrefix(v[0], "POST /client/v4/accounts/"+acct+"/access/identity_providers: ") || !strings.Contains(v[0], "issuer_url") {
		t.Fatalf("violations = %q", v)
	}
	if len(e.s.IdPs()) != 0 {
		t.Fatal("an invalid body was stored")
	}

	// Missing name, and a read-only field sent back.
	err = e.client(writeTok).Post(e.ctx, "accounts/"+acct+"/access/identity_providers", map[string]any{"type": "saml", "config": map[string]any{}}, nil)
	apiError(t, err, 400, 10001)
	err = e.client(writeTok).Post(e.ctx, "accounts/"+acct+"/access/identity_providers",
		map[string]any{"name": "x", "type": "saml", "config": map[string]any{}, "scim_config": map[string]any{"enabled": true, "secret": "mine"}}, nil)
	apiError(t, err, 400, 10001)
	// An unknown type.
	err = e.client(writeTok).Post(e.ctx, "accounts/"+acct+"/access/identity_providers", map[string]any{"name": "x", "type": "jumpcloud", "config": map[string]any{}}, nil)
	if cfErr := apiError(t, err, 400, 10001); !strings.Contains(cfErr.Errors[0].Message, "/type") {
		t.Fatalf("message = %q", cfErr.Errors[0].Message)
	}
	// The SCIM log list requires idp_id.
	_, err = e.client(writeTok).ZeroTrust.Access.Logs.SCIM.Updates.List(e.ctx, zero_trust.AccessLogSCIMUpdateListParams{AccountID: cloudflare.F(acct)})
	apiError(t, err, 400, 10001)
	if n := len(e.s.Violations()); n != 5 {
		t.Fatalf("violations = %d: %q", n, e.s.Violations())
	}
}

// scim sends a SCIM request to the team-domain SCIM server.
func (e *env) scim(method, idpID, path, secret string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.ts.URL+"/scim/"+idpID+path, rd)
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestSCIMFlow(t *testing.T) {
	e := setup(t)
	idp := e.createSAML("JumpCloud", true)
	secret := idp.SCIMConfig.Secret

	// Not served: nothing shows Cloudflare does.
	if st, _ := e.scim(http.MethodGet, idp.ID, "/ServiceProviderConfig", secret, nil); st != 404 {
		t.Fatalf("ServiceProviderConfig: %d, want 404", st)
	}
	if st, _ := e.scim(http.MethodGet, idp.ID, "/Users?startIndex=1&count=1", secret, nil); st != 200 {
		t.Fatalf("GET /Users: %d, want 200", st)
	}
	if st, out := e.scim(http.MethodPost, idp.ID, "/Users", "wrong", map[string]any{"userName": "x"}); st != 401 || out["status"] != "401" {
		t.Fatalf("wrong secret: %d %v", st, out)
	}
	if st, _ := e.scim(http.MethodGet, "00000000-0000-4000-8000-000000000000", "/Users", secret, nil); st != 404 {
		t.Fatalf("unknown IdP: %d", st)
	}

	user := map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName":   "ada@acme.test",
		"externalId": "jc-ada",
		"name":       map[string]any{"givenName": "Ada", "familyName": "Lovelace"},
		"emails":     []any{map[string]any{"value": "ada@acme.test", "type": "work", "primary": true}},
		"active":     true,
	}
	st, created := e.scim(http.MethodPost, idp.ID, "/Users", secret, user)
	if st != 201 || created["id"] == "" {
		t.Fatalf("create user: %d %v", st, created)
	}
	userID := created["id"].(string)
	if st, _ := e.scim(http.MethodPost, idp.ID, "/Users", secret, user); st != 409 {
		t.Fatalf("duplicate user: %d", st)
	}
	st, found := e.scim(http.MethodGet, idp.ID, "/Users?filter="+url.QueryEscape(`userName eq "ADA@acme.test"`), secret, nil)
	if st != 200 || found["totalResults"] != float64(1) {
		t.Fatalf("filter: %d %v", st, found)
	}
	st, patched := e.scim(http.MethodPatch, idp.ID, "/Users/"+userID, secret, map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}},
	})
	if st != 200 || patched["active"] != false {
		t.Fatalf("patch active: %d %v", st, patched)
	}

	st, group := e.scim(http.MethodPost, idp.ID, "/Groups", secret, map[string]any{"displayName": "Engineering", "externalId": "jc-eng"})
	if st != 201 {
		t.Fatalf("create group: %d %v", st, group)
	}
	groupID := group["id"].(string)
	addMember := map[string]any{"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": userID}}}}}
	if st, g := e.scim(http.MethodPatch, idp.ID, "/Groups/"+groupID, secret, addMember); st != 200 || len(g["members"].([]any)) != 1 {
		t.Fatalf("add member: %d %v", st, g)
	}
	if got := e.s.IdPs()[0].Groups[0].Members; len(got) != 1 || got[0] != userID {
		t.Fatalf("members = %v", got)
	}
	removeMember := map[string]any{"Operations": []any{map[string]any{"op": "remove", "path": "members", "value": []any{map[string]any{"value": userID}}}}}
	if st, g := e.scim(http.MethodPatch, idp.ID, "/Groups/"+groupID, secret, removeMember); st != 200 || len(g["members"].([]any)) != 0 {
		t.Fatalf("remove member: %d %v", st, g)
	}

	// The API lists a SCIM user only once they have signed in: Cloudflare
	// creates no Zero Trust user from SCIM.
	c := e.client(writeTok)
	users, err := c.ZeroTrust.IdentityProviders.SCIM.Users.List(e.ctx, idp.ID, zero_trust.IdentityProviderSCIMUserListParams{AccountID: cloudflare.F(acct)})
	if err != nil || len(users.Result) != 0 {
		t.Fatalf("scim users before any sign-in = %+v %v", users, err)
	}
	e.s.RecordLogin(cfapi.Login{IdPID: idp.ID, Email: "ADA@acme.test"})
	users, err = c.ZeroTrust.IdentityProviders.SCIM.Users.List(e.ctx, idp.ID, zero_trust.IdentityProviderSCIMUserListParams{AccountID: cloudflare.F(acct)})
	if err != nil {
		t.Fatal(err)
	}
	if len(users.Result) != 1 {
		t.Fatalf("scim users = %+v", users.Result)
	}
	u := users.Result[0]
	if u.ID != userID || u.ExternalID != "jc-ada" || u.Active || u.DisplayName != "Ada Lovelace" ||
		len(u.Emails) != 1 || u.Emails[0].Value != "ada@acme.test" || !u.Emails[0].Primary || u.Meta.Created.IsZero() {
		t.Fatalf("scim user = %+v", u)
	}
	filtered, err := c.ZeroTrust.IdentityProviders.SCIM.Users.List(e.ctx, idp.ID, zero_trust.IdentityProviderSCIMUserListParams{AccountID: cloudflare.F(acct), Email: cloudflare.F("nobody@acme.test")})
	if err != nil || len(filtered.Result) != 0 {
		t.Fatalf("email filter: %v %+v", err, filtered)
	}
	groups, err := c.ZeroTrust.IdentityProviders.SCIM.Groups.List(e.ctx, idp.ID, zero_trust.IdentityProviderSCIMGroupListParams{AccountID: cloudflare.F(acct)})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups.Result) != 1 || groups.Result[0].DisplayName != "Engineering" || groups.Result[0].ExternalID != "jc-eng" {
		t.Fatalf("scim groups = %+v", groups.Result)
	}

	logs, err := c.ZeroTrust.Access.Logs.SCIM.Updates.List(e.ctx, zero_trust.AccessLogSCIMUpdateListParams{
		AccountID: cloudflare.F(acct),
		IdPID:     cloudflare.F([]string{idp.ID}),
		Direction: cloudflare.F(zero_trust.AccessLogSCIMUpdateListParamsDirectionAsc),
	})
	if err != nil {
		t.Fatal(err)
	}
	// POST user, duplicate POST (FAILURE), PATCH user, POST group, 2 PATCH group.
	if len(logs.Result) != 6 {
		t.Fatalf("logs = %+v", logs.Result)
	}
	first := logs.Result[0]
	if first.Status != "SUCCESS" || first.RequestMethod != "POST" || first.ResourceType != "USER" ||
		first.CfResourceID != userID || first.IdPResourceID != "jc-ada" || first.ResourceUserEmail != "ada@acme.test" ||
		first.IdPID != idp.ID || !strings.Contains(first.RequestBody, `"userName":"ada@acme.test"`) || first.LoggedAt.IsZero() {
		t.Fatalf("first log = %+v", first)
	}
	if logs.Result[1].Status != "FAILURE" || logs.Result[1].ErrorDescription == "" {
		t.Fatalf("second log = %+v", logs.Result[1])
	}
	failures, err := c.ZeroTrust.Access.Logs.SCIM.Updates.List(e.ctx, zero_trust.AccessLogSCIMUpdateListParams{
		AccountID:    cloudflare.F(acct),
		IdPID:        cloudflare.F([]string{idp.ID}),
		Status:       cloudflare.F([]zero_trust.AccessLogSCIMUpdateListParamsStatus{zero_trust.AccessLogSCIMUpdateListParamsStatusFailure}),
		ResourceType: cloudflare.F([]zero_trust.AccessLogSCIMUpdateListParamsResourceType{zero_trust.AccessLogSCIMUpdateListParamsResourceTypeUser}),
	})
	if err != nil || len(failures.Result) != 1 {
		t.Fatalf("FAILURE filter: %v %+v", err, failures)
	}
	newest, err := c.ZeroTrust.Access.Logs.SCIM.Updates.List(e.ctx, zero_trust.AccessLogSCIMUpdateListParams{
		AccountID: cloudflare.F(acct), IdPID: cloudflare.F([]string{idp.ID}), Limit: cloudflare.F(int64(1)),
	})
	if err != nil || len(newest.Result) != 1 || newest.Result[0].ResourceType != "GROUP" || newest.Result[0].ResourceGroupName != "Engineering" {
		t.Fatalf("newest: %v %+v", err, newest)
	}

	// Deleting the user removes it; disabling SCIM closes the endpoint.
	if st, _ := e.scim(http.MethodDelete, idp.ID, "/Users/"+userID, secret, nil); st != 204 {
		t.Fatalf("delete user: %d", st)
	}
	if st, _ := e.scim(http.MethodGet, idp.ID, "/Users/"+userID, secret, nil); st != 404 {
		t.Fatalf("get deleted user: %d", st)
	}
	if _, err := c.ZeroTrust.IdentityProviders.Update(e.ctx, idp.ID, zero_trust.IdentityProviderUpdateParams{AccountID: cloudflare.F(acct), IdentityProvider: samlParam("JumpCloud", false)}); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.scim(http.MethodGet, idp.ID, "/Users", secret, nil); st != 404 {
		t.Fatalf("SCIM disabled: %d", st)
	}
	// SCIM requests are not API requests.
	for _, r := range e.s.MutatingRequests() {
		if strings.HasPrefix(r.Path, "/scim/") {
			t.Fatalf("SCIM request counted as API mutation: %+v", r)
		}
	}
}

func TestCerts(t *testing.T) {
	e := setup(t)
	resp, err := e.ts.Client().Get(e.ts.URL + "/cdn-cgi/access/certs")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var certs struct {
		Keys []struct {
			Kid, Kty, Alg, N, E string
		} `json:"keys"`
		PublicCert struct {
			Kid, Cert string
		} `json:"public_cert"`
		PublicCerts []struct{ Kid, Cert string } `json:"public_certs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&certs); err != nil {
		t.Fatal(err)
	}
	if len(certs.Keys) != 1 || certs.Keys[0].Kty != "RSA" || certs.Keys[0].E != "AQAB" || certs.Keys[0].Kid != certs.PublicCert.Kid ||
		!strings.HasPrefix(certs.PublicCert.Cert, "-----BEGIN CERTIFICATE-----") || len(certs.PublicCerts) != 1 {
		t.Fatalf("certs = %+v", certs)
	}
}

func TestFaultRateLimitThenSuccess(t *testing.T) {
	e := setup(t)
	e.s.Fault(cfapi.Fault{Method: http.MethodGet, PathSuffix: "/access/organizations", Status: 429, RetryAfter: 1})

	// Without retries the 429 surfaces, with its Retry-After.
	_, err := e.client(readTok).ZeroTrust.Organizations.List(e.ctx, zero_trust.OrganizationListParams{AccountID: cloudflare.F(acct)})
	cfErr := apiError(t, err, 429, 971)
	if cfErr.Response.Header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After = %q", cfErr.Response.Header.Get("Retry-After"))
	}

	// With a retry the SDK waits Retry-After and succeeds.
	e.s.Fault(cfapi.Fault{Method: http.MethodGet, PathSuffix: "/access/organizations", Status: 429, RetryAfter: 1})
	start := time.Now()
	org, err := e.client(readTok, option.WithMaxRetries(1)).ZeroTrust.Organizations.List(e.ctx, zero_trust.OrganizationListParams{AccountID: cloudflare.F(acct)})
	if err != nil {
		t.Fatal(err)
	}
	if org.AuthDomain != e.host() || time.Since(start) < 900*time.Millisecond {
		t.Fatalf("org = %+v after %v", org, time.Since(start))
	}
	n := 0
	for _, r := range e.s.Requests() {
		if strings.HasSuffix(r.Path, "/access/organizations") {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("organization requests = %d, want 3", n)
	}
}

func TestFaultDrop(t *testing.T) {
	e := setup(t)
	e.s.Fault(cfapi.Fault{PathSuffix: "/user/tokens/verify", Drop: true})
	_, err := e.client(writeTok).User.Tokens.Verify(e.ctx)
	var cfErr *cloudflare.Error
	if err == nil || errors.As(err, &cfErr) {
		t.Fatalf("want a transport error, got %v", err)
	}
	if _, err := e.client(writeTok).User.Tokens.Verify(e.ctx); err != nil {
		t.Fatalf("the fault should be used up: %v", err)
	}
	// On a reused keep-alive connection too (where Go's transport would
	// silently retry a GET whose connection closed before any byte).
	e.s.Fault(cfapi.Fault{Method: http.MethodGet, Drop: true})
	if _, err := e.client(writeTok).User.Tokens.Verify(e.ctx); err == nil {
		t.Fatal("a drop on a reused connection went unnoticed")
	}
}

func TestFaultAfterApply(t *testing.T) {
	e := setup(t)
	e.s.Fault(cfapi.Fault{Method: http.MethodPost, PathSuffix: "/access/identity_providers", Status: 500, AfterApply: true})
	_, err := e.client(writeTok).ZeroTrust.IdentityProviders.New(e.ctx, zero_trust.IdentityProviderNewParams{
		AccountID: cloudflare.F(acct), IdentityProvider: samlParam("lost", true),
	})
	apiError(t, err, 500, 7500)
	if idps := e.s.IdPs(); len(idps) != 1 || idps[0].Name != "lost" || idps[0].SCIMSecret == "" {
		t.Fatalf("IdPs() = %+v", idps)
	}

	// Drop after applying: the create happened, the answer was lost.
	e.s.Fault(cfapi.Fault{Method: http.MethodPost, PathSuffix: "/access/identity_providers", Drop: true, AfterApply: true})
	_, err = e.client(writeTok).ZeroTrust.IdentityProviders.New(e.ctx, zero_trust.IdentityProviderNewParams{
		AccountID: cloudflare.F(acct), IdentityProvider: samlParam("dropped", false),
	})
	if err == nil {
		t.Fatal("want an error")
	}
	if n := len(e.s.IdPs()); n != 2 {
		t.Fatalf("IdPs = %d, want 2", n)
	}
}

func TestFaultLatencyAndTimes(t *testing.T) {
	e := setup(t)
	e.s.Fault(cfapi.Fault{PathSuffix: "/user/tokens/verify", Latency: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(e.ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := e.client(writeTok).User.Tokens.Verify(ctx); err == nil {
		t.Fatal("want a timeout")
	}
	e.s.Fault(cfapi.Fault{PathSuffix: "/user/tokens/verify", Latency: 20 * time.Millisecond})
	if _, err := e.client(writeTok).User.Tokens.Verify(e.ctx); err != nil {
		t.Fatalf("latency only: %v", err)
	}
	e.s.Fault(cfapi.Fault{Method: http.MethodGet, Status: 503, Times: 2})
	for i := range 2 {
		_, err := e.client(writeTok).User.Tokens.Verify(e.ctx)
		apiError(t, err, 503, 7500)
		_ = i
	}
	if _, err := e.client(writeTok).User.Tokens.Verify(e.ctx); err != nil {
		t.Fatalf("after Times: %v", err)
	}
}

func TestUnknownRoute(t *testing.T) {
	e := setup(t)
	err := e.client(writeTok).Get(e.ctx, "accounts/"+acct+"/access/apps", nil, nil)
	apiError(t, err, 404, 7000)
}

// The refresh endpoint is absent unless the knob turns it on, answered as
// Cloudflare answers unknown routes.
func TestRefreshSCIMSecretAbsentByDefault(t *testing.T) {
	e := setup(t)
	idp := e.createSAML("JumpCloud", true)
	var out map[string]any
	err := e.client(writeTok).Post(e.ctx, "accounts/"+acct+"/access/identity_providers/"+idp.ID+"/refresh_scim_secret", nil, &out)
	apiError(t, err, 404, 7000)
	if st, _ := e.scim(http.MethodGet, idp.ID, "/Users", idp.SCIMConfig.Secret, nil); st != 200 {
		t.Fatalf("the secret changed: %d", st)
	}
}

// A userName that is not an email (JumpCloud's username) is refused, on
// POST, PUT and PATCH, with a FAILURE in the log that names userName.
func TestSCIMUserNameMustBeAnEmail(t *testing.T) {
	e := setup(t)
	idp := e.createSAML("JumpCloud", true)
	secret := idp.SCIMConfig.Secret
	alice := map[string]any{"userName": "alice", "emails": []any{map[string]any{"value": "alice@acme.test", "primary": true}}}
	if st, out := e.scim(http.MethodPost, idp.ID, "/Users", secret, alice); st != 400 || out["scimType"] != "invalidValue" ||
		!strings.Contains(out["detail"].(string), "userName") {
		t.Fatalf("POST: %d %v", st, out)
	}
	if l := e.s.IdPs()[0].Log; len(l) != 1 || l[0].Status != "FAILURE" || l[0].RequestMethod != "POST" ||
		l[0].ResourceUserEmail != "alice@acme.test" || !strings.Contains(l[0].ErrorDescription, "userName") {
		t.Fatalf("log = %+v", l)
	}
	alice["userName"] = "alice@acme.test"
	st, created := e.scim(http.MethodPost, idp.ID, "/Users", secret, alice)
	if st != 201 {
		t.Fatalf("POST with an email: %d %v", st, created)
	}
	id := created["id"].(string)
	if st, _ := e.scim(http.MethodPatch, idp.ID, "/Users/"+id, secret, map[string]any{
		"Operations": []any{map[string]any{"op": "replace", "path": "userName", "value": "alice"}},
	}); st != 400 {
		t.Fatalf("PATCH: %d", st)
	}
	alice["userName"] = "alice"
	if st, _ := e.scim(http.MethodPut, idp.ID, "/Users/"+id, secret, alice); st != 400 {
		t.Fatalf("PUT: %d", st)
	}
	if u := e.s.IdPs()[0].Users; len(u) != 1 || u[0].UserName != "alice@acme.test" {
		t.Fatalf("users = %+v", u)
	}
}
