package ui

import (
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"jcaccess/model"
	"jcaccess/steps"
)

// TestScreens walks a whole setup through Update, key by key, and compares
// each step's screen at 80x24 with its golden file, as the admin reads it
// without colour (NO_COLOR).
func TestScreens(t *testing.T) { walkScreens(t, false) }

// TestScreensColour is the same walk in colour, each screen compared as a
// 256-colour terminal receives it.
func TestScreensColour(t *testing.T) { walkScreens(t, true) }

func walkScreens(t *testing.T, colour bool) {
	w := newWorld(t)
	o := w.options(setup{inputs: model.DefaultInputs(), sandbox: true})
	o.NoColor = !colour
	d := newDriver(t, w, o)
	shot := func(name string, check func()) {
		t.Run(name, func(t *testing.T) {
			if check != nil {
				check()
			}
			if colour {
				d.goldenColour(t)
			} else {
				d.golden(t)
			}
		})
	}
	shot("01_team_form", func() { d.mustSee("Team name", "enter next") })
	d.typeText("acme")
	d.press("enter", "enter")
	shot("02_team_verified", func() { d.mustSee("team domain acme.cloudflareaccess.com is live") })

	d.press("n")
	d.typeText(testToken)
	shot("03_credentials_token_masked", func() {
		if strings.Contains(d.screen(), testToken) {
			t.Fatal("the token is shown while typed")
		}
	})
	d.press("enter", "enter")
	shot("04_credentials_verified", func() { d.mustSee("typed in (hidden; kept in memory only)", "organization matches the team") })

	d.press("n")
	shot("05_jumpcloud_app", func() { d.mustSee("https://acme.cloudflareaccess.com/cdn-cgi/access/callback") })
	d.press("1")
	if len(d.copied) != 1 || d.copied[0] != "https://acme.cloudflareaccess.com/" {
		t.Fatalf("1 copied %q", d.copied)
	}
	d.mustSee("Copied IdP Entity ID: https://acme.cloudflareaccess.com/")
	d.press("o")
	d.mustSee("No browser here (no DISPLAY): open", "https://console.jumpcloud.com/#/home")

	d.press("n")
	shot("06_metadata_form", nil)
	d.typeText(w.metadata)
	d.press("enter")
	d.mustSee("1 signing certificate")

	d.press("n")
	shot("07_idp_plan", func() { d.mustSee(`create SAML login method "JumpCloud" with SCIM enabled`, "a apply") })
	d.press("a")
	shot("08_idp_confirm", func() {
		d.mustSee("POST https://api.cloudflare.test/client/v4/accounts/", "Send this POST to Cloudflare now?")
	})
	// The request's body, certificate abbreviated, survives colour: the
	// text stripped of its escapes shows every field.
	if bare := ansi.Strip(d.w.View().Content); !strings.Contains(bare, `"issuer_url"`) || !strings.Contains(bare, `"sso_target_url"`) {
		t.Fatalf("the planned request lost its body:\n%s", bare)
	}
	d.press("f")
	d.mustSee("MIIDfjCCAmagAwIBAgIUQ+JRyJu1sjk8K9B7BNruexvxw+Iw", "f short plan")
	d.press("f")
	d.mustSee("(SHA-256 CF:30:4B:AD…, expires 2031-11-25)")
	if n := len(w.api.MutatingRequests()); n != 0 {
		t.Fatalf("%d requests sent before the confirmation", n)
	}
	d.press("y")
	shot("09_idp_applied", func() { d.mustSee("done: create SAML login method") })
	if len(w.api.IdPs()) != 1 {
		t.Fatalf("%d IdPs after apply", len(w.api.IdPs()))
	}
	secret := w.api.IdPs()[0].SCIMSecret

	d.press("n")
	shot("10_scim", func() { d.mustSee("SCIM secret (Token Key)", "hidden: v shows it") })
	if strings.Contains(d.screen(), secret) {
		t.Fatal("the SCIM secret shows before v")
	}
	d.press("v")
	d.mustSee(secret)
	d.press("v")

	d.press("n")
	shot("11_jumpcloud_scim_waiting", func() { d.mustSee("Waiting for JumpCloud's first SCIM request", "s skip") })
	d.press("x")
	shot("12_jumpcloud_scim_connected", func() { d.mustSee("Sandbox: JumpCloud's Identity Management was activated.") })

	d.press("n")
	d.mustSee("nobody has signed in through", "i sign in (sandbox)")
	d.press("i")
	shot("13_test", func() {
		d.mustSee(`alice@example.com signed in through "JumpCloud"`, "Access received groups Engineering")
	})
	d.press("n")
	shot("14_summary", func() { d.mustSee("What was done", "What was verified") })
	d.press("pgdown")
	d.mustSee("What is left", "Assign user groups", "Report saved to")
	assertNoSecretsOnDisk(t, w.stateDir, testToken, secret)

	d.press("enter")
	if r := d.w.Result(); r.Outcome != Finished || r.ReportPath == "" || r.Team != "acme" {
		t.Fatalf("result %+v", r)
	}
	report, err := os.ReadFile(d.w.Result().ReportPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## What was done", "create SAML login method", "**test**", "Assign user groups"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if st := d.w.c.State.Snap.status(steps.Test); st != model.StatusVerified {
		t.Fatalf("test step %s", st)
	}
}

// TestPlannedRequestSurvivesColour: at 100x40 in colour, the planned POST
// shows its body's fields, SCIM included, on one screen.
func TestPlannedRequestSurvivesColour(t *testing.T) {
	w := newWorld(t)
	o := w.options(setup{inputs: w.acme(), token: testToken})
	o.NoColor = false
	d := newDriver(t, w, o)
	d.send(tea.WindowSizeMsg{Width: 100, Height: 40})
	d.press("n", "n", "n", "n")
	for _, keys := range [][]string{nil, {"a"}} {
		d.press(keys...)
		bare := ansi.Strip(d.w.View().Content)
		for _, want := range []string{`"issuer_url"`, `"sso_target_url"`, `"scim_config"`, "(SHA-256 "} {
			if !strings.Contains(bare, want) {
				t.Fatalf("after %q the screen lacks %s:\n%s", keys, want, bare)
			}
		}
	}
}
