package ui

// The test step lives in this file: a file named step_test.go would be a Go
// test file.

import (
	"strings"

	"jcaccess/steps"
)

// testHooks show how to run Cloudflare's connection test.
type testHooks struct {
	noHooks
	c *Common
}

func newTestStep(c *Common) Component {
	return newStepBase(c, steps.Test, nil, testHooks{c: c})
}

func (testHooks) values(s Snapshot) (string, []steps.Value) {
	return "Cloudflare's connection test", s.Values[steps.Test]
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
	text := "Sign in as a JumpCloud user assigned to the app: the test should end on \"Your connection works!\" with groups among the attributes. Then n shows the summary."
	if h.c.State.Snap.Sandbox {
		text = "Sandbox: the sign-in check above signs a test user in through JumpCloud, a real SAML round trip. n shows the summary."
	}
	return st.Dim.Render(wrapIndent(text, width, ""))
}
