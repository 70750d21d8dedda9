package ui

import (
	"context"
	"fmt"
	"io"
	"strings"

	"charm.land/huh/v2"

	"jcaccess/assets"
	"jcaccess/model"
	"jcaccess/steps"
)

// RunAccessible is the wizard as plain line prompts, for screen readers and
// dumb terminals: nothing is redrawn, nothing spins, every status is a word.
// It walks the same steps through the same Runner as the full-screen wizard.
func RunAccessible(ctx context.Context, o Options, in io.Reader, out io.Writer) (Result, error) {
	opts := o
	opts.Static = true
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	a := &accessible{
		ctx: ctx, o: &opts, r: newRunner(&opts), st: PlainStyles(), in: newLineReader(in), out: out, width: 78,
		fields: map[steps.ID]fieldSet{
			steps.Team:          &teamFields{},
			steps.Credentials:   &credentialsFields{fromEnv: opts.TokenFromEnv},
			steps.Metadata:      &metadataFields{},
			steps.CloudflareIdP: &idpFields{},
			steps.SCIM:          &scimFields{},
		},
	}
	return a.run()
}

type accessible struct {
	ctx    context.Context
	o      *Options
	r      *Runner
	st     *Styles
	in     io.Reader
	out    io.Writer
	width  int
	fields map[steps.ID]fieldSet
	state  State
	runSeq int
	last   map[steps.ID]runDoneMsg
	reveal bool
}

func (a *accessible) printf(format string, args ...any) { fmt.Fprintf(a.out, format, args...) }
func (a *accessible) println(s string)                  { fmt.Fprintln(a.out, s) }

// line reads one answer; io.EOF means the admin is gone.
func (a *accessible) line(prompt string) (string, error) {
	a.printf("%s", prompt)
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := a.in.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				return strings.TrimSpace(b.String()), nil
			}
			b.WriteByte(buf[0])
		}
		if err != nil {
			if b.Len() > 0 {
				return strings.TrimSpace(b.String()), nil
			}
			a.println("")
			return "", io.EOF
		}
	}
}

func (a *accessible) yesNo(q string, def bool) (bool, error) {
	opts := "[y/N]"
	if def {
		opts = "[Y/n]"
	}
	for {
		ans, err := a.line(q + " " + opts + " ")
		if err != nil {
			return false, err
		}
		switch strings.ToLower(ans) {
		case "":
			return def, nil
		case "y", "yes":
			return true, nil
		case "n", "no":
			return false, nil
		}
		a.println("Please answer y or n.")
	}
}

func (a *accessible) run() (Result, error) {
	a.last = map[steps.ID]runDoneMsg{}
	a.println("jcaccess setup: JumpCloud as the SAML login of Cloudflare Zero Trust, with SCIM.")
	if a.o.DryRun {
		a.println("DRY RUN: read-only. Every check runs; changes are shown and never sent.")
	}
	a.state.Snap = a.r.snapshot(a.ctx)().(snapshotMsg).snap
	i := 0
	if s := a.o.Saved; s != nil {
		var err error
		if i, err = a.offerResume(s); err != nil {
			return a.quit()
		}
	}
	for i < len(steps.All()) {
		next, err := a.step(i)
		if err != nil {
			return a.quit()
		}
		i = next
	}
	return a.finish()
}

func (a *accessible) quit() (Result, error) {
	res := Result{Outcome: Quit, Team: a.state.Inputs().Team}
	if saved, ok := a.r.saveNow()().(savedMsg); ok {
		res.Saved, res.SaveErr = saved.wrote, saved.err
	}
	return res, nil
}

func (a *accessible) finish() (Result, error) {
	o := outcome{team: a.state.Inputs().Team, domain: a.state.Inputs().Domain(), dryRun: a.o.DryRun,
		applied: a.state.Applied, snap: a.state.Snap, at: a.o.now()}
	path, err := writeReport(a.o.Store.Dir, o)
	res := Result{Outcome: Finished, Team: o.team, ReportPath: path}
	a.println("")
	a.println(o.text(a.st, a.width, path, err))
	if saved, ok := a.r.saveNow()().(savedMsg); ok {
		res.Saved, res.SaveErr = saved.wrote, saved.err
	}
	return res, nil
}

