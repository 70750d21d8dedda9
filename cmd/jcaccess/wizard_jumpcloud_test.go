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
	"github.com/charmbracelet/x/exp/teatest/v2"

	"jcaccess/model"
	"jcaccess/sandbox"
	"jcaccess/ui"
)

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

func newWizardDriver(t *testing.T, uo ui.Options) *wizardDriver {
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

// With a JumpCloud API key, the wizard sets up an organization that has no
// Cloudflare Access app in JumpCloud, with no metadata file, to a verified
// sign-in: it lists the organization's groups to bind, shows the JumpCloud
// plan (create the app, bind the group) and sends it on a then y, reads
// the metadata through JumpCloud's API, and the rest goes as without a key.
// It counts the admin's actions: at most 10.
func TestWizardWithAJumpCloudKeySetsUpFromNoAppInTenActions(t *testing.T) {
	w := newWorld(t)
	if err := w.sb.Make(sandbox.AppMissing); err != nil {
		t.Fatal(err)
	}
	// No metadata: JumpCloud has no app, so there is no export to give.
	w.config = w.writeConfig("team: acme\nteam_domain: " + w.domain + "\n")
	base, key := w.sb.JumpCloudAPI()
	vars := map[string]string{"CLOUDFLARE_API_TOKEN": w.sb.Token, "CLOUDFLARE_BASE_URL": w.sb.APIBaseURL, "JCACCESS_STATE_DIR": w.stateDir, "CLOUDFLARE_ACCOUNT_ID": w.account,
		"JUMPCLOUD_BASE_URL": base, "JUMPCLOUD_API_KEY": key.Reveal()}
	f := &Factory{
		IO:         &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, InTTY: true, OutTTY: true},
		Getenv:     func(k string) string { return vars[k] },
		HTTPClient: w.sb.HTTPClient,
		Now:        time.Now,
	}
	// What --sandbox hands the wizard: the sandbox's buttons and its SSO host.
	o := &wizardOptions{setupOptions: setupOptions{ConfigPath: w.config}, Control: w.sb, jumpCloudHost: w.sb.JumpCloudHost()}
	uo, err := o.uiOptions(f)
	if err != nil {
		t.Fatal(err)
	}
	d := newWizardDriver(t, uo)

	d.step(1, "verified")
	d.move("n")
	d.step(2, "verified")
	d.move("n")
	// The first read lists the organization's groups; none is bound (there
	// is no app), so the step asks which to bind.
	d.wait("User groups to bind to the app", "engineering", "finance")
	for range d.optionsBelowCursor("engineering") {
		d.move("down")
	}
	d.act(1, "space", "enter")
	d.wait("Planned change (2)")
	d.act(1, "a")
	// a scrolls to the plan: both requests, sent to JumpCloud's API.
	d.wait("Send these 2 requests to JumpCloud now?", `+ create JumpCloud SSO application "Cloudflare Access"`, `+ bind JumpCloud user group "engineering"`, "POST "+base+"/api/applications")
	d.act(1, "y")
	d.wait("Sent to JumpCloud", "done: create JumpCloud SSO application")
	d.step(3, "verified")
	if app := w.sb.JumpCloud.App(); app.Missing || strings.Join(app.BoundGroups, ",") != "engineering" {
		t.Fatalf("JumpCloud's app after the wizard's apply: %+v", app)
	}
	d.move("n")
	// No file: the metadata comes through JumpCloud's API.
	d.wait("read through JumpCloud's API")
	d.step(4, "verified")
	d.move("n")
	d.step(5, "warning")
	d.act(1, "a")
	d.wait("Send this POST to Cloudflare now?")
	d.act(1, "y")
	d.wait("done: create SAML login method")
	d.step(5, "verified")
	d.move("n")
	d.step(6, "verified")
	d.move("n")
	d.step(7, "warning")
	d.act(3, "x") // Identity Management: Base URL, Token Key, Activate
	d.step(7, "verified")
	d.move("n")
	d.step(8, "warning")
	d.act(1, "i") // a person signs in from the App Launcher
	d.step(8, "verified")
	d.wait(`alice@example.com signed in through "JumpCloud"`)
	d.move("n")
	d.wait("Setup summary · acme")
	d.move("q")
	fm := d.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(screenModel)
	r := fm.Result()
	if r.Outcome != ui.Finished {
		t.Fatalf("result %+v", r)
	}
	// JumpCloud's API showed the group bound: nothing left to assign.
	if strings.Contains(r.Summary, "Assign user groups") || !strings.Contains(r.Summary, "create JumpCloud SSO application") {
		t.Errorf("summary:\n%s", r.Summary)
	}

	t.Logf("admin actions: %d %v; navigation: %d %v", len(d.actions), d.actions, len(d.nav), d.nav)
	if len(d.actions) > 10 {
		t.Errorf("%d admin actions (%v), want at most 10", len(d.actions), d.actions)
	}
	sess := fm.Common().State.Snap.Session
	signedIn := false
	for _, st := range []string{"team", "credentials", "jumpcloud-app", "metadata", "cloudflare-idp", "scim", "jumpcloud-scim", "test"} {
		r := sess.Step(st)
		if r.Status != model.StatusVerified {
			t.Errorf("step %s ends %s: %v", st, r.Status, r.Findings.Codes())
		}
		for _, x := range r.Findings {
			signedIn = signedIn || x.Code == "signin_seen"
		}
	}
	if !signedIn {
		t.Error("no signin_seen: the sign-in was not read back")
	}
	// The key reached no screen and no file.
	out, err := io.ReadAll(d.tm.FinalOutput(t, teatest.WithFinalTimeout(5*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte(key.Reveal())) || bytes.Contains(out, []byte("PRIVATE KEY")) {
		t.Fatal("the JumpCloud key or the app's private key was drawn on the terminal")
	}
	assertNoSecretsOnDisk(t, w.stateDir, w.sb.Token, key.Reveal())
}

// type types text into the field that has the focus.
func (d *wizardDriver) typeText(s string) {
	for _, r := range s {
		d.tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// Without JUMPCLOUD_API_KEY the jumpcloud-app step checks as before (to
// confirm), and offers a hidden field for the key: typed there, the key
// makes the step read JumpCloud, ask for the groups and plan the app, and
// it is drawn nowhere and saved nowhere. A refused key can be replaced.
func TestWizardTakesAJumpCloudKeyTypedIntoTheJumpCloudAppStep(t *testing.T) {
	w := newWorld(t)
	if err := w.sb.Make(sandbox.AppMissing); err != nil {
		t.Fatal(err)
	}
	w.config = w.writeConfig("team: acme\nteam_domain: " + w.domain + "\n")
	base, key := w.sb.JumpCloudAPI()
	vars := map[string]string{"CLOUDFLARE_API_TOKEN": w.sb.Token, "CLOUDFLARE_BASE_URL": w.sb.APIBaseURL, "JCACCESS_STATE_DIR": w.stateDir, "CLOUDFLARE_ACCOUNT_ID": w.account,
		"JUMPCLOUD_BASE_URL": base}
	f := &Factory{
		IO:         &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, InTTY: true, OutTTY: true},
		Getenv:     func(k string) string { return vars[k] },
		HTTPClient: w.sb.HTTPClient,
		Now:        time.Now,
	}
	o := &wizardOptions{setupOptions: setupOptions{ConfigPath: w.config}, Control: w.sb, jumpCloudHost: w.sb.JumpCloudHost()}
	uo, err := o.uiOptions(f)
	if err != nil {
		t.Fatal(err)
	}
	d := newWizardDriver(t, uo)
	d.step(1, "verified")
	d.move("n")
	d.step(2, "verified")
	d.move("n")
	d.step(3, "to confirm")
	d.wait("JumpCloud API key not given (optional)", "Set these in JumpCloud (Cloudflare Access app)")
	d.move("e")
	d.wait("JumpCloud API key (optional)", "hidden, never saved")
	// A key JumpCloud refuses fails the step, and e asks for another.
	d.typeText("jca_not_the_key")
	d.act(1, "enter")
	d.step(3, "failed")
	d.move("e")
	d.wait("JumpCloud API key (optional)", "leave empty to keep it")
	d.typeText(key.Reveal())
	d.act(1, "enter")
	d.wait("User groups to bind to the app", "engineering")
	for range d.optionsBelowCursor("engineering") {
		d.move("down")
	}
	d.act(1, "space", "enter")
	d.wait("typed in (hidden; kept in memory only)", "Planned change (2)")
	d.act(1, "a")
	d.act(1, "y")
	d.wait("Sent to JumpCloud")
	d.step(3, "verified")
	if app := w.sb.JumpCloud.App(); app.Missing || strings.Join(app.BoundGroups, ",") != "engineering" {
		t.Fatalf("JumpCloud's app after the wizard's apply: %+v", app)
	}
	d.move("q")
	d.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	out, err := io.ReadAll(d.tm.FinalOutput(t, teatest.WithFinalTimeout(5*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte(key.Reveal())) {
		t.Fatal("the typed JumpCloud key was drawn on the terminal")
	}
	assertNoSecretsOnDisk(t, w.stateDir, w.sb.Token, key.Reveal())
}
