// Package jumpcloud is the JumpCloud admin API client jcaccess needs: find,
// read, create and update the Cloudflare Access SSO application, bind user
// groups to it and fetch its metadata (docs/reference/jumpcloud-api.md).
//
// Application objects stay raw JSON: PUT replaces the whole object (§6), so
// what jcaccess does not understand must go back exactly as it came. Every
// application answer may hold the IdP's private key (§6): it lives in memory
// only and is never logged, printed, stored or put in an error.
package jumpcloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"jcaccess/model"
	"jcaccess/steps/samlmeta"
)

// Console hosts of the two regions (docs/reference/jumpcloud-api.md §2).
// jcaccess appends /api/... and /api/v2/... itself, as JumpCloud's SDKs
// parameterise the host rather than the path.
const (
	USBaseURL = "https://console.jumpcloud.com"
	EUBaseURL = "https://console.eu.jumpcloud.com"
)

// RegionBaseURL returns the console host of a region: "us" (or "") or "eu".
func RegionBaseURL(region string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(region)) {
	case "", "us":
		return USBaseURL, nil
	case "eu":
		return EUBaseURL, nil
	}
	return "", fmt.Errorf("JumpCloud region %q is not known: use us (console.jumpcloud.com) or eu (console.eu.jumpcloud.com), the region your admin console is in", model.Printable(region))
}

// maxAnswer bounds one answer in memory: a page of 100 applications with
// their certificates is a few hundred KB. Reading stops here, so a wrong
// JUMPCLOUD_BASE_URL or a broken proxy costs a few MiB, not the machine.
const maxAnswer = 8 << 20

// maxRetryWait caps one wait before a retry, whatever Retry-After says.
const maxRetryWait = 30 * time.Second

// pageSize is the page size of every list: V2 lists are "Limited to 100"
// and V1's shared limit trait says the same; /applications declares no
// maximum, so 100 is the safe choice (§3).
const pageSize = 100

