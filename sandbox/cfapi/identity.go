package cfapi

import (
	"slices"
	"strings"

	"github.com/crewjam/saml"
)

// What Access makes of a verified SAML assertion, from Cloudflare's docs:
//
//   - the email comes from the attribute named config.email_attribute_name,
//     or "email" when that is empty: Cloudflare's troubleshooting page calls
//     the email attribute mandatory ("If you receive a `Required attributes
//     are missing` error during SAML authentication, verify that your IdP is
//     sending the mandatory email attribute"), and its generic SAML page's
//     "Email attribute name" exists for IdPs naming it otherwise. Whether
//     Access falls back to an email-looking NameID is not documented; the
//     sandbox does not (the harsher reading), so a JumpCloud app that only
//     sends the email as NameID fails here as it may in real life;
//   - "Any SAML attribute configured in the SAML integration must also be
//     sent from the IdP" (generic-saml.mdx, SAML attributes), with the same
//     error ("check for typos in attribute names (for example, groups vs
//     gropus)"). Names are compared exactly: case-insensitivity is
//     documented only for groups, so anything else is the harsher;
//   - groups come from the attribute named groups: "The naming must match
//     exactly (case insensitive)" (generic-saml.mdx, IdP groups).

// errRequiredAttrs is Cloudflare's documented error for a missing email or
// configured attribute.
const errRequiredAttrs = "Required attributes are missing"

// errInvalidEmail is the sandbox's own error for an email attribute that
// carries no email address: Cloudflare documents none for it (see refusal).
const errInvalidEmail = "Invalid email"

const (
	defaultEmailAttrName = "email"
	groupsAttrName       = "groups"
)

// receivedAttributes lists every attribute's values by name.
func receivedAttributes(a *saml.Assertion) map[string][]string {
	out := map[string][]string{}
	for _, st := range a.AttributeStatements {
		for _, attr := range st.Attributes {
			for _, v := range attr.Values {
				out[attr.Name] = append(out[attr.Name], v.Value)
			}
		}
	}
	return out
}

// emailAttribute is the attribute the login method reads the email from.
func (c *samlIdP) emailAttribute() string {
	if name := strings.TrimSpace(str(c.cfg, "email_attribute_name")); name != "" {
		return name
	}
	return defaultEmailAttrName
}

// configuredAttributes is config.attributes, the attributes the IdP must send.
func (c *samlIdP) configuredAttributes() []string {
	list, _ := c.cfg["attributes"].([]any)
	var out []string
	for _, v := range list {
		if name, isStr := v.(string); isStr && strings.TrimSpace(name) != "" {
			out = append(out, name)
		}
	}
	return out
}

// email is the first non-blank value of the email attribute.
func (c *samlIdP) email(attrs map[string][]string) string {
	for _, v := range attrs[c.emailAttribute()] {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// sent reports whether the IdP sent the attribute: by its exact name, or
// for groups in any case.
func sent(attrs map[string][]string, name string) bool {
	if _, ok := attrs[name]; ok {
		return true
	}
	if !strings.EqualFold(name, groupsAttrName) {
		return false
	}
	for got := range attrs {
		if strings.EqualFold(got, name) {
			return true
		}
	}
	return false
}

// groupsOf reads the groups attribute, its name matched case-insensitively.
func groupsOf(attrs map[string][]string) []string {
	var out []string
	for name, vs := range attrs {
		if strings.EqualFold(name, groupsAttrName) {
			out = append(out, vs...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// refusal is the error Access shows when it refuses the sign-in, or "".
//
// The page says only what Cloudflare documents: "Required attributes are
// missing" (the troubleshooting partial quoted above, docs/reference/
// jumpcloud.md §2 "What Access needs in the assertion"). Whether the real
// page goes on to name the missing attributes, or what was received, is not
// documented; the harsher reading is that it does not, so what to fix in
// JumpCloud is for the tool to say, not this page. What was received stays
// in the recorded Login (Attributes), which the tests read.
func (c *samlIdP) refusal(l Login) string {
	if l.Email == "" {
		return errRequiredAttrs
	}
	if !strings.Contains(l.Email, "@") {
		// GUESS: what Access does with a non-email value in the email
		// attribute is not documented; refusing is the harsher, and the
		// page says no more than that the email is invalid.
		return errInvalidEmail
	}
	for _, name := range c.configuredAttributes() {
		if !sent(l.Attributes, name) {
			return errRequiredAttrs
		}
	}
	return ""
}
