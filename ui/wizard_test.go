package ui

import (
	"os"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"jcaccess/model"
	"jcaccess/sandbox/cfapi"
	"jcaccess/steps"
)

// walkTo answers the steps before the IdP step for team acme.
func walkToIdP(t *testing.T, w *world, s setup) *driver {
	t.Helper()
	s.inputs = w.acme()
	if s.token == "" {
		s.token = testToken
	}
	d := newDriver(t, w, w.options(s))
	d.press("n", "n", "n", "n")
	d.mustSee("Step 5 of 8")
	return d
}

func TestWrongTeamDomainBlocksNext(t *testing.T) {
	w := newWorld(t)
	in := w.acme()
	in.TeamDomain = "wrong.cloudflareaccess.com"
	d := newDriver(t, w, w.options(setup{inputs: in, token: testToken}))
	d.mustSee("team domain wrong.cloudflareaccess.com does not answer")
	d.press("n")
	d.mustSee("Step 1 of 8", "A check failed: fix it")
	d.golden(t)
	if st := d.w.c.State.Snap.status(steps.Team); st != model.StatusFailed {
		t.Fatalf("team step is %s, want failed", st)
	}
	// Fixing the answer runs the checks again and lets the admin on.
	d.press("e", "tab")
	for range len("wrong.cloudflareaccess.com") {
		d.press("backspace")
	}
	d.press("enter")
	d.mustSee("team domain acme.cloudflareaccess.com is live")
	d.press("n")
	d.mustSee("Step 2 of 8")
}

func TestWrongTeamFailsTheOrganizationCheck(t *testing.T) {
	w := newWorld(t)
	in := w.acme()
	in.Team = "other" // its team domain answers, but the account's is acme's
	d := newDriver(t, w, w.options(setup{inputs: in, token: testToken}))
	d.press("n", "n")
	d.mustSee("Step 2 of 8", "belongs to team domain", "A check failed")
}

func TestWarningAsksBeforeNext(t *testing.T) {
	w := newWorld(t)
	d := walkToIdP(t, w, setup{})
	d.press("a", "y", "n", "n")
	d.mustSee("Step 7 of 8", "Waiting for JumpCloud's first SCIM request")
	d.press("n")
	d.mustSee("Continue anyway? y: yes · n: no.", "JumpCloud has not provisioned anyone yet")
	d.golden(t)
	d.press("n")
	d.mustSee("Step 7 of 8")
	d.press("n", "y")
	d.mustSee("Step 8 of 8")
	// s skips without the question: the admin chose to check later.
	d.press("b", "s")
	d.mustSee("Step 8 of 8")
}

func TestChangedAnswerResetsDependentSteps(t *testing.T) {
	w := newWorld(t)
	d := walkToIdP(t, w, setup{})
	snap := func(id steps.ID) model.StepStatus { return d.w.c.State.Snap.status(id) }
	// Nothing has seen JumpCloud's app before a sign-in: to confirm, not verified.
	if snap(steps.Metadata) != model.StatusVerified || snap(steps.JumpCloudApp) != model.StatusToConfirm {
		t.Fatalf("steps 3 and 4: %s, %s", snap(steps.JumpCloudApp), snap(steps.Metadata))
	}
	d.press("b", "b") // jumpcloud-app: no answers, nothing changes
	d.press("b")      // credentials
	// The same answers again: nothing changed, nothing is reset.
	d.press("e", "tab", "enter")
	if snap(steps.Metadata) != model.StatusVerified {
		t.Fatal("an unchanged answer reset the metadata step")
	}
	d.press("b", "e")
	d.typeText("x")
	d.press("enter", "enter")
	d.mustSee("Team name acmex")
	for _, id := range []steps.ID{steps.Credentials, steps.JumpCloudApp, steps.Metadata, steps.CloudflareIdP} {
		if got := snap(id); got != model.StatusTodo {
			t.Errorf("%s is %s after the team changed, want to do", id, got)
		}
	}
}

func TestEditCancelKeepsAnswers(t *testing.T) {
	w := newWorld(t)
	d := newDriver(t, w, w.options(setup{inputs: w.acme(), token: testToken}))
	d.press("e")
	d.typeText("zzz")
	d.press("esc")
	d.mustSee("Answers unchanged.", "Team name acme ·")
	if d.w.c.State.Inputs().Team != "acme" {
		t.Fatal("esc kept the typed answer")
	}
}

func TestQKeyIsTextInAField(t *testing.T) {
	w := newWorld(t)
	d := newDriver(t, w, w.options(setup{inputs: model.DefaultInputs()}))
	d.typeText("q")
	if d.w.phase == phaseQuitting {
		t.Fatal("q in a field quit")
	}
	d.mustSee("> q")
}

