package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"jcaccess/model"
)

// DefaultBaseURL is the production API.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4/"

// maxAnswer bounds what one answer may occupy in memory; an identity
// provider list page is a few hundred KB at most. Reading stops here, so an
// endless answer (a broken proxy, a wrong CLOUDFLARE_BASE_URL) costs a few
// MiB, not the machine's memory.
const maxAnswer = 4 << 20

// maxRetryWait caps how long one retry waits, whatever Retry-After says.
const maxRetryWait = 30 * time.Second

// Config says how to reach the API.
type Config struct {
	Token      model.Secret
	BaseURL    string       // "" means DefaultBaseURL
	HTTPClient *http.Client // carries the TLS roots; nil means http.DefaultClient
	// ReadOnly makes the client refuse every request that is not a GET, in
	// the client itself, so plan and check cannot change anything whatever a
	// step asks for.
	ReadOnly bool
	// Retries for reads and idempotent writes. Creates are never retried: a
	// create whose answer was lost is found and adopted instead.
	Retries int
	// Timeout of one HTTP attempt (default 20 s).
	Timeout time.Duration
	// Deadline bounds one call with all its retries and waits (default
	// 45 s): a retry that would end after it is not made.
	Deadline time.Duration
}

// Client talks to one Cloudflare API endpoint with one token.
type Client struct {
	base *url.URL
	// baseErr is why base cannot be used (not a URL, or plain http off
	// loopback): every request then fails with it, before any I/O.
	baseErr  error
	hc       *http.Client
	token    model.Secret
	readOnly bool
	retries  int
	timeout  time.Duration
	deadline time.Duration
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
	u, baseErr := url.Parse(base)
	if baseErr != nil {
		baseErr = fmt.Errorf("the Cloudflare base URL is not a valid URL: %w", baseErr)
	} else {
		baseErr = checkScheme(u)
	}
	hc := http.DefaultClient
	if cfg.HTTPClient != nil {
		hc = cfg.HTTPClient
	}
	// The token is in every request's header: follow no redirect at all,
	// so it never goes to another scheme, host or port. The 3xx answer
	// comes back as an error naming where it pointed.
	own := *hc
	own.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	deadline := cfg.Deadline
	if deadline <= 0 {
		deadline = 45 * time.Second
	}
	return &Client{base: u, baseErr: baseErr, hc: &own, token: cfg.Token, readOnly: cfg.ReadOnly, retries: max(cfg.Retries, 0), timeout: timeout, deadline: deadline}
}

// ReadOnly reports whether the client refuses writes.
func (c *Client) ReadOnly() bool { return c.readOnly }

// VerifyToken asks both verify endpoints, account first (account-owned
// tokens are what the dashboard now recommends), then user.
func (c *Client) VerifyToken(ctx context.Context, accountID string) (TokenStatus, error) {
	var res struct {
		Result struct {
			ID        string   `json:"id"`
			Status    string   `json:"status"`
			ExpiresOn jsonTime `json:"expires_on"`
		} `json:"result"`
	}
	var firstErr error
	if accountID != "" {
		err := c.get(ctx, accountPath(accountID, "tokens/verify"), nil, &res)
		if err == nil {
			return TokenStatus{ID: res.Result.ID, Status: res.Result.Status, ExpiresOn: time.Time(res.Result.ExpiresOn), Owner: "account"}, nil
		}
		firstErr = err
	}
	err := c.get(ctx, "user/tokens/verify", nil, &res)
	if err == nil {
		return TokenStatus{ID: res.Result.ID, Status: res.Result.Status, ExpiresOn: time.Time(res.Result.ExpiresOn), Owner: "user"}, nil
	}
	if firstErr != nil && StatusOf(err) == StatusOf(firstErr) {
		return TokenStatus{}, wrap("verify the API token", firstErr)
	}
	return TokenStatus{}, wrap("verify the API token", err)
}

// Accounts lists the accounts the token can see, for account ID discovery.
func (c *Client) Accounts(ctx context.Context) ([]Account, error) {
	var out []Account
	for page := 1; ; page++ {
		var res struct {
			Result []Account `json:"result"`
		}
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {"50"}}
		if err := c.get(ctx, "accounts", q, &res); err != nil {
			return nil, wrap("list accounts", err)
		}
		out = append(out, res.Result...)
		if len(res.Result) < 50 {
			return out, nil
		}
	}
}

// Organization reads the Zero Trust organization (one object, not a list).
func (c *Client) Organization(ctx context.Context, accountID string) (Organization, error) {
	var res struct {
		Result struct {
			AuthDomain string `json:"auth_domain"`
			Name       string `json:"name"`
			// Some accounts are reported to answer "domain" instead.
			Domain string `json:"domain"`
		} `json:"result"`
	}
	if err := c.get(ctx, accountPath(accountID, "access/organizations"), nil, &res); err != nil {
		return Organization{}, wrap("read the Zero Trust organization", err)
	}
	org := Organization{AuthDomain: res.Result.AuthDomain, Name: res.Result.Name}
	if org.AuthDomain == "" {
		org.AuthDomain = res.Result.Domain
	}
	return org, nil
}

