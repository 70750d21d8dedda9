package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"jcaccess/model"
	"jcaccess/sandbox"
	"jcaccess/ui"
)

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
	// What --sandbox hands the wizard: the sandbox's buttons and its SSO host.
	d := w.newWizardDriver(&wizardOptions{setupOptions: setupOptions{ConfigPath: w.config}, Control: w.sb, jumpCloudHost: w.sb.JumpCloudHost()}, map[string]string{"JUMPCLOUD_BASE_URL": base, "JUMPCLOUD_API_KEY": key.Reveal()})

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
	// What --sandbox hands the wizard: the sandbox's buttons and its SSO host.
	d := w.newWizardDriver(&wizardOptions{setupOptions: setupOptions{ConfigPath: w.config}, Control: w.sb, jumpCloudHost: w.sb.JumpCloudHost()}, map[string]string{"JUMPCLOUD_BASE_URL": base})
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
