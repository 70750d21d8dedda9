package ui

import (
	"maps"
	"slices"
	"time"

	"jcaccess/model"
	"jcaccess/steps"
	"jcaccess/steps/cloudflare"
)

// Snapshot is a copy of the engine's state, taken under the runner's lock,
// that the UI may read without racing the engine.
type Snapshot struct {
	Session    *model.Session
	IdP        *cloudflare.IdP
	SCIMSecret model.Secret
	Values     map[steps.ID][]steps.Value
	HasClient  bool
	ReadOnly   bool
	Sandbox    bool
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
		Session:    cloneSession(env.Session),
		SCIMSecret: env.SCIMSecret,
		HasClient:  env.CF != nil,
		Sandbox:    env.Sandbox != nil,
		Values:     map[steps.ID][]steps.Value{},
	}
	if env.CF != nil {
		s.ReadOnly = env.CF.ReadOnly()
	}
	if p := env.ExistingIdP(); p != nil {
		c := *p
		s.IdP = &c
	}
	if rep := env.MetadataReport(); rep != nil {
		for _, c := range rep.Certificates {
			if s.CertNotAfter.IsZero() || c.NotAfter.Before(s.CertNotAfter) {
				s.CertNotAfter = c.NotAfter
			}
		}
	}
	for _, st := range steps.All() {
		s.Values[st.ID()] = st.Values(env)
	}
	return s
}

func cloneSession(s *model.Session) *model.Session {
	if s == nil {
		return model.NewSession(model.DefaultInputs(), time.Time{})
	}
	c := *s
	c.Inputs = cloneInputs(s.Inputs)
	c.Steps = maps.Clone(s.Steps)
	if c.Steps == nil {
		c.Steps = map[string]model.StepState{}
	}
	if s.Metadata != nil {
		m := *s.Metadata
		m.Fingerprints = slices.Clone(m.Fingerprints)
		c.Metadata = &m
	}
	return &c
}

func cloneInputs(in model.Inputs) model.Inputs {
	in.IdP.Attributes = slices.Clone(in.IdP.Attributes)
	in.IdP.HeaderAttributes = slices.Clone(in.IdP.HeaderAttributes)
	return in
}
