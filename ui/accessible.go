package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"charm.land/huh/v2"

	"jcaccess/assets"
	"jcaccess/model"
	"jcaccess/steps"
)

// RunAccessible is the wizard as plain line prompts, for screen readers and
// dumb terminals: nothing is redrawn, nothing spins, every status is a word.
// It walks the same steps through the same engine Flow and navigator as the
// full-screen wizard, calling the engine directly: nothing here runs behind
// the admin's back.
func RunAccessible(ctx context.Context, o Options, in io.Reader, out io.Writer) (Result, error) {
	opts := o
	opts.Static = true
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	a := &accessible{
		ctx: ctx, o: &opts, r: newRunner(&opts), st: PlainStyles(), in: newLineReader(in), out: out, width: 78,
		last: map[steps.ID]steps.Result{},
		fields: map[steps.ID]fieldSet{
			steps.Team:          &teamFields{},
			steps.Credentials:   &credentialsFields{fromEnv: opts.TokenFromEnv},
			steps.Metadata:      &metadataFields{},
			steps.CloudflareIdP: &idpFields{},
			steps.SCIM:          &scimFields{},
		},
	}
	if opts.NewJumpCloud != nil || opts.Env.JumpCloud != nil {
		// The same optional key and groups questions as the full screen
		// (e asks them; the step checks straight away).
		a.fields[steps.JumpCloudApp] = &jumpCloudAppFields{fromEnv: opts.JumpCloudKeyFromEnv}
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
	nav    steps.Nav
	last   map[steps.ID]steps.Result
	reveal bool
	// resumed says a saved session was just taken up: the step loop starts
	// again where the navigator now stands.
	resumed bool
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
	a.println("jcaccess setup: JumpCloud as the SAML login of Cloudflare Zero Trust, with SCIM.")
	if a.o.DryRun {
		a.println("DRY RUN: read-only. Every check runs; changes are shown and never sent.")
	}
	if err := a.refresh(); err != nil {
		return a.quit()
	}
	if s := a.o.Saved; s != nil {
		if err := a.offerResume(s); err != nil {
			return a.quit()
		}
	}
	for {
		finished, err := a.step()
		if err != nil {
			return a.quit()
		}
		if finished {
			return a.finish()
		}
	}
}

// refresh copies the engine's state.
func (a *accessible) refresh() error {
	snap, err := a.r.snap(a.ctx)
	if err == nil {
		a.state.Snap = snap
	}
	return err
}

// saveNow saves on the way out, even after Ctrl+C, waiting a little for a
// call in flight.
func (a *accessible) saveNow(res *Result) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(a.ctx), 10*time.Second)
	defer cancel()
	res.Saved, res.SaveErr = a.r.flow.SaveNow(ctx)
}

func (a *accessible) quit() (Result, error) {
	res := Result{Outcome: Quit, Team: a.state.Inputs().Team}
	a.saveNow(&res)
	return res, nil
}

func (a *accessible) finish() (Result, error) {
	o := outcome{team: a.state.Inputs().Team, domain: a.state.Inputs().Domain(), dryRun: a.o.DryRun,
		applied: a.state.Applied, snap: a.state.Snap, at: a.o.now()}
	path, err := writeReport(a.o.Store.Dir, o)
	res := Result{Outcome: Finished, Team: o.team, ReportPath: path}
	a.println("")
	a.println(o.text(a.st, a.width, path, err))
	a.saveNow(&res)
	return res, nil
}

// offerResume shows the saved session and, if the admin resumes, takes it up:
// the navigator then re-checks the verified steps in order.
func (a *accessible) offerResume(s *model.Session) error {
	a.printf("A saved session exists for team %s (%s), last saved %s:\n", s.Inputs.Team, s.Inputs.Domain(), s.UpdatedAt.Format("2006-01-02 15:04 MST"))
	for i, st := range steps.All() {
		state := s.Step(string(st.ID()))
		a.printf("  %d %s: %s\n", i+1, st.ID(), statusMarks[state.Status].word)
	}
	ok, err := a.yesNo("Resume it (the verified steps are checked again first)? No starts fresh.", true)
	if err != nil || !ok {
		return err
	}
	if err := a.r.flow.Resume(a.ctx, s); err != nil {
		return err
	}
	if err := a.refresh(); err != nil {
		return err
	}
	clear(a.last)
	a.nav.Resume(a.state.Snap.Session)
	a.resumed = true
	return nil
}

