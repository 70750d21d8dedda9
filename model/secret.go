package model

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"
)

// Redacted is how every secret prints, in text and JSON alike.
const Redacted = "(sensitive)"

// Secret holds an API token or SCIM secret in memory. Every way of printing
// or marshalling it yields Redacted, so a secret cannot reach a session file,
// a report or a log by accident; Reveal is the one deliberate way out.
type Secret struct{ v string }

// NewSecret wraps a raw value.
func NewSecret(v string) Secret {
	remember(v)
	return Secret{v: v}
}

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
	remember(s.v)
	return nil
}

// known holds every secret value this process has seen, so that Scrub can
// remove them from text that came from elsewhere (an API error that echoes
// the Authorization header, say).
var known struct {
	sync.RWMutex
	vals []string
}

// minScrubbed is the shortest value Scrub removes: a shorter "secret" would
// blank out ordinary words.
const minScrubbed = 6

func remember(v string) {
	if len(v) < minScrubbed {
		return
	}
	known.Lock()
	defer known.Unlock()
	for _, k := range known.vals {
		if k == v {
			return
		}
	}
	known.vals = append(known.vals, v)
}

// The patterns are compiled on first use: most runs never need them, and
// start-up stays free of regexp compilation.
var (
	// scheme://user:password@ — the password goes, the user stays.
	urlPassword = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*):[^\s/@]*@`)
	})
	// An Authorization header's credentials, whoever's they are.
	bearer = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\b(bearer\s+|authorization:\s*basic\s+)[A-Za-z0-9._~+/=-]{6,}`)
	})
)

// Scrub is the last line of defence for text shown to a person or stored:
// it replaces every secret this process holds (API tokens, SCIM secrets),
// any bearer or basic credentials and any URL password with Redacted.
// Error messages and findings pass through it before they are shown or
// saved.
func Scrub(s string) string {
	if s == "" {
		return s
	}
	known.RLock()
	for _, v := range known.vals {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Redacted)
		}
	}
	known.RUnlock()
	if strings.Contains(s, "@") {
		s = urlPassword().ReplaceAllString(s, "$1:"+Redacted+"@")
	}
	if lower := strings.ToLower(s); strings.Contains(lower, "bearer") || strings.Contains(lower, "basic") {
		s = bearer().ReplaceAllString(s, "$1"+Redacted)
	}
	return s
}

// ScrubFindings returns fs with every message scrubbed.
func ScrubFindings(fs Findings) Findings {
	for i := range fs {
		fs[i].Message = Scrub(fs[i].Message)
	}
	return fs
}
