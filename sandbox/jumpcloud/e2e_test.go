package jumpcloud_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"jcaccess/sandbox/cfapi"
	"jcaccess/sandbox/cfapi/openapicheck"
	"jcaccess/sandbox/jumpcloud"
)

const (
	acct     = "023e105f4ecef8ad9ca31a8372d0c353"
	writeTok = "write-token"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var users = []jumpcloud.User{
	{Email: "alice@example.com", FirstName: "Alice", LastName: "Liddell", Groups: []string{"engineering", "everyone"}},
	{Email: "carol@example.com", FirstName: "Carol", LastName: "Shaw", Groups: []string{"engineering", "ops"}},
	{Email: "dave@example.com", FirstName: "Dave", LastName: "Cutler", Groups: []string{"ops"}},
	{Email: "bob@example.com", FirstName: "Bob", LastName: "Builder", Groups: []string{"sales"}},
}

// world is the sandbox in small: the fake Cloudflare and JumpCloud over
// real HTTPS, a JumpCloud SAML IdP created through the API from the
// metadata export, and a browser that trusts both.
type world struct {
	t          *testing.T
	clock      *fakeClock
	cf         *cfapi.Server
	cfTS       *httptest.Server
	idp        *jumpcloud.IdP
	idpTS      *httptest.Server
	hc         *http.Client
	idpID      string
	scimBase   string
	scimSecret string

	mu       sync.Mutex
	captured []string // SAML responses posted to the callback
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, clock: &fakeClock{t: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}}
	w.cf = cfapi.New(cfapi.Options{AccountID: acct, AccountName: "Acme", Now: w.clock.Now, CheckRequest: openapicheck.New()})
	w.cf.AddToken(writeTok, cfapi.TokenUser, cfapi.PermAccessWrite, cfapi.PermSCIMLogsRead)
	w.cfTS = cfapi.StartTLS(w.cf)
	t.Cleanup(w.cfTS.Close)

	callback := w.cf.CallbackURL()
	idp, idpTS, err := jumpcloud.StartTLS(jumpcloud.IdPOptions{
		Org: "Acme Inc", Now: w.clock.Now, KeyBits: 2048, Users: users,
		App: jumpcloud.App{
			IdPEntityID:         "https://" + w.cf.AuthDomain() + "/",
			SPEntityID:          callback,
			ACSURL:              callback,
			NameIDField:         jumpcloud.FieldEmail,
			NameIDFormat:        jumpcloud.EmailNameIDFormat,
			Attributes:          []jumpcloud.AttributeMapping{{Name: "email", UserField: jumpcloud.FieldEmail}},
			IncludeGroups:       true,
			GroupsAttributeName: "groups",
			BoundGroups:         []string{"engineering", "ops"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idpTS.Close)
	w.idp, w.idpTS = idp, idpTS

	pool := x509.NewCertPool()
	pool.AddCert(w.cfTS.Certificate())
	pool.AddCert(w.idpTS.Certificate())
	w.hc = &http.Client{Transport: &capture{w: w, base: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}}
	t.Cleanup(w.hc.CloseIdleConnections)

	// The admin uploads the JumpCloud metadata to Cloudflare and turns SCIM on.
	st, out := w.api(http.MethodPost, "/access/identity_providers", map[string]any{
		"name": "JumpCloud", "type": "saml",
		"config":      w.configFromMetadata(),
		"scim_config": map[string]any{"enabled": true, "user_deprovision": true},
	})
	if st != http.StatusCreated {
		t.Fatalf("create IdP: %d %v", st, out)
	}
	res := out["result"].(map[string]any)
	sc := res["scim_config"].(map[string]any)
	w.idpID, w.scimBase, w.scimSecret = res["id"].(string), sc["scim_base_url"].(string), sc["secret"].(string)
	return w
}

// configFromMetadata reads the IdP config out of the metadata export, as the
// dashboard's upload does.
func (w *world) configFromMetadata() map[string]any {
	w.t.Helper()
	var md struct {
		EntityID string `xml:"entityID,attr"`
		IDP      struct {
			Cert string `xml:"KeyDescriptor>KeyInfo>X509Data>X509Certificate"`
			SSO  []struct {
				Binding  string `xml:"Binding,attr"`
				Location string `xml:"Location,attr"`
			} `xml:"SingleSignOnService"`
		} `xml:"IDPSSODescriptor"`
	}
	if err := xml.Unmarshal(w.idp.MetadataXML(), &md); err != nil {
		w.t.Fatal(err)
	}
	return map[string]any{
		"issuer_url":       md.EntityID,
		"sso_target_url":   md.IDP.SSO[0].Location,
		"idp_public_certs": []string{md.IDP.Cert},
		"sign_request":     false,
		"attributes":       []string{"groups"},
	}
}

func (w *world) api(method, path string, body any) (int, map[string]any) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, w.cfTS.URL+"/client/v4/accounts/"+acct+path, rd)
	req.Header.Set("Authorization", "Bearer "+writeTok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.cfTS.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// reuploadMetadata is the admin uploading the current metadata again.
func (w *world) reuploadMetadata() {
	w.t.Helper()
	st, out := w.api(http.MethodPut, "/access/identity_providers/"+w.idpID, map[string]any{
		"name": "JumpCloud", "type": "saml", "config": w.configFromMetadata(),
		"scim_config": map[string]any{"enabled": true, "user_deprovision": true},
	})
	if st != http.StatusOK {
		w.t.Fatalf("update IdP: %d %v", st, out)
	}
}

func (w *world) testURL() string { return w.cf.TestURL(w.idpID) }

func (w *world) login(email string) (int, string) {
	w.t.Helper()
	st, text, err := jumpcloud.BrowserLogin(context.Background(), w.hc, w.testURL(), email)
	if err != nil {
		w.t.Fatalf("BrowserLogin: %v", err)
	}
	w.t.Logf("%s: %d %s", email, st, text)
	return st, text
}

func (w *world) logins() []cfapi.Login { return w.cf.Logins() }

// capture records the SAML responses the browser posts to the callback.
type capture struct {
	w    *world
	base http.RoundTripper
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.URL.Path == "/cdn-cgi/access/callback" {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		raw, _ := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
		c.w.mu.Lock()
		c.w.captured = append(c.w.captured, string(raw))
		c.w.mu.Unlock()
	}
	return c.base.RoundTrip(r)
}

func (w *world) lastResponse() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.captured) == 0 {
		w.t.Fatal("no SAML response was posted")
	}
	return w.captured[len(w.captured)-1]
}

func TestLoginEndToEnd(t *testing.T) {
	w := newWorld(t)
	st, text := w.login("alice@example.com")
	if st != http.StatusOK || !strings.Contains(text, "Your connection works!") {
		t.Fatalf("test page: %d %q", st, text)
	}
	logins := w.logins()
	if len(logins) != 1 {
		t.Fatalf("logins = %+v", logins)
	}
	l := logins[0]
	// JumpCloud sends all the user's groups, bound or not.
	if l.Error != "" || l.IdPID != w.idpID || l.Email != "alice@example.com" || !slices.Equal(l.Groups, []string{"engineering", "everyone"}) {
		t.Fatalf("login = %+v", l)
	}
	if len(l.Attributes) != 2 || !slices.Equal(l.Attributes["email"], []string{"alice@example.com"}) {
		t.Fatalf("attributes = %v", l.Attributes)
	}
	if ev := w.idp.Events(); len(ev) == 0 || ev[len(ev)-1].Type != "sso_auth" || ev[len(ev)-1].Email != "alice@example.com" {
		t.Fatalf("events = %+v", ev)
	}
}

// The response is shaped like JumpCloud's: only the assertion is signed,
// RSA-SHA256 with exclusive c14n and the certificate in KeyInfo; the
// Issuer is the IdP Entity ID; NameID is the email; +-5 minutes.
func TestResponseShape(t *testing.T) {
	w := newWorld(t)
	if st, _ := w.login("alice@example.com"); st != http.StatusOK {
		t.Fatal("login failed")
	}
	raw := w.lastResponse()
	var resp struct {
		Destination  string    `xml:"Destination,attr"`
		InResponseTo string    `xml:"InResponseTo,attr"`
		Issuer       string    `xml:"Issuer"`
		Signature    *struct{} `xml:"http://www.w3.org/2000/09/xmldsig# Signature"`
		Status       struct {
			Code struct {
				Value string `xml:"Value,attr"`
			} `xml:"StatusCode"`
		} `xml:"Status"`
		Assertion struct {
			Issuer    string `xml:"Issuer"`
			Signature struct {
				C14N struct {
					Algorithm string `xml:"Algorithm,attr"`
				} `xml:"SignedInfo>CanonicalizationMethod"`
				Method struct {
					Algorithm string `xml:"Algorithm,attr"`
				} `xml:"SignedInfo>SignatureMethod"`
				Digest struct {
					Algorithm string `xml:"Algorithm,attr"`
				} `xml:"SignedInfo>Reference>DigestMethod"`
				X509 string `xml:"KeyInfo>X509Data>X509Certificate"`
			} `xml:"http://www.w3.org/2000/09/xmldsig# Signature"`
			NameID struct {
				Format string `xml:"Format,attr"`
				Value  string `xml:",chardata"`
			} `xml:"Subject>NameID"`
			Confirmation struct {
				NotOnOrAfter string `xml:"NotOnOrAfter,attr"`
				Recipient    string `xml:"Recipient,attr"`
				InResponseTo string `xml:"InResponseTo,attr"`
			} `xml:"Subject>SubjectConfirmation>SubjectConfirmationData"`
			Conditions struct {
				NotBefore    string `xml:"NotBefore,attr"`
				NotOnOrAfter string `xml:"NotOnOrAfter,attr"`
				Audience     string `xml:"AudienceRestriction>Audience"`
			} `xml:"Conditions"`
			Attributes []struct {
				Name   string   `xml:"Name,attr"`
				Values []string `xml:"AttributeValue"`
			} `xml:"AttributeStatement>Attribute"`
		} `xml:"Assertion"`
	}
	if err := xml.Unmarshal([]byte(raw), &resp); err != nil {
		t.Fatal(err)
	}
	entity := "https://" + w.cf.AuthDomain() + "/"
	a := resp.Assertion
	checks := []struct {
		what      string
		got, want string
	}{
		{"response Issuer", resp.Issuer, entity},
		{"assertion Issuer", a.Issuer, entity},
		{"Destination", resp.Destination, w.cf.CallbackURL()},
		{"status", resp.Status.Code.Value, "urn:oasis:names:tc:SAML:2.0:status:Success"},
		{"c14n", a.Signature.C14N.Algorithm, "http://www.w3.org/2001/10/xml-exc-c14n#"},
		{"signature method", a.Signature.Method.Algorithm, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"},
		{"digest", a.Signature.Digest.Algorithm, "http://www.w3.org/2001/04/xmlenc#sha256"},
		{"KeyInfo cert", strings.Join(strings.Fields(a.Signature.X509), ""), base64.StdEncoding.EncodeToString(w.idp.Certificate().Raw)},
		{"NameID", a.NameID.Value, "alice@example.com"},
		{"NameID format", a.NameID.Format, "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"},
		{"NotBefore", a.Conditions.NotBefore, "2026-11-27T09:55:00Z"},
		{"NotOnOrAfter", a.Conditions.NotOnOrAfter, "2026-11-27T10:05:00Z"},
		{"confirmation NotOnOrAfter", a.Confirmation.NotOnOrAfter, "2026-11-27T10:05:00Z"},
		{"Recipient", a.Confirmation.Recipient, w.cf.CallbackURL()},
		{"Audience", a.Conditions.Audience, w.cf.CallbackURL()},
		{"InResponseTo", a.Confirmation.InResponseTo, resp.InResponseTo},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if resp.Signature != nil {
		t.Error("the Response is signed; JumpCloud signs only the assertion")
	}
	if resp.InResponseTo == "" {
		t.Error("no InResponseTo")
	}
	var names []string
	for _, at := range a.Attributes {
		names = append(names, at.Name)
	}
	if !slices.Equal(names, []string{"email", "groups"}) {
		t.Errorf("attributes = %v", names)
	}
}

// Each mistake an admin makes gives the error the admin would see.
func TestKnobs(t *testing.T) {
	t.Run("wrong IdP entity ID", func(t *testing.T) {
		w := newWorld(t)
		app := w.idp.App()
		app.IdPEntityID = w.cf.CallbackURL() // the SP URL typed into the IdP field
		w.idp.SetApp(app)
		st, text := w.login("alice@example.com")
		want := `SAML Verify: Invalid SAML response, response Issuer does not match the IDP metadata (expected "https://` + w.cf.AuthDomain() + `/")`
		if st != http.StatusBadRequest || !strings.Contains(text, want) {
			t.Fatalf("got %d %q, want %q", st, text, want)
		}
		if l := w.logins()[0]; l.Error != want {
			t.Fatalf("login error = %q", l.Error)
		}
	})

	t.Run("group attribute misnamed", func(t *testing.T) {
		w := newWorld(t)
		app := w.idp.App()
		app.GroupsAttributeName = "memberOf"
		w.idp.SetApp(app)
		// The login method lists groups, which the IdP must send: Access
		// refuses the sign-in (Cloudflare's "groups vs gropus" example).
		st, text := w.login("alice@example.com")
		if st != http.StatusBadRequest || !strings.Contains(text, "Required attributes are missing") || strings.Contains(text, "memberOf") {
			t.Fatalf("got %d %q", st, text)
		}
		l := w.logins()[0]
		if len(l.Groups) != 0 || !slices.Equal(l.Attributes["memberOf"], []string{"engineering", "everyone"}) || l.Error != "Required attributes are missing" {
			t.Fatalf("login = %+v", l)
		}
	})

	t.Run("groups not included", func(t *testing.T) {
		w := newWorld(t)
		app := w.idp.App()
		app.IncludeGroups = false
		w.idp.SetApp(app)
		if st, text := w.login("alice@example.com"); st != http.StatusBadRequest || !strings.Contains(text, "Required attributes are missing") {
			t.Fatalf("got %d %q", st, text)
		}
		if l := w.logins()[0]; len(l.Groups) != 0 || l.Attributes["groups"] != nil || l.Error != "Required attributes are missing" {
			t.Fatalf("login = %+v", l)
		}
		// Without groups among the login method's attributes, the same
		// assertion signs in, with no groups.
		cfg := w.configFromMetadata()
		cfg["attributes"] = []string{}
		if st, out := w.api(http.MethodPut, "/access/identity_providers/"+w.idpID, map[string]any{"name": "JumpCloud", "type": "saml", "config": cfg}); st != http.StatusOK {
			t.Fatalf("update IdP: %d %v", st, out)
		}
		if st, text := w.login("alice@example.com"); st != http.StatusOK {
			t.Fatalf("got %d %q", st, text)
		}
		if l := w.logins()[1]; l.Error != "" || len(l.Groups) != 0 {
			t.Fatalf("login = %+v", l)
		}
	})

	t.Run("email only in the NameID", func(t *testing.T) {
		// Cloudflare's current guide calls the attribute mapping optional:
		// an admin who skips it sends the email only as NameID, which
		// Access does not read for the email.
		w := newWorld(t)
		app := w.idp.App()
		app.Attributes = nil
		w.idp.SetApp(app)
		st, text := w.login("alice@example.com")
		if st != http.StatusBadRequest || !strings.Contains(text, "Required attributes are missing") {
			t.Fatalf("got %d %q", st, text)
		}
		if l := w.logins()[0]; l.Email != "" || l.Attributes["email"] != nil || l.Error != "Required attributes are missing" {
			t.Fatalf("login = %+v", l)
		}
	})

	t.Run("user not bound", func(t *testing.T) {
		w := newWorld(t)
		st, text := w.login("bob@example.com")
		if st != http.StatusForbidden || !strings.Contains(text, jumpcloud.DeniedText) || !strings.Contains(text, "bob@example.com") {
			t.Fatalf("got %d %q", st, text)
		}
		if l := w.logins(); len(l) != 0 {
			t.Fatalf("a response reached Cloudflare: %+v", l)
		}
		if ev := w.idp.Events(); ev[len(ev)-1].Type != "sso_denied" {
			t.Fatalf("events = %+v", ev)
		}
	})

	t.Run("wrong password or unknown user", func(t *testing.T) {
		w := newWorld(t)
		st, text := w.login("nobody@example.com")
		if st != http.StatusUnauthorized || !strings.Contains(text, "Invalid credentials") {
			t.Fatalf("got %d %q", st, text)
		}
	})

	t.Run("expired certificate", func(t *testing.T) {
		w := newWorld(t)
		if err := w.idp.RegenerateCertificate(w.clock.Now().AddDate(-6, 0, 0)); err != nil {
			t.Fatal(err)
		}
		w.reuploadMetadata()
		st, text := w.login("alice@example.com")
		want := "SAML Verify: Invalid SAML response, cannot validate signature on Assertion: Cert is not valid at this time"
		if st != http.StatusBadRequest || !strings.Contains(text, want) {
			t.Fatalf("got %d %q, want %q", st, text, want)
		}
	})

	t.Run("certificate regenerated, metadata not re-uploaded", func(t *testing.T) {
		w := newWorld(t)
		if err := w.idp.RegenerateCertificate(w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		st, text := w.login("alice@example.com")
		want := "SAML Verify: Invalid SAML response, cannot validate signature on Assertion: Could not verify certificate against trusted certs"
		if st != http.StatusBadRequest || !strings.Contains(text, want) {
			t.Fatalf("got %d %q, want %q", st, text, want)
		}
	})

	t.Run("clock ahead 10 minutes", func(t *testing.T) {
		w := newWorld(t)
		w.idp.SetClockSkew(10 * time.Minute)
		st, text := w.login("alice@example.com")
		want := "SAML Verify: Invalid SAML response, response IssueInstant 2026-11-27 10:10:00 +0000 UTC is in the future"
		if st != http.StatusBadRequest || !strings.Contains(text, want) {
			t.Fatalf("got %d %q, want %q", st, text, want)
		}
	})

	t.Run("clock behind 10 minutes", func(t *testing.T) {
		w := newWorld(t)
		w.idp.SetClockSkew(-10 * time.Minute)
		st, text := w.login("alice@example.com")
		want := "SAML Verify: Invalid SAML response, response IssueInstant expired at 2026-11-27 09:51:30 +0000 UTC"
		if st != http.StatusBadRequest || !strings.Contains(text, want) {
			t.Fatalf("got %d %q, want %q", st, text, want)
		}
	})

	t.Run("SP entity ID wrong", func(t *testing.T) {
		w := newWorld(t)
		app := w.idp.App()
		app.SPEntityID = "https://" + w.cf.AuthDomain() + "/cdn-cgi/access/CALLBACK"
		w.idp.SetApp(app)
		st, text := w.login("alice@example.com")
		want := `SAML Verify: Invalid SAML response, assertion Conditions AudienceRestriction does not contain "` + w.cf.CallbackURL() + `"`
		if st != http.StatusBadRequest || !strings.Contains(text, want) {
			t.Fatalf("got %d %q, want %q", st, text, want)
		}
	})

	t.Run("ACS URL wrong", func(t *testing.T) {
		w := newWorld(t)
		app := w.idp.App()
		app.ACSURL = "https://" + w.cf.AuthDomain() + "/cdn-cgi/access/callbak"
		w.idp.SetApp(app)
		st, text := w.login("alice@example.com")
		if st != http.StatusBadRequest || !strings.Contains(text, "does not match the application's ACS URL") {
			t.Fatalf("got %d %q", st, text)
		}
	})

	t.Run("SSO URL wrong in Cloudflare", func(t *testing.T) {
		w := newWorld(t)
		cfg := w.configFromMetadata()
		cfg["sso_target_url"] = w.idp.BaseURL() + "/saml2/cloudflare"
		if st, out := w.api(http.MethodPut, "/access/identity_providers/"+w.idpID, map[string]any{"name": "JumpCloud", "type": "saml", "config": cfg}); st != http.StatusOK {
			t.Fatalf("update: %d %v", st, out)
		}
		st, text := w.login("alice@example.com")
		if st != http.StatusNotFound || !strings.Contains(text, "Application not found") {
			t.Fatalf("got %d %q", st, text)
		}
	})
}

func TestMetadataEndpoint(t *testing.T) {
	w := newWorld(t)
	resp, err := w.hc.Get(w.idp.MetadataURL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, w.idp.MetadataXML()) {
		t.Fatalf("metadata: %d %s", resp.StatusCode, body)
	}
	if !bytes.Contains(body, []byte(`HTTP-Redirect" Location="`+w.idp.SSOURL()+`"`)) {
		t.Fatalf("no Redirect binding: %s", body)
	}
	resp, err = w.hc.Get(w.idp.BaseURL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("index: %d", resp.StatusCode)
	}
}

// sentAssertion is what the last SAML response's assertion carried.
type sentAssertion struct {
	NameID, NameIDFormat string
	Attributes           map[string][]string
}

func (w *world) sentAssertion() sentAssertion {
	w.t.Helper()
	var resp struct {
		NameID struct {
			Format string `xml:"Format,attr"`
			Value  string `xml:",chardata"`
		} `xml:"Assertion>Subject>NameID"`
		Attributes []struct {
			Name   string   `xml:"Name,attr"`
			Values []string `xml:"AttributeValue"`
		} `xml:"Assertion>AttributeStatement>Attribute"`
	}
	if err := xml.Unmarshal([]byte(w.lastResponse()), &resp); err != nil {
		w.t.Fatal(err)
	}
	out := sentAssertion{NameID: resp.NameID.Value, NameIDFormat: resp.NameID.Format, Attributes: map[string][]string{}}
	for _, a := range resp.Attributes {
		out.Attributes[a.Name] = append(out.Attributes[a.Name], a.Values...)
	}
	return out
}

// The assertion carries what the app's SSO tab says, and nothing else:
// JumpCloud's defaults (NameID the email, no mapping, no groups) for an app
// the admin left alone.
func TestAssertionContent(t *testing.T) {
	cases := []struct {
		name string
		edit func(*jumpcloud.App)
		want sentAssertion
	}{
		{"JumpCloud's defaults", func(a *jumpcloud.App) {
			a.NameIDField, a.NameIDFormat, a.Attributes, a.IncludeGroups = "", "", nil, false
		}, sentAssertion{NameID: "alice@example.com", NameIDFormat: jumpcloud.UnspecifiedNameIDFormat, Attributes: map[string][]string{}}},
		{"as the jumpcloud-app step asks", func(*jumpcloud.App) {},
			sentAssertion{NameID: "alice@example.com", NameIDFormat: jumpcloud.EmailNameIDFormat, Attributes: map[string][]string{
				"email": {"alice@example.com"}, "groups": {"engineering", "everyone"},
			}}},
		{"mapped attributes, groups not ticked", func(a *jumpcloud.App) {
			a.IncludeGroups = false
			a.Attributes = []jumpcloud.AttributeMapping{{Name: "mail", UserField: jumpcloud.FieldEmail}, {Name: "sn", UserField: jumpcloud.FieldLastName}, {Name: "name", UserField: jumpcloud.FieldDisplayName}}
		}, sentAssertion{NameID: "alice@example.com", NameIDFormat: jumpcloud.EmailNameIDFormat, Attributes: map[string][]string{
			"mail": {"alice@example.com"}, "sn": {"Liddell"}, "name": {"Alice Liddell"},
		}}},
		{"NameID username", func(a *jumpcloud.App) {
			a.NameIDField, a.NameIDFormat = jumpcloud.FieldUsername, jumpcloud.UnspecifiedNameIDFormat
		}, sentAssertion{NameID: "alice", NameIDFormat: jumpcloud.UnspecifiedNameIDFormat, Attributes: map[string][]string{
			"email": {"alice@example.com"}, "groups": {"engineering", "everyone"},
		}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			app := w.idp.App()
			c.edit(&app)
			w.idp.SetApp(app)
			w.login("alice@example.com")
			got := w.sentAssertion()
			if got.NameID != c.want.NameID || got.NameIDFormat != c.want.NameIDFormat || len(got.Attributes) != len(c.want.Attributes) {
				t.Fatalf("sent %+v, want %+v", got, c.want)
			}
			for name, vs := range c.want.Attributes {
				if !slices.Equal(got.Attributes[name], vs) {
					t.Fatalf("attribute %s = %v, want %v (sent %+v)", name, got.Attributes[name], vs, got)
				}
			}
			// The metadata export lists the app's NameID format.
			if !strings.Contains(string(w.idp.MetadataXML()), "<md:NameIDFormat>"+c.want.NameIDFormat+"</md:NameIDFormat>") {
				t.Fatalf("metadata: %s", w.idp.MetadataXML())
			}
		})
	}
}
