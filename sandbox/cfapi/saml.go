package cfapi

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// Access as a SAML service provider, on the team domain:
//
//	GET  /cdn-cgi/access/test-idp/{idp id}  the dashboard's "Test" button:
//	                                         an SP-initiated login (AuthnRequest,
//	                                         HTTP-Redirect binding) to the IdP's
//	                                         config.sso_target_url
//	POST /cdn-cgi/access/callback           the ACS URL (SAMLResponse, RelayState)
//	GET  /cdn-cgi/access/saml-metadata      the SP metadata
//
// The SP entity ID and the ACS URL are both
// https://<AuthDomain>/cdn-cgi/access/callback. Responses are verified with
// crewjam/saml's ServiceProvider built from the IdP's stored config: the
// signature against config.idp_public_certs (bare base64 or PEM), the Issuer
// against config.issuer_url, the audience, Destination/Recipient,
// InResponseTo and timing (crewjam's tolerances, on the Server's clock).
// What Access takes from a verified assertion is in identity.go: the email
// from an attribute (never the NameID), the groups, and every attribute the
// login method lists, which the IdP must send.
//
// GUESS: the test page's layout and HTTP statuses (200 on success, 400 on
// failure), the RelayState (the IdP id), and that IdP-initiated responses
// (no InResponseTo) are accepted; the error texts "SAML Verify: Invalid SAML
// response, <reason>" and "Required attributes are missing" are
// Cloudflare's, <reason> is crewjam's; the page adds nothing to them
// (identity.go, refusal).

// Login is one response posted to the Access callback: a successful login
// (Error empty) or a failed one.
type Login struct {
	IdPID      string // "" when no identity provider matched
	Email      string
	Groups     []string
	Attributes map[string][]string // every SAML attribute received, by name
	At         time.Time
	Error      string // the error Cloudflare shows; "" on success
	// Session says the login started an Access session (a sign-in from the
	// App Launcher, launcher.go), not the dashboard's Test page: only such
	// a sign-in creates a Zero Trust user (users.go).
	Session bool `json:",omitempty"`
}

func (l Login) clone() Login {
	l.Groups = slices.Clone(l.Groups)
	if l.Attributes != nil {
		attrs := make(map[string][]string, len(l.Attributes))
		for k, v := range l.Attributes {
			attrs[k] = slices.Clone(v)
		}
		l.Attributes = attrs
	}
	return l
}

// authnRequest is an AuthnRequest the test page sent, awaiting its answer.
type authnRequest struct {
	IdPID string    `json:"idp_id"`
	At    time.Time `json:"at"`
	// Return is where a login from the login page goes back to (a path on
	// the team domain); "" for the Test page.
	Return string `json:"return,omitempty"`
}

// authnRequestMaxAge is how long an AuthnRequest ID is remembered.
const authnRequestMaxAge = time.Hour

// Logins returns every response posted to the Access callback, oldest first.
func (s *Server) Logins() []Login {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Login, len(s.logins))
	for i, l := range s.logins {
		out[i] = l.clone()
	}
	return out
}

func (s *Server) samlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /cdn-cgi/access/test-idp/{idp_id}", s.serveTestIdP)
	mux.HandleFunc("POST /cdn-cgi/access/callback", s.serveCallback)
	mux.HandleFunc("GET /cdn-cgi/access/saml-metadata", s.serveSPMetadata)
}

// CallbackURL returns the Access callback, the SP entity ID and ACS URL:
// https://<AuthDomain>/cdn-cgi/access/callback.
func (s *Server) CallbackURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return callbackURL(s.authDomain)
}

func callbackURL(authDomain string) string {
	return "https://" + authDomain + "/cdn-cgi/access/callback"
}

// TestURL returns the "Test" URL of an identity provider:
// https://<AuthDomain>/cdn-cgi/access/test-idp/<id>.
func (s *Server) TestURL(idpID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "https://" + s.authDomain + "/cdn-cgi/access/test-idp/" + url.PathEscape(idpID)
}

// samlIdP is what the SP side needs of a stored SAML identity provider.
type samlIdP struct {
	id, name   string
	cfg        map[string]any
	authDomain string
}

