package model

import "encoding/json"

// Change is one mutating API request that apply would send, shown exactly
// as it will be sent (terraform plan style). Values the server computes are
// listed in KnownAfterApply rather than guessed.
type Change struct {
	Step string `json:"step"`
	// Service is the API the change goes to: "" is Cloudflare,
	// ServiceJumpCloud JumpCloud's admin API. The engine dispatches on it.
	Service         string          `json:"service,omitempty"`
	Action          string          `json:"action"` // create, update, refresh_secret, bind
	Summary         string          `json:"summary"`
	Method          string          `json:"method"`
	Path            string          `json:"path"`
	Body            json.RawMessage `json:"body,omitempty"`
	Diff            []FieldDiff     `json:"diff,omitempty"`
	KnownAfterApply []string        `json:"known_after_apply,omitempty"`
}

// FieldDiff is one field an update changes, for the human to review.
type FieldDiff struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// ServiceJumpCloud marks a change sent to JumpCloud's admin API.
const ServiceJumpCloud = "jumpcloud"
