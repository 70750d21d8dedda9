// Package openapicheck judges requests to the fake Cloudflare API (package
// cfapi) against the excerpt of Cloudflare's OpenAPI document
// (reference/cloudflare-openapi-excerpt.json, see cloudflare-api.md §10).
//
// Only tests import it: plug New into cfapi.Options.CheckRequest (or
// sandbox.Options.CheckRequest). The schema libraries it uses (kin-openapi,
// santhosh-tekuri/jsonschema) cost several milliseconds of package
// initialisation, which every jcaccess command would pay if the binary linked
// them; a sandbox run by an admin serves requests unchecked.
package openapicheck

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// openAPIExcerpt is the OpenAPI 3.0.3 excerpt of the Cloudflare API requests
// are validated against (a copy of reference/cloudflare-openapi-excerpt.json).
//
//go:embed openapi-excerpt.json
var openAPIExcerpt []byte

// apiBasePath is where the Cloudflare v4 API lives on the fake's single host
// (the excerpt's server is https://api.cloudflare.com/client/v4; the fake
// answers on any host).
const apiBasePath = "/client/v4"

// New returns a check for cfapi.Options.CheckRequest. It answers nil for a
// request that no operation of the excerpt covers (the team-domain routes,
// for example) and the validation error for one that breaks the schema.
//
// Loading the excerpt takes longer than starting a fake, so it runs in the
// background and only the first checked request waits for it. A check is
// read-only once loaded and safe for concurrent requests. It panics if the
// embedded excerpt does not load (a build defect).
func New() func(r *http.Request, body []byte) error {
	loaded := make(chan *validator, 1)
	go func() {
		v, err := newValidator()
		if err != nil {
			panic("openapicheck: " + err.Error())
		}
		loaded <- v
	}()
	v := sync.OnceValue(func() *validator { return <-loaded })
	return func(r *http.Request, body []byte) error {
		_, err := v().validate(r, body)
		return err
	}
}

// validator checks API requests against the embedded excerpt. It is
// read-only once built, so it needs no locking.
type validator struct {
	doc    *openapi3.T
	router routers.Router
}

func newValidator() (*validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIExcerpt)
	if err != nil {
		return nil, fmt.Errorf("load openapi excerpt: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("openapi excerpt is invalid: %w", err)
	}
	// The excerpt's server is https://api.cloudflare.com/client/v4. The fake
	// answers on any host, so match on the base path only.
	doc.Servers = openapi3.Servers{{URL: apiBasePath}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi router: %w", err)
	}
	return &validator{doc: doc, router: router}, nil
}

// validate checks r (whose body has already been read into body) against the
// excerpt. It reports matched=false when no operation of the excerpt matches,
// in which case the request is served without validation.
func (v *validator) validate(r *http.Request, body []byte) (matched bool, err error) {
	// Work on a copy so the validator's body reads and default-setting never
	// touch the request the handlers see.
	req := r.Clone(r.Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.URL = &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	req.Host = ""

	route, pathParams, err := v.router.FindRoute(req)
	if err != nil {
		// routers.ErrPathNotFound or routers.ErrMethodNotAllowed: not an
		// operation of the excerpt.
		return false, nil
	}
	if err := v.validateIdPVariant(route, body); err != nil {
		return true, err
	}
	input := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: pathParams,
		Route:      route,
		Options: &openapi3filter.Options{
			// Authentication is the fake's own job (see auth.go); the
			// excerpt's security schemes are not what is being tested.
			AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
			SkipSettingDefaults:     true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
	}
	if err := openapi3filter.ValidateRequest(r.Context(), input); err != nil {
		return true, fmt.Errorf("%s", oneLine(err.Error()))
	}
	return true, nil
}

// validateIdPVariant checks an identity provider create or update body
// against the excerpt's schema for its "type" (access_saml for "saml", ...).
//
// The request schema is an anyOf over every IdP type whose variants do not
// pin "type", so almost any object with name, type and config passes it (for
// example a SAML config with a numeric issuer_url). Checking the variant
// named by "type" makes such mistakes visible, with a precise message.
func (v *validator) validateIdPVariant(route *routers.Route, body []byte) error {
	if route.Method != http.MethodPost && route.Method != http.MethodPut {
		return nil
	}
	if !strings.HasSuffix(route.Path, "/identity_providers") && !strings.HasSuffix(route.Path, "/identity_providers/{identity_provider_id}") {
		return nil
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return nil // ValidateRequest reports undecodable bodies
	}
	obj, _ := value.(map[string]any)
	typ, _ := obj["type"].(string)
	if typ == "" {
		return nil
	}
	opts := []openapi3.SchemaValidationOption{openapi3.VisitAsRequest(), openapi3.DisableSchemaErrorDetails()}
	ref := v.doc.Components.Schemas["access_"+typ]
	if ref == nil || ref.Value == nil {
		// No variant of its own ("cloudflare") or an unknown type: check the
		// type enum so an unknown type gets a clearer message than the anyOf's.
		base := v.doc.Components.Schemas["access_identity-provider"]
		if base == nil || base.Value == nil || base.Value.Properties["type"] == nil {
			return nil
		}
		if err := base.Value.Properties["type"].Value.VisitJSON(typ, opts...); err != nil {
			return fmt.Errorf("request body has an error: Error at \"/type\": %s", oneLine(err.Error()))
		}
		return nil
	}
	if err := ref.Value.VisitJSON(value, opts...); err != nil {
		msg := strings.TrimPrefix(oneLine(err.Error()), "doesn't match schema due to: ")
		return fmt.Errorf("request body has an error: doesn't match the %q identity provider schema: %s", typ, msg)
	}
	return nil
}

// oneLine flattens a multi-line validation message.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
