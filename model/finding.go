// Package model holds the plain data every other package shares: findings,
// planned changes, secrets and the saved session.
package model

import (
	"fmt"
	"slices"
)

// Severity says whether a finding blocks apply.
type Severity string

const (
	// SeverityError blocks apply: the setup would not work.
	SeverityError Severity = "error"
	// SeverityWarning lets apply go on but deserves the admin's attention.
	SeverityWarning Severity = "warning"
	// SeverityInfo is a passed check or a neutral fact.
	SeverityInfo Severity = "info"
	// SeverityToConfirm is guidance nothing has checked yet: what the admin
	// was told to do, which only later evidence can confirm.
	SeverityToConfirm Severity = "to_confirm"
)

// Finding is the result of one validation or live check. Message says what
// was found and how to fix it; Code is stable and machine-readable.
type Finding struct {
	Step     string   `json:"step,omitempty"`
	Check    string   `json:"check,omitempty"`
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
}

func (f Finding) String() string {
	if f.Step != "" {
		return fmt.Sprintf("%s [%s] %s: %s", f.Severity, f.Step, f.Code, f.Message)
	}
	return fmt.Sprintf("%s %s: %s", f.Severity, f.Code, f.Message)
}

// Findings is a list with helpers for the questions callers ask of it.
type Findings []Finding

// HasErrors reports whether any finding blocks apply.
func (fs Findings) HasErrors() bool {
	for _, f := range fs {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Has says a finding has the code.
func (fs Findings) Has(code string) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Code == code })
}

// Codes returns the codes in order, for tests and summaries.
func (fs Findings) Codes() []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

// Status is the step status the findings give: failed on any error, a
// warning on any warning, to confirm when something is still unchecked,
// else verified. Session.Record and every front end use this one rule.
func (fs Findings) Status() StepStatus {
	st := StatusVerified
	for _, f := range fs {
		switch f.Severity {
		case SeverityError:
			return StatusFailed
		case SeverityWarning:
			st = StatusWarning
		case SeverityToConfirm:
			if st == StatusVerified {
				st = StatusToConfirm
			}
		}
	}
	return st
}

// Plural is "1 word" or "n words", for messages.
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
