package ui

import (
	"jcaccess/steps"
)

// jumpCloudAppHooks show what to type into JumpCloud's Cloudflare Access app.
type jumpCloudAppHooks struct {
	noHooks
	c *Common
}

func newJumpCloudAppStep(c *Common) Component {
	b := newStepBase(c, steps.JumpCloudApp, nil, jumpCloudAppHooks{c: c})
	b.valuesFirst = true
	return b
}

func (jumpCloudAppHooks) values(s Snapshot) (string, []steps.Value) {
	return "Set these in JumpCloud (Cloudflare Access app)", s.Values[steps.JumpCloudApp]
}

func (h jumpCloudAppHooks) openURL(Snapshot) string { return h.c.Opts.console() }
