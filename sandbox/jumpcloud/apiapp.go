package jumpcloud

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The V1 application object (docs/reference/jumpcloud-api.md §5) over the
// IdP's App: the object a client sent is stored (App.APIObject), and the
// values the SSO endpoint acts on are read from and written to App and the
// signing pair, so the API and the SSO URL never disagree.

// configField maps a config entry whose value the SSO endpoint uses to
// App. Each entry is a UI field object whose value sits in .value (§5).
type configField struct {
	key, label string
	isBool     bool
	// isRows: the value is the attribute mapping, [{name, value}].
	isRows bool
	get    func(App) any
	set    func(*App, any)
}

// appFields are the config entries the sandbox interprets. Every other
// entry (signAssertion, constantAttributes, ...) is kept as sent.
// includeGroups/groupsAttributeName, subjectField and overrideNameIdFormat
// are in JumpCloud's PowerShell config definition only (§5), which the
// excerpt carries. databaseAttributes' rows {name, value} are the SSO tab's
// User Attribute Mapping: name the attribute the service provider receives,
// value the JumpCloud user field ([I] from §5's shape; the console's two
// columns).
var appFields = []configField{
	{key: "idpEntityId", label: "IdP Entity ID", get: func(a App) any { return a.IdPEntityID }, set: func(a *App, v any) { a.IdPEntityID = v.(string) }},
	{key: "spEntityId", label: "SP Entity ID", get: func(a App) any { return a.SPEntityID }, set: func(a *App, v any) { a.SPEntityID = v.(string) }},
	{key: "acsUrl", label: "ACS URL", get: func(a App) any { return a.ACSURL }, set: func(a *App, v any) { a.ACSURL = v.(string) }},
	{key: "includeGroups", label: "Include group attribute", isBool: true, get: func(a App) any { return a.IncludeGroups }, set: func(a *App, v any) { a.IncludeGroups = v.(bool) }},
	{key: "groupsAttributeName", label: "Group attribute name", get: func(a App) any { return a.GroupsAttributeName }, set: func(a *App, v any) { a.GroupsAttributeName = v.(string) }},
	{key: "subjectField", label: "SAMLSubject NameID", get: func(a App) any { return a.NameIDField }, set: func(a *App, v any) { a.NameIDField = v.(string) }},
	{key: "overrideNameIdFormat", label: "SAMLSubject NameID Format", get: func(a App) any { return a.NameIDFormat }, set: func(a *App, v any) { a.NameIDFormat = v.(string) }},
	{key: "databaseAttributes", label: "User Attribute Mapping", isRows: true, get: func(a App) any { return slices.Clone(a.Attributes) }, set: func(a *App, v any) { a.Attributes = v.([]AttributeMapping) }},
}

// The signing pair's entries: PEM text. Whether the real API returns the
// key in clear is [U] (§6, §11.1); the sandbox does, the harsher case, so a
// client must treat every application response as secret.
const (
	certField = "idpCertificate"
	keyField  = "idpPrivateKey"
)

// appID is the application's _id: the pre-made app's is derived from the
// organization and label, like the sandbox's other object ids.
func (p *IdP) appID(app App) string {
	if app.ID != "" {
		return app.ID
	}
	return objectID(p.org, "application", app.Label)
}

// ifAppExists answers 404 for the SSO URL and metadata export while the
// organization has no application.
func (p *IdP) ifAppExists(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		missing := p.app.Missing
		p.mu.Unlock()
		if missing {
			writeErrorPage(w, http.StatusNotFound, "Application not found", "No SSO application uses the label "+r.PathValue("label")+".")
			return
		}
		h(w, r)
	}
}

