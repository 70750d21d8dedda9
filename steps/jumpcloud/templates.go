package jumpcloud

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
)

// CatalogName is the display name of the catalog connector Cloudflare's
// guide has the admin add (jumpcloud.md §2: SSO Applications > Add New
// Application > "Cloudflare Access"). The catalog also holds a SaaS
// Management "Cloudflare" connector (jumpcloud.md §5, item 13): only this
// exact name is taken.
const CatalogName = "Cloudflare Access"

// Template is a catalog connector (docs §5 applicationtemplate); it holds
// no key, so it is kept decoded for building a create body.
type Template struct {
	ID          string
	Name        string
	DisplayName string
	SSOURL      string
	raw         map[string]json.RawMessage
}

// FindTemplate returns the catalog connectors whose displayName is name
// (case-insensitive). The V1 filter form for templates is [U] (§3), so the
// catalog is paged and matched here.
func (c *Client) FindTemplate(ctx context.Context, name string) ([]Template, error) {
	const op = "list the application catalog"
	items, err := c.listV1(ctx, op, "/api/application-templates", nil)
	if err != nil {
		return nil, err
	}
	var out []Template
	for _, it := range items {
		var top map[string]json.RawMessage
		if json.Unmarshal(it, &top) != nil {
			return nil, unexpected(op, "a list of application templates", nil)
		}
		t := Template{raw: top}
		str(top["_id"], &t.ID)
		str(top["name"], &t.Name)
		str(top["displayName"], &t.DisplayName)
		str(top["ssoUrl"], &t.SSOURL)
		if strings.EqualFold(strings.TrimSpace(t.DisplayName), name) {
			out = append(out, t)
		}
	}
	return out, nil
}

// GetTemplate reads one catalog connector in full.
func (c *Client) GetTemplate(ctx context.Context, id string) (Template, error) {
	op := "read catalog connector " + id
	raw, err := c.do(ctx, request{op: op, method: "GET", path: "/api/application-templates/" + url.PathEscape(id)})
	if err != nil {
		return Template{}, err
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil || top == nil {
		return Template{}, unexpected(op, "an application template", nil)
	}
	t := Template{raw: top}
	str(top["_id"], &t.ID)
	str(top["name"], &t.Name)
	str(top["displayName"], &t.DisplayName)
	str(top["ssoUrl"], &t.SSOURL)
	return t, nil
}

// secretConfigKeys are config entries a create body never copies from a
// template: JumpCloud generates the signing pair when the application is
// activated (jumpcloud.md §2), and a key in a plan would be a leak.
var secretConfigKeys = []string{"idpPrivateKey", "idpCertificate", "spCertificate"}

// ssoName is the SSO IdP URL's last part: the connector's name when it is
// one word of letters and digits, else the label's letters and digits.
func ssoName(name, label string) string {
	clean := func(s string) string {
		var b strings.Builder
		for _, r := range strings.ToLower(s) {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	if n := clean(name); n != "" && n == strings.ToLower(name) {
		return n
	}
	if n := clean(label); n != "" {
		return n
	}
	return "cloudflareaccess"
}

// CreateBody is a new application built from the catalog connector: its
// name (which ties the application to the connector), its config with the
// patched values set, and the display label. How JumpCloud instantiates a
// connector through the API is [U] (docs §5, §11.3): copying the
// template's name and config is the documented object's shape; the
// template's identity and catalog-only members (_id, isConfigured, status,
// keywords, test, provision, oidc, jit) are not copied.
//
// ssoUrl is required (docs §5) and cannot change after creation
// (jumpcloud.md §2): when the connector carries none, it is what the
// console fills in, https://<SSO host>/saml2/<application name>.
func (t Template) CreateBody(label, ssoHost string, patch ConfigPatch) (json.RawMessage, error) {
	top := map[string]json.RawMessage{}
	for _, k := range []string{"name", "displayName", "ssoUrl", "sso", "logo", "color", "learnMore", "beta", "description"} {
		if v, ok := t.raw[k]; ok {
			top[k] = v
		}
	}
	if !strings.Contains(t.SSOURL, "/saml2/") {
		u, _ := json.Marshal(ssoHost + "/saml2/" + ssoName(t.Name, label))
		top["ssoUrl"] = u
	}
	cfg := configOf(t.raw)
	for _, k := range secretConfigKeys {
		delete(cfg, k)
	}
	if cfg == nil {
		cfg = map[string]json.RawMessage{}
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	top["config"] = b
	lb, _ := json.Marshal(label)
	top["displayLabel"] = lb
	return applyPatch(top, patch)
}
