// Package cloudflare is jcaccess's client for the Cloudflare API: the few
// endpoints jcaccess calls, over net/http. Writes send the exact bytes of a
// planned model.Change, so apply does what plan showed.
//
// It does not use cloudflare-go: that SDK's zero_trust package alone
// registers its union types in over a hundred init functions and its root
// client links every Cloudflare service, which made the binary 100 MB and
// cost milliseconds of start-up for every command. Retries and the error
// envelope follow the SDK's behaviour.
package cloudflare

import (
	"encoding/json"
	"time"

	"jcaccess/model"
)

// PermAccessWrite is the token permission every write needs (and every read
// accepts). Errors name it because the dashboard spells it this way.
const PermAccessWrite = "Access: Organizations, Identity Providers, and Groups Write"

// PermSCIMLogsRead is needed only to read the SCIM update logs.
const PermSCIMLogsRead = "Access: SCIM Logs Read"

// IdP is a SAML identity provider as the API returns it. It is decoded from
// the raw JSON because identity providers of other types share the list and
// their config may not fit SAMLConfig.
type IdP struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Type       string     `json:"type"`
	Config     SAMLConfig `json:"config"`
	SCIMConfig SCIMConfig `json:"scim_config"`
	// Raw is the object as the API sent it, so an update can keep the fields
	// jcaccess does not manage (PUT replaces the whole object).
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the raw object next to the decoded fields.
func (p *IdP) UnmarshalJSON(b []byte) error {
	type plain IdP
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = IdP(v)
	p.Raw = append(json.RawMessage(nil), b...)
	if !p.SCIMConfig.Secret.IsZero() {
		// The secret must only ever sit in the Secret field.
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		if sc, ok := obj["scim_config"].(map[string]any); ok {
			delete(sc, "secret")
		}
		raw, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		p.Raw = raw
	}
	return nil
}

// SAMLConfig is the config object of a SAML IdP.
type SAMLConfig struct {
	IssuerURL          string                  `json:"issuer_url"`
	SSOTargetURL       string                  `json:"sso_target_url"`
	IdPPublicCerts     []string                `json:"idp_public_certs"`
	SignRequest        bool                    `json:"sign_request"`
	EmailAttributeName string                  `json:"email_attribute_name"`
	Attributes         []string                `json:"attributes"`
	HeaderAttributes   []model.HeaderAttribute `json:"header_attributes"`
	RedirectURL        string                  `json:"redirect_url,omitempty"`
}

// SCIMConfig is the scim_config object. Secret is filled only by the
// response that enables SCIM (or refreshes the secret); reads redact it.
type SCIMConfig struct {
	Enabled                bool         `json:"enabled"`
	UserDeprovision        bool         `json:"user_deprovision"`
	SeatDeprovision        bool         `json:"seat_deprovision"`
	IdentityUpdateBehavior string       `json:"identity_update_behavior"`
	SCIMBaseURL            string       `json:"scim_base_url,omitempty"`
	Secret                 model.Secret `json:"secret,omitzero"`
}

// IdPRequest is the body of a create or update: only writable fields, and
// never a secret.
type IdPRequest struct {
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Config     SAMLConfigRequest `json:"config"`
	SCIMConfig SCIMConfigRequest `json:"scim_config"`
}

// SAMLConfigRequest is the writable part of SAMLConfig.
type SAMLConfigRequest struct {
	IssuerURL          string                  `json:"issuer_url"`
	SSOTargetURL       string                  `json:"sso_target_url"`
	IdPPublicCerts     []string                `json:"idp_public_certs"`
	SignRequest        bool                    `json:"sign_request"`
	EmailAttributeName string                  `json:"email_attribute_name"`
	Attributes         []string                `json:"attributes"`
	HeaderAttributes   []model.HeaderAttribute `json:"header_attributes"`
}

// SCIMConfigRequest is the writable part of SCIMConfig.
type SCIMConfigRequest struct {
	Enabled                bool   `json:"enabled"`
	UserDeprovision        bool   `json:"user_deprovision"`
	SeatDeprovision        bool   `json:"seat_deprovision"`
	IdentityUpdateBehavior string `json:"identity_update_behavior"`
}

// Request returns the writable part of an existing IdP, the base of an update
// (PUT replaces the whole object).
func (p IdP) Request() IdPRequest {
	return IdPRequest{
		Name: p.Name,
		Type: p.Type,
		Config: SAMLConfigRequest{
			IssuerURL:          p.Config.IssuerURL,
			SSOTargetURL:       p.Config.SSOTargetURL,
			IdPPublicCerts:     p.Config.IdPPublicCerts,
			SignRequest:        p.Config.SignRequest,
			EmailAttributeName: p.Config.EmailAttributeName,
			Attributes:         p.Config.Attributes,
			HeaderAttributes:   p.Config.HeaderAttributes,
		},
		SCIMConfig: SCIMConfigRequest{
			Enabled:                p.SCIMConfig.Enabled,
			UserDeprovision:        p.SCIMConfig.UserDeprovision,
			SeatDeprovision:        p.SCIMConfig.SeatDeprovision,
			IdentityUpdateBehavior: p.SCIMConfig.IdentityUpdateBehavior,
		},
	}
}

// Account is one account the token can see.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Organization is the Zero Trust organization of an account.
type Organization struct {
	AuthDomain string
	Name       string
}

// TokenStatus is the result of a token verify.
type TokenStatus struct {
	ID        string
	Status    string // active, disabled, expired
	ExpiresOn time.Time
	Owner     string // "account" or "user": which verify endpoint knew it
}

// SCIMLogEntry is one SCIM update log line.
type SCIMLogEntry struct {
	LoggedAt          time.Time
	Status            string
	RequestMethod     string
	ResourceType      string
	ResourceUserEmail string
	ResourceGroupName string
	ErrorDescription  string
	RequestBody       string // the request's JSON body, as logged (request_body)
}

// PermAuditLogsRead is the permission the Zero Trust users list accepts
// (docs/reference/cloudflare-api.md §11): jcaccess reads who signed in.
const PermAuditLogsRead = "Access: Audit Logs Read"

// AccessUser is one Zero Trust user: someone who signed in to Access
// (Cloudflare creates the user on the first sign-in). Fields the API leaves
// out stay zero.
type AccessUser struct {
	ID                  string
	Email               string
	Name                string
	CreatedAt           time.Time
	LastSuccessfulLogin time.Time
}

// Identity is the identity Access last saw for a user: from which identity
// provider, and with which groups.
type Identity struct {
	Email   string
	IdPID   string
	IdPType string
	// Groups are the group names Access received; nil when the answer had
	// no groups field at all (the field is not in Cloudflare's schema,
	// §11), empty when it said none.
	Groups []string
}