// appObject renders the application as the API returns it.
func (p *IdP) appObject(app App, cert *x509.Certificate, key *rsa.PrivateKey) map[string]any {
	obj := map[string]any{}
	src := app.APIObject
	if len(src) == 0 {
		src = defaultAppObject
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber() // numbers a client sent come back as sent
	_ = dec.Decode(&obj)
	obj["_id"] = p.appID(app)
	obj["organization"] = p.OrganizationID()
	obj["ssoUrl"] = p.ssoURL(app)
	cfg, _ := obj["config"].(map[string]any)
	if cfg == nil {
		cfg = map[string]any{}
	}
	setValue := func(k, label string, v any) {
		entry, _ := cfg[k].(map[string]any)
		if entry == nil {
			// The field exists with its default even when a PUT left it
			// out ("reset or created with default values", §6).
			typ := "text"
			if _, isBool := v.(bool); isBool {
				typ = "checkbox"
			}
			entry = map[string]any{"label": label, "type": typ, "visible": true, "readOnly": false, "required": false}
		}
		entry["value"] = v
		cfg[k] = entry
	}
	for _, f := range appFields {
		v := f.get(app)
		if f.isRows {
			rows := []map[string]any{}
			for _, m := range v.([]AttributeMapping) {
				rows = append(rows, map[string]any{"name": m.Name, "value": m.UserField})
			}
			v = rows
		}
		setValue(f.key, f.label, v)
	}
	setValue(certField, "IdP Certificate", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})))
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	setValue(keyField, "IdP Private Key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	obj["config"] = cfg
	sso, _ := obj["sso"].(map[string]any)
	if sso == nil {
		sso = map[string]any{}
	}
	if _, ok := sso["type"]; !ok {
		sso["type"] = "saml"
	}
	sso["idpCertExpirationAt"] = cert.NotAfter.UTC().Format(time.RFC3339)
	sso["idpCertificateUpdatedAt"] = cert.NotBefore.UTC().Format(time.RFC3339)
	sso["idpPrivateKeyUpdatedAt"] = cert.NotBefore.UTC().Format(time.RFC3339)
	obj["sso"] = sso
	return obj
}

// defaultAppObject is the pre-made "Cloudflare Access" app's object, as
// the catalog connector would create it. Its name is the sandbox's guess:
// what name the connector carries is [U] (§5, §11.2).
var defaultAppObject = []byte(`{
 "name": "cloudflareaccess",
 "displayName": "Cloudflare Access",
 "displayLabel": "Cloudflare Access",
 "description": "",
 "active": true,
 "beta": false,
 "color": "#202D38",
 "learnMore": "",
 "logo": {"url": ""},
 "databaseAttributes": [],
 "sso": {"type": "saml", "beta": false, "hidden": false, "jit": false},
 "config": {
  "constantAttributes": {"label": "Constant attributes", "type": "constant_attributes", "value": [], "visible": true, "readOnly": false, "required": false, "mutable": true},
  "signAssertion": {"label": "Sign Assertion", "type": "checkbox", "value": true, "visible": true, "readOnly": false, "required": false},
  "signResponse": {"label": "Sign Response", "type": "checkbox", "value": false, "visible": true, "readOnly": false, "required": false}
 }
}`)

// appInput is a POST or PUT body, checked.
type appInput struct {
	stored json.RawMessage // what App.APIObject keeps
	label  string          // from ssoUrl
	values App             // the appFields' values; unsent ones zero
	cert   *x509.Certificate
	key    *rsa.PrivateKey // nil with cert nil: generate a new pair
}

