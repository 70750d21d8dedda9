package jumpcloud

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// The SAML exchange, on crewjam/saml's IdentityProvider: it parses and
// validates the AuthnRequest, signs the assertion and encodes the response;
// this file shapes them like JumpCloud's:
//
//   - the assertion is signed, the response is not; RSA-SHA256, exclusive
//     c14n, the certificate in the signature's KeyInfo;
//   - Issuer (of both) is the application's IdP Entity ID, verbatim;
//   - NameID is the user field chosen as "SAMLSubject NameID" (the email
//     by default), with the chosen "SAMLSubject NameID Format";
//   - NotBefore is now-5min, NotOnOrAfter (Conditions and
//     SubjectConfirmationData) now+5min, where now is the IdP's clock
//     (SetClockSkew moves it);
//   - attributes: exactly the application's User Attribute Mapping (empty
//     unless the admin added rows) and, with "Include group attribute"
//     ticked, the user's groups under GroupsAttributeName. A user in no
//     group gets no groups attribute at all: whether JumpCloud sends an
//     empty one or none is not documented, and none is the harsher (Access
//     refuses a sign-in that lacks a configured attribute);
//   - the Audience is the SP Entity ID and the Recipient/Destination the ACS
//     URL as configured in the application, whatever the request says.
//
// A crewjam IdentityProvider is built for each request from a copy of the
// IdP's state, so a knob changed between two requests applies cleanly.

const (
	entityFormat       = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
	bearerMethod       = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	passwordProtected  = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
	attrNameFormat     = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified" // GUESS
	assertionValidity  = 5 * time.Minute
	pendingLoginMaxAge = 30 * time.Minute
)

// ssoState is what one SSO request works with: a copy of the IdP's state.
type ssoState struct {
	p      *IdP
	app    App
	key    *rsa.PrivateKey
	cert   *x509.Certificate
	users  []User
	ssoURL string
	// now is the IdP's clock (with its skew): the assertion's times.
	now time.Time
	// signedIn is the email of the user the assertion is for, once made
	// (the NameID may carry another field).
	signedIn string
}

func (p *IdP) ssoState() *ssoState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return &ssoState{
		p:      p,
		app:    p.app.normalized(),
		key:    p.key,
		cert:   p.cert,
		users:  cloneUsers(p.users),
		ssoURL: p.ssoURL(p.app),
		now:    p.now().Add(p.skew),
	}
}

// crewjam returns a crewjam IdentityProvider for st whose own clock,
// used only to check the AuthnRequest's IssueInstant, reads at.
func (st *ssoState) crewjam(at time.Time) *saml.IdentityProvider {
	ssoURL, _ := url.Parse(st.ssoURL)
	entity, _ := url.Parse(st.app.IdPEntityID) // only used by crewjam code paths this file replaces
	if entity == nil {
		entity = &url.URL{}
	}
	return &saml.IdentityProvider{
		Key:                     st.key,
		Certificate:             st.cert,
		Logger:                  log.New(io.Discard, "", 0),
		MetadataURL:             *entity,
		SSOURL:                  *ssoURL,
		ServiceProviderProvider: st,
		SessionProvider:         st,
		AssertionMaker:          st,
		ResponseWriter:          st,
		SignatureMethod:         dsig.RSASHA256SignatureMethod,
		NameIDFormats:           []saml.NameIDFormat{saml.NameIDFormat(st.app.NameIDFormat)},
		Clock:                   dsig.NewFakeClockAt(at),
		OnError:                 st.onError,
	}
}

// serveSSO answers the SSO URL. With a SAMLRequest it is an SP-initiated
// login; without, an IdP-initiated one (like opening the SSO URL, or the
// application's tile in the JumpCloud user portal), answered to the
// configured SP Entity ID and ACS URL.
func (p *IdP) serveSSO(w http.ResponseWriter, r *http.Request) {
	st := p.ssoState()
	if r.PathValue("label") != st.app.Label {
		writeErrorPage(w, http.StatusNotFound, "Application not found",
			"No SSO application uses the label "+r.PathValue("label")+".")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeErrorPage(w, http.StatusMethodNotAllowed, "Method not allowed", r.Method+" is not supported here.")
		return
	}
	hasRequest := r.URL.Query().Has("SAMLRequest")
	clock := p.now()
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			writeErrorPage(w, http.StatusBadRequest, "Bad request", err.Error())
			return
		}
		hasRequest = r.PostForm.Has("SAMLRequest")
		// A login form posts the AuthnRequest again; check its freshness
		// as of when the form was shown, so a slow typist is not refused.
		if shown, ok := p.pendingLogin(r.PostForm.Get("login_id")); ok {
			clock = shown
		}
	}
	idp := st.crewjam(clock)
	if hasRequest {
		idp.ServeSSO(w, r)
		return
	}
	if st.app.SPEntityID == "" {
		st.onError(w, r, http.StatusBadRequest, errNotConfigured)
		return
	}
	idp.ServeIDPInitiated(w, r, st.app.SPEntityID, r.FormValue("RelayState"))
}

