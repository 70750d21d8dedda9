package jumpcloud

import (
	"encoding/json"
	"net/http"
)

// The application catalog (GET /application-templates,
// docs/reference/jumpcloud-api.md §4, §5). The console's catalog has a
// "Cloudflare Access" connector (Cloudflare's JumpCloud guide: SSO
// Applications > Add New Application > search "Cloudflare" > Cloudflare
// Access; jumpcloud.md §2), and the templates endpoint lists the catalog,
// so the sandbox lists it, next to the generic custom SAML connector. Its
// name key and default config are [U] (§5, §11.2-3): JumpCloud's own
// article tells admins to replace YOURDOMAIN placeholders, so the
// template's values are placeholders, never a working configuration. The
// sandbox does not instantiate templates: POST /applications takes the
// object the client builds (how the real one links an app to its template
// is [U]).
var templates = []byte(`[
 {
  "_id": "5f0c5e4a1d3b2a0001c0ffe1",
  "name": "cloudflareaccess",
  "displayName": "Cloudflare Access",
  "displayLabel": "Cloudflare Access",
  "active": true,
  "beta": false,
  "isConfigured": false,
  "keywords": ["cloudflare", "zero trust", "access", "saml", "scim"],
  "learnMore": "https://developers.cloudflare.com/cloudflare-one/integrations/identity-providers/jumpcloud-saml/",
  "logo": {"url": ""},
  "provision": {"beta": false, "groups_supported": true, "type": "scim"},
  "sso": {"type": "saml"},
  "ssoUrl": "",
  "config": {
   "idpEntityId": {"label": "IdP Entity ID", "type": "text", "value": "https://YOURDOMAIN.cloudflareaccess.com/", "required": true, "visible": true, "readOnly": false},
   "spEntityId": {"label": "SP Entity ID", "type": "text", "value": "https://YOURDOMAIN.cloudflareaccess.com/cdn-cgi/access/callback", "required": true, "visible": true, "readOnly": false},
   "acsUrl": {"label": "ACS URL", "type": "text", "value": "https://YOURDOMAIN.cloudflareaccess.com/cdn-cgi/access/callback", "required": true, "visible": true, "readOnly": false},
   "constantAttributes": {"label": "Constant attributes", "type": "constant_attributes", "value": [], "visible": true, "readOnly": false, "required": false, "mutable": true}
  }
 },
 {
  "_id": "5f0c5e4a1d3b2a0001c0ffe2",
  "name": "custom-saml",
  "displayName": "Custom SAML App",
  "displayLabel": "Custom SAML App",
  "active": true,
  "beta": false,
  "isConfigured": false,
  "keywords": ["saml", "custom"],
  "learnMore": "",
  "logo": {"url": ""},
  "sso": {"type": "saml"},
  "ssoUrl": "",
  "config": {
   "idpEntityId": {"label": "IdP Entity ID", "type": "text", "value": "", "required": true, "visible": true, "readOnly": false},
   "spEntityId": {"label": "SP Entity ID", "type": "text", "value": "", "required": true, "visible": true, "readOnly": false},
   "acsUrl": {"label": "ACS URL", "type": "text", "value": "", "required": true, "visible": true, "readOnly": false}
  }
 }
]`)

// templateItems decodes the catalog afresh, so a caller may change what
// it gets.
func templateItems() []map[string]any {
	var items []map[string]any
	if err := json.Unmarshal(templates, &items); err != nil {
		panic("jumpcloud: the template catalog is not JSON: " + err.Error()) // a build defect
	}
	return items
}

func (p *IdP) listTemplates(w http.ResponseWriter, r *http.Request) {
	v1List(w, r, templateItems())
}

func (p *IdP) getTemplate(w http.ResponseWriter, r *http.Request) {
	for _, t := range templateItems() {
		if t["_id"] == r.PathValue("id") {
			writeJSON(w, http.StatusOK, t)
			return
		}
	}
	apiError(w, http.StatusNotFound, "application template "+r.PathValue("id")+" not found")
}
