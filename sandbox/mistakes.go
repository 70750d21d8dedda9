package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"jcaccess/sandbox/jumpcloud"
)

// Mistake is one of the errors admins make in JumpCloud, which the sandbox
// can reproduce so the wizard's checks can be seen to catch them.
type Mistake string

const (
	// WrongEntityID: the callback URL typed into the IdP Entity ID field.
	WrongEntityID Mistake = "wrong-entity-id"
	// GroupsMisnamed: "Include group attribute" named other than groups.
	GroupsMisnamed Mistake = "groups-misnamed"
	// UserNotAssigned: the test user's group is not bound to the app.
	UserNotAssigned Mistake = "user-not-assigned"
	// ExpiredCertificate: the app's signing certificate has expired.
	ExpiredCertificate Mistake = "expired-certificate"
	// ClockSkew: JumpCloud's clock is ten minutes ahead.
	ClockSkew Mistake = "clock-skew"
	// UsernameNotEmail: Identity Management sends the JumpCloud username
	// (alice) as SCIM userName, as JumpCloud's generic SCIM mapping does
	// (username->userName, docs/reference/jumpcloud.md §3), not the email
	// Cloudflare identifies users by; the sandbox's Cloudflare refuses such
	// users (sandbox/cfapi/scim.go checkUserName).
	UsernameNotEmail Mistake = "username-not-email"
	// EmailNotMapped: no User Attribute Mapping row carries the email, as
	// after following Cloudflare's current JumpCloud guide, which calls the
	// attributes optional, with JumpCloud's empty default mapping
	// (sandbox/jumpcloud/idp.go App.Attributes). JumpCloud still sends the
	// email as NameID, but Access reads it from the attribute the login
	// method names (email_attribute_name), so the sign-in fails with
	// "Required attributes are missing" (sandbox/cfapi/identity.go).
	EmailNotMapped Mistake = "email-not-mapped"
	// AppMissing: the organization has no Cloudflare Access app yet. Its
	// SSO URL and metadata answer 404 and there is no metadata export
	// until the app is created through the admin API
	// (sandbox/jumpcloud/apiapp.go).
	AppMissing Mistake = "app-missing"
	// NoGroupBound: the app's User Groups tab binds no group, so JumpCloud
	// denies the app to every user ("users not bound are denied",
	// jumpcloud.md §2).
	NoGroupBound Mistake = "no-group-bound"
)

// Mistakes lists every knob, for help texts and flags.
func Mistakes() []Mistake {
	return []Mistake{WrongEntityID, GroupsMisnamed, UserNotAssigned, ExpiredCertificate, ClockSkew, UsernameNotEmail, EmailNotMapped, NoGroupBound, AppMissing}
}

// Make reproduces a mistake in JumpCloud, re-exports the metadata (as the
// admin would after changing the app) and saves the world.
func (sb *Sandbox) Make(m Mistake) error {
	jc := sb.JumpCloud
	app := jc.App()
	now := sb.opts.Now()
	switch m {
	case WrongEntityID:
		app.IdPEntityID = app.ACSURL
		jc.SetApp(app)
	case GroupsMisnamed:
		app.GroupsAttributeName = "memberOf"
		jc.SetApp(app)
	case UserNotAssigned:
		var keep []string
		for _, g := range app.BoundGroups {
			if !slices.Contains(userGroups(jc, LoginUser), g) {
				keep = append(keep, g)
			}
		}
		app.BoundGroups = keep
		jc.SetApp(app)
	case ExpiredCertificate:
		if err := jc.RegenerateCertificate(now.Add(-jumpcloud.CertValidity - 24*time.Hour)); err != nil {
			return err
		}
	case ClockSkew:
		jc.SetClockSkew(10 * time.Minute)
	case UsernameNotEmail:
		app.SCIMUserName = jumpcloud.FieldUsername
		jc.SetApp(app)
	case EmailNotMapped:
		var keep []jumpcloud.AttributeMapping
		for _, m := range app.Attributes {
			if m.UserField != jumpcloud.FieldEmail {
				keep = append(keep, m)
			}
		}
		app.Attributes = keep
		jc.SetApp(app)
	case NoGroupBound:
		app.BoundGroups = nil
		jc.SetApp(app)
	case AppMissing:
		jc.SetApp(jumpcloud.App{Missing: true, Label: app.Label})
	default:
		var names []string
		for _, k := range Mistakes() {
			names = append(names, string(k))
		}
		return fmt.Errorf("sandbox: no mistake %q; one of %s", m, strings.Join(names, ", "))
	}
	if err := sb.ExportMetadata(); err != nil {
		return err
	}
	return sb.Save()
}

func userGroups(jc *jumpcloud.IdP, email string) []string {
	for _, u := range jc.Users() {
		if u.Email == email {
			return u.Groups
		}
	}
	return nil
}
