package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"jcaccess/model"
)

type jumpCloudAppStep struct{ base }

func (jumpCloudAppStep) ID() ID        { return JumpCloudApp }
func (jumpCloudAppStep) Title() string { return "The Cloudflare Access app in JumpCloud" }

// GroupsAttribute is the only attribute name Cloudflare reads groups from.
const GroupsAttribute = "groups"

// EmailNameIDFormat is the NameID format Cloudflare's generic SAML guide
// asks IdPs for ("Set the Name ID/Email format to emailAddress").
const EmailNameIDFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"

// Values are every field of JumpCloud's SSO tab the setup depends on. What
// the assertion must carry follows the login method's settings: Access
// reads the email from the attribute idp.email_attribute_name names (see
// model.DefaultInputs for why not the NameID), and every attribute in
// idp.attributes must be sent ("Any SAML attribute configured in the SAML
// integration must also be sent from the IdP", Cloudflare generic-saml).
// JumpCloud's mapping starts empty, so each one is a row the admin adds.
// The NameID is set as the older Cloudflare JumpCloud guide did (email,
// emailAddress): JumpCloud's default NameID is already the email, and the
// format is the one Cloudflare's generic SAML guide asks for.
func (jumpCloudAppStep) Values(env *Env) []Value {
	in := env.inputs()
	email := in.IdP.EmailAttribute()
	vs := []Value{
		{Label: "IdP Entity ID", Value: in.IdPEntityID(), Note: "SSO tab; exactly this, with the trailing slash"},
		{Label: "SP Entity ID", Value: in.CallbackURL(), Note: "SSO tab; case-sensitive"},
		{Label: "ACS URL", Value: in.CallbackURL(), Note: "SSO tab; same value as SP Entity ID"},
		{Label: "SAMLSubject NameID", Value: "email", Note: "SSO tab; JumpCloud's default"},
		{Label: "SAMLSubject NameID Format", Value: EmailNameIDFormat, Note: "SSO tab; as Cloudflare asks"},
		{Label: "User Attribute Mapping", Value: email + " = email", Note: fmt.Sprintf("SSO tab, Attributes: add the row %s (Service Provider) = email (JumpCloud); Access reads the email from it (idp.email_attribute_name) and refuses sign-ins without it", email)},
	}
	var others []string
	for _, a := range in.IdP.Attributes {
		if a != GroupsAttribute && a != email {
			others = append(others, a)
		}
	}
	if len(others) > 0 {
		vs = append(vs, Value{Label: "More attributes", Value: strings.Join(others, ", "), Note: "SSO tab, Attributes: add a row for each (idp.attributes lists them); Access refuses a sign-in that lacks any"})
	}
	groupsNote := "SSO tab; tick it and name it exactly groups, or Cloudflare sees no groups"
	if slices.Contains(in.IdP.Attributes, GroupsAttribute) {
		groupsNote = "SSO tab; tick it and name it exactly groups: idp.attributes lists groups, so Access refuses a sign-in without it"
	}
	return append(vs,
		Value{Label: "Include group attribute", Value: GroupsAttribute, Note: groupsNote},
		Value{Label: "User Groups", Note: "User Groups tab: bind the groups whose members may sign in; users not bound are denied"},
		Value{Label: "Export Metadata", Note: "SSO tab, after saving: Export Metadata, then give jcaccess the file"},
	)
}

// Checks: no API shows jcaccess the app's fields, so the step is confirmed
// only by evidence other steps record in the session (confirmJumpCloudApp).
func (jumpCloudAppStep) Checks(env *Env) []Check {
	return []Check{{Name: "the app's values are confirmed", Run: func(context.Context) model.Findings {
		return jumpCloudAppEvidence(env.Session, env.inputs())
	}}}
}

// jumpCloudAppEvidence judges the app from what other steps found: the
// metadata export names this team's IdP Entity ID (metadata step), and a
// user signed in through the login method (test step), which only works
// when the SP Entity ID and ACS URL are right.
func jumpCloudAppEvidence(sess *model.Session, in model.Inputs) model.Findings {
	meta := sess.Step(string(Metadata))
	metaOK := meta.Status.Passed() || meta.Status == model.StatusWarning
	for _, f := range meta.Findings {
		if f.Code == "entity_id_mismatch" || f.Code == "entity_id_is_sp_url" {
			metaOK = false
		}
	}
	signedIn := ""
	for _, f := range sess.Step(string(Test)).Findings {
		if f.Code == "login_ok" {
			signedIn = f.Message
		}
	}
	switch {
	case metaOK && signedIn != "":
		return infof("jc_app_confirmed", "confirmed: the metadata names IdP Entity ID %s, and a user signed in through the app (%s), so its SP Entity ID and ACS URL work", in.IdPEntityID(), signedIn)
	case metaOK:
		return model.Findings{finding(model.SeverityToConfirm, "jc_app_to_confirm", "the metadata confirms IdP Entity ID %s; the SP Entity ID and ACS URL (%s) are confirmed by the first sign-in (test step)", in.IdPEntityID(), in.CallbackURL())}
	}
	return model.Findings{finding(model.SeverityToConfirm, "jc_app_to_confirm", "not checked yet (JumpCloud's app is not visible to jcaccess): set IdP Entity ID %s and SP Entity ID and ACS URL %s; the metadata (next step) confirms the first, the first sign-in (test step) the others", in.IdPEntityID(), in.CallbackURL())}
}

// confirmJumpCloudApp records the jumpcloud-app step again once a step that
// brings evidence for it (metadata, test) has run, if it has run before.
func confirmJumpCloudApp(env *Env, after ID) {
	if after != Metadata && after != Test {
		return
	}
	if _, ok := env.Session.Steps[string(JumpCloudApp)]; !ok {
		return
	}
	fs := jumpCloudAppEvidence(env.Session, env.inputs())
	for i := range fs {
		fs[i].Step, fs[i].Check = string(JumpCloudApp), "the app's values are confirmed"
	}
	env.Session.Record(string(JumpCloudApp), fs, env.now())
}
