package jumpcloud

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// The JumpCloud SAML identity provider of the sandbox: the "Cloudflare
// Access" SSO application as an admin configured it, its users, and the SSO
// endpoint that signs real assertions (with crewjam/saml) the way JumpCloud
// does. See saml.go for the SAML exchange, pages.go for the HTML, scim.go
// for the Identity Management (SCIM client) side and snapshot.go for
// persistence.

// SandboxPassword is the password of every sandbox user.
const SandboxPassword = "sandbox"

// DefaultLabel is the label of the SSO URL (<BaseURL>/saml2/<label>) when
// App.Label is empty.
const DefaultLabel = "cloudflareaccess"

// DefaultGroupsAttributeName is the group attribute name Cloudflare
// requires, used when App.GroupsAttributeName is empty.
const DefaultGroupsAttributeName = "groups"

// The JumpCloud user fields an AttributeMapping can send.
const (
	FieldEmail       = "email"
	FieldFirstName   = "firstname"
	FieldLastName    = "lastname"
	FieldUsername    = "username"    // the part of the email before "@"
	FieldDisplayName = "displayname" // "<first> <last>"
)

// User is a JumpCloud user of the sandbox organization.
type User struct {
	Email     string
	FirstName string
	LastName  string
	Groups    []string // the names of the user groups the user is a member of
}

// AttributeMapping is one row of the SSO tab's "User Attribute Mapping": the
// attribute Name sent in the assertion and the JumpCloud user field
// (FieldEmail, ...) whose value it carries. An unknown field sends an empty
// value.
type AttributeMapping struct {
	Name      string
	UserField string
}

// NameID formats JumpCloud's SSO tab offers as "SAMLSubject NameID Format".
// UnspecifiedNameIDFormat is the non-standard 1.0 string JumpCloud writes
// (docs/reference/jumpcloud.md §1: SAML defines 1.1:...:unspecified).
const (
	EmailNameIDFormat       = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	UnspecifiedNameIDFormat = "urn:oasis:names:tc:SAML:1.0:nameid-format:unspecified"
)

// App is the "Cloudflare Access" SSO application as the admin configured it
// in JumpCloud. Empty fields take the defaults documented on each field.
type App struct {
	// Label names the SSO URL, <BaseURL>/saml2/<Label>. Default DefaultLabel.
	Label string
	// IdPEntityID is emitted verbatim as the Issuer of responses and
	// assertions. The guide says https://<team domain>/. Default: the scheme
	// and host of SPEntityID with a "/" path.
	IdPEntityID string
	// SPEntityID is the assertion's Audience; ACSURL is where the response
	// is posted. The guide says https://<team domain>/cdn-cgi/access/callback
	// for both. When one is empty it takes the other's value.
	SPEntityID string
	ACSURL     string
	// IncludeGroups is "Include group attribute": send the user's groups
	// under GroupsAttributeName (default DefaultGroupsAttributeName).
	IncludeGroups       bool
	GroupsAttributeName string
	// BoundGroups are the user groups bound to the application (the User
	// Groups tab). Users in none of them are denied, as JumpCloud implicitly
	// denies unassigned users; nil denies everybody.
	BoundGroups []string
	// Attributes is the SSO tab's "User Attribute Mapping": one SAML
	// attribute per row, and none besides the groups when it is empty.
	// JumpCloud documents no mapping pre-filled for the Cloudflare Access
	// connector (its "SAML Attribute Notes" only say pre-built connectors
	// may pre-populate attributes an SP requires, and Cloudflare's guide
	// calls the mapping optional), so empty is the harsher default: an
	// admin who adds nothing sends no email attribute.
	Attributes []AttributeMapping
	// NameIDField is "SAMLSubject NameID": the user field (FieldEmail,
	// FieldUsername, ...) sent as the Subject's NameID. Default FieldEmail:
	// "By default, the SAMLSubject's NameID is the user's email"
	// (JumpCloud, SSO Application Connector Fields; jumpcloud.md §2).
	NameIDField string
	// NameIDFormat is "SAMLSubject NameID Format", sent as the NameID's
	// Format and listed in the metadata export. Default
	// UnspecifiedNameIDFormat: JumpCloud documents no default, real exports
	// show either this or EmailNameIDFormat (jumpcloud.md §1), and
	// unspecified is the harsher, since it tells the SP nothing.
	NameIDFormat string
	// SCIMUserName is the JumpCloud user field (FieldEmail, FieldUsername,
	// ...) the Identity Management integration sends as SCIM userName.
	// Default FieldEmail, what Cloudflare needs. JumpCloud's generic SCIM
	// mapping sends username->userName (docs/reference/jumpcloud.md §3,
	// "Generic JumpCloud mapping tables"), which is the username-not-email
	// mistake of the sandbox.
	SCIMUserName string

	// The admin API's side of the application (adminapi.go, apiapp.go).
	// ID is its _id; empty means one derived from the organization and
	// Label (the pre-made app). Missing: the organization has no such
	// application yet, so its SSO URL and metadata answer 404 until one is
	// created through the admin API. APIObject is the application object
	// as a client last sent it (POST or PUT) minus the values the fields
	// above and the signing pair hold: the real service stores the object,
	// so fields the sandbox does not interpret come back as sent.
	ID        string          `json:",omitempty"`
	Missing   bool            `json:",omitempty"`
	APIObject json.RawMessage `json:",omitempty"`
}