func TestDryRunShowsThePlanAndSendsNothing(t *testing.T) {
	w := newWorld(t)
	d := walkToIdP(t, w, setup{dryRun: true})
	d.mustSee("DRY RUN · read-only", "dry run: create SAML login method")
	d.golden(t)
	d.press("a")
	d.mustSee("Dry run: nothing is sent.")
	d.press("n", "n", "n", "n")
	d.mustSee("! 8 test", "not tested yet", "Continue anyway?")
	d.press("y")
	d.mustSee("Summary", "dry run")
	if n := len(w.api.MutatingRequests()); n != 0 {
		t.Fatalf("a dry run sent %d mutating requests", n)
	}
	if len(w.api.IdPs()) != 0 {
		t.Fatal("a dry run created a login method")
	}
}

func TestQuitSavesAndNamesTheTeam(t *testing.T) {
	w := newWorld(t)
	d := walkToIdP(t, w, setup{})
	d.press("q")
	r := d.w.Result()
	if r.Outcome != Quit || r.Team != "acme" || r.SaveErr != nil || !r.Saved {
		t.Fatalf("result %+v", r)
	}
	sess, err := model.Store{Dir: w.stateDir}.Load("acme")
	if err != nil {
		t.Fatal(err)
	}
	if sess.Step("metadata").Status != model.StatusVerified {
		t.Fatalf("saved session: %+v", sess.Steps)
	}
	assertNoSecretsOnDisk(t, w.stateDir, testToken)
}

func TestCtrlCWhileTypingQuits(t *testing.T) {
	w := newWorld(t)
	d := newDriver(t, w, w.options(setup{inputs: model.DefaultInputs()}))
	d.typeText("acm")
	d.press("ctrl+c")
	if d.w.Result().Outcome != Quit || d.w.phase != phaseQuitting {
		t.Fatal("ctrl+c did not quit")
	}
}

func TestResumeOffersThenRechecks(t *testing.T) {
	w := newWorld(t)
	first := walkToIdP(t, w, setup{})
	first.press("q")
	certs := w.requests("GET", "/cdn-cgi/access/certs")

	d := newDriver(t, w, w.options(setup{inputs: w.acme(), token: testToken, saved: true}))
	d.mustSee("A saved session exists for team acme", "r resume", "f start fresh")
	d.golden(t)
	d.press("r")
	d.mustSee("Step 5 of 8")
	if got := w.requests("GET", "/cdn-cgi/access/certs"); got <= certs {
		t.Fatal("resuming did not check the team domain again")
	}
}

func TestResumeWithoutTokenAsksForItThenCarriesOn(t *testing.T) {
	w := newWorld(t)
	first := walkToIdP(t, w, setup{})
	first.press("q")

	d := newDriver(t, w, w.options(setup{inputs: w.acme(), saved: true}))
	d.press("r")
	d.mustSee("Step 2 of 8", "Cloudflare API token", "type the API token")
	d.typeText(testToken)
	d.press("enter", "enter")
	d.mustSee("Step 5 of 8")
}

func TestQuitAtTheResumeQuestionKeepsTheSavedSession(t *testing.T) {
	w := newWorld(t)
	first := walkToIdP(t, w, setup{})
	first.press("q")
	d := newDriver(t, w, w.options(setup{inputs: w.acme(), token: testToken, saved: true}))
	d.press("q")
	sess, err := model.Store{Dir: w.stateDir}.Load("acme")
	if err != nil || sess.Step(string(steps.Metadata)).Status != model.StatusVerified {
		t.Fatalf("the saved progress was lost: %v %+v", err, sess)
	}
}

func TestStartFreshForgetsTheSavedProgress(t *testing.T) {
	w := newWorld(t)
	first := walkToIdP(t, w, setup{})
	first.press("q")
	d := newDriver(t, w, w.options(setup{inputs: w.acme(), token: testToken, saved: true}))
	d.press("f")
	d.mustSee("Step 1 of 8")
	if got := d.w.c.State.Snap.status(steps.Metadata); got != model.StatusTodo {
		t.Fatalf("fresh start kept metadata as %s", got)
	}
}

func TestTypedTeamWithSavedSessionOffersResume(t *testing.T) {
	w := newWorld(t)
	first := walkToIdP(t, w, setup{})
	first.press("q")
	d := newDriver(t, w, w.options(setup{inputs: model.DefaultInputs(), token: testToken}))
	d.typeText("acme")
	d.press("enter", "enter")
	d.mustSee("A saved session exists for team acme")
	d.press("r")
	d.mustSee("Step 5 of 8")
}