// step runs the current step's prompt loop until the admin moves; finished
// says the last step was left (the summary comes next).
func (a *accessible) step() (finished bool, err error) {
	a.resumed = false
	id := a.nav.Current()
	s, _ := steps.ByID(id)
	why, detail := assets.Help(string(id))
	a.printf("\nStep %d of %d: %s (%s)\n", a.nav.Index()+1, len(steps.All()), s.Title(), statusMarks[a.state.Snap.status(id)].word)
	if n := a.nav.Rechecking(); n > 0 {
		a.printf("Re-checking what was verified before (%d left).\n", n)
	}
	a.println(wrapIndent(why, a.width, ""))
	f := a.fields[id]
	// moved says the step to show is no longer this one (re-checking went
	// on, or a saved session was taken up).
	moved := func() bool { return a.resumed || a.nav.Current() != id }
	if _, ok := a.last[id]; !ok {
		if f != nil && !f.complete(a.state.Inputs(), a.state.Snap) {
			if err := a.ask(id, f); err != nil {
				return false, err
			}
		} else {
			a.check(steps.Request{Step: id, Inputs: a.state.Inputs()})
		}
		if moved() {
			return false, nil
		}
		a.show(id)
	}
	for {
		ans, err := a.line(a.menu(id) + "> ")
		if err != nil {
			return false, err
		}
		switch strings.ToLower(ans) {
		case "", "n":
			ok, err := a.mayLeave(id)
			if err != nil {
				return false, err
			}
			if ok {
				return !a.nav.Next(), nil
			}
		case "b":
			a.nav.Back()
			return false, nil
		case "q":
			return false, io.EOF
		case "?":
			a.println(wrapIndent(detail, a.width, ""))
		case "e":
			if f != nil {
				if err := a.ask(id, f); err != nil {
					return false, err
				}
				if moved() {
					return false, nil
				}
				a.show(id)
			}
		case "r":
			a.check(steps.Request{Step: id, Inputs: a.state.Inputs()})
			a.show(id)
		case "v":
			a.reveal = true
			a.show(id)
			a.reveal = false
		case "a":
			a.apply(id)
		case "g":
			if id == steps.SCIM && !a.o.DryRun {
				a.check(steps.Request{Step: id, Inputs: a.state.Inputs(), Regenerate: true})
				a.show(id)
			}
		case "p":
			if id == steps.SCIM && !a.o.DryRun && a.state.Snap.IdP != nil {
				if err := a.pasteSCIMSecret(id); err != nil {
					return false, err
				}
				a.show(id)
			}
		case "x":
			if id == steps.JumpCloudSCIM && a.state.Snap.Sandbox {
				if err := a.r.flow.Activate(a.ctx); err != nil {
					a.println("[FAILED] sandbox activation: " + shownErr(err))
				}
				a.check(steps.Request{Step: id, Inputs: a.state.Inputs()})
				a.show(id)
			}
		case "i":
			if id == steps.Test && a.state.Snap.Sandbox && !a.o.DryRun {
				page, err := a.r.flow.SignIn(a.ctx)
				switch {
				case err != nil:
					a.println("[FAILED] sandbox sign-in: " + shownErr(err))
				case page.SignedIn:
					a.println("Sandbox: " + shown(page.Person) + " signed in through the App Launcher.")
				default:
					a.println("Sandbox: " + shown(page.Person) + " did not get in.")
				}
				a.check(steps.Request{Step: id, Inputs: a.state.Inputs()})
				a.show(id)
			}
		case "s":
			if id == steps.JumpCloudSCIM {
				return !a.nav.Next(), nil
			}
		default:
			a.println("Unknown answer: " + shown(ans))
		}
		if moved() {
			return false, nil
		}
	}
}

func (a *accessible) menu(id steps.ID) string {
	parts := []string{"Enter: next", "b: back", "r: check again"}
	if a.fields[id] != nil {
		parts = append(parts, "e: change answers")
	}
	if d, ok := a.last[id]; ok && len(d.Changes) > 0 && !a.o.DryRun {
		parts = append(parts, "a: apply")
	}
	if id == steps.SCIM && !a.o.DryRun && a.state.Snap.IdP != nil {
		parts = append(parts, "g: new SCIM secret", "p: paste a secret regenerated in the dashboard")
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
	if id == steps.Test && a.state.Snap.Sandbox && !a.o.DryRun {
		parts = append(parts, "i: sign in (sandbox)")
	}
	parts = append(parts, "?: more help", "q: save and quit")
	return strings.Join(parts, ", ") + "\n"
}

// pasteSCIMSecret asks, hidden, for a secret the admin regenerated in the
// dashboard, and has the scim step verify it.
func (a *accessible) pasteSCIMSecret(id steps.ID) error {
	var v string
	form := pastedSecretForm(&v).WithAccessible(true).WithInput(a.in).WithOutput(a.out).
		WithTheme(huh.ThemeFunc(huh.ThemeBase))
	if err := form.RunWithContext(a.ctx); err != nil {
		return err
	}
	if strings.TrimSpace(v) == "" {
		// huh's accessible mode skips a hidden field it cannot hide (no
		// terminal) without an error: keep the secret held, say where a
		// new one can go instead.
		a.println(wrapIndent("[FAILED] no secret read (a hidden prompt needs a terminal); nothing changed. Give it with jcaccess apply --regenerate-scim-secret --scim-secret-stdin instead", a.width, "  "))
		return nil
	}
	secret := model.NewSecret(strings.TrimSpace(v))
	a.check(steps.Request{Step: id, Inputs: a.state.Inputs(), SCIMSecret: &secret})
	return nil
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
		if saved, err := a.r.store.Load(in.Team); err == nil {
			return a.offerResume(saved)
		}
	}
	for _, r := range steps.StaleAfter(id, a.state.Inputs(), in, tok != nil) {
		delete(a.last, r)
	}
	a.check(newRequest(id, in, tok))
	return nil
}

