package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	cf "github.com/cloudflare/cloudflare-go/v6"
	"github.com/cloudflare/cloudflare-go/v6/accounts"
	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/zero_trust"

	"jcaccess/model"
)

// DefaultBaseURL is the production API.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4/"

// Config says how to reach the API.
type Config struct {
	Token      model.Secret
	BaseURL    string       // "" means DefaultBaseURL
	HTTPClient *http.Client // carries the TLS roots; nil means http.DefaultClient
	// ReadOnly makes the client refuse every request that is not a GET, in
	// the client itself, so plan and check cannot change anything whatever a
	// step asks for.
	ReadOnly bool
	// Retries for reads and idempotent writes. Creates are never retried by
	// the SDK: a create whose answer was lost is found and adopted instead.
	Retries int
	// Timeout of one HTTP attempt.
	Timeout time.Duration
}

// Client talks to one Cloudflare API endpoint with one token.
type Client struct {
	sdk      *cf.Client
	readOnly bool
	retries  int
}

// ErrReadOnly is returned when a read-only client is asked to write.
var ErrReadOnly = errors.New("refused: this run is read-only (plan, check or dry run) and sends no POST, PUT or DELETE")

// New builds a client. It does not read the environment: the command layer
// decides where the token and base URL come from.
func New(cfg Config) *Client {
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	opts := []option.RequestOption{
		option.WithBaseURL(base),
		option.WithHTTPClient(hc),
		option.WithAPIToken(cfg.Token.Reveal()),
		// The SDK also reads legacy key/email variables from the environment;
		// this tool authenticates with the token alone.
		option.WithHeaderDel("X-Auth-Key"),
		option.WithHeaderDel("X-Auth-Email"),
		option.WithHeaderDel("X-Auth-User-Service-Key"),
		option.WithMaxRetries(cfg.Retries),
		option.WithRequestTimeout(timeout),
		option.WithHeader("User-Agent", "jcaccess"),
	}
	if cfg.ReadOnly {
		opts = append(opts, option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				return nil, fmt.Errorf("%s %s: %w", r.Method, r.URL.Path, ErrReadOnly)
			}
			return next(r)
		}))
	}
	return &Client{sdk: cf.NewClient(opts...), readOnly: cfg.ReadOnly, retries: cfg.Retries}
}

// ReadOnly reports whether the client refuses writes.
func (c *Client) ReadOnly() bool { return c.readOnly }

// VerifyToken asks both verify endpoints, account first (account-owned
// tokens are what the dashboard now recommends), then user.
func (c *Client) VerifyToken(ctx context.Context, accountID string) (TokenStatus, error) {
	var firstErr error
	if accountID != "" {
		res, err := c.sdk.Accounts.Tokens.Verify(ctx, accounts.TokenVerifyParams{AccountID: cf.F(accountID)})
		if err == nil {
			return TokenStatus{ID: res.ID, Status: string(res.Status), ExpiresOn: res.ExpiresOn, Owner: "account"}, nil
		}
		firstErr = err
	}
	res, err := c.sdk.User.Tokens.Verify(ctx)
	if err == nil {
		return TokenStatus{ID: res.ID, Status: string(res.Status), ExpiresOn: res.ExpiresOn, Owner: "user"}, nil
	}
	if firstErr != nil && StatusOf(err) == StatusOf(firstErr) {
		return TokenStatus{}, wrap("verify the API token", firstErr)
	}
	return TokenStatus{}, wrap("verify the API token", err)
}

// Accounts lists the accounts the token can see, for account ID discovery.
func (c *Client) Accounts(ctx context.Context) ([]Account, error) {
	var out []Account
	for page := int64(1); ; page++ {
		res, err := c.sdk.Accounts.List(ctx, accounts.AccountListParams{Page: cf.F(float64(page)), PerPage: cf.F(float64(50))})
		if err != nil {
			return nil, wrap("list accounts", err)
		}
		for _, a := range res.Result {
			out = append(out, Account{ID: a.ID, Name: a.Name})
		}
		if len(res.Result) < 50 {
			return out, nil
		}
	}
}

// Organization reads the Zero Trust organization (one object, not a list).
func (c *Client) Organization(ctx context.Context, accountID string) (Organization, error) {
	res, err := c.sdk.ZeroTrust.Organizations.List(ctx, zero_trust.OrganizationListParams{AccountID: cf.F(accountID)})
	if err != nil {
		return Organization{}, wrap("read the Zero Trust organization", err)
	}
	org := Organization{AuthDomain: res.AuthDomain, Name: res.Name}
	if org.AuthDomain == "" {
		// Some accounts are reported to answer "domain" instead.
		var raw struct {
			Domain string `json:"domain"`
		}
		if json.Unmarshal([]byte(res.JSON.RawJSON()), &raw) == nil {
			org.AuthDomain = raw.Domain
		}
	}
	return org, nil
}

const idpPageSize = 200

// ListIdPs returns every identity provider of the account. Non-SAML ones
// come back with only ID, Name and Type meaningful.
func (c *Client) ListIdPs(ctx context.Context, accountID string) ([]IdP, error) {
	var out []IdP
	for page := int64(1); ; page++ {
		res, err := c.sdk.ZeroTrust.IdentityProviders.List(ctx, zero_trust.IdentityProviderListParams{
			AccountID: cf.F(accountID), Page: cf.F(page), PerPage: cf.F(int64(idpPageSize)),
		})
		if err != nil {
			return nil, wrap("list identity providers", err)
		}
		for _, item := range res.Result {
			var p IdP
			if err := json.Unmarshal([]byte(item.JSON.RawJSON()), &p); err != nil {
				// Another type's config may not fit SAMLConfig; keep what identifies it.
				p = IdP{ID: item.ID, Name: item.Name, Type: string(item.Type)}
			}
			out = append(out, p)
		}
		if len(res.Result) < idpPageSize {
			return out, nil
		}
	}
}