func TestReadOnlyTokenApplyNamesThePermission(t *testing.T) {
	w := newWorld(t)
	d := walkToIdP(t, w, setup{token: readOnlyToken})
	d.press("a", "y")
	d.mustSee("apply stopped", "the API token lacks a permission: give it Access: Organizations, Identity Providers, and Groups Write")
	if len(w.api.IdPs()) != 0 {
		t.Fatal("a read-only token created a login method")
	}
}

func TestRegenerateSecret(t *testing.T) {
	w := newWorld(t, func(o *cfapi.Options) { o.RefreshSCIMSecret = true })
	d := walkToIdP(t, w, setup{})
	d.press("a", "y", "n")
	old := w.api.IdPs()[0].SCIMSecret
	d.press("g", "a")
	d.mustSee("regenerate the SCIM secret", "POST", "jcaccess apply --regenerate-scim-secret")
	d.press("y")
	if now := w.api.IdPs()[0].SCIMSecret; now == old {
		t.Fatal("the secret did not change")
	}
	d.press("v")
	d.mustSee(w.api.IdPs()[0].SCIMSecret)
}

// Against Cloudflare as documented (no refresh endpoint), g ends in the
// dashboard's Regenerate Secret, and the secret is unchanged.
func TestRegenerateSecretWithoutTheEndpointPointsToTheDashboard(t *testing.T) {
	w := newWorld(t)
	d := walkToIdP(t, w, setup{})
	d.press("a", "y", "n")
	old := w.api.IdPs()[0].SCIMSecret
	d.press("g", "a", "y")
	d.mustSee("Regenerate Secret")
	if now := w.api.IdPs()[0].SCIMSecret; now != old {
		t.Fatal("the secret changed")
	}

	// The admin regenerates it in the dashboard and pastes it (hidden):
	// the scim step checks it against the SCIM endpoint.
	fresh, err := w.api.RegenerateSCIMSecret(w.api.IdPs()[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	d.send(tea.WindowSizeMsg{Width: 120, Height: 60})
	d.press("p")
	d.mustSee("SCIM secret from Regenerate Secret")
	d.typeText("not-the-secret")
	if strings.Contains(d.screen(), "not-the-secret") {
		t.Fatal("the pasted secret is shown as typed")
	}
	d.press("enter")
	d.mustSee("rejects the secret you gave")
	d.press("p")
	d.typeText(fresh)
	d.press("enter")
	d.mustSee("accepts the secret you gave")
	d.press("v")
	d.mustSee(fresh)
}

func TestHelpListsEveryKey(t *testing.T) {
	w := newWorld(t)
	d := newDriver(t, w, w.options(setup{inputs: w.acme(), token: testToken}))
	d.press("?")
	d.mustSee("Keys", "Find the team name in the Cloudflare dashboard")
	d.press("pgdown")
	d.mustSee("saves the session, never a secret, and quits")
}

func TestResizesCleanly(t *testing.T) {
	w := newWorld(t)
	d := walkToIdP(t, w, setup{})
	for _, size := range [][2]int{{100, 30}, {80, 24}, {60, 20}, {132, 43}} {
		d.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		lines := strings.Split(d.screen(), "\n")
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for _, l := range lines {
			if n := len([]rune(l)); n > size[0] {
				t.Errorf("%dx%d: a line is %d wide: %q", size[0], size[1], n, l)
			}
		}
	}
	d.send(tea.WindowSizeMsg{Width: 40, Height: 10})
	d.mustSee("needs at least 50x14", "--accessible")
}

var colourSGR = regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|38;|9[0-7])`)

func TestNoColorDrawsNoColour(t *testing.T) {
	w := newWorld(t)
	o := w.options(setup{inputs: w.acme(), token: testToken})
	o.NoColor = true
	d := newDriver(t, w, o)
	if raw := d.w.View().Content; colourSGR.MatchString(raw) {
		t.Fatalf("colour sequences with NO_COLOR: %q", raw)
	}
	o.NoColor = false
	d = newDriver(t, w, o)
	if raw := d.w.View().Content; !colourSGR.MatchString(raw) {
		t.Fatal("no colour at all without NO_COLOR (the test would prove nothing)")
	}
}

func TestReportHoldsNoSecret(t *testing.T) {
	w := newWorld(t)
	d := walkToIdP(t, w, setup{sandbox: true})
	d.press("a", "y", "n", "n", "x", "n", "i", "n")
	d.mustSee("Summary")
	secret := w.api.IdPs()[0].SCIMSecret
	assertNoSecretsOnDisk(t, w.stateDir, testToken, secret)
	b, err := os.ReadFile(d.w.report.path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "alice@example.com signed in") {
		t.Fatalf("report:\n%s", b)
	}
}
