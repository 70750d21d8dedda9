package model

import "encoding/json"

// Redacted is how every secret prints, in text and JSON alike.
const Redacted = "(sensitive)"

// Secret holds an API token or SCIM secret in memory. Every way of printing
// or marshalling it yields Redacted, so a secret cannot reach a session file,
// a report or a log by accident; Reveal is the one deliberate way out.
type Secret struct{ v string }

// NewSecret wraps a raw value.
func NewSecret(v string) Secret { return Secret{v: v} }

// Reveal returns the raw value, for the Authorization header and the one
// intended delivery of a new SCIM secret.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether no secret is held.
func (s Secret) IsZero() bool { return s.v == "" }

func (s Secret) String() string   { return Redacted }
func (s Secret) GoString() string { return Redacted }

// MarshalJSON redacts; an empty secret marshals as "".
func (s Secret) MarshalJSON() ([]byte, error) {
	if s.v == "" {
		return []byte(`""`), nil
	}
	return json.Marshal(Redacted)
}

// UnmarshalJSON accepts the raw value, so API responses that carry a secret
// can be decoded straight into a Secret and never sit in a plain string.
func (s *Secret) UnmarshalJSON(b []byte) error {
	var v *string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v == nil {
		s.v = ""
		return nil
	}
	s.v = *v
	return nil
}
