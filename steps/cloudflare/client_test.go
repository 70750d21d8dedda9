package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"jcaccess/model"
	"jcaccess/sandbox/cfapi"
	"jcaccess/sandbox/cfapi/openapicheck"
)

const (
	acct  = "0123456789abcdef0123456789abcdef"
	token = "tok-client-test-0123456789"
)

func newFake(t *testing.T) (*cfapi.Server, func(readOnly bool, retries int) *Client) {
	api, as := newFakeAs(t)
	return api, func(readOnly bool, retries int) *Client { return as(token, readOnly, retries) }
}

// newFakeAs starts the fake and returns a constructor of clients with any token.
func newFakeAs(t *testing.T) (*cfapi.Server, func(tok string, readOnly bool, retries int) *Client) {
	t.Helper()
	api := cfapi.New(cfapi.Options{AccountID: acct, CheckRequest: openapicheck.New()})
	api.AddToken(token, cfapi.TokenAccount, cfapi.PermAccessWrite)
	api.AddToken("read-only", cfapi.TokenAccount, cfapi.PermAccessRead)
	ts := cfapi.StartTLS(api)
	t.Cleanup(ts.Close)
	return api, func(tok string, readOnly bool, retries int) *Client {
		return New(Config{Token: model.NewSecret(tok), BaseURL: ts.URL + "/client/v4", HTTPClient: ts.Client(), ReadOnly: readOnly, Retries: retries, Timeout: 5 * time.Second})
	}
}

func createBody() model.Change {
	return model.Change{
		Step: "cloudflare-idp", Action: "create", Summary: "create SAML login method", Method: http.MethodPost, Path: IdPPath(acct),
		Body: []byte(`{"name":"JumpCloud","type":"saml","config":{"issuer_url":"https://acme.cloudflareaccess.com/","sso_target_url":"https://sso.jumpcloud.com/saml2/x","idp_public_certs":["AAAA"]},"scim_config":{"enabled":true,"user_deprovision":true,"seat_deprovision":false,"identity_update_behavior":"automatic"}}`),
	}
}

func TestReadOnlyClientRefusesWritesWithoutSending(t *testing.T) {
	api, client := newFake(t)
	_, err := client(true, 0).Send(context.Background(), createBody())
	if !errors.Is(err, ErrReadOnly) {
		t.Fatalf("got %v", err)
	}
	if len(api.Requests()) != 0 {
		t.Fatalf("a read-only client sent %d requests", len(api.Requests()))
	}
}

func TestSendCapturesTheSecretOnlyInSecret(t *testing.T) {
	api, client := newFake(t)
	got, err := client(false, 0).Send(context.Background(), createBody())
	if err != nil {
		t.Fatal(err)
	}
	secret := api.IdPs()[0].SCIMSecret
	if got.SCIMConfig.Secret.Reveal() != secret || got.ID == "" || got.SCIMConfig.SCIMBaseURL == "" {
		t.Fatalf("decoded %+v", got)
	}
	if strings.Contains(string(got.Raw), secret) {
		t.Fatal("the raw copy of the IdP keeps the secret")
	}
}

func TestReadsRetryOnRateLimitHonouringRetryAfter(t *testing.T) {
	api, client := newFake(t)
	api.Fault(cfapi.Fault{Method: http.MethodGet, PathSuffix: "/identity_providers", Status: http.StatusTooManyRequests, RetryAfter: 1})
	idps, err := client(false, 2).ListIdPs(context.Background(), acct)
	if err != nil || len(idps) != 0 {
		t.Fatalf("list after one 429: %v %v", idps, err)
	}
	if n := len(api.Requests()); n != 2 {
		t.Fatalf("%d requests, want the 429 and one retry", n)
	}
}

func TestCreateIsNeverRetried(t *testing.T) {
	api, client := newFake(t)
	api.Fault(cfapi.Fault{Method: http.MethodPost, Status: http.StatusServiceUnavailable, Times: 3})
	_, err := client(false, 3).Send(context.Background(), createBody())
	if StatusOf(err) != http.StatusServiceUnavailable {
		t.Fatalf("got %v", err)
	}
	if n := len(api.MutatingRequests()); n != 1 {
		t.Fatalf("the create was sent %d times", n)
	}
	if !strings.Contains(err.Error(), "run again in a minute") {
		t.Fatalf("5xx error lacks a next step: %v", err)
	}
}

func TestErrorsNameTheFixAndNeverTheToken(t *testing.T) {
	_, as := newFakeAs(t)
	ctx := context.Background()
	cases := []struct {
		name string
		tok  string
		call func(c *Client) error
		want string
	}{
		{"read-only token creates", "read-only", func(c *Client) error { _, err := c.Send(ctx, createBody()); return err }, PermAccessWrite},
		{"unknown token", "wrong-token-value", func(c *Client) error { _, err := c.ListIdPs(ctx, acct); return err }, "not valid"},
		{"unknown IdP", token, func(c *Client) error {
			_, err := c.GetIdP(ctx, acct, "00000000-0000-0000-0000-000000000000")
			return err
		}, "not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(as(tc.tok, false, 0))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v lacks %q", err, tc.want)
			}
			if strings.Contains(err.Error(), tc.tok) {
				t.Fatal("the token leaked into the error")
			}
		})
	}
}

