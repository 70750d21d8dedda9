// Package jcapicheck judges requests to and responses from a JumpCloud
// admin API (the sandbox's, package jumpcloud) against the excerpt of
// JumpCloud's OpenAPI document, docs/reference/jumpcloud-openapi-excerpt.json
// (jumpcloud-api.md §12).
//
// Only tests import it (like sandbox/cfapi/openapicheck, and for the same
// reason: the schema libraries' package initialisation would slow every
// jcaccess command). Wrap a test's HTTP client with Transport and every
// exchange is checked; violations go to the test's Errorf.
package jcapicheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// ExcerptPath is where the repository keeps the excerpt; tests read it
// from there, so a change to the reference is a change to what is tested.
func ExcerptPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "docs", "reference", "jumpcloud-openapi-excerpt.json")
}

// Validator checks exchanges against the excerpt. It is read-only once
// built and safe for concurrent use.
type Validator struct {
	doc      *openapi3.T
	router   routers.Router
	errorRef *openapi3.SchemaRef
}

var (
	loadOnce sync.Once
	loaded   *Validator
	loadErr  error
)

// Load returns the validator for the repository's excerpt (loaded once
// per test binary: it takes longer than a test).
func Load() (*Validator, error) {
	loadOnce.Do(func() {
		b, err := os.ReadFile(ExcerptPath())
		if err != nil {
			loadErr = err
			return
		}
		loaded, loadErr = New(b)
	})
	return loaded, loadErr
}

// New builds a validator from the excerpt's bytes. The excerpt's V1
// operations sit under the top-level servers (…/api) and its V2 ones carry
// path-level servers (…/api/v2); the validator serves both from one router
// rooted at /api, whatever the host, by moving the V2 paths under /v2.
func New(excerpt []byte) (*Validator, error) {
	doc, err := openapi3.NewLoader().LoadFromData(excerpt)
	if err != nil {
		return nil, fmt.Errorf("jcapicheck: load the excerpt: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("jcapicheck: the excerpt is invalid: %w", err)
	}
	paths := openapi3.NewPaths()
	for path, item := range doc.Paths.Map() {
		if len(item.Servers) > 0 && strings.HasSuffix(strings.TrimRight(item.Servers[0].URL, "/"), "/api/v2") {
			item.Servers = nil
			path = "/v2" + path
		}
		paths.Set(path, item)
	}
	doc.Paths = paths
	doc.Servers = openapi3.Servers{{URL: "/api"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("jcapicheck: router: %w", err)
	}
	errRef := doc.Components.Schemas["Error"]
	if errRef == nil {
		return nil, fmt.Errorf("jcapicheck: the excerpt has no Error schema")
	}
	return &Validator{doc: doc, router: router, errorRef: errRef}, nil
}

// Check validates one exchange. matched is false when no operation of the
// excerpt covers the request (the undocumented metadata.xml, an unknown
// path): nothing can be checked then.
func (v *Validator) Check(r *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) (matched bool, err error) {
	req := r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	req.ContentLength = int64(len(reqBody))
	req.URL = &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	req.Host = ""
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return false, nil
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			// Authentication is what the server under test decides.
			AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
			SkipSettingDefaults:     true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
	}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	switch invalid := expectsInvalid(r.Context()); {
	case reqErr != nil && !invalid:
		return true, fmt.Errorf("request %s %s: %s", r.Method, r.URL.Path, oneLine(reqErr.Error()))
	case reqErr == nil && invalid:
		return true, fmt.Errorf("request %s %s: meant to break the excerpt's schema, but it conforms: the test does not test what it says", r.Method, r.URL.Path)
	}
	declared := route.Operation.Responses.Status(status) != nil
	if status >= 300 && !declared {
		// The excerpt declares few error responses; every error must still
		// be JumpCloud's Error object (jumpcloud-api.md §3).
		return true, v.checkError(r, status, header, respBody)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus:   true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
	}
	out.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return true, fmt.Errorf("response %d to %s %s: %s", status, r.Method, r.URL.Path, oneLine(err.Error()))
	}
	return true, nil
}

func (v *Validator) checkError(r *http.Request, status int, header http.Header, body []byte) error {
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("response %d to %s %s: Content-Type %q, not JSON", status, r.Method, r.URL.Path, ct)
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("response %d to %s %s: body is not JSON: %v", status, r.Method, r.URL.Path, err)
	}
	if err := v.errorRef.Value.VisitJSON(value, openapi3.VisitAsResponse()); err != nil {
		return fmt.Errorf("response %d to %s %s: not an Error object: %s", status, r.Method, r.URL.Path, oneLine(err.Error()))
	}
	obj, _ := value.(map[string]any)
	if obj["message"] == nil || obj["code"] == nil {
		return fmt.Errorf("response %d to %s %s: the Error object lacks code or message: %s", status, r.Method, r.URL.Path, body)
	}
	return nil
}

type invalidKey struct{}

// ExpectInvalid marks a request a test sends on purpose against the
// excerpt's schema (a malformed body, a missing parameter) to see the
// server refuse it: the check then requires the request to be invalid,
// and still checks the answer is an Error object.
func ExpectInvalid(ctx context.Context) context.Context {
	return context.WithValue(ctx, invalidKey{}, true)
}

func expectsInvalid(ctx context.Context) bool { v, _ := ctx.Value(invalidKey{}).(bool); return v }

// Transport returns a RoundTripper that sends through base and checks
// every exchange, reporting violations to report (a test's Errorf).
// Matched counts the exchanges an operation of the excerpt covered.
func (v *Validator) Transport(base http.RoundTripper, report func(format string, args ...any)) *Transport {
	return &Transport{v: v, base: base, report: report}
}

// Transport is Validator.Transport's RoundTripper.
type Transport struct {
	v      *Validator
	base   http.RoundTripper
	report func(format string, args ...any)

	mu      sync.Mutex
	Matched int
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	var reqBody []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	matched, cerr := t.v.Check(r, reqBody, resp.StatusCode, resp.Header, body)
	if cerr != nil {
		t.report("jcapicheck: %v", cerr)
	}
	if matched {
		t.mu.Lock()
		t.Matched++
		t.mu.Unlock()
	}
	return resp, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
