package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"jcaccess/model"
	"jcaccess/steps"
)

// recorder is the wizard with its last screen kept for the test to read:
// the program owns the model, so the test reads only this copy.
type recorder struct {
	*Wizard
	mu   *sync.Mutex
	last *string
}

func (r recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := r.Wizard.Update(msg)
	return r, cmd
}

func (r recorder) View() tea.View {
	v := r.Wizard.View()
	r.mu.Lock()
	*r.last = plain(v.Content)
	r.mu.Unlock()
	return v
}

// screenReader hands teatest.WaitFor the latest screen, marked, once per
// poll (each poll reads to EOF).
type screenReader struct {
	r   recorder
	buf *bytes.Reader
}

const screenMark = "\x00SCREEN\x00"

func (s *screenReader) Read(p []byte) (int, error) {
	if s.buf == nil {
		s.r.mu.Lock()
		s.buf = bytes.NewReader([]byte(screenMark + *s.r.last))
		s.r.mu.Unlock()
	}
	n, err := s.buf.Read(p)
	if err == io.EOF {
		s.buf = nil
	}
	return n, err
}

// program runs the wizard as a real bubbletea program.
type program struct {
	t  *testing.T
	tm *teatest.TestModel
	r  recorder
}

func startProgram(t *testing.T, o Options) *program {
	t.Helper()
	w := New(context.Background(), o)
	w.c.Copy = func(string) tea.Cmd { return nil }
	r := recorder{Wizard: w, mu: &sync.Mutex{}, last: new(string)}
	tm := teatest.NewTestModel(t, r,
		teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	t.Cleanup(func() { _ = tm.Quit() })
	return &program{t: t, tm: tm, r: r}
}

// wait blocks until the screen shows every text (across line wraps).
func (p *program) wait(subs ...string) {
	p.t.Helper()
	teatest.WaitFor(p.t, &screenReader{r: p.r}, func(b []byte) bool {
		all := string(b)
		scr := all[strings.LastIndex(all, screenMark)+len(screenMark):]
		flat := strings.Join(strings.Fields(scr), " ")
		for _, s := range subs {
			if !strings.Contains(scr, s) && !strings.Contains(flat, s) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

// waitStep waits until step n is on screen with its checks done and the
// given status ("verified", "warning", "failed").
func (p *program) waitStep(n int, status string) {
	p.t.Helper()
	// The title's right side says "checking" while the step's checks run,
	// then the status the run recorded.
	teatest.WaitFor(p.t, &screenReader{r: p.r}, func(b []byte) bool {
		all := string(b)
		scr := all[strings.LastIndex(all, screenMark)+len(screenMark):]
		for _, l := range strings.Split(scr, "\n") {
			if strings.HasPrefix(l, fmt.Sprintf("Step %d of 8", n)) {
				return strings.HasSuffix(l, " "+status)
			}
		}
		return false
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

func (p *program) press(keys ...string) {
	for _, k := range keys {
		p.tm.Send(keyMsg(k))
	}
}

func (p *program) typeText(s string) { p.tm.Type(s) }

func (p *program) result() Result {
	p.t.Helper()
	m := p.tm.FinalModel(p.t, teatest.WithFinalTimeout(5*time.Second))
	return m.(recorder).Result()
}

func TestProgramFullRunToTheSummary(t *testing.T) {
	w := newWorld(t)
	o := w.options(setup{inputs: w.acme(), token: testToken, sandbox: true})
	o.Static = false // spinners on: they must not get in the way
	o.PollInterval = 20 * time.Millisecond
	p := startProgram(t, o)
	p.waitStep(1, "verified")
	p.press("n")
	p.waitStep(2, "verified")
	p.press("n")
	p.waitStep(3, "to confirm")
	p.press("n")
	p.waitStep(4, "verified")
	p.press("n")
	p.waitStep(5, "warning")
	p.wait("a apply")
	p.press("a")
	p.wait("Send this POST to Cloudflare now?")
	p.press("y")
	p.wait("done: create SAML login method")
	p.waitStep(5, "verified")
	p.press("n")
	p.waitStep(6, "verified")
	p.press("n")
	p.waitStep(7, "warning")
	p.wait("Waiting for JumpCloud's first SCIM request")

	// The admin connects JumpCloud by hand: the step notices on its own.
	idp := w.api.IdPs()[0]
	if err := w.control.ActivateSCIM(context.Background(), idp.SCIMBaseURL, model.NewSecret(idp.SCIMSecret)); err != nil {
		t.Fatal(err)
	}
	p.waitStep(7, "verified")
	p.press("n")
	p.waitStep(8, "warning")
	p.wait("nobody has signed in through")

	// The admin signs in at a browser; r checks again.
	if _, err := w.control.SignIn(context.Background(), "JumpCloud"); err != nil {
		t.Fatal(err)
	}
	p.press("r")
	p.waitStep(8, "verified")
	p.wait(`alice@example.com signed in through "JumpCloud"`)
	p.press("n")
	p.wait("Setup summary · acme", "What was verified")
	p.press("enter")
	r := p.result()
	if r.Outcome != Finished || r.ReportPath == "" || !strings.Contains(r.Summary, "What is left") {
		t.Fatalf("result %+v", r)
	}
	if strings.Contains(r.Summary, idp.SCIMSecret) {
		t.Fatal("the summary printed the SCIM secret")
	}
	assertNoSecretsOnDisk(t, w.stateDir, testToken, idp.SCIMSecret)
	if v := w.api.Violations(); len(v) != 0 {
		t.Fatalf("requests violated the OpenAPI excerpt: %v", v)
	}
}

func TestProgramDryRunChangesNothing(t *testing.T) {
	w := newWorld(t)
	p := startProgram(t, w.options(setup{inputs: w.acme(), token: testToken, dryRun: true}))
	p.wait("DRY RUN")
	for n, st := range []string{"verified", "verified", "to confirm", "verified"} {
		p.waitStep(n+1, st)
		p.press("n")
	}
	// Shown, not sent: to confirm, never a tick.
	p.waitStep(5, "to confirm")
	p.wait("dry run: create SAML login method")
	p.press("a")
	p.wait("Dry run: nothing is sent.")
	p.waitStep(5, "to confirm")
	p.press("n")
	for n := 6; n <= 7; n++ {
		p.waitStep(n, "verified")
		p.press("n")
	}
	// Nothing was sent, so nothing could be tested: a warning, not a tick.
	p.waitStep(8, "warning")
	p.wait("not tested yet")
	p.press("n")
	p.wait("Continue anyway?")
	p.press("y")
	p.wait("Setup summary · acme (acme.cloudflareaccess.com) · dry run", "Nothing: this was a dry run")
	p.press("q")
	if r := p.result(); r.Outcome != Finished {
		t.Fatalf("result %+v", r)
	}
	if n := len(w.api.MutatingRequests()); n != 0 {
		t.Fatalf("a dry run sent %d mutating requests: %+v", n, w.api.MutatingRequests())
	}
}

func TestProgramResumeAfterQuitting(t *testing.T) {
	w := newWorld(t)
	p := startProgram(t, w.options(setup{inputs: w.acme(), token: testToken}))
	p.waitStep(1, "verified")
	p.press("n")
	p.waitStep(2, "verified")
	p.press("n")
	p.waitStep(3, "to confirm")
	p.press("q")
	if r := p.result(); r.Outcome != Quit || r.Team != "acme" {
		t.Fatalf("result %+v", r)
	}
	saved, err := model.Store{Dir: w.stateDir}.Load("acme")
	if err != nil {
		t.Fatal(err)
	}
	if saved.Step(string(steps.Credentials)).Status != model.StatusVerified {
		t.Fatalf("saved: %+v", saved.Steps)
	}
	certs, verifies := w.requests("GET", "/cdn-cgi/access/certs"), w.requests("GET", "/tokens/verify")

	p2 := startProgram(t, w.options(setup{inputs: w.acme(), token: testToken, saved: true}))
	p2.wait("A saved session exists for team acme", "✔ 2 credentials verified at")
	p2.press("r")
	p2.waitStep(4, "verified")
	if w.requests("GET", "/cdn-cgi/access/certs") <= certs || w.requests("GET", "/tokens/verify") <= verifies {
		t.Fatal("resuming did not re-check the verified steps")
	}
	p2.press("q")
	p2.result()
}

func TestProgramFailingCheckBlocksNext(t *testing.T) {
	w := newWorld(t)
	in := w.acme()
	in.TeamDomain = "wrong.cloudflareaccess.com"
	p := startProgram(t, w.options(setup{inputs: in, token: testToken}))
	p.waitStep(1, "failed")
	p.wait("does not answer")
	p.press("n")
	p.wait("A check failed: fix it", "Step 1 of 8")
	p.press("q")
	p.result()
}

func TestProgramEditingCancelsChecksInFlight(t *testing.T) {
	w := newWorld(t)
	w.api.Fault(faultSlowCerts())
	p := startProgram(t, w.options(setup{inputs: w.acme(), token: testToken}))
	p.wait("checking")
	start := time.Now()
	p.press("e")
	p.typeText("x")
	p.wait("The checks stopped: the answers changed")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancelling took %s", d)
	}
	p.press("esc")
	p.wait("Answers unchanged.")
	p.press("q")
	p.result()
}
