package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"jcaccess/model"
	"jcaccess/steps"
	"jcaccess/steps/jumpcloud"
)

// outcome is what the summary and the report say: what was done, what was
// verified, what is left. It holds no secret.
type outcome struct {
	team, domain string
	dryRun       bool
	applied      []model.Change
	snap         Snapshot
	at           time.Time
}

func newOutcome(c *Common) outcome {
	in := c.State.Inputs()
	return outcome{team: in.Team, domain: in.Domain(), dryRun: c.Opts.DryRun,
		applied: c.State.Applied, snap: c.State.Snap, at: c.Opts.now()}
}

func (o outcome) status(id steps.ID) model.StepState {
	return o.snap.Session.Step(string(id))
}

// done lists what this run changed.
func (o outcome) done() []string {
	var out []string
	for _, ch := range o.applied {
		out = append(out, shown(ch.Summary+" ("+ch.Method+" "+ch.Path+")"))
	}
	if len(out) == 0 {
		if o.dryRun {
			return []string{"Nothing: this was a dry run. Every check ran; the changes were shown, not sent."}
		}
		return []string{"Nothing was changed in Cloudflare in this run."}
	}
	return out
}

// left lists what the admin still has to do.
func (o outcome) left() []string {
	in := o.snap.Session.Inputs
	// Names from a session file or the API, escaped once for every line.
	in.Team, in.IdP.Name = shown(in.Team), shown(in.IdP.Name)
	var out []string
	if o.dryRun {
		out = append(out, "Make the changes: run jcaccess setup --team "+in.Team+" without --dry-run (or jcaccess plan, then jcaccess apply).")
	}
	for _, s := range steps.All() {
		st := o.status(s.ID())
		switch st.Status {
		case model.StatusTodo:
			out = append(out, fmt.Sprintf("Step %s was not checked: run jcaccess setup --team %s again.", s.ID(), in.Team))
		case model.StatusFailed, model.StatusWarning, model.StatusToConfirm:
			for _, f := range st.Findings {
				if f.Severity != model.SeverityInfo && f.Code != "dry_run_not_sent" {
					out = append(out, fmt.Sprintf("%s: %s", s.ID(), shown(f.Message)))
				}
			}
		}
	}
	if !o.groupsBound() {
		out = append(out, "Assign user groups to the Cloudflare Access app in JumpCloud (User Groups tab): users outside them cannot sign in.")
	}
	if in.SCIM.Enabled && o.status(steps.JumpCloudSCIM).Status != model.StatusVerified {
		out = append(out, "Connect JumpCloud's Identity Management (Base URL and Token Key), then run jcaccess check --team "+in.Team+" to see its requests arrive.")
	}
	if !o.loginVerified() {
		out = append(out, "Sign in once through the App Launcher (https://"+in.Domain()+"/) as a JumpCloud user bound to the app, choosing "+in.IdP.Name+"; jcaccess check --team "+in.Team+" then shows the sign-in and the groups Access received.")
	}
	out = append(out, "Create Access policies that use the "+in.IdP.Name+" login method and its groups.")
	cert := ""
	if !o.snap.CertNotAfter.IsZero() {
		cert = " (the signing certificate expires on " + o.snap.CertNotAfter.Format("2006-01-02") + ")"
	}
	out = append(out, "Schedule jcaccess check --team "+in.Team+" (e.g. daily from cron) to catch certificate expiry and changes made in the dashboard"+cert+".")
	return out
}

// groupsBound says JumpCloud's API showed the app right, user groups bound
// included (jc_app_matches is found only then).
func (o outcome) groupsBound() bool {
	return o.status(steps.JumpCloudApp).Findings.Has(jumpcloud.CodeAppMatches)
}

func (o outcome) loginVerified() bool { return o.status(steps.Test).Findings.Has(steps.CodeSignInSeen) }

