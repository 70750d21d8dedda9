package model

import "slices"

// Inputs are the admin's answers: everything the setup needs that is not a
// secret. The config file decodes into it (YAML keys) and the session stores
// it (JSON keys), so the two can never drift apart.
type Inputs struct {
	Team       string     `yaml:"team" json:"team"`
	TeamDomain string     `yaml:"team_domain" json:"team_domain,omitempty"`
	AccountID  string     `yaml:"account_id" json:"account_id,omitempty"`
	IdP        IdPInputs  `yaml:"idp" json:"idp"`
	SCIM       SCIMInputs `yaml:"scim" json:"scim"`
	// JumpCloud is used only when jcaccess is given a JumpCloud API key.
	JumpCloud JumpCloudInputs `yaml:"jumpcloud" json:"jumpcloud,omitzero"`
}

// JumpCloudInputs say which JumpCloud SSO application is this setup's and
// which user groups may sign in through it.
type JumpCloudInputs struct {
	// AppLabel is the application's display label, used to find it when
	// no application has this team's ACS URL or SP Entity ID, and to name
	// one jcaccess creates ("" means "Cloudflare Access").
	AppLabel string `yaml:"app_label" json:"app_label,omitempty"`
	// Groups are the names of the user groups to bind to the application;
	// each must name exactly one JumpCloud user group.
	Groups []string `yaml:"groups" json:"groups,omitempty"`
	// Changes lets apply create or fix the application and bind Groups
	// through JumpCloud's API (--jumpcloud-changes); off, jcaccess only
	// reads JumpCloud and the admin makes the changes in the console. It
	// is a permission for one run (flag or config), so the session does
	// not keep it: a later run without it only reads JumpCloud.
	Changes bool `yaml:"changes" json:"-"`
}

// IdPInputs configure the Cloudflare SAML login method.
type IdPInputs struct {
	Name               string            `yaml:"name" json:"name"`
	Metadata           string            `yaml:"metadata" json:"metadata"` // file path or https URL
	Attributes         []string          `yaml:"attributes" json:"attributes"`
	EmailAttributeName string            `yaml:"email_attribute_name" json:"email_attribute_name"`
	SignRequest        bool              `yaml:"sign_request" json:"sign_request"`
	HeaderAttributes   []HeaderAttribute `yaml:"header_attributes" json:"header_attributes,omitempty"`
}

// EmailAttribute is the SAML attribute Access reads the email from:
// email_attribute_name, or DefaultEmailAttribute when it is empty.
func (in IdPInputs) EmailAttribute() string {
	if in.EmailAttributeName != "" {
		return in.EmailAttributeName
	}
	return DefaultEmailAttribute
}

// HeaderAttribute passes a SAML attribute to origins as a request header.
type HeaderAttribute struct {
	AttributeName string `yaml:"attribute_name" json:"attribute_name"`
	HeaderName    string `yaml:"header_name" json:"header_name"`
}

// SCIMInputs configure provisioning on the Cloudflare side.
type SCIMInputs struct {
	Enabled                bool   `yaml:"enabled" json:"enabled"`
	UserDeprovision        bool   `yaml:"user_deprovision" json:"user_deprovision"`
	SeatDeprovision        bool   `yaml:"seat_deprovision" json:"seat_deprovision"`
	IdentityUpdateBehavior string `yaml:"identity_update_behavior" json:"identity_update_behavior"`
}

// Identity update behaviours Cloudflare accepts.
const (
	UpdateAutomatic = "automatic"
	UpdateReauth    = "reauth"
	UpdateNoAction  = "no_action"
)

// DefaultEmailAttribute is the SAML attribute Access reads the user's email
// from when email_attribute_name is empty.
const DefaultEmailAttribute = "email"

// DefaultInputs are what an admin following the Cloudflare guide ends up
// with: a login method named JumpCloud that passes groups to Access, and SCIM
// on with user deprovisioning.
//
// The email (sources in docs/reference/jumpcloud.md §2, "What Access needs
// in the assertion"): Access takes it from a SAML attribute; no Cloudflare
// document says it falls back to the NameID. Cloudflare's troubleshooting
// page calls
// the "email" attribute mandatory ("Required attributes are missing ...
// verify that your IdP is sending the mandatory email attribute";
// cloudflare-docs partials/cloudflare-one/troubleshooting/access.mdx), its
// generic SAML page says "Email attribute name" is for IdPs that name it
// otherwise, and its JumpCloud API example leaves email_attribute_name
// empty while listing "email" among the attributes
// (docs/reference/cloudflare-jumpcloud-saml.md), so empty means "email".
// The default writes that name out rather than relying on what empty
// means, and the jumpcloud-app step has the admin map it (JumpCloud's
// mapping starts empty, and the current Cloudflare guide calls it
// optional; the older Cloudflare JumpCloud guide had the admin add
// "email" = email and NameID email, format emailAddress, which is what
// the step asks for). Harsher where unknown: the sandbox's Access does not
// fall back to the NameID either.
func DefaultInputs() Inputs {
	return Inputs{
		IdP: IdPInputs{
			Name:               "JumpCloud",
			Attributes:         []string{"groups"},
			EmailAttributeName: DefaultEmailAttribute,
		},
		SCIM: SCIMInputs{
			Enabled:                true,
			UserDeprovision:        true,
			IdentityUpdateBehavior: UpdateAutomatic,
		},
	}
}

// CloudflareAccessSuffix is the parent domain of every team domain.
const CloudflareAccessSuffix = ".cloudflareaccess.com"

// Domain is the team domain: team_domain when set (a custom or sandbox
// domain), else <team>.cloudflareaccess.com.
func (in Inputs) Domain() string {
	if in.TeamDomain != "" {
		return in.TeamDomain
	}
	if in.Team == "" {
		return ""
	}
	return in.Team + CloudflareAccessSuffix
}

// IdPEntityID is the value the guide asks for in JumpCloud's IdP Entity ID.
func (in Inputs) IdPEntityID() string { return "https://" + in.Domain() + "/" }

// CallbackURL is the SP Entity ID and ACS URL to set in JumpCloud.
func (in Inputs) CallbackURL() string { return "https://" + in.Domain() + "/cdn-cgi/access/callback" }

// Clone is a copy that shares no slice with in.
func (in Inputs) Clone() Inputs {
	in.IdP.Attributes = slices.Clone(in.IdP.Attributes)
	in.IdP.HeaderAttributes = slices.Clone(in.IdP.HeaderAttributes)
	in.JumpCloud.Groups = slices.Clone(in.JumpCloud.Groups)
	return in
}
