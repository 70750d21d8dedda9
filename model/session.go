package model

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// SchemaVersion is the session file format this build writes. A file with a
// higher number was written by a newer jcaccess and is refused, not mangled.
const SchemaVersion = 1

// StepStatus is where a step stands.
type StepStatus string

const (
	StatusTodo     StepStatus = "todo"
	StatusVerified StepStatus = "verified"
	StatusWarning  StepStatus = "warning"
	StatusFailed   StepStatus = "failed"
	// StatusToConfirm: nothing failed, but what the step asked of the admin
	// has not been checked yet (no API can see it; later evidence will).
	StatusToConfirm StepStatus = "to_confirm"
)

// StepState records the last time a step's checks ran and how they ended.
type StepState struct {
	Status    StepStatus `json:"status"`
	CheckedAt time.Time  `json:"checked_at"`
	Findings  Findings   `json:"findings,omitempty"`
}

// MetadataSummary keeps what apply used from the JumpCloud metadata, so a
// later run can tell whether the file changed.
type MetadataSummary struct {
	Digest       string    `json:"digest"`
	EntityID     string    `json:"entity_id"`
	SSOURL       string    `json:"sso_url"`
	Fingerprints []string  `json:"cert_sha256_fingerprints"`
	NotAfter     time.Time `json:"cert_not_after"`
}

// Session is what jcaccess knows about one team's setup. It holds no secret:
// the API token and the SCIM secret live only in memory.
type Session struct {
	SchemaVersion int              `json:"schema_version"`
	Inputs        Inputs           `json:"inputs"`
	Metadata      *MetadataSummary `json:"metadata,omitempty"`
	IdPID         string           `json:"idp_id,omitempty"`
	SCIMEndpoint  string           `json:"scim_endpoint,omitempty"`
	SecretIssued  time.Time        `json:"scim_secret_issued_at,omitzero"`
	// AppliedIdP is the login method's managed fields as Cloudflare answered
	// the last apply, so a later run can tell what changed outside jcaccess.
	AppliedIdP json.RawMessage      `json:"applied_idp,omitempty"`
	Steps      map[string]StepState `json:"steps"`
	CreatedAt  time.Time            `json:"created_at"`
	UpdatedAt  time.Time            `json:"updated_at"`
}

// NewSession starts a session for the given inputs.
func NewSession(in Inputs, now time.Time) *Session {
	return &Session{
		SchemaVersion: SchemaVersion,
		Inputs:        in,
		Steps:         map[string]StepState{},
		CreatedAt:     now,
		UpdatedAt:     now,
	}
}

// Step returns the state of a step, todo when never checked.
func (s *Session) Step(id string) StepState {
	if st, ok := s.Steps[id]; ok {
		return st
	}
	return StepState{Status: StatusTodo}
}

// Record stores the outcome of a step's checks.
func (s *Session) Record(id string, fs Findings, now time.Time) {
	if s.Steps == nil {
		s.Steps = map[string]StepState{}
	}
	// The last line of defence: what is stored holds no secret.
	s.Steps[id] = StepState{Status: fs.Status(), CheckedAt: now, Findings: ScrubFindings(fs)}
	s.UpdatedAt = now
}

// Clone is a deep copy; a nil session clones to a fresh one with the
// default inputs.
func (s *Session) Clone() *Session {
	if s == nil {
		return NewSession(DefaultInputs(), time.Time{})
	}
	c := *s
	c.Inputs = s.Inputs.Clone()
	c.Steps = maps.Clone(s.Steps)
	if c.Steps == nil {
		c.Steps = map[string]StepState{}
	}
	if s.Metadata != nil {
		m := *s.Metadata
		m.Fingerprints = slices.Clone(m.Fingerprints)
		c.Metadata = &m
	}
	c.AppliedIdP = slices.Clone(s.AppliedIdP)
	return &c
}

// Passed says the step needs nothing more from the admin now: verified, or
// waiting only for evidence a later step brings.
func (st StepStatus) Passed() bool { return st == StatusVerified || st == StatusToConfirm }