// text renders the summary for the screen (styled) or for stdout (plain).
func (o outcome) text(st *Styles, width int, reportPath string, reportErr error) string {
	var b strings.Builder
	title := "Setup summary · " + shown(o.team) + " (" + shown(o.domain) + ")"
	if o.dryRun {
		title += " · dry run"
	}
	b.WriteString(st.Bold.Render(title) + "\n\n")
	b.WriteString(st.Bold.Render("What was done") + "\n")
	for _, d := range o.done() {
		b.WriteString(bullet("  ", st.pick("•", "-"), d, width) + "\n")
	}
	var items []string
	verified := 0
	var last time.Time
	for _, s := range steps.All() {
		state := o.status(s.ID())
		if state.Status == model.StatusVerified {
			verified++
		}
		if state.CheckedAt.After(last) {
			last = state.CheckedAt
		}
		items = append(items, fit(st.status(state.Status).Render(st.statusSym(state.Status))+" "+string(s.ID()), 18))
	}
	head := fmt.Sprintf("What was verified (%d of %d", verified, len(items))
	if !last.IsZero() {
		head += ", last checked " + last.Format("2006-01-02 15:04")
	}
	b.WriteString("\n" + st.Bold.Render(head+")") + "\n")
	perRow := max((width-2)/19, 1)
	for i := 0; i < len(items); i += perRow {
		b.WriteString(strings.TrimRight("  "+strings.Join(items[i:min(i+perRow, len(items))], " "), " ") + "\n")
	}
	if o.snap.IdP != nil {
		b.WriteString(wrapIndent(fmt.Sprintf("Login method %q, id %s", o.snap.IdP.Name, shown(o.snap.IdP.ID)), width, "  ") + "\n")
	}
	if ep := scimEndpoint(o.snap); ep != "" {
		b.WriteString(hardIndent("SCIM endpoint "+shown(ep), width, "  ") + "\n")
	}
	b.WriteString("\n" + st.Bold.Render("What is left") + "\n")
	for _, l := range o.left() {
		b.WriteString(bullet("  ", st.pick("•", "-"), l, width) + "\n")
	}
	b.WriteString("\n")
	switch {
	case reportErr != nil:
		b.WriteString(wrapIndent(st.Fail.Render("The report could not be written: "+shownErr(reportErr)), width, "") + "\n")
	case reportPath != "":
		b.WriteString(hardIndent("Report saved to "+shown(reportPath)+" (no secrets, mode 0600)", width, "") + "\n")
	}
	return b.String()
}

// markdown is the report written to the state folder. It is read in a
// terminal too (cat), so text from outside is escaped as on the screen.
func (o outcome) markdown() string {
	in := o.snap.Session.Inputs
	var b strings.Builder
	fmt.Fprintf(&b, "# jcaccess setup report: %s\n\n", shown(o.team))
	mode := ""
	if o.dryRun {
		mode = " (dry run: nothing was changed)"
	}
	fmt.Fprintf(&b, "Written %s by jcaccess setup%s.\n\n", o.at.UTC().Format("2006-01-02 15:04 MST"), mode)
	fmt.Fprintf(&b, "- Team domain: %s\n", shown(o.domain))
	if in.AccountID != "" {
		fmt.Fprintf(&b, "- Account: %s\n", shown(in.AccountID))
	}
	if o.snap.IdP != nil {
		fmt.Fprintf(&b, "- Login method: %s (id %s)\n", shown(o.snap.IdP.Name), shown(o.snap.IdP.ID))
	}
	if ep := scimEndpoint(o.snap); ep != "" {
		fmt.Fprintf(&b, "- SCIM endpoint: %s\n", shown(ep))
	}
	if in.IdP.Metadata != "" {
		fmt.Fprintf(&b, "- JumpCloud metadata: %s\n", shown(in.IdP.Metadata))
	}
	b.WriteString("\n## What was done\n\n")
	for _, d := range o.done() {
		fmt.Fprintf(&b, "- %s\n", d)
	}
	b.WriteString("\n## What was verified\n\n")
	for _, s := range steps.All() {
		state := o.status(s.ID())
		at := ""
		if !state.CheckedAt.IsZero() {
			at = ", checked " + state.CheckedAt.UTC().Format("2006-01-02 15:04 MST")
		}
		fmt.Fprintf(&b, "- **%s** (%s): %s%s\n", s.ID(), s.Title(), statusMarks[state.Status].word, at)
		for _, f := range state.Findings {
			fmt.Fprintf(&b, "  - %s: %s\n", f.Severity, shown(f.Message))
		}
	}
	b.WriteString("\n## What is left\n\n")
	for _, l := range o.left() {
		fmt.Fprintf(&b, "- %s\n", l)
	}
	b.WriteString("\nThis report holds no secret: the API token and the SCIM secret were kept in memory only.\n")
	return b.String()
}

// writeReport writes the report into the state folder, private to the admin.
func writeReport(dir string, o outcome) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("no state folder")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("state folder %s: %w", dir, err)
	}
	name := fmt.Sprintf("%s-report-%s.md", o.team, o.at.UTC().Format("20060102T150405Z"))
	path := filepath.Join(dir, name)
	return path, model.WriteFileAtomic(path, []byte(o.markdown()))
}

// reportMsg answers the report job.
type reportMsg struct {
	path string
	err  error
}