// labelPattern is what the sandbox accepts as an SSO URL label.
var labelPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// readAppInput reads an application object. The spec requires config,
// name and ssoUrl (§5); the sandbox refuses a body without them with 400,
// as RAW declares for POST/PUT (§3). ssoBase is the SSO host's base URL,
// the only one an ssoUrl may be on (ssoLabel).
func readAppInput(r *http.Request, ssoBase string) (appInput, error) {
	var in appInput
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return in, fmt.Errorf("reading the body: %v", err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return in, errors.New("the body is not a JSON application object")
	}
	var name, ssoURL string
	if json.Unmarshal(obj["name"], &name) != nil || strings.TrimSpace(name) == "" {
		return in, errors.New("name: required, a non-empty string")
	}
	if json.Unmarshal(obj["ssoUrl"], &ssoURL) != nil || ssoURL == "" {
		return in, errors.New("ssoUrl: required, the SSO IdP URL https://<host>/saml2/<label>")
	}
	if in.label, err = ssoLabel(ssoURL, ssoBase); err != nil {
		return in, err
	}
	var cfg map[string]map[string]json.RawMessage
	if err := json.Unmarshal(obj["config"], &cfg); err != nil || cfg == nil {
		return in, errors.New("config: required, an object whose entries are field objects ({\"value\": ...})")
	}
	for _, f := range appFields {
		raw := cfg[f.key]["value"]
		if len(raw) == 0 || string(raw) == "null" {
			continue // not sent: reset (§6)
		}
		if f.isBool {
			var b bool
			if json.Unmarshal(raw, &b) != nil {
				return in, fmt.Errorf("config.%s.value: must be true or false", f.key)
			}
			f.set(&in.values, b)
			continue
		}
		if f.isRows {
			var rows []struct{ Name, Value string }
			if json.Unmarshal(raw, &rows) != nil {
				return in, fmt.Errorf("config.%s.value: must be a list of {\"name\": ..., \"value\": ...}", f.key)
			}
			var ms []AttributeMapping
			for _, r := range rows {
				if strings.TrimSpace(r.Name) == "" {
					return in, fmt.Errorf("config.%s.value: a row has no name (the attribute the service provider receives)", f.key)
				}
				ms = append(ms, AttributeMapping{Name: r.Name, UserField: r.Value})
			}
			f.set(&in.values, ms)
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return in, fmt.Errorf("config.%s.value: must be a string", f.key)
		}
		f.set(&in.values, s)
	}
	if v := in.values.ACSURL; v != "" {
		if u, err := url.Parse(v); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return in, fmt.Errorf("config.acsUrl.value: %q is not an absolute URL", v)
		}
	}
	if in.cert, in.key, err = readPair(cfg); err != nil {
		return in, err
	}
	// Keep the object without the values App and the signing pair hold
	// (the key must not sit in the object twice) or the server sets.
	for _, k := range append(fieldKeys(), certField, keyField) {
		if e, ok := cfg[k]; ok {
			delete(e, "value")
		}
	}
	delete(obj, "_id")
	delete(obj, "organization")
	c, _ := json.Marshal(cfg)
	obj["config"] = c
	in.stored, _ = json.Marshal(obj)
	return in, nil
}

func fieldKeys() []string {
	var ks []string
	for _, f := range appFields {
		ks = append(ks, f.key)
	}
	return ks
}

// ssoLabel is the label of an SSO IdP URL, <ssoBase>/saml2/<label>.
// JumpCloud's SSO IdP URLs live on its SSO host (jumpcloud.md §2: the
// default is https://sso.jumpcloud.com/saml2/<applicationname>); the
// sandbox's SSO host is its own base URL. What JumpCloud does with an
// ssoUrl on another host is not documented: the sandbox refuses it (400),
// the harsher choice, so a client that invents the host fails here rather
// than against the real service.
func ssoLabel(s, ssoBase string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("ssoUrl: %q is not an absolute URL", s)
	}
	base, err := url.Parse(ssoBase)
	if err != nil {
		return "", fmt.Errorf("ssoUrl: the SSO base URL %q does not parse: %v", ssoBase, err)
	}
	if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
		return "", fmt.Errorf("ssoUrl: %q is not on JumpCloud's SSO host: it must be %s/saml2/<label>", s, ssoBase)
	}
	label, ok := strings.CutPrefix(u.Path, strings.TrimRight(base.Path, "/")+"/saml2/")
	if !ok || !labelPattern.MatchString(label) {
		return "", fmt.Errorf("ssoUrl: %q is not %s/saml2/<label> (letters, digits, '.', '_' or '-')", s, ssoBase)
	}
	return label, nil
}

