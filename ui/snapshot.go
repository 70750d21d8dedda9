package ui

import (
	"time"

	"jcaccess/model"
	"jcaccess/steps"
	"jcaccess/steps/cloudflare"
	"jcaccess/steps/jumpcloud"
)

// Snapshot is a copy of the engine's state, taken under the runner's lock,
// that the UI may read without racing the engine.
type Snapshot struct {
	Session    *model.Session
	IdP        *cloudflare.IdP
	SCIMSecret model.Secret
	Values     map[steps.ID][]steps.Value
	HasClient  bool
	// HasJumpCloud says a JumpCloud API key was given (environment or
	// typed); JumpCloudRead that a read listed the organization's user
	// groups (all) and those bound to the app.
	HasJumpCloud   bool
	JumpCloudRead  bool
	JumpCloudAll   []jumpcloud.Group
	JumpCloudBound []jumpcloud.Group
	ReadOnly       bool
	Sandbox        bool
	// CertNotAfter is when the metadata's first certificate expires.
	CertNotAfter time.Time
}

func (s Snapshot) status(id steps.ID) model.StepStatus {
	if s.Session == nil {
		return model.StatusTodo
	}
	return s.Session.Step(string(id)).Status
}

func snapshot(env *steps.Env) Snapshot {
	s := Snapshot{
		Session:      env.Session.Clone(),
		SCIMSecret:   env.SCIMSecret,
		HasClient:    env.CF != nil,
		Sandbox:      env.Sandbox != nil,
		Values:       map[steps.ID][]steps.Value{},
		CertNotAfter: env.CertNotAfter(),
	}
	if env.CF != nil {
		s.ReadOnly = env.CF.ReadOnly()
	}
	s.HasJumpCloud = env.JumpCloud != nil
	s.JumpCloudAll, s.JumpCloudBound, s.JumpCloudRead = env.JumpCloudGroups()
	if p := env.ExistingIdP(); p != nil {
		c := *p
		s.IdP = &c
	}
	for _, st := range steps.All() {
		s.Values[st.ID()] = st.Values(env)
	}
	return s
}