// check runs a step through the engine, printing each result as it
// arrives, and follows the navigator's re-checking.
func (a *accessible) check(req steps.Request) steps.Result {
	var mu sync.Mutex // the checks report from their own goroutines
	res := a.r.flow.Run(a.ctx, req, func(ev steps.Event) {
		mu.Lock()
		defer mu.Unlock()
		switch ev.Kind {
		case steps.ChecksStarted:
			for _, f := range ev.Findings {
				sym, _ := a.st.severity(f.Severity)
				a.println(wrapIndent(sym+" "+shown(f.Message), a.width, "  "))
			}
			if len(ev.Names) > 0 {
				a.printf("  Checking: %s\n", strings.Join(ev.Names, "; "))
			}
		case steps.CheckDone:
			sym, _ := a.st.severity(sevOf(ev.Findings))
			name := ""
			if len(ev.Findings) > 0 {
				name = ev.Findings[0].Check
			}
			a.printf("  %s %s\n", sym, name)
			for _, f := range ev.Findings {
				a.println(wrapIndent(shown(f.Message), a.width, "      "))
			}
		}
	})
	if res.Cancelled || a.refresh() != nil {
		a.nav.StopRechecking()
		a.println("  Result: stopped before the end")
		return res
	}
	a.last[req.Step] = res
	a.printf("  Result: %s\n", statusMarks[a.state.Snap.status(req.Step)].word)
	if res.SaveErr != nil {
		a.println("  The session could not be saved: " + shownErr(res.SaveErr))
	}
	if _, stopped := a.nav.Rechecked(req.Step, a.state.Snap.Session); stopped {
		a.println("Re-checking stopped here: this step is no longer verified (see its checks).")
	}
	return res
}

// show prints the plan and the values of a step after its checks.
func (a *accessible) show(id steps.ID) {
	d := a.last[id]
	for _, f := range d.Findings {
		if f.Code == "not_applied" || f.Code == "dry_run_not_sent" || f.Code == "plan_failed" {
			sym, _ := a.st.severity(f.Severity)
			a.println(wrapIndent(sym+" "+shown(f.Message), a.width, "  "))
		}
	}
	if len(d.Changes) > 0 {
		a.println(renderPlan(a.st, a.width, a.o.requestURL, d.Changes))
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
		a.println(wrapIndent("The SCIM secret is shown once and kept only in memory until you quit; v shows it. Lost it? jcaccess apply --regenerate-scim-secret asks Cloudflare for a new one, or says how to get one in the dashboard.", a.width, ""))
	}
}

// mayLeave applies the engine's leave rule, asking about warnings.
func (a *accessible) mayLeave(id steps.ID) (bool, error) {
	d, ran := a.last[id]
	block, warn := steps.Leave(ran, false, d.Findings)
	switch {
	case block != "":
		a.println(block)
		return false, nil
	case warn != "":
		return a.yesNo(wrapIndent("This step has "+warn+" Continue anyway?", a.width, ""), false)
	}
	return true, nil
}

func (a *accessible) apply(id steps.ID) {
	d := a.last[id]
	if len(d.Changes) == 0 || a.o.DryRun {
		a.println("Nothing to apply here.")
		return
	}
	ch := d.Changes[0]
	q := fmt.Sprintf("Send %s %s to %s now?", shown(ch.Method), shown(a.o.requestURL(ch)), serviceName(ch))
	if len(d.Changes) > 1 {
		q = fmt.Sprintf("Send these %d requests to %s now?", len(d.Changes), serviceName(ch))
	}
	ok, err := a.yesNo(q, false)
	if err != nil || !ok {
		if err == nil {
			a.println("Nothing was sent.")
		}
		return
	}
	applied, err := a.r.flow.Apply(a.ctx, d.Changes)
	for _, c := range applied {
		a.println("[done] " + shown(c.Summary))
	}
	if err != nil {
		a.println("[FAILED] apply stopped: " + shownErr(err) + "; what was done is saved.")
	}
	a.state.Applied = append(a.state.Applied, applied...)
	a.check(steps.Request{Step: id, Inputs: a.state.Inputs()})
	a.show(id)
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
