package ui

import (
	"errors"
	"strings"

	"charm.land/huh/v2"

	"jcaccess/model"
	"jcaccess/steps"
)

// idpFields are the SAML login method's settings.
type idpFields struct {
	name, attrs, email string
	sign               bool
}

type idpHooks struct{ noHooks }

func newIdPStep(c *Common) Component {
	return newStepBase(c, steps.CloudflareIdP, &idpFields{}, idpHooks{})
}

func (f *idpFields) form(in model.Inputs, _ Snapshot) *huh.Form {
	f.name, f.attrs, f.email, f.sign = in.IdP.Name, strings.Join(in.IdP.Attributes, ", "), in.IdP.EmailAttributeName, in.IdP.SignRequest
	return huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("Login method name").Description("what users see on the Access login page").
			Value(&f.name).
			Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errors.New("name the login method (e.g. JumpCloud)")
				}
				return nil
			}),
		huh.NewInput().Title("SAML attributes").Description("comma-separated; groups lets policies use JumpCloud groups").
			Value(&f.attrs),
		huh.NewInput().Title("Email attribute name").Value(&f.email),
		huh.NewConfirm().Title("Sign SAML requests?").Inline(true).Value(&f.sign),
	))
}

func (f *idpFields) read(in *model.Inputs) *model.Secret {
	in.IdP.Name = strings.TrimSpace(f.name)
	in.IdP.Attributes = splitList(f.attrs)
	in.IdP.EmailAttributeName = strings.TrimSpace(f.email)
	in.IdP.SignRequest = f.sign
	return nil
}

func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (f *idpFields) complete(in model.Inputs, _ Snapshot) bool { return in.IdP.Name != "" }

func (f *idpFields) summary(in model.Inputs, _ Snapshot) [][2]string {
	attrs := strings.Join(in.IdP.Attributes, ", ")
	if attrs == "" {
		attrs = "(none)"
	}
	return [][2]string{
		{"Name", in.IdP.Name},
		{"Attributes", attrs},
		{"Email attribute", in.IdP.EmailAttributeName},
		{"Sign requests", yesNo(in.IdP.SignRequest)},
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// values show the login method as Cloudflare now holds it.
func (idpHooks) values(s Snapshot) (string, []steps.Value) {
	if s.IdP == nil {
		return "", nil
	}
	vs := []steps.Value{{Label: "Login method ID", Value: s.IdP.ID, Note: s.IdP.Name}}
	if s.IdP.Config.RedirectURL != "" {
		vs = append(vs, steps.Value{Label: "Redirect URL", Value: s.IdP.Config.RedirectURL})
	}
	if s.IdP.SCIMConfig.Enabled {
		vs = append(vs, steps.Value{Label: "SCIM", Note: "enabled; its endpoint and secret are on the next steps"})
	}
	return "In Cloudflare now", vs
}
