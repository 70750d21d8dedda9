// Package cfapi is an in-process fake of the parts of the Cloudflare API that
// jcaccess uses: token verification, account discovery, the Zero Trust
// organization, Access identity providers (with SCIM), the SCIM resource and
// SCIM update-log reads, plus the team-domain endpoints (/cdn-cgi/access/certs,
// a SCIM v2 server at /scim/<idp id>/..., and Access as a SAML service
// provider: the IdP "Test" page and the /cdn-cgi/access/callback ACS, see
// saml.go). Snapshot and Restore persist the state (snapshot.go).
//
// Everything is served by one http.Handler on one host: the API under
// /client/v4 and the team-domain routes at the root. With
// Options.CheckRequest set (tests plug in package openapicheck, which
// validates against Cloudflare's OpenAPI excerpt), API requests it rejects are
// recorded as violations and answered with 400.
//
// The fake answers like the real API where the reference
// (docs/reference/cloudflare-api.md) documents it. Where it does not,
// each choice is marked "GUESS" in a comment.
package cfapi

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configures a Server.
type Options struct {
	// AccountID is the one account the fake knows (32 lowercase hex). Empty
	// generates one.
	AccountID string
	// AccountName is the account's name (also used as the organization's name).
	// Empty means "Sandbox Account".
	AccountName string
	// AuthDomain is the Zero Trust organization's auth_domain, e.g.
	// "acme.cloudflareaccess.com". StartTLS sets it to the listener's
	// host:port when empty. While it is empty the organization read answers
	// 404 (no Zero Trust organization).
	AuthDomain string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// CheckRequest, when set, judges each authorized API request (body
	// already read) before it is served; an error is recorded as a
	// violation and answered 400. It is a hook rather than built in so that
	// the schema validation (openapicheck.New) is linked into tests only.
	CheckRequest func(r *http.Request, body []byte) error
	// RefreshSCIMSecret serves POST .../identity_providers/{id}/refresh_scim_secret.
	// Off by default: the endpoint appears only inside a field description
	// of the API reference (no documented operation, method or answer), so
	// the sandbox answers it as Cloudflare answers unknown routes (404,
	// code 7000) and jcaccess must guide the dashboard's Regenerate Secret.
	RefreshSCIMSecret bool
}

// Request is one request the Server received.
type Request struct {
	Method        string
	Host          string
	Path          string
	RawQuery      string
	Body          []byte
	Authorization string // the raw header value (this is a test fake)
}

// Fault describes a failure to inject into the next matching request(s).
type Fault struct {
	Method     string        // "" matches any method
	PathSuffix string        // matched against the end of the URL path; "" matches any
	Times      int           // how many matching requests it affects (0 means 1)
	Status     int           // answer with this status (e.g. 429, 500, 503)
	RetryAfter int           // seconds; sets Retry-After on the answer
	Latency    time.Duration // wait this long first; with Status 0 and no Drop, then answer normally
	Drop       bool          // close the connection without a complete answer (the client sees a transport error)
	AfterApply bool          // perform the request's effect first, then wait Latency, then fail (Status or Drop) or answer
	Skip       int           // let this many matching requests through before the fault applies
}

// Server is the fake Cloudflare API. Create it with New.
type Server struct {
	accountID   string
	accountName string
	now         func() time.Time
	createdOn   time.Time
	check       func(r *http.Request, body []byte) error
	refresh     bool // Options.RefreshSCIMSecret
	mux         *http.ServeMux

	certsOnce sync.Once
	certKey   *rsa.PrivateKey
	certDER   []byte
	certErr   error

	mu         sync.Mutex
	authDomain string
	tokens     map[string]*token
	idps       []*idpRecord
	requests   []Request
	violations []string
	faults     []*pendingFault
	latency    time.Duration
	logSeq     int

	logins        []Login                  // responses posted to the Access callback (saml.go)
	authnRequests map[string]authnRequest  // AuthnRequest ID -> the test it started (saml.go)
	sessions      map[string]accessSession // CF_Authorization cookie -> session (launcher.go); not saved
}

type pendingFault struct {
	Fault
	left int
	skip int
}

// New returns a Server with no tokens and no identity providers.
func New(opts Options) *Server {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		accountID:   opts.AccountID,
		accountName: opts.AccountName,
		now:         func() time.Time { return now().UTC() },
		check:       opts.CheckRequest,
		refresh:     opts.RefreshSCIMSecret,
		authDomain:  opts.AuthDomain,
		tokens:      map[string]*token{},

		authnRequests: map[string]authnRequest{},
	}
	if s.accountID == "" {
		s.accountID = randomHex(16)
	}
	if s.accountName == "" {
		s.accountName = "Sandbox Account"
	}
	s.createdOn = s.now().Add(-365 * 24 * time.Hour).Truncate(time.Second)
	s.mux = s.routes()
	return s
}

// AccountID returns the account ID the fake serves.
func (s *Server) AccountID() string { return s.accountID }

// SetAuthDomain changes the organization's auth_domain (the team domain).
func (s *Server) SetAuthDomain(domain string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authDomain = domain
}