// Options say how to reach the API.
type Options struct {
	// BaseURL is the console host (USBaseURL, EUBaseURL, or a test
	// server's https://127.0.0.1:PORT); "" means USBaseURL.
	BaseURL string
	Key     model.Secret
	// OrgID is sent as x-org-id; a multi-tenant admin must set it (§1).
	OrgID string
	// HTTP carries the trust roots; nil means http.DefaultClient. Its
	// redirect policy is replaced: the client follows none.
	HTTP *http.Client
	// ReadOnly refuses every request that is not a GET, in the client
	// itself: plan, check and a dry run cannot write whatever a step asks.
	ReadOnly bool
	// Retries of a request answered 429 (or a GET answered 503), default
	// 3. Other failures are not retried (see retryable).
	Retries int
	// Timeout of one HTTP attempt (default 20 s); Deadline of one call with
	// all its retries (default 60 s).
	Timeout, Deadline time.Duration
	// Sleep waits before a retry; tests replace it. nil waits for real,
	// cancelled with the context.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client talks to one JumpCloud console with one API key.
type Client struct {
	base     *url.URL
	hc       *http.Client
	key      model.Secret
	orgID    string
	readOnly bool
	retries  int
	timeout  time.Duration
	deadline time.Duration
	sleep    func(context.Context, time.Duration) error
}

// ErrReadOnly is returned when a read-only client is asked to write.
var ErrReadOnly = errors.New("refused: this run is read-only (plan, check or dry run) and sends nothing to JumpCloud but GETs")

// New builds a client. It checks the base URL (https, or plain http on
// loopback only) and the key; it reads no environment: the command layer
// decides where they come from.
func New(o Options) (*Client, error) {
	base := strings.TrimRight(strings.TrimSpace(o.BaseURL), "/")
	if base == "" {
		base = USBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("JUMPCLOUD_BASE_URL %q is not a URL: set it to the console host, %s (US) or %s (EU)", model.Printable(base), USBaseURL, EUBaseURL)
	}
	if u.Path != "" || u.RawQuery != "" {
		return nil, fmt.Errorf("JUMPCLOUD_BASE_URL %q has a path or query: give the console host only (e.g. %s); jcaccess adds /api itself", model.Printable(base), USBaseURL)
	}
	if !(u.Scheme == "https" || u.Scheme == "http" && model.LoopbackHost(u.Hostname())) {
		return nil, fmt.Errorf("refused to send the JumpCloud API key to %s://%s: only https is allowed (plain http only on loopback, for a local sandbox); fix JUMPCLOUD_BASE_URL", model.Printable(u.Scheme), model.Printable(u.Host))
	}
	if o.Key.IsZero() {
		return nil, errors.New("the JumpCloud API key is empty: create one in the admin console (your name, top right > My API Key; API access must be enabled by a Billing admin) and set JUMPCLOUD_API_KEY")
	}
	// Re-register the key: a Secret built from a short value, or one made
	// by a zero-value literal, may not be in Scrub's registry yet.
	model.NewSecret(o.Key.Reveal())
	hc := http.DefaultClient
	if o.HTTP != nil {
		hc = o.HTTP
	}
	own := *hc
	// The key rides in every request's header: follow no redirect at all,
	// so it never reaches another scheme, host or port.
	own.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{base: u, hc: &own, key: o.Key, orgID: strings.TrimSpace(o.OrgID), readOnly: o.ReadOnly,
		retries: 3, timeout: 20 * time.Second, deadline: 60 * time.Second, sleep: o.Sleep}
	if o.Retries > 0 {
		c.retries = o.Retries
	}
	if o.Timeout > 0 {
		c.timeout = o.Timeout
	}
	if o.Deadline > 0 {
		c.deadline = o.Deadline
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	return c, nil
}

// ReadOnly reports whether the client refuses writes.
func (c *Client) ReadOnly() bool { return c.readOnly }

// ssoHost is the host of JumpCloud's SSO IdP URLs for this console, from
// the one list of JumpCloud's hosts (samlmeta.JumpCloudSSOHost, which the
// metadata checks accept too; its EU host is unconfirmed). Any other
// console host (a test server, the sandbox) serves its SSO URLs itself.
func (c *Client) ssoHost() string {
	u := *c.base
	if h, ok := samlmeta.JumpCloudSSOHost(u.Hostname()); ok {
		u.Host = h
		if p := u.Port(); p != "" {
			u.Host += ":" + p
		}
	}
	u.Path, u.RawQuery = "", ""
	return u.String()
}

// BaseURL is the console host the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// request is one call: op says what jcaccess was doing, for the error.
type request struct {
	op     string
	method string
	path   string // from the host: /api/... or /api/v2/...
	query  url.Values
	body   []byte
	accept string // "" means application/json
}

// do sends one request and returns the body of a 2xx answer, retrying
// what retryable allows after Retry-After (or a bounded backoff); JumpCloud
// publishes no rate limit (docs §3), so the wait is the server's word,
// capped. Any failure comes back as an *APIError.
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	if c.readOnly && r.method != http.MethodGet {
		return nil, &APIError{Op: r.op, Kind: KindReadOnly, err: ErrReadOnly}
	}
	u := *c.base
	u.Path = r.path
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	ctx, cancel := context.WithTimeout(ctx, c.deadline)
	defer cancel()
	for attempt := 0; ; attempt++ {
		raw, res, err := c.attempt(ctx, r, u.String())
		if err == nil {
			return raw, nil
		}
		if !retryable(r.method, res) || attempt >= c.retries {
			return nil, c.newAPIError(r.op, res, raw, err, attempt)
		}
		wait := retryDelay(res, attempt)
		if end, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(end) {
			return nil, c.newAPIError(r.op, res, raw, err, attempt)
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return nil, c.newAPIError(r.op, nil, nil, serr, attempt)
		}
	}
}

// retryable: 429 says the request was refused before anything happened,
// so any method is sent again; 503 may come from a proxy after JumpCloud
// acted, so only a GET is. Transport failures are not retried: a write
// whose answer was lost may have happened, and a read is cheap to run
// again by hand.
func retryable(method string, res *http.Response) bool {
	if res == nil {
		return false
	}
	return res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable && method == http.MethodGet
}

// attempt is one HTTP exchange under the per-attempt timeout. res is set
// when an answer came; raw then holds its (capped) body, also for errors.
func (c *Client) attempt(ctx context.Context, r request, u string) ([]byte, *http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("x-api-key", c.key.Reveal())
	if c.orgID != "" {
		req.Header.Set("x-org-id", c.orgID)
	}
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "jcaccess")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			// Say "deadline exceeded" or "canceled", not the URL.
			return nil, nil, ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			// The URL carries no secret, but the error's own text
			// is enough and shorter.
			return nil, nil, ue.Err
		}
		return nil, nil, err
	}
	defer res.Body.Close()
	raw, err := model.ReadCapped(ctx, res.Body, maxAnswer)
	switch {
	case errors.Is(err, model.ErrTooLarge):
		return nil, res, fmt.Errorf("the answer is larger than %d MiB (reading stopped there); is JUMPCLOUD_BASE_URL the JumpCloud console?", maxAnswer>>20)
	case ctx.Err() != nil:
		return nil, nil, ctx.Err()
	case err != nil:
		return nil, nil, fmt.Errorf("reading the answer: %w", err)
	case res.StatusCode >= 300:
		return raw, res, errStatus
	}
	return raw, res, nil
}

// errStatus marks an answer other than 2xx; newAPIError tells it apart.
var errStatus = errors.New("non-2xx answer")

// retryDelay honours Retry-After (seconds or a date), else backs off
// 1 s, 2 s, 4 s..., all capped at maxRetryWait.
func retryDelay(res *http.Response, attempt int) time.Duration {
	ra := res.Header.Get("Retry-After")
	if v, err := strconv.ParseFloat(ra, 64); err == nil {
		return clampWait(v * float64(time.Second))
	}
	if t, err := http.ParseTime(ra); err == nil {
		return clampWait(float64(time.Until(t)))
	}
	return min(time.Second<<min(attempt, 5), maxRetryWait)
}

func clampWait(ns float64) time.Duration {
	if !(ns > 0) {
		return 0
	}
	return time.Duration(min(ns, float64(maxRetryWait)))
}
