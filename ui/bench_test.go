package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"jcaccess/model"
	"jcaccess/steps"
)

// BenchmarkKeystroke is one key press (?, the step's help, shown then
// hidden) through the wizard's Update and then View, at 120x40 in colour, on
// every step screen as a whole setup reaches it: one sub-benchmark per step,
// named by its ID. cloudflare-idp is measured with its planned request
// shown, before the apply. make bench (cmd/jcbench) reports these figures.
func BenchmarkKeystroke(b *testing.B) {
	w := newWorld(b)
	o := w.options(setup{inputs: model.DefaultInputs(), sandbox: true})
	o.NoColor = false
	d := newDriver(b, w, o)
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	at := func(id steps.ID, texts ...string) {
		d.mustSee(texts...)
		benchKey(b, d, id)
	}

	d.typeText("acme")
	d.press("enter", "enter")
	at(steps.Team, "team domain acme.cloudflareaccess.com is live")
	d.press("n")
	d.typeText(testToken)
	d.press("enter", "enter")
	at(steps.Credentials, "organization matches the team")
	d.press("n")
	at(steps.JumpCloudApp, "https://acme.cloudflareaccess.com/cdn-cgi/access/callback")
	d.press("n")
	d.typeText(w.metadata)
	d.press("enter")
	at(steps.Metadata, "1 signing certificate")
	d.press("n")
	at(steps.CloudflareIdP, "Planned change (1)", `"issuer_url"`, `"sso_target_url"`, `"scim_config"`)
	d.press("a", "y")
	d.mustSee("done: create SAML login method")
	d.press("n")
	at(steps.SCIM, "SCIM secret (Token Key)")
	d.press("n")
	at(steps.JumpCloudSCIM, "Waiting for JumpCloud's first SCIM request")
	d.press("x")
	d.press("n")
	d.press("i")
	at(steps.Test, `alice@example.com signed in through "JumpCloud"`)
}

// benchKey measures ? on the current step, which must only redraw: it
// starts no command, changes the screen and keeps the step.
func benchKey(b *testing.B, d *driver, id steps.ID) {
	b.Helper()
	msg := keyMsg("?")
	before := d.screen()
	if _, cmd := d.w.Update(msg); cmd != nil {
		b.Fatalf("%s: ? started a command; the measure is of a key that only redraws", id)
	}
	after := d.screen()
	if after == before || titleOf(after) != titleOf(before) {
		b.Fatalf("%s: ? did not show the help:\n%s", id, after)
	}
	d.w.Update(msg)
	b.Run(string(id), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d.w.Update(msg)
			_ = d.w.View()
		}
	})
	if d.screen() != before { // an odd number of presses: hide the help again
		d.w.Update(msg)
	}
}

// titleOf is the screen's "Step n of 8" line.
func titleOf(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "Step ") {
			return l
		}
	}
	return ""
}
