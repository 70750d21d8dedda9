package cfapi

import (
	"fmt"
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

// refusal is why Access refuses the sign-in, or "". The message starts with
// Cloudflare's error and goes on to say which attribute lacked what, so the
// page a browser ends on names the fix.
func (c *samlIdP) refusal(a *saml.Assertion, l Login) string {
	var missing, why []string
	emailAttr := c.emailAttribute()
	if l.Email == "" {
		missing = append(missing, emailAttr)
		nameID := "none"
		if a.Subject != nil && a.Subject.NameID != nil {
			nameID = fmt.Sprintf("%q", a.Subject.NameID.Value)
		}
		why = append(why, fmt.Sprintf("The SAML response has no attribute %q carrying the user's email, and the login method reads the email from that attribute (email_attribute_name); the NameID (%s) is not used for the email. In JumpCloud's SSO tab, add a User Attribute Mapping row named %s with the value email", emailAttr, nameID, emailAttr))
	} else if !strings.Contains(l.Email, "@") {
		// GUESS: what Access does with a non-email value is not
		// documented; refusing is the harsher.
		return fmt.Sprintf("Invalid email: attribute %q carries %q, not an email address; in JumpCloud's User Attribute Mapping, map %s to the user's email", emailAttr, l.Email, emailAttr)
	}
	for _, name := range c.configuredAttributes() {
		if name == emailAttr || sent(l.Attributes, name) {
			continue
		}
		missing = append(missing, name)
		msg := fmt.Sprintf("%q is among the login method's SAML attributes, which the IdP must all send", name)
		if strings.EqualFold(name, groupsAttrName) {
			msg += " (JumpCloud sends it only with Include group attribute ticked and named groups, and only for a user in at least one group)"
		}
		why = append(why, msg)
	}
	if len(missing) == 0 {
		return ""
	}
	var got []string
	for name := range l.Attributes {
		got = append(got, name)
	}
	slices.Sort(got)
	received := "none"
	if len(got) > 0 {
		received = strings.Join(got, ", ")
	}
	return fmt.Sprintf("%s: %s. %s. Attributes received: %s.", errRequiredAttrs, strings.Join(missing, ", "), strings.Join(why, "; "), received)
}