// offerResume shows the saved session and, if the admin resumes, re-checks
// the verified steps in order; it returns the step to carry on from.
func (a *accessible) offerResume(s *model.Session) (int, error) {
	a.printf("A saved session exists for team %s (%s), last saved %s:\n", s.Inputs.Team, s.Inputs.Domain(), s.UpdatedAt.Format("2006-01-02 15:04 MST"))
	for i, st := range steps.All() {
		state := s.Step(string(st.ID()))
		a.printf("  %d %s: %s\n", i+1, st.ID(), statusMarks[state.Status].word)
	}
	ok, err := a.yesNo("Resume it (the verified steps are checked again first)? No starts fresh.", true)
	if err != nil || !ok {
		return 0, err
	}
	a.state.Snap = a.r.resume(a.ctx, s)().(snapshotMsg).snap
	for i, st := range steps.All() {
		if a.state.Snap.status(st.ID()) != model.StatusVerified {
			return i, nil
		}
		if st.ID() == steps.Credentials && !a.state.Snap.HasClient {
			return i, nil
		}
		a.printf("\nRe-checking step %d, %s:\n", i+1, st.ID())
		if done := a.check(runRequest{Step: st.ID(), Inputs: a.state.Inputs()}); done.findings.Status() != model.StatusVerified {
			return i, nil
		}
	}
	return len(steps.All()) - 1, nil
}

// step runs one step's prompt loop and returns the next step's index.
func (a *accessible) step(i int) (int, error) {
	s := steps.All()[i]
	id := s.ID()
	why, detail := assets.Help(string(id))
	a.printf("\nStep %d of %d: %s (%s)\n", i+1, len(steps.All()), s.Title(), statusMarks[a.state.Snap.status(id)].word)
	a.println(wrapIndent(why, a.width, ""))
	f := a.fields[id]
	if _, ok := a.last[id]; !ok {
		if f != nil && !f.complete(a.state.Inputs(), a.state.Snap) {
			if err := a.ask(id, f); err != nil {
				return i, err
			}
		} else {
			a.check(runRequest{Step: id, Inputs: a.state.Inputs()})
		}
		a.show(id)
	}
	for {
		ans, err := a.line(a.menu(id) + "> ")
		if err != nil {
			return i, err
		}
		switch strings.ToLower(ans) {
		case "", "n":
			if ok, err := a.mayLeave(id); err != nil || ok {
				return i + 1, err
			}
		case "b":
			return max(i-1, 0), nil
		case "q":
			return i, io.EOF
		case "?":
			a.println(wrapIndent(detail, a.width, ""))
		case "e":
			if f != nil {
				if err := a.ask(id, f); err != nil {
					return i, err
				}
				a.show(id)
			}
		case "r":
			a.check(runRequest{Step: id, Inputs: a.state.Inputs()})
			a.show(id)
		case "v":
			a.reveal = true
			a.show(id)
			a.reveal = false
		case "a":
			if err := a.apply(id); err != nil {
				return i, err
			}
		case "g":
			if id == steps.SCIM && !a.o.DryRun {
				a.check(runRequest{Step: id, Inputs: a.state.Inputs(), Regenerate: true})
				a.show(id)
			}
		case "x":
			if id == steps.JumpCloudSCIM && a.state.Snap.Sandbox {
				if msg := a.r.activate(a.ctx)().(activatedMsg); msg.err != nil {
					a.println("[FAILED] sandbox activation: " + msg.err.Error())
				}
				a.check(runRequest{Step: id, Inputs: a.state.Inputs()})
				a.show(id)
			}
		case "s":
			if id == steps.JumpCloudSCIM {
				return i + 1, nil
			}
		default:
			a.println("Unknown answer: " + ans)
		}
	}
}

