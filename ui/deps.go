package ui

import (
	"reflect"

	"jcaccess/model"
	"jcaccess/steps"
)

// dependents are the steps whose result an answer of a step feeds: when the
// answer changes, they go back to unverified.
var dependents = map[steps.ID][]steps.ID{
	steps.Team:          {steps.Credentials, steps.JumpCloudApp, steps.Metadata, steps.CloudflareIdP, steps.SCIM, steps.JumpCloudSCIM, steps.Test},
	steps.Credentials:   {steps.CloudflareIdP, steps.SCIM, steps.JumpCloudSCIM, steps.Test},
	steps.Metadata:      {steps.CloudflareIdP, steps.SCIM, steps.JumpCloudSCIM, steps.Test},
	steps.CloudflareIdP: {steps.SCIM, steps.JumpCloudSCIM, steps.Test},
	steps.SCIM:          {steps.JumpCloudSCIM, steps.Test},
}

// owned is the part of the answers a step asks for.
func owned(id steps.ID, in model.Inputs) any {
	switch id {
	case steps.Team:
		return [2]string{in.Team, in.TeamDomain}
	case steps.Credentials:
		return in.AccountID
	case steps.Metadata:
		return in.IdP.Metadata
	case steps.CloudflareIdP:
		return []any{in.IdP.Name, in.IdP.Attributes, in.IdP.EmailAttributeName, in.IdP.SignRequest, in.IdP.HeaderAttributes}
	case steps.SCIM:
		return in.SCIM
	}
	return nil
}

// staleAfter lists the steps to reset when a step's answers go from old to
// new (or a new token was typed).
func staleAfter(id steps.ID, old, new model.Inputs, newToken bool) []steps.ID {
	if !newToken && reflect.DeepEqual(owned(id, old), owned(id, new)) {
		return nil
	}
	return append([]steps.ID{id}, dependents[id]...)
}