// pendingLogin returns when the login form with that id was shown.
func (p *IdP) pendingLogin(id string) (time.Time, bool) {
	if id == "" {
		return time.Time{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	shown, ok := p.pending[id]
	return shown, ok && p.now().Sub(shown) < pendingLoginMaxAge
}

// newPendingLogin records a login form shown now and returns its id.
func (p *IdP) newPendingLogin() string {
	id := randomID()
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for k, shown := range p.pending {
		if now.Sub(shown) >= pendingLoginMaxAge {
			delete(p.pending, k)
		}
	}
	p.pending[id] = now
	return id
}

func (p *IdP) endPendingLogin(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.pending, id)
}

// GetServiceProvider implements saml.ServiceProviderProvider. JumpCloud
// knows the application by its SSO URL, so any SP entity ID is accepted and
// the assertion's Audience is the configured SP Entity ID (a mismatch shows
// at Cloudflare as an audience error). The one assertion consumer service is
// the configured ACS URL: a request naming another one is refused.
// GUESS: JumpCloud's exact handling of a request whose Issuer or
// AssertionConsumerServiceURL differs from the application's is unknown.
func (st *ssoState) GetServiceProvider(_ *http.Request, serviceProviderID string) (*saml.EntityDescriptor, error) {
	if st.app.ACSURL == "" {
		return nil, errNotConfigured
	}
	return &saml.EntityDescriptor{
		EntityID: serviceProviderID,
		SPSSODescriptors: []saml.SPSSODescriptor{{
			AssertionConsumerServices: []saml.IndexedEndpoint{{Binding: saml.HTTPPostBinding, Location: st.app.ACSURL, Index: 1}},
		}},
	}, nil
}

// GetSession implements saml.SessionProvider: the login form, then the
// user's session if the credentials are right and the user is bound to the
// application; otherwise JumpCloud's error page and no assertion.
func (st *ssoState) GetSession(w http.ResponseWriter, r *http.Request, req *saml.IdpAuthnRequest) *saml.Session {
	p := st.p
	form := loginForm{
		Action:     st.ssoURL,
		AppName:    "Cloudflare Access",
		RelayState: req.RelayState,
	}
	if req.RequestBuffer != nil {
		form.SAMLRequest = base64.StdEncoding.EncodeToString(req.RequestBuffer)
	}
	if r.Method == http.MethodPost && r.PostForm.Has("email") {
		email := strings.TrimSpace(r.PostForm.Get("email"))
		u, found := p.lookupUser(email)
		if !found || r.PostForm.Get("password") != SandboxPassword {
			p.event("login_failed", email, "invalid credentials")
			form.Email = email
			form.Error = "Invalid credentials. Check your email and password and try again."
			form.LoginID = r.PostForm.Get("login_id")
			writeLoginForm(w, http.StatusUnauthorized, form)
			return nil
		}
		if !st.app.bound(u) {
			p.event("sso_denied", u.Email, "user is not bound to the application through a user group")
			writeDeniedPage(w, u.Email, "Cloudflare Access")
			return nil
		}
		p.endPendingLogin(r.PostForm.Get("login_id"))
		return &saml.Session{
			ID:            randomID(),
			CreateTime:    st.now,
			ExpireTime:    st.now.Add(time.Hour),
			Index:         randomID(),
			NameID:        userField(u, st.app.NameIDField),
			NameIDFormat:  st.app.NameIDFormat,
			UserEmail:     u.Email,
			UserGivenName: u.FirstName,
			UserSurname:   u.LastName,
			Groups:        u.Groups,
		}
	}
	form.LoginID = p.newPendingLogin()
	writeLoginForm(w, http.StatusOK, form)
	return nil
}

func (p *IdP) lookupUser(email string) (User, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.findUser(email)
}

// MakeAssertion implements saml.AssertionMaker with JumpCloud's shape.
func (st *ssoState) MakeAssertion(req *saml.IdpAuthnRequest, session *saml.Session) error {
	u, found := st.p.lookupUser(session.UserEmail)
	if !found {
		return fmt.Errorf("user %s no longer exists", session.UserEmail)
	}
	st.signedIn = u.Email
	now := st.now
	var attrs []saml.Attribute
	for _, m := range st.app.Attributes {
		attrs = append(attrs, stringAttribute(m.Name, userField(u, m.UserField)))
	}
	if a, ok := st.app.groupAttribute(u); ok {
		attrs = append(attrs, a)
	}
	req.Assertion = &saml.Assertion{
		ID:           "_" + randomID(),
		IssueInstant: now,
		Version:      "2.0",
		Issuer:       saml.Issuer{Format: entityFormat, Value: st.app.IdPEntityID},
		Subject: &saml.Subject{
			NameID: &saml.NameID{Format: st.app.NameIDFormat, Value: userField(u, st.app.NameIDField)},
			SubjectConfirmations: []saml.SubjectConfirmation{{
				Method: bearerMethod,
				SubjectConfirmationData: &saml.SubjectConfirmationData{
					InResponseTo: req.Request.ID,
					NotOnOrAfter: now.Add(assertionValidity),
					Recipient:    req.ACSEndpoint.Location,
				},
			}},
		},
		Conditions: &saml.Conditions{
			NotBefore:            now.Add(-assertionValidity),
			NotOnOrAfter:         now.Add(assertionValidity),
			AudienceRestrictions: []saml.AudienceRestriction{{Audience: saml.Audience{Value: st.app.SPEntityID}}},
		},
		AuthnStatements: []saml.AuthnStatement{{
			AuthnInstant: now,
			SessionIndex: session.Index,
			AuthnContext: saml.AuthnContext{AuthnContextClassRef: &saml.AuthnContextClassRef{Value: passwordProtected}},
		}},
		AttributeStatements: []saml.AttributeStatement{{Attributes: attrs}},
	}
	return nil
}

// groupAttribute is the user's groups under the app's group attribute name,
// sent only with "Include group attribute" ticked, and not at all for a
// user in no group (the harsher reading; see the file comment).
func (a App) groupAttribute(u User) (saml.Attribute, bool) {
	if !a.IncludeGroups || len(u.Groups) == 0 {
		return saml.Attribute{}, false
	}
	attr := saml.Attribute{Name: a.GroupsAttributeName, NameFormat: attrNameFormat}
	for _, g := range u.Groups {
		attr.Values = append(attr.Values, saml.AttributeValue{Type: "xs:string", Value: g})
	}
	return attr, true
}

func stringAttribute(name, value string) saml.Attribute {
	return saml.Attribute{Name: name, NameFormat: attrNameFormat,
		Values: []saml.AttributeValue{{Type: "xs:string", Value: value}}}
}

func userField(u User, field string) string {
	switch strings.ToLower(field) {
	case FieldEmail:
		return u.Email
	case FieldFirstName:
		return u.FirstName
	case FieldLastName:
		return u.LastName
	case FieldUsername:
		name, _, _ := strings.Cut(u.Email, "@")
		return name
	case FieldDisplayName:
		return strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	return ""
}

// WriteResponse implements saml.ResponseWriter: an unsigned Response around
// the signed assertion, posted to the ACS URL by an auto-submitting form.
func (st *ssoState) WriteResponse(w http.ResponseWriter, req *saml.IdpAuthnRequest) error {
	if req.ResponseEl == nil {
		if err := req.MakeAssertionEl(); err != nil {
			return err
		}
		resp := &saml.Response{
			ID:           "_" + randomID(),
			InResponseTo: req.Request.ID,
			Version:      "2.0",
			IssueInstant: st.now,
			Destination:  req.ACSEndpoint.Location,
			Issuer:       &saml.Issuer{Format: entityFormat, Value: st.app.IdPEntityID},
			Status:       saml.Status{StatusCode: saml.StatusCode{Value: saml.StatusSuccess}},
		}
		el := resp.Element()
		el.AddChild(req.AssertionEl)
		req.ResponseEl = el
	}
	form, err := req.PostBinding()
	if err != nil {
		return err
	}
	st.p.event("sso_auth", st.signedIn, "SAML response posted to "+form.URL)
	writePostForm(w, form.URL, form.SAMLResponse, form.RelayState)
	return nil
}

// onError answers what crewjam could not handle with JumpCloud's error page.
func (st *ssoState) onError(w http.ResponseWriter, _ *http.Request, status int, err error) {
	st.p.event("sso_error", "", err.Error())
	msg := err.Error()
	switch {
	case errors.Is(err, errNotConfigured):
		msg = "The application is not configured: " + errNotConfigured.Error() + "."
	case errors.Is(err, saml.ErrUnknownAssertionConsumerService), errors.Is(err, os.ErrNotExist):
		msg = "The ACS URL of the SAML request does not match the application's ACS URL (" + st.app.ACSURL + ")."
	case errors.Is(err, saml.ErrDestinationMismatch):
		msg = "The SAML request was not addressed to this SSO URL (" + st.ssoURL + "). " + msg
	}
	writeErrorPage(w, status, "SSO error", msg)
}

// randomID returns 20 random bytes in hex.
func randomID() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
