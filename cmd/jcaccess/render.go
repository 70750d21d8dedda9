package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"jcaccess/model"
	"jcaccess/steps"
)

// runJSON is the one document plan, apply and check print with --json.
type runJSON struct {
	OK           bool               `json:"ok"`
	Team         string             `json:"team"`
	TeamDomain   string             `json:"team_domain"`
	AccountID    string             `json:"account_id,omitempty"`
	IdPID        string             `json:"idp_id,omitempty"`
	SCIMEndpoint string             `json:"scim_endpoint,omitempty"`
	Steps        []steps.StepReport `json:"steps"`
	Findings     model.Findings     `json:"findings"`
	Changes      []model.Change     `json:"changes"`
	ChangesMade  []model.Change     `json:"changes_made,omitempty"`
	// SCIMSecret is the one delivery of a newly issued secret, when it is
	// not written to --scim-secret-file.
	SCIMSecret string `json:"scim_secret,omitempty"`
}

func newRunJSON(env *steps.Env, rep *steps.Report) runJSON {
	in := env.Session.Inputs
	out := runJSON{
		OK: !rep.Findings().HasErrors(), Team: in.Team, TeamDomain: in.Domain(), AccountID: in.AccountID,
		IdPID: env.Session.IdPID, SCIMEndpoint: env.Session.SCIMEndpoint,
		Steps: rep.Steps, Findings: rep.Findings(), Changes: rep.Changes(), ChangesMade: rep.Applied,
	}
	if out.Findings == nil {
		out.Findings = model.Findings{}
	}
	if out.Changes == nil {
		out.Changes = []model.Change{}
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

var statusMark = map[model.StepStatus]string{
	model.StatusVerified: "[ok]  ",
	model.StatusWarning:  "[warn]",
	model.StatusFailed:   "[FAIL]",
	model.StatusTodo:     "[skip]",
}

// shown is text from outside (a session, metadata, an API answer, a SCIM
// log) as the human output prints it: control characters escaped, so that
// nothing in it drives the terminal or forges a line. --json prints the
// exact values instead; JSON escapes them itself.
var shown = model.Printable

// shownErr is an error as a person reads it: scrubbed of secrets, then
// escaped like any text from outside (an API's message may carry an ESC
// sequence or a newline).
func shownErr(err error) string { return shown(model.Scrub(err.Error())) }

// writeReport prints the steps, their findings and the values to paste.
func writeReport(w io.Writer, env *steps.Env, rep *steps.Report) {
	in := env.Session.Inputs
	fmt.Fprintf(w, "Team %s (%s)", shown(in.Team), shown(in.Domain()))
	if in.AccountID != "" {
		fmt.Fprintf(w, ", account %s", shown(in.AccountID))
	}
	fmt.Fprintln(w)
	for _, s := range rep.Steps {
		fmt.Fprintf(w, "\n%s %-15s %s\n", statusMark[s.Status], s.ID, s.Title)
		if s.Skipped != "" {
			fmt.Fprintf(w, "       skipped: %s\n", shown(s.Skipped))
			continue
		}
		for _, f := range s.Findings {
			mark := "-"
			switch f.Severity {
			case model.SeverityError:
				mark = "x " + f.Code + ":"
			case model.SeverityWarning:
				mark = "! " + f.Code + ":"
			}
			fmt.Fprintf(w, "       %s %s\n", mark, shown(f.Message))
		}
		for _, v := range s.Values {
			val := v.Value
			if !v.Secret.IsZero() {
				val = v.Secret.String()
			}
			line := "       > " + shown(v.Label)
			if val != "" {
				line += ": " + shown(val)
			}
			if v.Note != "" {
				line += "  (" + shown(v.Note) + ")"
			}
			fmt.Fprintln(w, line)
		}
	}
}

// writeChanges prints the plan: each request as apply sends it, long
// values (a certificate) abbreviated for reading.
func writeChanges(w io.Writer, changes []model.Change) {
	if len(changes) == 0 {
		fmt.Fprintln(w, "\nNo changes: everything already matches the setup.")
		return
	}
	fmt.Fprintf(w, "\nChanges (%d):\n", len(changes))
	for _, ch := range changes {
		fmt.Fprintf(w, "\n  %s %s\n    %s %s\n", ch.Sign(), shown(ch.Summary), shown(ch.Method), shown(ch.Path))
		for _, d := range ch.Diff {
			fmt.Fprintf(w, "      %s: %s -> %s\n", shown(d.Field), shown(d.From), shown(d.To))
		}
		// Long values (the certificate) abbreviated and control characters
		// escaped; --json prints the exact request.
		if body := ch.DisplayBody(false); body != "" {
			fmt.Fprintf(w, "    %s\n", strings.ReplaceAll(body, "\n", "\n    "))
		}
		if len(ch.KnownAfterApply) > 0 {
			fmt.Fprintf(w, "    known after apply: %s\n", shown(strings.Join(ch.KnownAfterApply, ", ")))
		}
	}
}

func countActions(changes []model.Change) string {
	n := map[string]int{}
	for _, c := range changes {
		n[c.Action]++
	}
	out := fmt.Sprintf("%d to create, %d to update, %d secret to regenerate", n["create"], n["update"], n["refresh_secret"])
	if n["bind"] > 0 {
		out += fmt.Sprintf(", %d group to bind", n["bind"])
	}
	return out
}