// normalized fills App's defaults.
func (a App) normalized() App {
	if a.Label == "" {
		a.Label = DefaultLabel
	}
	if a.GroupsAttributeName == "" {
		a.GroupsAttributeName = DefaultGroupsAttributeName
	}
	if a.SPEntityID == "" {
		a.SPEntityID = a.ACSURL
	}
	if a.ACSURL == "" {
		a.ACSURL = a.SPEntityID
	}
	if a.IdPEntityID == "" && a.SPEntityID != "" {
		if u, err := url.Parse(a.SPEntityID); err == nil && u.Host != "" {
			a.IdPEntityID = u.Scheme + "://" + u.Host + "/"
		}
	}
	if a.SCIMUserName == "" {
		a.SCIMUserName = FieldEmail
	}
	if a.NameIDField == "" {
		a.NameIDField = FieldEmail
	}
	if a.NameIDFormat == "" {
		a.NameIDFormat = UnspecifiedNameIDFormat
	}
	a.Attributes = slices.Clone(a.Attributes)
	a.BoundGroups = slices.Clone(a.BoundGroups)
	return a
}

// IdPOptions configures an IdP.
type IdPOptions struct {
	// BaseURL is where Handler is served, e.g. https://127.0.0.1:8443
	// (no trailing slash needed). Required.
	BaseURL string
	// Org is the organization name in the certificate subject (O=).
	// Default "JumpCloud".
	Org string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// KeyBits is the RSA key size; 0 means 4096 like JumpCloud. Tests use
	// 2048 to save time.
	KeyBits int
	// Users are the organization's users.
	Users []User
	// App is the Cloudflare Access application.
	App App
}

// IdP is the sandbox's JumpCloud: one organization with one "Cloudflare
// Access" SSO application. It is safe for concurrent use.
type IdP struct {
	baseURL string
	org     string
	now     func() time.Time
	keyBits int

	scimMu sync.Mutex // serializes SCIM pushes

	mu      sync.Mutex
	key     *rsa.PrivateKey
	cert    *x509.Certificate
	app     App
	users   []User
	skew    time.Duration
	scim    scimState
	pending map[string]time.Time // login form id -> when the form was shown
	events  []Event

	api adminAPIState // the admin API's key and knobs, never saved
}

// Event is something the IdP did that an admin would see in JumpCloud's
// Directory Insights: a login, a denial, an error.
type Event struct {
	At     time.Time
	Type   string // "sso_auth" (assertion issued), "sso_denied", "sso_error", "login_failed"
	Email  string
	Detail string
}

// NewIdP makes an IdP with a fresh signing certificate whose notBefore is
// now (JumpCloud generates it when the application is activated).
func NewIdP(o IdPOptions) (*IdP, error) {
	p, err := newIdP(o)
	if err != nil {
		return nil, err
	}
	key, cert, err := NewCertificate(p.org, p.now(), p.keyBits)
	if err != nil {
		return nil, fmt.Errorf("jumpcloud: generating the signing certificate: %w", err)
	}
	p.key, p.cert = key, cert
	return p, nil
}