func (a *accessible) menu(id steps.ID) string {
	parts := []string{"Enter: next", "b: back", "r: check again"}
	if a.fields[id] != nil {
		parts = append(parts, "e: change answers")
	}
	if d, ok := a.last[id]; ok && len(d.changes) > 0 && !a.o.DryRun {
		parts = append(parts, "a: apply")
	}
	if id == steps.SCIM && !a.o.DryRun && a.state.Snap.IdP != nil {
		parts = append(parts, "g: new SCIM secret")
	}
	if id == steps.JumpCloudSCIM {
		if a.state.Snap.Sandbox && !a.o.DryRun {
			parts = append(parts, "x: activate (sandbox)")
		}
		parts = append(parts, "s: skip, check later")
	}
	if !a.state.Snap.SCIMSecret.IsZero() && (id == steps.SCIM || id == steps.JumpCloudSCIM) {
		parts = append(parts, "v: show secret")
	}
	parts = append(parts, "?: more help", "q: save and quit")
	return strings.Join(parts, ", ") + "\n"
}

// ask asks a step's questions, then checks the answers.
func (a *accessible) ask(id steps.ID, f fieldSet) error {
	form := f.form(a.state.Inputs(), a.state.Snap).
		WithAccessible(true).WithInput(a.in).WithOutput(a.out).
		WithTheme(huh.ThemeFunc(huh.ThemeBase))
	if err := form.RunWithContext(a.ctx); err != nil {
		return err
	}
	in := a.state.Inputs()
	tok := f.read(&in)
	if c, ok := f.(committer); ok {
		c.commit()
	}
	if id == steps.Team && in.Team != a.state.Inputs().Team && a.o.Store.Dir != "" {
		if msg := a.r.lookup(runRequest{Step: id, Inputs: in})().(lookupMsg); msg.saved != nil {
			if _, err := a.offerResume(msg.saved); err != nil {
				return err
			}
			if a.state.Inputs().Team == in.Team {
				return nil
			}
		}
	}
	req := runRequest{Step: id, Inputs: in, Token: tok}
	req.Reset = staleAfter(id, a.state.Inputs(), in, tok != nil)
	for _, r := range req.Reset {
		delete(a.last, r)
	}
	a.check(req)
	return nil
}

// check runs a step's checks, printing each result as it arrives.
func (a *accessible) check(req runRequest) runDoneMsg {
	a.runSeq++
	rn, start := a.r.start(a.ctx, a.runSeq, req)
	msg := start()
	for {
		switch m := msg.(type) {
		case runStartedMsg:
			for _, f := range m.pre {
				sym, _ := a.st.severity(f.Severity)
				a.println(wrapIndent(sym+" "+f.Message, a.width, "  "))
			}
			if len(m.names) > 0 {
				a.printf("  Checking: %s\n", strings.Join(m.names, "; "))
			}
		case checkDoneMsg:
			sym, _ := a.st.severity(sevOf(m.findings))
			name := ""
			if len(m.findings) > 0 {
				name = m.findings[0].Check
			}
			a.printf("  %s %s\n", sym, name)
			for _, f := range m.findings {
				a.println(wrapIndent(f.Message, a.width, "      "))
			}
		case runDoneMsg:
			if !m.cancelled {
				a.state.Snap = m.snap
				a.last[req.Step] = m
			}
			a.printf("  Result: %s\n", statusMarks[m.findings.Status()].word)
			return m
		}
		msg = <-rn.events
	}
}