// GetIdP reads one identity provider.
func (c *Client) GetIdP(ctx context.Context, accountID, id string) (IdP, error) {
	res, err := c.sdk.ZeroTrust.IdentityProviders.Get(ctx, id, zero_trust.IdentityProviderGetParams{AccountID: cf.F(accountID)})
	if err != nil {
		return IdP{}, wrap("read identity provider "+id, err)
	}
	var p IdP
	if err := json.Unmarshal([]byte(res.JSON.RawJSON()), &p); err != nil {
		return IdP{}, fmt.Errorf("read identity provider %s: unexpected answer: %w", id, err)
	}
	return p, nil
}

// Send performs one planned change and decodes the IdP the API answers with.
// The body is sent byte for byte as the plan showed it.
func (c *Client) Send(ctx context.Context, ch model.Change) (IdP, error) {
	if c.readOnly {
		return IdP{}, fmt.Errorf("%s %s: %w", ch.Method, ch.Path, ErrReadOnly)
	}
	var opts []option.RequestOption
	if ch.Method == http.MethodPost {
		// A retried POST can create twice; callers look for the IdP instead.
		opts = append(opts, option.WithMaxRetries(0))
	}
	var body any
	if len(ch.Body) > 0 {
		body = []byte(ch.Body)
	}
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	var raw []byte
	if err := c.sdk.Execute(ctx, ch.Method, strings.TrimPrefix(ch.Path, "/"), body, &raw, opts...); err != nil {
		return IdP{}, wrap(ch.Summary, err)
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return IdP{}, fmt.Errorf("%s: unexpected answer from Cloudflare: %w", ch.Summary, err)
	}
	var p IdP
	if len(env.Result) > 0 && string(env.Result) != "null" {
		if err := json.Unmarshal(env.Result, &p); err != nil {
			return IdP{}, fmt.Errorf("%s: unexpected answer from Cloudflare: %w", ch.Summary, err)
		}
	}
	return p, nil
}

// SCIMCounts returns how many SCIM users and groups Cloudflare holds for an
// IdP (the total when the API reports one, else what one page shows). Both
// lists are read at once.
func (c *Client) SCIMCounts(ctx context.Context, accountID, idpID string) (users, groups int, err error) {
	var uErr, gErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		u, err := c.sdk.ZeroTrust.IdentityProviders.SCIM.Users.List(ctx, idpID, zero_trust.IdentityProviderSCIMUserListParams{
			AccountID: cf.F(accountID), PerPage: cf.F(int64(100)),
		})
		if uErr = wrap("list SCIM users", err); uErr == nil {
			users = total(u.JSON.RawJSON(), len(u.Result))
		}
	}()
	go func() {
		defer wg.Done()
		g, err := c.sdk.ZeroTrust.IdentityProviders.SCIM.Groups.List(ctx, idpID, zero_trust.IdentityProviderSCIMGroupListParams{
			AccountID: cf.F(accountID), PerPage: cf.F(int64(100)),
		})
		if gErr = wrap("list SCIM groups", err); gErr == nil {
			groups = total(g.JSON.RawJSON(), len(g.Result))
		}
	}()
	wg.Wait()
	if uErr != nil {
		return 0, 0, uErr
	}
	return users, groups, gErr
}

func total(raw string, n int) int {
	var env struct {
		ResultInfo struct {
			TotalCount *int `json:"total_count"`
		} `json:"result_info"`
	}
	if json.Unmarshal([]byte(raw), &env) == nil && env.ResultInfo.TotalCount != nil {
		return *env.ResultInfo.TotalCount
	}
	return n
}

// SCIMLogs returns the newest SCIM update log entries of an IdP.
func (c *Client) SCIMLogs(ctx context.Context, accountID, idpID string, limit int) ([]SCIMLogEntry, error) {
	res, err := c.sdk.ZeroTrust.Access.Logs.SCIM.Updates.List(ctx, zero_trust.AccessLogSCIMUpdateListParams{
		AccountID: cf.F(accountID),
		IdPID:     cf.F([]string{idpID}),
		Direction: cf.F(zero_trust.AccessLogSCIMUpdateListParamsDirectionDesc),
		PerPage:   cf.F(int64(limit)),
	})
	if err != nil {
		return nil, wrap("read the SCIM update logs", err)
	}
	out := make([]SCIMLogEntry, 0, len(res.Result))
	for _, e := range res.Result {
		out = append(out, SCIMLogEntry{
			LoggedAt: e.LoggedAt, Status: e.Status, RequestMethod: e.RequestMethod,
			ResourceType: e.ResourceType, ResourceUserEmail: e.ResourceUserEmail,
			ResourceGroupName: e.ResourceGroupName, ErrorDescription: e.ErrorDescription,
		})
	}
	return out, nil
}

// IdPPath is the API path of the account's identity providers, or of one.
func IdPPath(accountID string, id ...string) string {
	p := "/accounts/" + url.PathEscape(accountID) + "/access/identity_providers"
	for _, s := range id {
		p += "/" + url.PathEscape(s)
	}
	return p
}