// newIdP makes an IdP without a certificate.
func newIdP(o IdPOptions) (*IdP, error) {
	base := strings.TrimRight(o.BaseURL, "/")
	u, err := url.Parse(base)
	if base == "" || err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("jumpcloud: IdPOptions.BaseURL %q is not an absolute http(s) URL", o.BaseURL)
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	p := &IdP{
		baseURL: base,
		org:     o.Org,
		now:     func() time.Time { return now().UTC() },
		keyBits: o.KeyBits,
		app:     o.App.normalized(),
		users:   cloneUsers(o.Users),
		pending: map[string]time.Time{},
	}
	if p.org == "" {
		p.org = "JumpCloud"
	}
	if p.keyBits == 0 {
		p.keyBits = 4096
	}
	return p, nil
}

func cloneUsers(users []User) []User {
	out := make([]User, len(users))
	for i, u := range users {
		u.Groups = slices.Clone(u.Groups)
		out[i] = u
	}
	return out
}

// BaseURL returns the URL Handler is served at.
func (p *IdP) BaseURL() string { return p.baseURL }

// SSOURL returns the application's SSO URL, <BaseURL>/saml2/<label>: the
// sso_target_url to give Cloudflare.
func (p *IdP) SSOURL() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ssoURL(p.app)
}

func (p *IdP) ssoURL(app App) string { return p.baseURL + "/saml2/" + url.PathEscape(app.Label) }

// MetadataURL returns where the metadata export is served,
// <SSO URL>/metadata.
func (p *IdP) MetadataURL() string { return p.SSOURL() + "/metadata" }

// Export returns what "Export Metadata" gives for the application: the IdP
// Entity ID, the SSO URL, the current certificate, with the Redirect binding
// declared.
func (p *IdP) Export() Export {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Export{EntityID: p.app.IdPEntityID, SSOURL: p.ssoURL(p.app), Cert: p.cert, DeclareRedirect: true, NameIDFormat: p.app.NameIDFormat}
}

// MetadataXML returns the metadata export (Export().MetadataXML()).
func (p *IdP) MetadataXML() []byte { return p.Export().MetadataXML() }

// Certificate returns the current signing certificate.
func (p *IdP) Certificate() *x509.Certificate {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cert
}

// App returns the application's configuration, defaults filled.
func (p *IdP) App() App {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.app.normalized()
}

// SetApp replaces the application's configuration (the admin saved the SSO
// or User Groups tab). Empty fields take the defaults documented on App.
func (p *IdP) SetApp(a App) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.app = a.normalized()
}

// Users returns the organization's users.
func (p *IdP) Users() []User {
	p.mu.Lock()
	defer p.mu.Unlock()
	return cloneUsers(p.users)
}

// SetUsers replaces the organization's users.
func (p *IdP) SetUsers(users []User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.users = cloneUsers(users)
}

// Events returns what the IdP did, oldest first (the last 1000).
func (p *IdP) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.events)
}

func (p *IdP) event(typ, email, detail string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, Event{At: p.now(), Type: typ, Email: email, Detail: detail})
	if len(p.events) > maxEvents {
		p.events = slices.Delete(p.events, 0, len(p.events)-maxEvents)
	}
}

// maxEvents is how many events the IdP keeps.
const maxEvents = 1000