// lookupSAMLIdP returns the SAML identity provider with that id. s.mu must
// be held.
func (s *Server) lookupSAMLIdP(id string) *samlIdP {
	rec := s.findIdP(id)
	if rec == nil || rec.typ() != "saml" {
		return nil
	}
	cfg, _ := deepCopy(rec.doc["config"]).(map[string]any)
	if cfg == nil {
		cfg = map[string]any{}
	}
	return &samlIdP{id: rec.id, name: rec.name(), cfg: cfg, authDomain: s.authDomain}
}

// certificates returns config.idp_public_certs (and the legacy
// idp_public_cert) as bare base64, PEM armour and whitespace removed.
func (c *samlIdP) certificates() []string {
	var raw []string
	if list, isList := c.cfg["idp_public_certs"].([]any); isList {
		for _, v := range list {
			if s, isStr := v.(string); isStr {
				raw = append(raw, s)
			}
		}
	}
	if s := str(c.cfg, "idp_public_cert"); s != "" {
		raw = append(raw, s)
	}
	var out []string
	for _, s := range raw {
		if strings.Contains(s, "-----BEGIN") {
			rest := []byte(s)
			for {
				var block *pem.Block
				block, rest = pem.Decode(rest)
				if block == nil {
					break
				}
				out = append(out, base64.StdEncoding.EncodeToString(block.Bytes))
			}
			continue
		}
		if b64 := strings.Join(strings.Fields(s), ""); b64 != "" {
			out = append(out, b64)
		}
	}
	return out
}

// serviceProvider builds crewjam's ServiceProvider for the IdP at now.
func (c *samlIdP) serviceProvider(now time.Time) *saml.ServiceProvider {
	acs, _ := url.Parse(callbackURL(c.authDomain))
	sso := str(c.cfg, "sso_target_url")
	var kds []saml.KeyDescriptor
	for _, cert := range c.certificates() {
		kds = append(kds, saml.KeyDescriptor{Use: "signing", KeyInfo: saml.KeyInfo{
			X509Data: saml.X509Data{X509Certificates: []saml.X509Certificate{{Data: cert}}},
		}})
	}
	return &saml.ServiceProvider{
		EntityID: acs.String(),
		AcsURL:   *acs,
		IDPMetadata: &saml.EntityDescriptor{
			EntityID: str(c.cfg, "issuer_url"),
			IDPSSODescriptors: []saml.IDPSSODescriptor{{
				SSODescriptor: saml.SSODescriptor{RoleDescriptor: saml.RoleDescriptor{
					ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol",
					KeyDescriptors:             kds,
				}},
				SingleSignOnServices: []saml.Endpoint{
					{Binding: saml.HTTPRedirectBinding, Location: sso},
					{Binding: saml.HTTPPostBinding, Location: sso},
				},
			}},
		},
		AuthnNameIDFormat: saml.EmailAddressNameIDFormat,
		AllowIDPInitiated: true,
		Clock:             dsig.NewFakeClockAt(now),
	}
}

// serveTestIdP starts an SP-initiated login to the identity provider.
func (s *Server) serveTestIdP(w http.ResponseWriter, r *http.Request) {
	s.startLogin(w, r, r.PathValue("idp_id"), "")
}