// AuthDomain returns the organization's auth_domain.
func (s *Server) AuthDomain() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authDomain
}

// Handler returns the http.Handler serving the API and the team-domain routes.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// StartTLS starts an httptest TLS server for s and returns it; the caller
// closes it. If s has no AuthDomain yet, it is set to the listener's
// host:port. The returned server's Client() trusts its certificate. Point the
// SDK at URL+"/client/v4/".
func StartTLS(s *Server) *httptest.Server {
	ts := httptest.NewUnstartedServer(s.Handler())
	// Dropped connections and aborted handshakes are expected in fault tests.
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	s.mu.Lock()
	if s.authDomain == "" {
		s.authDomain = ts.Listener.Addr().String()
	}
	s.mu.Unlock()
	return ts
}

// Requests returns every request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// MutatingRequests returns the POST, PUT, PATCH and DELETE requests to the
// API (/client/v4/...), in order.
func (s *Server) MutatingRequests() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if isMutating(r.Method) && strings.HasPrefix(r.Path, apiBasePath+"/") {
			out = append(out, r)
		}
	}
	return out
}

// Violations returns the requests Options.CheckRequest rejected, each as
// "METHOD path: error".
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// SetLatency delays every request by d, like a far-away API (benchmarks
// measure how many round trips a run needs).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// checkRequest runs Options.CheckRequest, if any.
func (s *Server) checkRequest(r *http.Request, body []byte) error {
	if s.check == nil {
		return nil
	}
	return s.check(r, body)
}

// sleepCtx waits d unless the client goes away first.
func sleepCtx(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// Fault queues f. Each request takes the first queued fault that matches it.
func (s *Server) Fault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	left := f.Times
	if left <= 0 {
		left = 1
	}
	s.faults = append(s.faults, &pendingFault{Fault: f, left: left, skip: f.Skip})
}

func isMutating(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// maxBody bounds how much of a request body the fake reads.
const maxBody = 8 << 20

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, maxBody))
		_ = r.Body.Close()
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method:        r.Method,
		Host:          r.Host,
		Path:          r.URL.Path,
		RawQuery:      r.URL.RawQuery,
		Body:          bytes.Clone(body),
		Authorization: r.Header.Get("Authorization"),
	})
	f := s.takeFault(r)
	latency := s.latency
	s.mu.Unlock()
	if latency > 0 && !sleepCtx(r, latency) {
		return
	}

	if f == nil {
		s.mux.ServeHTTP(w, r)
		return
	}
	// With AfterApply the effect happens first and the answer is delayed:
	// the client cannot know whether its request took effect.
	var applied *httptest.ResponseRecorder
	if f.AfterApply {
		applied = httptest.NewRecorder()
		s.mux.ServeHTTP(applied, r)
	}
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch {
	case f.Drop:
		dropConnection(w)
	case f.Status != 0:
		writeFault(w, r, f.Fault)
	case applied != nil:
		copyRecorded(w, applied)
	default:
		s.mux.ServeHTTP(w, r)
	}
}

// takeFault pops the first queued fault matching r. s.mu must be held.
func (s *Server) takeFault(r *http.Request) *pendingFault {
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.PathSuffix != "" && !strings.HasSuffix(r.URL.Path, f.PathSuffix) {
			continue
		}
		if f.skip > 0 {
			f.skip--
			continue
		}
		f.left--
		if f.left <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}

// dropConnection closes the connection mid-answer. It sends a partial status
// line first: Go's http.Transport silently retries an idempotent request
// whose reused connection closes before any byte arrives, which would make
// a dropped GET invisible to the client.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_, _ = conn.Write([]byte("HTTP/1.1 "))
			_ = conn.Close()
			return
		}
	}
	// HTTP/2 or no hijacking: abort the response without writing anything.
	panic(http.ErrAbortHandler)
}

func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// writeFault answers an injected failure in the style of the route it hit.
func writeFault(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	if strings.HasPrefix(r.URL.Path, "/scim/") {
		writeSCIMError(w, f.Status, "", http.StatusText(f.Status))
		return
	}
	// GUESS: 971 is the code Cloudflare's API rate limiter answers with
	// ("Please wait and consider throttling your request speed"). Other
	// injected statuses get an arbitrary internal-error code.
	msg := apiMessage{Code: 7500, Message: http.StatusText(f.Status)}
	if f.Status == http.StatusTooManyRequests {
		msg = apiMessage{Code: 971, Message: "Please wait and consider throttling your request speed"}
	}
	writeJSON(w, f.Status, failure(msg))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONType(w, status, "application/json", v)
}

func writeJSONType(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"success":false,"errors":[{"code":7500,"message":"encoding failed"}],"messages":[],"result":null}`)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// signingCert returns the team domain's signing key and self-signed certificate,
// generated on first use.
func (s *Server) signingCert() (*rsa.PrivateKey, *x509.Certificate, error) {
	s.certsOnce.Do(func() { s.certKey, s.certDER, s.certErr = newSigningCert(s.now()) })
	if s.certErr != nil {
		return nil, nil, s.certErr
	}
	cert, err := x509.ParseCertificate(s.certDER)
	return s.certKey, cert, err
}