// RegenerateCertificate replaces the signing key and certificate ("Regenerate
// certificate" regenerates both). The certificate is valid for five years
// from notBefore: a notBefore six years ago gives an expired certificate.
// Cloudflare keeps trusting the certificate it was given, so the metadata
// must be uploaded again.
func (p *IdP) RegenerateCertificate(notBefore time.Time) error {
	p.mu.Lock()
	org, bits := p.org, p.keyBits
	p.mu.Unlock()
	key, cert, err := NewCertificate(org, notBefore, bits)
	if err != nil {
		return fmt.Errorf("jumpcloud: regenerating the certificate: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.key, p.cert = key, cert
	return nil
}

// SetClockSkew sets how far the IdP's clock is off: the assertion times
// (IssueInstant, NotBefore, NotOnOrAfter) are computed from Now()+d.
func (p *IdP) SetClockSkew(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.skew = d
}

// ClockSkew returns the skew set by SetClockSkew.
func (p *IdP) ClockSkew() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.skew
}

// findUser returns the user with that email (case-insensitive). p.mu must
// be held.
func (p *IdP) findUser(email string) (User, bool) {
	for _, u := range p.users {
		if strings.EqualFold(u.Email, strings.TrimSpace(email)) {
			u.Groups = slices.Clone(u.Groups)
			return u, true
		}
	}
	return User{}, false
}

// bound reports whether u is in one of the application's bound groups.
func (a App) bound(u User) bool {
	for _, g := range u.Groups {
		if slices.Contains(a.BoundGroups, g) {
			return true
		}
	}
	return false
}

// boundUsers returns the users of users that are bound to the application.
func (a App) boundUsers(users []User) []User {
	var out []User
	for _, u := range users {
		if a.bound(u) {
			out = append(out, u)
		}
	}
	return out
}

// objectID is a stable JumpCloud-style id (24 hex characters, like a Mongo
// ObjectId) for a user or group of the organization.
func objectID(org, kind, name string) string {
	sum := sha256.Sum256([]byte(org + "\x00" + kind + "\x00" + strings.ToLower(name)))
	return hex.EncodeToString(sum[:12])
}

// UserID returns the JumpCloud id of the user with that email (the SCIM
// externalId JumpCloud sends).
func (p *IdP) UserID(email string) string { return objectID(p.org, "user", email) }

// GroupID returns the JumpCloud id of the named user group.
func (p *IdP) GroupID(name string) string { return objectID(p.org, "group", name) }

var errNotConfigured = errors.New("the application has no SP Entity ID / ACS URL configured")

// Handler serves the IdP:
//
//	GET|POST /saml2/<label>          the SSO URL: SP-initiated (SAMLRequest with
//	                                  the Redirect or POST binding) or, without a
//	                                  SAMLRequest, IdP-initiated login; shows the
//	                                  login form, then posts the SAMLResponse
//	GET      /saml2/<label>/metadata the metadata export
//	         /api/...                 the admin API (adminapi.go)
//	GET      /                       a small page describing the application
func (p *IdP) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /saml2/{label}/metadata", p.ifAppExists(p.serveMetadata))
	mux.HandleFunc("/saml2/{label}", p.ifAppExists(p.serveSSO))
	mux.Handle("/api/", p.adminAPI())
	mux.HandleFunc("GET /{$}", p.serveIndex)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErrorPage(w, http.StatusNotFound, "Page not found", "There is no page at "+r.URL.Path+".")
	})
	return mux
}

func (p *IdP) serveMetadata(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	app := p.app
	p.mu.Unlock()
	if r.PathValue("label") != app.Label {
		writeErrorPage(w, http.StatusNotFound, "Application not found", "No SSO application uses the label "+r.PathValue("label")+".")
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Disposition", `attachment; filename="JumpCloud-saml2-metadata.xml"`)
	_, _ = w.Write(p.MetadataXML())
}

// StartTLS makes an IdP with o and serves it on a new loopback httptest TLS
// server, which the caller closes. An empty o.BaseURL is set to the server's
// URL. The server's Client() trusts its certificate (httptest servers share
// one certificate, so it also trusts cfapi.StartTLS's server).
func StartTLS(o IdPOptions) (*IdP, *httptest.Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	if o.BaseURL == "" {
		o.BaseURL = "https://" + ln.Addr().String()
	}
	p, err := NewIdP(o)
	if err != nil {
		_ = ln.Close()
		return nil, nil, err
	}
	ts := &httptest.Server{
		Listener: ln,
		Config:   &http.Server{Handler: p.Handler(), ErrorLog: log.New(io.Discard, "", 0), ReadHeaderTimeout: 10 * time.Second},
	}
	ts.StartTLS()
	return p, ts, nil
}