// startLogin sends the browser to the identity provider idpID with an
// AuthnRequest; back is where a successful login returns (launcher.go), ""
// for the Test page.
func (s *Server) startLogin(w http.ResponseWriter, r *http.Request, idpID, back string) {
	s.mu.Lock()
	idp := s.lookupSAMLIdP(idpID)
	s.mu.Unlock()
	if idp == nil {
		writeAccessPage(w, http.StatusNotFound, accessPage{
			Title: "Identity provider not found",
			Error: "There is no SAML identity provider with the ID " + idpID + ".",
		})
		return
	}
	sso := str(idp.cfg, "sso_target_url")
	if u, err := url.Parse(sso); sso == "" || err != nil || u.Host == "" {
		s.recordLogin(Login{IdPID: idp.id, Error: "Invalid SAML configuration: sso_target_url is not a URL"})
		writeAccessPage(w, http.StatusBadRequest, accessPage{IdPName: idp.name,
			Error: "Invalid SAML configuration: the SSO endpoint (sso_target_url) " + strconv.Quote(sso) + " is not a URL."})
		return
	}
	now := s.now()
	sp := idp.serviceProvider(now)
	req, err := sp.MakeAuthenticationRequest(sso, saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	var redirect *url.URL
	if err == nil {
		redirect, err = req.Redirect(idp.id, sp)
	}
	if err != nil {
		writeAccessPage(w, http.StatusInternalServerError, accessPage{IdPName: idp.name, Error: "Could not build the SAML request: " + err.Error()})
		return
	}
	s.mu.Lock()
	for id, pending := range s.authnRequests {
		if now.Sub(pending.At) > authnRequestMaxAge {
			delete(s.authnRequests, id)
		}
	}
	s.authnRequests[req.ID] = authnRequest{IdPID: idp.id, At: now, Return: back}
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-cache, no-store")
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// responseIssuer reads the Issuer of a (base64) SAML response, the
// Response's or else the Assertion's, only to route it to an IdP.
func responseIssuer(samlResponse string) string {
	raw, err := base64.StdEncoding.DecodeString(samlResponse)
	if err != nil {
		return ""
	}
	var doc struct {
		Issuer    string `xml:"Issuer"`
		Assertion struct {
			Issuer string `xml:"Issuer"`
		} `xml:"Assertion"`
	}
	if xml.Unmarshal(raw, &doc) != nil {
		return ""
	}
	if iss := strings.TrimSpace(doc.Issuer); iss != "" {
		return iss
	}
	return strings.TrimSpace(doc.Assertion.Issuer)
}

// samlVerifyError is Cloudflare's error for a response that fails
// verification, with crewjam's reason.
func samlVerifyError(reason string) string {
	return "SAML Verify: Invalid SAML response, " + reason
}

// Errors shown by the callback.
const (
	errNoCertificate  = "SAML Verify: No certificate selected to verify"
	errUnknownIdP     = "Invalid SAML response: no SAML identity provider matches it"
	errNoSAMLResponse = "Invalid SAML response: the request has no SAMLResponse"
)

// serveCallback verifies a SAML response and answers like the test page.
func (s *Server) serveCallback(w http.ResponseWriter, r *http.Request) {
	fail := func(l Login, status int, name string) {
		s.recordLogin(l)
		writeAccessPage(w, status, accessPage{IdPName: name, Error: l.Error})
	}
	if err := r.ParseForm(); err != nil {
		fail(Login{Error: errNoSAMLResponse}, http.StatusBadRequest, "")
		return
	}
	samlResponse := r.PostForm.Get("SAMLResponse")
	if samlResponse == "" {
		fail(Login{Error: errNoSAMLResponse}, http.StatusBadRequest, "")
		return
	}

	s.mu.Lock()
	idp := s.lookupSAMLIdP(r.PostForm.Get("RelayState"))
	if idp == nil {
		if issuer := responseIssuer(samlResponse); issuer != "" {
			for _, rec := range s.idps {
				if c := s.lookupSAMLIdP(rec.id); c != nil && str(c.cfg, "issuer_url") == issuer {
					idp = c
					break
				}
			}
		}
	}
	var requestIDs []string
	if idp != nil {
		for id, pending := range s.authnRequests {
			if pending.IdPID == idp.id {
				requestIDs = append(requestIDs, id)
			}
		}
	}
	s.mu.Unlock()

	if idp == nil {
		fail(Login{Error: errUnknownIdP}, http.StatusBadRequest, "")
		return
	}
	login := Login{IdPID: idp.id}
	if len(idp.certificates()) == 0 {
		login.Error = samlVerifyError(errNoCertificate)
		fail(login, http.StatusBadRequest, idp.name)
		return
	}
	assertion, err := idp.serviceProvider(s.now()).ParseResponse(r, requestIDs)
	if err != nil {
		reason := err
		var invalid *saml.InvalidResponseError
		if errors.As(err, &invalid) && invalid.PrivateErr != nil {
			reason = invalid.PrivateErr
		}
		login.Error = samlVerifyError(reason.Error())
		fail(login, http.StatusBadRequest, idp.name)
		return
	}

	login.Attributes = receivedAttributes(assertion)
	login.Email = idp.email(login.Attributes)
	login.Groups = groupsOf(login.Attributes)
	back := ""
	if assertion.Subject != nil {
		s.mu.Lock()
		for _, sc := range assertion.Subject.SubjectConfirmations {
			if sc.SubjectConfirmationData != nil {
				back = cmp.Or(back, s.authnRequests[sc.SubjectConfirmationData.InResponseTo].Return)
				delete(s.authnRequests, sc.SubjectConfirmationData.InResponseTo)
			}
		}
		s.mu.Unlock()
	}
	if msg := idp.refusal(login); msg != "" {
		login.Error = msg
		fail(login, http.StatusBadRequest, idp.name)
		return
	}
	if back != "" {
		// A person's sign-in from the login page: Access starts a session
		// and sends the browser back (launcher.go).
		login.Session = true
		s.recordLogin(login)
		http.SetCookie(w, s.startSession(login))
		http.Redirect(w, r, back, http.StatusFound)
		return
	}
	s.recordLogin(login)

	identity := map[string]any{
		"email":           login.Email,
		"idp":             map[string]any{"id": idp.id, "type": "saml"},
		"groups":          nonNil(login.Groups),
		"saml_attributes": login.Attributes,
	}
	if assertion.Subject != nil && assertion.Subject.NameID != nil {
		identity["name_id"] = assertion.Subject.NameID.Value
	}
	pretty, _ := json.MarshalIndent(identity, "", "  ")
	writeAccessPage(w, http.StatusOK, accessPage{IdPName: idp.name, Success: true, Email: login.Email, Groups: login.Groups, Identity: string(pretty)})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// recordLogin appends l to the login record, stamped with the Server's clock.
func (s *Server) recordLogin(l Login) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l.At = s.now()
	s.logins = append(s.logins, l)
}

// serveSPMetadata answers the default SP metadata.
func (s *Server) serveSPMetadata(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	idp := &samlIdP{cfg: map[string]any{}, authDomain: s.authDomain}
	s.mu.Unlock()
	sp := idp.serviceProvider(s.now())
	sp.IDPMetadata = nil
	md := sp.Metadata()
	b, err := xml.MarshalIndent(md, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(b)
}

// accessPage is the test page's content.
type accessPage struct {
	Title    string
	IdPName  string
	Success  bool
	Email    string
	Groups   []string
	Identity string
	// GroupsText is Groups joined with ", ".
	GroupsText string
	Error      string
}

var accessPageTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("access").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Cloudflare Access</title>
<style>body{font-family:sans-serif;max-width:40em;margin:3em auto}pre{background:#f4f4f4;padding:1em;overflow:auto}.error{color:#b00020}</style>
</head><body>
<p><strong>Cloudflare Access</strong> <small>(sandbox)</small></p>
{{if .Success}}<h1>Your connection works!</h1>
<p>Identity provider: <strong>{{.IdPName}}</strong> (SAML)</p>
<p>Email: <strong>{{.Email}}</strong></p>
<p>Groups: {{if .Groups}}<strong>{{.GroupsText}}</strong>{{else}}<em>none</em>{{end}}</p>
<p>The identity Access received:</p>
<pre>{{.Identity}}</pre>
{{else}}<h1>{{if .Title}}{{.Title}}{{else}}Error{{end}}</h1>
{{if .IdPName}}<p>Identity provider: <strong>{{.IdPName}}</strong> (SAML)</p>{{end}}
<p class="error" role="alert">{{.Error}}</p>
{{end}}</body></html>
`))
})

func writeAccessPage(w http.ResponseWriter, status int, p accessPage) {
	p.GroupsText = strings.Join(p.Groups, ", ")
	var buf bytes.Buffer
	if err := accessPageTemplate().Execute(&buf, p); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