const idpPageSize = 200

// ListIdPs returns every identity provider of the account. Non-SAML ones
// come back with only ID, Name and Type meaningful.
func (c *Client) ListIdPs(ctx context.Context, accountID string) ([]IdP, error) {
	var out []IdP
	for page := 1; ; page++ {
		var res struct {
			Result []json.RawMessage `json:"result"`
		}
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(idpPageSize)}}
		if err := c.get(ctx, IdPPath(accountID), q, &res); err != nil {
			return nil, wrap("list identity providers", err)
		}
		for _, item := range res.Result {
			var p IdP
			if err := json.Unmarshal(item, &p); err != nil {
				// Another type's config may not fit SAMLConfig; keep what identifies it.
				var id struct{ ID, Name, Type string }
				_ = json.Unmarshal(item, &id)
				p = IdP{ID: id.ID, Name: id.Name, Type: id.Type}
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
	var res struct {
		Result json.RawMessage `json:"result"`
	}
	if err := c.get(ctx, IdPPath(accountID, id), nil, &res); err != nil {
		return IdP{}, wrap("read identity provider "+id, err)
	}
	var p IdP
	if err := json.Unmarshal(res.Result, &p); err != nil {
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
	retries := c.retries
	if ch.Method == http.MethodPost {
		// A retried POST can create twice; callers look for the IdP instead.
		retries = 0
	}
	raw, err := c.do(ctx, ch.Method, ch.Path, nil, ch.Body, retries)
	if err != nil {
		return IdP{}, wrap(ch.Summary, err)
	}
	var env struct {
		Result json.RawMessage `json:"result"`
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
	count := func(kind string, n *int) error {
		var res struct {
			Result     []json.RawMessage `json:"result"`
			ResultInfo struct {
				TotalCount *int `json:"total_count"`
			} `json:"result_info"`
		}
		q := url.Values{"per_page": {"100"}}
		if err := c.get(ctx, IdPPath(accountID, idpID, "scim", kind), q, &res); err != nil {
			return wrap("list SCIM "+kind, err)
		}
		*n = len(res.Result)
		if res.ResultInfo.TotalCount != nil {
			*n = *res.ResultInfo.TotalCount
		}
		return nil
	}
	var uErr, gErr error
	var wg sync.WaitGroup
	wg.Go(func() { uErr = count("users", &users) })
	wg.Go(func() { gErr = count("groups", &groups) })
	wg.Wait()
	if uErr != nil {
		return 0, 0, uErr
	}
	return users, groups, gErr
}

// SCIMLogs returns the newest SCIM update log entries of an IdP.
func (c *Client) SCIMLogs(ctx context.Context, accountID, idpID string, limit int) ([]SCIMLogEntry, error) {
	var res struct {
		Result []struct {
			LoggedAt          jsonTime `json:"logged_at"`
			Status            string   `json:"status"`
			RequestMethod     string   `json:"request_method"`
			ResourceType      string   `json:"resource_type"`
			ResourceUserEmail string   `json:"resource_user_email"`
			ResourceGroupName string   `json:"resource_group_name"`
			ErrorDescription  string   `json:"error_description"`
			RequestBody       string   `json:"request_body"`
		} `json:"result"`
	}
	q := url.Values{"idp_id": {idpID}, "direction": {"desc"}, "per_page": {strconv.Itoa(limit)}}
	if err := c.get(ctx, accountPath(accountID, "access/logs/scim/updates"), q, &res); err != nil {
		return nil, wrap("read the SCIM update logs", err)
	}
	out := make([]SCIMLogEntry, 0, len(res.Result))
	for _, e := range res.Result {
		out = append(out, SCIMLogEntry{
			LoggedAt: time.Time(e.LoggedAt), Status: e.Status, RequestMethod: e.RequestMethod,
			ResourceType: e.ResourceType, ResourceUserEmail: e.ResourceUserEmail,
			ResourceGroupName: e.ResourceGroupName, ErrorDescription: e.ErrorDescription,
			RequestBody: e.RequestBody,
		})
	}
	return out, nil
}

// IdPPath is the API path of the account's identity providers, or of one.
func IdPPath(accountID string, id ...string) string {
	return accountPath(accountID, "access/identity_providers", id...)
}

func accountPath(accountID, rest string, segments ...string) string {
	p := "/accounts/" + url.PathEscape(accountID) + "/" + rest
	for _, s := range segments {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// get reads path and decodes the whole answer into into.
func (c *Client) get(ctx context.Context, path string, q url.Values, into any) error {
	raw, err := c.do(ctx, http.MethodGet, path, q, nil, c.retries)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("unexpected answer from Cloudflare: %w", err)
	}
	return nil
}

// do sends one request, retrying what is safe to retry, and returns the body
// of a 2xx answer. Any other answer becomes a *statusError.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body []byte, retries int) ([]byte, error) {
	if c.readOnly && method != http.MethodGet && method != http.MethodHead {
		return nil, fmt.Errorf("%s %s: %w", method, path, ErrReadOnly)
	}
	if c.baseErr != nil {
		return nil, c.baseErr
	}
	u, err := c.base.Parse(strings.TrimLeft(path, "/"))
	if err != nil {
		return nil, err
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	ctx, cancel := context.WithTimeout(ctx, c.deadline)
	defer cancel()
	for attempt := 0; ; attempt++ {
		raw, res, err := c.attempt(ctx, method, u.String(), body)
		if err == nil {
			return raw, nil
		}
		if attempt >= retries || !shouldRetry(res, err) {
			return nil, err
		}
		wait := retryDelay(res, attempt)
		if end, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(end) {
			// The retry could not finish in time: say what the last answer was.
			return nil, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// checkScheme refuses to send the token anywhere but https, or plain http
// on loopback (a local sandbox).
func checkScheme(u *url.URL) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && model.LoopbackHost(u.Hostname()):
		return nil
	}
	return fmt.Errorf("refused to send the API token to %s://%s: only https is allowed (plain http only on loopback, for a local sandbox); fix CLOUDFLARE_BASE_URL", u.Scheme, u.Host)
}

// attempt is one HTTP exchange under the per-attempt timeout. res is set
// when an answer came, for the retry decision.
func (c *Client) attempt(ctx context.Context, method, u string, body []byte) ([]byte, *http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token.Reveal())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "jcaccess")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			// Say "deadline exceeded" or "canceled", not the URL.
			return nil, nil, ctx.Err()
		}
		return nil, nil, err
	}
	defer res.Body.Close()
	raw, err := model.ReadCapped(ctx, res.Body, maxAnswer)
	switch {
	case errors.Is(err, model.ErrTooLarge):
		return nil, res, fmt.Errorf("the answer is larger than %d MiB (reading stopped there); is CLOUDFLARE_BASE_URL the Cloudflare API?", maxAnswer>>20)
	case ctx.Err() != nil:
		return nil, nil, ctx.Err()
	case err != nil:
		return nil, nil, fmt.Errorf("reading the answer: %w", err)
	case res.StatusCode >= 300 && res.StatusCode < 400:
		se := newStatusError(res.StatusCode, nil)
		se.location = res.Header.Get("Location")
		return nil, res, se
	case res.StatusCode >= 400:
		return nil, res, newStatusError(res.StatusCode, raw)
	}
	return raw, res, nil
}

// shouldRetry follows Cloudflare's SDKs: transport failures, 408, 409, 429
// and 5xx are retried unless the server says otherwise in x-should-retry.
func shouldRetry(res *http.Response, err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if res == nil {
		return true
	}
	if res.StatusCode >= 300 && res.StatusCode < 400 {
		return false
	}
	switch res.Header.Get("x-should-retry") {
	case "true":
		return true
	case "false":
		return false
	}
	s := res.StatusCode
	return s == http.StatusRequestTimeout || s == http.StatusConflict || s == http.StatusTooManyRequests || s >= 500
}

// retryDelay honours Retry-After-Ms and Retry-After (seconds or a date),
// else backs off exponentially with jitter, as the SDK did.
func retryDelay(res *http.Response, attempt int) time.Duration {
	if res != nil {
		if v, err := strconv.ParseFloat(res.Header.Get("Retry-After-Ms"), 64); err == nil {
			return clampWait(v * float64(time.Millisecond))
		}
		ra := res.Header.Get("Retry-After")
		if v, err := strconv.ParseFloat(ra, 64); err == nil {
			return clampWait(v * float64(time.Second))
		}
		if t, err := http.ParseTime(ra); err == nil {
			return clampWait(float64(time.Until(t)))
		}
	}
	d := min(2*time.Second<<min(attempt, 5), maxRetryWait)
	return d - time.Duration(rand.Int64N(int64(d/4)))
}

// clampWait bounds a server-chosen wait to [0, maxRetryWait].
func clampWait(ns float64) time.Duration {
	if !(ns > 0) {
		return 0
	}
	return time.Duration(min(ns, float64(maxRetryWait)))
}

// jsonTime is a time the API may leave empty or null.
type jsonTime time.Time

func (t *jsonTime) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil || s == "" {
		return nil
	}
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		*t = jsonTime(v)
	}
	return nil
}