func TestAProxyErrorPageKeepsItsStatus(t *testing.T) {
	err := wrap("list identity providers", newStatusError(http.StatusBadGateway, []byte("<html>Bad gateway</html>")))
	if StatusOf(err) != http.StatusBadGateway || !strings.Contains(err.Error(), "run again in a minute") {
		t.Fatalf("got %v", err)
	}
}

func TestRetryDelayHonoursTheServer(t *testing.T) {
	res := func(k, v string) *http.Response { return &http.Response{Header: http.Header{k: {v}}} }
	for _, tc := range []struct {
		res  *http.Response
		want time.Duration
	}{
		{res("Retry-After-Ms", "250"), 250 * time.Millisecond},
		{res("Retry-After", "2"), 2 * time.Second},
		{res("Retry-After", time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat)), 0},
	} {
		if got := retryDelay(tc.res, 0); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.res.Header, got, tc.want)
		}
	}
	if d := retryDelay(nil, 10); d > 30*time.Second || d < 22*time.Second {
		t.Errorf("backoff after 10 attempts is %v, want 30 s less jitter", d)
	}
}

// A rejected token (403 9109 from the fake, as Cloudflare has answered a
// revoked one) is not a missing permission; a missing permission (403
// 10000) is named; an account-owned token cannot list accounts (400 1001);
// an unknown route is an absent endpoint, not a wrong account ID.
func TestHintsTellTheTokenFromThePermission(t *testing.T) {
	api, as := newFakeAs(t)
	api.AddToken("user-none", cfapi.TokenUser)
	ctx := context.Background()

	_, err := as("revoked-token", true, 0).ListIdPs(ctx, acct)
	if !TokenRejected(err) || PermissionMissing(err) || !strings.Contains(err.Error(), "not a missing permission") {
		t.Fatalf("revoked token: %v", err)
	}
	_, err = as("user-none", true, 0).ListIdPs(ctx, acct)
	if TokenRejected(err) || !PermissionMissing(err) || !strings.Contains(err.Error(), "lacks a permission: give it "+PermAccessWrite) {
		t.Fatalf("missing permission: %v", err)
	}
	_, err = as(token, true, 0).Accounts(ctx)
	if !AccountTokenCannotList(err) || !strings.Contains(err.Error(), "Account home > Account ID") {
		t.Fatalf("account-owned token listing accounts: %v", err)
	}
	idp, err := as(token, false, 0).Send(ctx, createBody())
	if err != nil {
		t.Fatal(err)
	}
	_, err = as(token, false, 0).Send(ctx, model.Change{Summary: "regenerate", Method: http.MethodPost, Path: IdPPath(acct, idp.ID, "refresh_scim_secret")})
	if !EndpointAbsent(err) || !strings.HasPrefix(Answer(err), "404 Not Found (7000") {
		t.Fatalf("absent refresh endpoint: %v (answer %q)", err, Answer(err))
	}
	// A missing object is not a missing endpoint.
	_, err = as(token, true, 0).GetIdP(ctx, acct, "00000000-0000-4000-8000-000000000000")
	if StatusOf(err) != http.StatusNotFound || EndpointAbsent(err) {
		t.Fatalf("missing IdP: %v", err)
	}
}

// The users list is read to the end even when Cloudflare serves fewer per
// page than asked, and an identity names its IdP and groups.
func TestAccessUsersPagesAndIdentityNamesTheIdP(t *testing.T) {
	api, as := newFakeAs(t)
	api.AddToken("audit", cfapi.TokenAccount, cfapi.PermAuditLogsRead)
	for i := range 60 {
		api.SignedIn("idp-1", fmt.Sprintf("user%02d@example.com", i), []string{"engineering"})
	}
	ctx := context.Background()
	users, more, err := as("audit", true, 0).AccessUsers(ctx, acct)
	if err != nil || more || len(users) != 60 || users[59].Email != "user59@example.com" || users[0].LastSuccessfulLogin.IsZero() {
		t.Fatalf("users: %d more=%v %v", len(users), more, err)
	}
	id, err := as("audit", true, 0).LastSeenIdentity(ctx, acct, users[3].ID)
	if err != nil || id.IdPID != "idp-1" || id.Email != "user03@example.com" || len(id.Groups) != 1 || id.Groups[0] != "engineering" {
		t.Fatalf("identity: %+v %v", id, err)
	}
	// Access Write does not reach the users: the hint names the permission.
	_, _, err = as(token, true, 0).AccessUsers(ctx, acct)
	if !PermissionMissing(err) || !strings.Contains(err.Error(), PermAuditLogsRead) {
		t.Fatalf("without Audit Logs Read: %v", err)
	}
}