// show prints the plan and the values of a step after its checks.
func (a *accessible) show(id steps.ID) {
	d := a.last[id]
	for _, f := range d.findings {
		if f.Code == "not_applied" || f.Code == "dry_run_not_sent" || f.Code == "plan_failed" {
			sym, _ := a.st.severity(f.Severity)
			a.println(wrapIndent(sym+" "+f.Message, a.width, "  "))
		}
	}
	if len(d.changes) > 0 {
		a.println(renderPlan(a.st, a.width, a.o.APIBase, d.changes))
	}
	var title string
	var vs []steps.Value
	switch id {
	case steps.JumpCloudApp:
		title, vs = jumpCloudAppHooks{}.values(a.state.Snap)
	case steps.CloudflareIdP:
		title, vs = idpHooks{}.values(a.state.Snap)
	case steps.SCIM:
		title, vs = scimHooks{}.values(a.state.Snap)
	case steps.JumpCloudSCIM:
		title, vs = "Paste into JumpCloud (Cloudflare Access app)", a.state.Snap.Values[id]
	case steps.Test:
		title, vs = testHooks{}.values(a.state.Snap)
	}
	if len(vs) > 0 {
		a.println(renderValues(a.st, a.width, title, vs, a.reveal))
	}
	if !a.state.Snap.SCIMSecret.IsZero() && (id == steps.SCIM || id == steps.JumpCloudSCIM) {
		a.println(wrapIndent("The SCIM secret is shown once and kept only in memory until you quit; v shows it. Lost it? jcaccess apply --regenerate-scim-secret issues a new one.", a.width, ""))
	}
}

func (a *accessible) mayLeave(id steps.ID) (bool, error) {
	d, ok := a.last[id]
	if !ok {
		a.println("The checks have not run yet: r runs them.")
		return false, nil
	}
	if d.findings.HasErrors() {
		a.println("A check failed: fix it (e changes the answers, r checks again) before going on.")
		return false, nil
	}
	n := 0
	for _, f := range d.findings {
		if f.Severity == model.SeverityWarning {
			n++
		}
	}
	if n == 0 {
		return true, nil
	}
	return a.yesNo(fmt.Sprintf("This step has %s. Continue anyway?", model.Plural(n, "warning")), false)
}

func (a *accessible) apply(id steps.ID) error {
	d := a.last[id]
	if len(d.changes) == 0 || a.o.DryRun {
		a.println("Nothing to apply here.")
		return nil
	}
	ch := d.changes[0]
	ok, err := a.yesNo(fmt.Sprintf("Send %s %s to Cloudflare now?", ch.Method, requestURL(a.o.APIBase, ch.Path)), false)
	if err != nil || !ok {
		if err == nil {
			a.println("Nothing was sent.")
		}
		return err
	}
	msg := a.r.apply(a.ctx, id, d.changes)().(appliedMsg)
	for _, c := range msg.applied {
		a.println("[done] " + c.Summary)
	}
	if msg.err != nil {
		a.println("[FAILED] apply stopped: " + msg.err.Error() + "; what was done is saved.")
	}
	if msg.err == nil || len(msg.applied) > 0 {
		a.state.Snap = msg.snap
	}
	a.state.Applied = append(a.state.Applied, msg.applied...)
	a.check(runRequest{Step: id, Inputs: a.state.Inputs()})
	a.show(id)
	return nil
}

// lineReader hands out at most one line per Read, so each of huh's prompts
// (which wrap the reader in a fresh bufio.Scanner) gets exactly its line.
type lineReader struct{ r io.Reader }

func (l *lineReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := l.r.Read(p[n : n+1])
		n += m
		if err != nil {
			return n, err
		}
		if m == 1 && p[n-1] == '\n' {
			break
		}
	}
	return n, nil
}

// fdLineReader keeps the terminal's file descriptor visible, for huh's
// password prompt (it reads the token without echo from the terminal).
type fdLineReader struct {
	*lineReader
	fd uintptr
}

func (f fdLineReader) Fd() uintptr { return f.fd }

func newLineReader(r io.Reader) io.Reader {
	lr := &lineReader{r: r}
	if f, ok := r.(interface{ Fd() uintptr }); ok {
		return fdLineReader{lr, f.Fd()}
	}
	return lr
}
