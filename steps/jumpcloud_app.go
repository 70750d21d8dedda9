package steps

import "jcaccess/model"

type jumpCloudAppStep struct{ base }

func (jumpCloudAppStep) ID() ID        { return JumpCloudApp }
func (jumpCloudAppStep) Title() string { return "The Cloudflare Access app in JumpCloud" }

// GroupsAttribute is the only attribute name Cloudflare reads groups from.
const GroupsAttribute = "groups"

func (jumpCloudAppStep) Values(env *Env) []Value {
	in := env.inputs()
	return []Value{
		{Label: "IdP Entity ID", Value: in.IdPEntityID(), Note: "SSO tab; exactly this, with the trailing slash"},
		{Label: "SP Entity ID", Value: in.CallbackURL(), Note: "SSO tab; case-sensitive"},
		{Label: "ACS URL", Value: in.CallbackURL(), Note: "SSO tab; same value as SP Entity ID"},
		{Label: "Include group attribute", Value: GroupsAttribute, Note: "SSO tab; tick it and name it exactly groups, or Cloudflare sees no groups"},
		{Label: "User Groups", Note: "User Groups tab: bind the groups whose members may sign in; users not bound are denied"},
		{Label: "Export Metadata", Note: "SSO tab, after saving: Export Metadata, then give jcaccess the file"},
	}
}

func (s jumpCloudAppStep) Validate(env *Env) model.Findings {
	return infof("values_shown", "set the app's IdP Entity ID to %s and SP Entity ID and ACS URL to %s", env.inputs().IdPEntityID(), env.inputs().CallbackURL())
}