// readPair reads the signing pair a client sent. JumpCloud takes an
// uploaded certificate and key only as a pair (jumpcloud.md §2: uploading a
// certificate wipes the key), so one without the other is refused.
func readPair(cfg map[string]map[string]json.RawMessage) (*x509.Certificate, *rsa.PrivateKey, error) {
	var certPEM, keyPEM string
	_ = json.Unmarshal(cfg[certField]["value"], &certPEM)
	_ = json.Unmarshal(cfg[keyField]["value"], &keyPEM)
	if certPEM == "" && keyPEM == "" {
		return nil, nil, nil
	}
	if certPEM == "" || keyPEM == "" {
		return nil, nil, errors.New("config.idpCertificate.value and config.idpPrivateKey.value: send both (the certificate and its private key are a pair) or neither (a new pair is generated)")
	}
	cb, _ := pem.Decode([]byte(certPEM))
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, nil, errors.New("config.idpCertificate.value: not a PEM CERTIFICATE")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("config.idpCertificate.value: %v", err)
	}
	kb, _ := pem.Decode([]byte(keyPEM))
	if kb == nil {
		return nil, nil, errors.New("config.idpPrivateKey.value: not a PEM private key")
	}
	var key any
	switch kb.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(kb.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(kb.Bytes)
	default:
		err = fmt.Errorf("PEM type %q is not PRIVATE KEY or RSA PRIVATE KEY", kb.Type)
	}
	rk, isRSA := key.(*rsa.PrivateKey)
	if err != nil || !isRSA {
		return nil, nil, errors.New("config.idpPrivateKey.value: not an RSA private key")
	}
	if pub, ok := cert.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&rk.PublicKey) {
		return nil, nil, errors.New("config.idpPrivateKey.value: does not match config.idpCertificate.value; send the certificate's own key")
	}
	return cert, rk, nil
}

// apiState returns the application, its certificate and key.
func (p *IdP) apiState() (App, *x509.Certificate, *rsa.PrivateKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.app.normalized(), p.cert, p.key
}

// lookupApp answers 404 unless id is the organization's application.
func (p *IdP) lookupApp(w http.ResponseWriter, id string) (App, *x509.Certificate, *rsa.PrivateKey, bool) {
	app, cert, key := p.apiState()
	if app.Missing || id != p.appID(app) {
		apiError(w, http.StatusNotFound, "application "+id+" not found")
		return App{}, nil, nil, false
	}
	return app, cert, key, true
}

func (p *IdP) listApplications(w http.ResponseWriter, r *http.Request) {
	app, cert, key := p.apiState()
	items := []map[string]any{}
	if !app.Missing {
		items = append(items, p.appObject(app, cert, key))
	}
	// sort (default name) orders at most one application: nothing to do.
	v1List(w, r, items)
}

func (p *IdP) getApplication(w http.ResponseWriter, r *http.Request) {
	if app, cert, key, ok := p.lookupApp(w, r.PathValue("id")); ok {
		writeJSON(w, http.StatusOK, p.appObject(app, cert, key))
	}
}

// pair returns the signing pair to install: the one sent, or a new one.
// A PUT without the pair resets it (§6: "Any fields not provided will be
// reset"; whether the real one keeps the key is [U], §11.1, and the
// harsher reading breaks the certificate Cloudflare pinned).
func (p *IdP) pair(in appInput) (*x509.Certificate, *rsa.PrivateKey, error) {
	if in.cert != nil {
		return in.cert, in.key, nil
	}
	key, cert, err := NewCertificate(p.org, p.now(), p.keyBits)
	if err != nil {
		return nil, nil, fmt.Errorf("generating the signing certificate: %w", err)
	}
	return cert, key, nil
}

