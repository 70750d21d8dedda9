package ui

// The test step lives in this file: a file named step_test.go would be a Go
// test file.

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jcaccess/steps"
)

// testStep shows how to sign in and test, and in the sandbox has its person
// sign in (i), then checks again: the checks read the sign-in from the
// Cloudflare API.
type testStep struct {
	*stepBase
	signingIn bool
	signInErr error
}

// testHooks show how to run Cloudflare's connection test.
type testHooks struct {
	noHooks
	c *Common
	s *testStep
}

func newTestStep(c *Common) Component {
	s := &testStep{}
	s.stepBase = newStepBase(c, steps.Test, nil, testHooks{c: c, s: s})
	return s
}

func (testHooks) values(s Snapshot) (string, []steps.Value) {
	return "Sign in, or run Cloudflare's connection test", s.Values[steps.Test]
}

func (testHooks) openURL(s Snapshot) string {
	for _, v := range s.Values[steps.Test] {
		if strings.HasPrefix(v.Value, "https://") {
			return v.Value
		}
	}
	return ""
}

func (h testHooks) extra(width int) string {
	st := h.c.Styles
	text := "Sign in through the App Launcher as a JumpCloud user bound to the app (o opens it), then r checks again: Cloudflare then lists the sign-in and the groups Access received. n shows the summary."
	if h.c.State.Snap.Sandbox {
		text = "Sandbox: i has the sandbox's JumpCloud user sign in through the App Launcher, a real SAML round trip, then checks again. n shows the summary."
	}
	return st.Dim.Render(wrapIndent(text, width, ""))
}

func (h testHooks) headline(width int) string {
	if h.s == nil {
		return ""
	}
	return h.s.signInView(width)
}

func (s *testStep) canSignIn() bool {
	snap := s.snap()
	return snap.Sandbox && snap.IdP != nil && !s.signingIn && !s.c.Opts.DryRun
}

func (s *testStep) Reset() {
	s.signInErr = nil
	s.stepBase.Reset()
}

func (s *testStep) Update(msg tea.Msg) tea.Cmd {
	s.touch(msg)
	switch msg := msg.(type) {
	case signedInMsg:
		s.signingIn, s.signInErr = false, msg.err
		if msg.err != nil {
			return nil
		}
		note := "Sandbox: " + shown(msg.page.Person) + " signed in through the App Launcher; checking what Cloudflare lists."
		if !msg.page.SignedIn {
			note = "Sandbox: " + shown(msg.page.Person) + " did not get in (see the test step)."
		}
		return tea.Batch(status(note), s.requestRun(s.inputs(), nil, false))
	case tea.KeyPressMsg:
		if s.editing || s.confirmApply {
			break
		}
		if key.Matches(msg, s.c.Keys.SignIn) && s.canSignIn() {
			s.signingIn, s.signInErr = true, nil
			return send(signInRequest{})
		}
	}
	return s.stepBase.Update(msg)
}

func (s *testStep) ShortHelp() []key.Binding {
	bs := s.stepBase.ShortHelp()
	if !s.editing && !s.confirmApply && s.canSignIn() {
		// First: it is what this step is for in the sandbox, and a narrow
		// help line drops keys from the end.
		bs = append([]key.Binding{s.c.Keys.SignIn}, bs...)
	}
	return bs
}

func (s *testStep) signInView(width int) string {
	st := s.c.Styles
	switch {
	case s.signingIn:
		return st.Info.Render(s.c.frame()) + " Sandbox: signing in through the App Launcher…"
	case s.signInErr != nil:
		return bullet("", st.Fail.Render(st.pick("✘", "[FAILED]")), "sandbox sign-in failed: "+shownErr(s.signInErr), width)
	}
	return ""
}
