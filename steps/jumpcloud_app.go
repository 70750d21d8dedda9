package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"jcaccess/model"
	"jcaccess/steps/jumpcloud"
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
	if others := mappedAttributes(in.IdP); len(others) > 0 {
		vs = append(vs, Value{Label: "More attributes", Value: strings.Join(others, ", "), Note: "SSO tab, Attributes: add a row for each (idp.attributes lists them); Access refuses a sign-in that lacks any"})
	}
	groupsNote := "SSO tab; tick it and name it exactly groups, or Cloudflare sees no groups"
	if slices.Contains(in.IdP.Attributes, GroupsAttribute) {
		groupsNote = "SSO tab; tick it and name it exactly groups: idp.attributes lists groups, so Access refuses a sign-in without it"
	}
	return append(vs,
		Value{Label: "Include group attribute", Value: GroupsAttribute, Note: groupsNote},
		Value{Label: "User Groups", Note: "User Groups tab: bind the groups whose members may sign in; users not bound are denied"},
		exportValue(env),
	)
}

// mappedAttributes are the attributes the login method requires beyond the
// email and groups, which have rules of their own: each is a User Attribute
// Mapping row the admin adds in JumpCloud.
func mappedAttributes(idp model.IdPInputs) []string {
	var out []string
	for _, a := range idp.Attributes {
		if a != "" && a != GroupsAttribute && a != idp.EmailAttribute() && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// exportValue says where the metadata comes from: JumpCloud's API when
// jcaccess holds a key (the metadata step reads it), else the export.
func exportValue(env *Env) Value {
	if env.JumpCloud != nil {
		return Value{Label: "Metadata", Note: "read through JumpCloud's API (metadata step); no export needed"}
	}
	return Value{Label: "Export Metadata", Note: "SSO tab, after saving: Export Metadata, then give jcaccess the file"}
}

// Checks: with a JumpCloud client, the API shows the app's fields
// (apiChecks). Without one, no API shows jcaccess the app's fields, so the
// step is confirmed only by evidence other steps record in the session
// (confirmJumpCloudApp).
func (s jumpCloudAppStep) Checks(env *Env) []Check {
	if env.JumpCloud != nil {
		return s.apiChecks(env)
	}
	return []Check{{Name: "the app's values are confirmed", Run: func(context.Context) model.Findings {
		return jumpCloudAppEvidence(env.Session, env.inputs())
	}}}
}

// jumpCloudAppEvidence judges the app from what other steps found: the
// metadata export names this team's IdP Entity ID (metadata step), and
// Cloudflare lists a user who signed in through the login method (test
// step, signin_seen), which only works when the SP Entity ID and ACS URL
// are right.
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
		if f.Code == CodeSignInSeen {
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
	if env.JumpCloud != nil {
		// The API read the app itself: later evidence must not replace
		// what it found.
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

// The API side of the step: with Deps.JumpCloud set, JumpCloud's admin API
// shows the application, and the rules live in package jumpcloud (Inspect
// judges, Plan proposes, Client.Apply sends); the step only feeds them the
// inputs and keeps what they found.

// jumpCloudAPICheck is the check's name in reports.
const jumpCloudAPICheck = "the app's values, read through JumpCloud's API"

// jumpCloudWant is what this setup needs of the application.
func jumpCloudWant(env *Env) jumpcloud.Want {
	return JumpCloudWant(env.inputs(), env.JumpCloudChanges)
}

// JumpCloudWant is what a setup with these inputs needs of the SSO
// application; fix lets apply change JumpCloud (jcaccess jumpcloud inspect
// reads with it off).
func JumpCloudWant(in model.Inputs, fix bool) jumpcloud.Want {
	return jumpcloud.Want{
		IdPEntityID:     in.IdPEntityID(),
		SPEntityID:      in.CallbackURL(),
		ACSURL:          in.CallbackURL(),
		GroupsAttribute: GroupsAttribute,
		EmailAttribute:  in.IdP.EmailAttribute(),
		Attributes:      mappedAttributes(in.IdP),
		Label:           in.JumpCloud.AppLabel,
		Groups:          in.JumpCloud.Groups,
		Fix:             fix,
	}
}

func (jumpCloudAppStep) apiChecks(env *Env) []Check {
	return []Check{{Name: jumpCloudAPICheck, Run: func(ctx context.Context) model.Findings {
		insp := jumpcloud.Inspect(ctx, env.JumpCloud, jumpCloudWant(env))
		env.setJumpCloudInspection(&insp)
		return insp.Findings
	}}}
}

// Plan proposes JumpCloud changes only when they are allowed and a client
// read the application in this run.
func (jumpCloudAppStep) Plan(_ context.Context, env *Env) ([]model.Change, error) {
	if env.JumpCloud == nil || !env.JumpCloudChanges {
		return nil, nil
	}
	insp := env.jumpCloudInspection()
	if insp == nil {
		return nil, nil
	}
	return jumpcloud.Plan(*insp, jumpCloudWant(env), string(JumpCloudApp))
}

// applyJumpCloud sends one JumpCloud change through the client; a create's
// new application ID is kept for the binds that follow it.
func applyJumpCloud(ctx context.Context, env *Env, ch model.Change) error {
	if env.JumpCloud == nil {
		return fmt.Errorf("%s: no JumpCloud API key was given to this run, so nothing was sent to JumpCloud; set JUMPCLOUD_API_KEY and run apply again", ch.Summary)
	}
	res, err := env.JumpCloud.Apply(ctx, ch, env.JumpCloudAppID())
	if err != nil {
		return err
	}
	env.setJumpCloudAppID(res.AppID)
	return nil
}

// JumpCloudAppID is the ID of the application the last read found, or
// that this apply created; "" when neither.
func (e *Env) JumpCloudAppID() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.jcAppID
}

func (e *Env) setJumpCloudAppID(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.jcAppID = id
}

func (e *Env) jumpCloudInspection() *jumpcloud.Inspection {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.jc
}

func (e *Env) setJumpCloudInspection(in *jumpcloud.Inspection) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.jc = in
	if in.App != nil {
		e.jcAppID = in.App.ID
	}
}

// JumpCloudMetadata fetches the application's metadata through JumpCloud's
// undocumented endpoint (docs/reference/jumpcloud-api.md §9). It needs a
// client and an application found by this run's jumpcloud-app check (or
// created by this apply). On any error the caller falls back to the
// exported file (the metadata step's input) and shows the returned
// finding, which says so.
func JumpCloudMetadata(ctx context.Context, env *Env) ([]byte, model.Findings) {
	id := env.JumpCloudAppID()
	if insp := env.jumpCloudInspection(); env.JumpCloud != nil && id == "" && insp != nil && insp.Template != nil {
		return nil, model.Findings{finding(model.SeverityInfo, jumpcloud.CodeMetadataUnavailable, "the Cloudflare Access app does not exist in JumpCloud yet: its metadata is read from JumpCloud once the jumpcloud-app step's changes are sent (a dry run sends none)")}
	}
	if env.JumpCloud == nil || id == "" {
		return nil, model.Findings{finding(model.SeverityInfo, jumpcloud.CodeMetadataUnavailable, "the metadata is not fetched from JumpCloud (no API key, or no application found yet): export it in the console (SSO tab > Export Metadata) and give jcaccess the file")}
	}
	xml, err := env.JumpCloud.Metadata(ctx, id)
	if err != nil {
		return nil, model.Findings{finding(model.SeverityWarning, jumpcloud.CodeMetadataUnavailable, "fetching the metadata through JumpCloud's API failed (the endpoint is undocumented): %v; export it in the console instead (SSO tab > Export Metadata) and give jcaccess the file", err)}
	}
	return xml, nil
}

// JumpCloudGroups are what the last read of JumpCloud found: every user
// group of the organization and those bound to the application. read is
// false until a read listed the groups (no client, or the read failed
// first), so a front end knows whether it can offer them.
func (e *Env) JumpCloudGroups() (all, bound []jumpcloud.Group, read bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.jc == nil || e.jc.Groups == nil {
		return nil, nil, false
	}
	return slices.Clone(e.jc.Groups), slices.Clone(e.jc.Bound), true
}

// setJumpCloudInspectionNil forgets the last read (a new key reads again).
func (e *Env) setJumpCloudInspectionNil() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.jc, e.jcAppID = nil, ""
}