// createApplication is POST /applications. The sandbox's organization
// holds one SSO application (the one Cloudflare signs in with); a second
// is refused with 400, a limit of the sandbox, not of JumpCloud.
func (p *IdP) createApplication(w http.ResponseWriter, r *http.Request) {
	in, err := readAppInput(r, p.baseURL)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	cert, key, err := p.pair(in)
	if err != nil {
		apiError(w, http.StatusInternalServerError, err.Error())
		return
	}
	p.mu.Lock()
	if !p.app.Missing {
		p.mu.Unlock()
		apiError(w, http.StatusBadRequest, "the sandbox's JumpCloud holds one SSO application and it exists ("+p.appID(p.app.normalized())+"); PUT it, or DELETE it first")
		return
	}
	// A new application: its users are denied until groups are bound
	// (§7), and it has its own certificate (generated when it is
	// activated, jumpcloud.md §2). Everything else takes App's defaults.
	app := in.values
	app.Label, app.ID, app.APIObject = in.label, newObjectID(), in.stored
	p.app, p.cert, p.key = app.normalized(), cert, key
	out := p.app
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, p.appObject(out, cert, key))
}

// putApplication is PUT /applications/{id}: a full replacement (§6).
func (p *IdP) putApplication(w http.ResponseWriter, r *http.Request) {
	cur, _, _, ok := p.lookupApp(w, r.PathValue("id"))
	if !ok {
		return
	}
	in, err := readAppInput(r, p.baseURL)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	if in.label != cur.Label {
		// The SSO IdP URL is not editable after creation (jumpcloud.md §2).
		apiError(w, http.StatusBadRequest, fmt.Sprintf("ssoUrl: the label %q cannot change after the application is created (it is %q); delete and recreate the application to change it", in.label, cur.Label))
		return
	}
	cert, key, err := p.pair(in)
	if err != nil {
		apiError(w, http.StatusInternalServerError, err.Error())
		return
	}
	p.mu.Lock()
	if p.app.Missing || p.appID(p.app) != r.PathValue("id") { // deleted meanwhile
		p.mu.Unlock()
		apiError(w, http.StatusNotFound, "application "+r.PathValue("id")+" not found")
		return
	}
	// What the object does not hold stays: the bound groups (associations,
	// §7) and the Identity Management settings, which the API does not
	// offer (§10).
	app := p.app
	for _, f := range appFields {
		f.set(&app, f.get(in.values))
	}
	app.APIObject = in.stored
	p.app, p.cert, p.key = app.normalized(), cert, key
	out := p.app
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, p.appObject(out, cert, key))
}

// deleteApplication is DELETE /applications/{id}: 200 with the deleted
// object (§6). Its SSO URL stops answering and its bindings go with it.
func (p *IdP) deleteApplication(w http.ResponseWriter, r *http.Request) {
	app, cert, key, ok := p.lookupApp(w, r.PathValue("id"))
	if !ok {
		return
	}
	p.mu.Lock()
	keep := p.app
	p.app = App{Missing: true, Label: keep.Label}.normalized()
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, p.appObject(app, cert, key))
}

// newObjectID is a random JumpCloud-style id (24 hex characters).
func newObjectID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// apiMetadata is the undocumented metadata export (§9): the same XML as
// the SSO tab's Export Metadata. Status codes and content type are [U];
// the sandbox answers like the console export, and 404 for an unknown
// organization or application.
func (p *IdP) apiMetadata(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("org") != p.OrganizationID() {
		apiError(w, http.StatusNotFound, "organization "+r.PathValue("org")+" not found")
		return
	}
	if _, _, _, ok := p.lookupApp(w, r.PathValue("app")); !ok {
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	_, _ = w.Write(p.MetadataXML())
}

// The organization (GET /organizations, §4): one, the IdP's.
func (p *IdP) orgSummary() map[string]any {
	return map[string]any{"_id": p.OrganizationID(), "displayName": p.org, "logoUrl": ""}
}

func (p *IdP) listOrganizations(w http.ResponseWriter, r *http.Request) {
	v1List(w, r, []map[string]any{p.orgSummary()})
}

func (p *IdP) getOrganization(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != p.OrganizationID() {
		apiError(w, http.StatusNotFound, "organization "+r.PathValue("id")+" not found")
		return
	}
	org := p.orgSummary()
	delete(org, "logoUrl")
	writeJSON(w, http.StatusOK, org)
}
