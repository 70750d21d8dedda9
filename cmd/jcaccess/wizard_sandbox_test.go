package main

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
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"jcaccess/ui"
)

// screenModel keeps the wizard's last screen for the test to read.
type screenModel struct {
	*ui.Wizard
	mu   *sync.Mutex
	last *string
}

func (m screenModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := m.Wizard.Update(msg)
	return m, cmd
}

func (m screenModel) View() tea.View {
	v := m.Wizard.View()
	m.mu.Lock()
	*m.last = ansi.Strip(v.Content)
	m.mu.Unlock()
	return v
}

type lastScreen struct {
	m   screenModel
	buf *bytes.Reader
}

func (s *lastScreen) Read(p []byte) (int, error) {
	if s.buf == nil {
		s.m.mu.Lock()
		s.buf = bytes.NewReader([]byte("\x00" + *s.m.last))
		s.m.mu.Unlock()
	}
	n, err := s.buf.Read(p)
	if err == io.EOF {
		s.buf = nil
	}
	return n, err
}

// TestSetupAgainstTheSandboxSignsInForReal runs the wizard with the options
// setup builds, against the sandbox: a real JumpCloud SCIM activation and a
// real SAML sign-in through the login method the wizard created.
func TestSetupAgainstTheSandboxSignsInForReal(t *testing.T) {
	w := newWorld(t)
	d := w.newWizardDriver(&wizardOptions{setupOptions: setupOptions{ConfigPath: w.config}, Control: w.sb}, nil)
	step, wait, press := d.step, d.wait, d.move
	step(1, "verified")
	press("n")
	step(2, "verified")
	press("n")
	// Nothing has seen the JumpCloud app yet: to confirm, never a tick.
	step(3, "to confirm")
	press("n")
	// The sandbox's SSO URL is on 127.0.0.1, not sso.jumpcloud.com: a
	// warning the admin confirms.
	step(4, "warning")
	press("n", "y")
	step(5, "warning")
	press("a")
	wait("Send this POST to Cloudflare now?")
	press("y")
	wait("done: create SAML login method")
	step(5, "verified")
	press("n")
	step(6, "verified")
	press("n")
	step(7, "warning")
	press("x")
	step(7, "verified")
	press("n")
	// Nobody has signed in yet; i has the sandbox's person sign in from the
	// App Launcher, and the step reads the sign-in back from the API.
	step(8, "warning")
	wait("nobody has signed in through")
	press("i")
	step(8, "verified")
	wait(`alice@example.com signed in through "JumpCloud"`, "engineering")
	// The sign-in confirms the app's SP Entity ID and ACS URL.
	wait("✔ 3 jumpcloud-app")
	press("n")
	wait("Setup summary · acme")
	press("q")
	fm := d.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(screenModel)
	if r := fm.Result(); r.Outcome != ui.Finished || r.ReportPath == "" {
		t.Fatalf("result %+v", r)
	}
	if logins := w.sb.Cloudflare.Logins(); len(logins) == 0 || logins[len(logins)-1].Error != "" || !logins[len(logins)-1].Session {
		t.Fatalf("no good sign-in recorded: %+v", logins)
	}
	secret := w.sb.Cloudflare.IdPs()[0].SCIMSecret
	assertNoSecretsOnDisk(t, w.stateDir, w.sb.Token, secret)
	// Every byte drawn on the terminal: the token never, the SCIM secret
	// not unless the admin pressed v (which this run did not).
	out, err := io.ReadAll(d.tm.FinalOutput(t, teatest.WithFinalTimeout(5*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no terminal output captured")
	}
	if bytes.Contains(out, []byte(w.sb.Token)) || bytes.Contains(out, []byte(secret)) {
		t.Fatal("a secret was drawn on the terminal")
	}
}

// wizardDriver drives the wizard in a teatest program against the sandbox,
// and counts what the admin does: actions (a key press that decides
// something, or a console action no API can do) apart from navigation
// (going on from a step that needs nothing, moving a cursor).
type wizardDriver struct {
	t       *testing.T
	tm      *teatest.TestModel
	m       screenModel
	actions []string
	nav     []string
}

// newWizardDriver starts the wizard with what jcaccess setup builds (o)
// over this world, in the environment of run plus env.
func (w *world) newWizardDriver(o *wizardOptions, env map[string]string) *wizardDriver {
	t := w.t
	t.Helper()
	vars := w.vars(env)
	f := &Factory{
		IO:         &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, InTTY: true, OutTTY: true},
		Getenv:     func(k string) string { return vars[k] },
		HTTPClient: w.sb.HTTPClient,
		Now:        time.Now,
	}
	uo, err := o.uiOptions(f)
	if err != nil {
		t.Fatal(err)
	}
	uo.Static, uo.Open = true, func(string) error { return nil }
	m := screenModel{Wizard: ui.New(context.Background(), uo), mu: &sync.Mutex{}, last: new(string)}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	return &wizardDriver{t: t, tm: tm, m: m}
}

func (d *wizardDriver) screen() string {
	d.m.mu.Lock()
	defer d.m.mu.Unlock()
	return *d.m.last
}

// wait waits for every sub to be on the screen (spaces folded).
func (d *wizardDriver) wait(subs ...string) {
	d.t.Helper()
	teatest.WaitFor(d.t, &lastScreen{m: d.m}, func(b []byte) bool {
		flat := strings.Join(strings.Fields(string(b[bytes.LastIndexByte(b, 0)+1:])), " ")
		for _, s := range subs {
			if !strings.Contains(flat, s) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

// step waits for step n's title to show status.
func (d *wizardDriver) step(n int, status string) {
	d.t.Helper()
	title := fmt.Sprintf("Step %d of 8", n)
	teatest.WaitFor(d.t, &lastScreen{m: d.m}, func(b []byte) bool {
		for _, l := range strings.Split(string(b[bytes.LastIndexByte(b, 0)+1:]), "\n") {
			if strings.HasPrefix(l, title) {
				return strings.HasSuffix(strings.TrimSpace(l), " "+status)
			}
		}
		return false
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

func (d *wizardDriver) send(k string) {
	switch k {
	case "enter":
		d.tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	case "space":
		d.tm.Send(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
	case "down":
		d.tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
	default:
		d.tm.Send(tea.KeyPressMsg{Code: rune(k[0]), Text: k})
	}
}

// optionsBelowCursor is how far below the list's cursor (>) option name
// is, in the form on screen.
func (d *wizardDriver) optionsBelowCursor(name string) int {
	d.t.Helper()
	var opts []string
	cursor := -1
	for _, l := range strings.Split(d.screen(), "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "┃"))
		if strings.HasPrefix(l, "> ") {
			cursor = len(opts)
			l = strings.TrimPrefix(l, "> ")
		}
		if f := strings.Fields(l); len(f) == 2 && (f[0] == "•" || f[0] == "✓") {
			opts = append(opts, f[1])
		}
	}
	for i, o := range opts {
		if o == name && cursor >= 0 && i >= cursor {
			return i - cursor
		}
	}
	d.t.Fatalf("no option %q below the cursor in %q (cursor %d)", name, opts, cursor)
	return 0
}

// act presses keys that decide something; weight is what each stands for
// (x stands for JumpCloud's Base URL, Token Key and Activate: 3).
func (d *wizardDriver) act(weight int, keys ...string) {
	for _, k := range keys {
		d.send(k)
		for range weight {
			d.actions = append(d.actions, k)
		}
	}
}

// move presses keys that only go on or move a cursor.
func (d *wizardDriver) move(keys ...string) {
	for _, k := range keys {
		d.send(k)
		d.nav = append(d.nav, k)
	}
}
