package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jcaccess/steps"
)

// jumpCloudSCIMStep shows what JumpCloud's Identity Management needs, then
// waits for JumpCloud's first SCIM request by polling its checks.
type jumpCloudSCIMStep struct {
	*stepBase
	gen         int // invalidates poll ticks from an earlier wait
	activating  bool
	activateErr error
}

type jumpCloudSCIMHooks struct {
	noHooks
	s *jumpCloudSCIMStep
}

// pollMsg asks the step to check again.
type pollMsg struct{ gen int }

func newJumpCloudSCIMStep(c *Common) Component {
	s := &jumpCloudSCIMStep{}
	s.stepBase = newStepBase(c, steps.JumpCloudSCIM, nil, jumpCloudSCIMHooks{s: s})
	s.valuesFirst = true
	return s
}

func (h jumpCloudSCIMHooks) values(s Snapshot) (string, []steps.Value) {
	return "Paste into JumpCloud (Cloudflare Access app)", s.Values[steps.JumpCloudSCIM]
}

func (h jumpCloudSCIMHooks) extra(width int) string {
	if h.s.snap().SCIMSecret.IsZero() {
		return ""
	}
	return h.s.c.Styles.Dim.Render(wrapIndent("The Token Key is shown once and kept only in memory until you quit. Lost it? jcaccess apply --regenerate-scim-secret asks Cloudflare for a new one, or says how to get one in the dashboard.", width, ""))
}

func (h jumpCloudSCIMHooks) openURL(Snapshot) string { return h.s.c.Opts.console() }

func (h jumpCloudSCIMHooks) headline(width int) string { return h.s.waitView(width) }

// waiting is true while JumpCloud has not provisioned anyone.
func (s *jumpCloudSCIMStep) waiting() bool {
	if !s.rs.done {
		return false
	}
	for _, f := range s.rs.findings {
		if f.Code == "scim_not_connected" {
			return true
		}
	}
	return false
}

func (s *jumpCloudSCIMStep) canActivate() bool {
	snap := s.snap()
	return snap.Sandbox && !snap.SCIMSecret.IsZero() && scimEndpoint(snap) != "" && !s.activating && !s.c.Opts.DryRun
}

func (s *jumpCloudSCIMStep) Enter() tea.Cmd {
	if s.waiting() && !s.rs.running {
		s.active = true
		return s.requestRun(s.inputs(), nil, false)
	}
	return s.stepBase.Enter()
}

func (s *jumpCloudSCIMStep) Leave() {
	s.gen++
	s.stepBase.Leave()
}

func (s *jumpCloudSCIMStep) Reset() {
	s.gen++
	s.activateErr = nil
	s.stepBase.Reset()
}

func (s *jumpCloudSCIMStep) Update(msg tea.Msg) tea.Cmd {
	s.touch(msg)
	switch msg := msg.(type) {
	case pollMsg:
		if msg.gen == s.gen && s.active && !s.rs.running && s.waiting() {
			return s.requestRun(s.inputs(), nil, false)
		}
		return nil
	case activatedMsg:
		s.activating, s.activateErr = false, msg.err
		if msg.err != nil {
			return nil
		}
		return tea.Batch(status("Sandbox: JumpCloud's Identity Management was activated."), s.requestRun(s.inputs(), nil, false))
	case tea.KeyPressMsg:
		if s.editing || s.confirmApply {
			break
		}
		switch {
		case key.Matches(msg, s.c.Keys.Activate) && s.canActivate():
			s.activating, s.activateErr = true, nil
			return send(activateRequest{})
		case key.Matches(msg, s.c.Keys.Skip):
			return send(skipRequest{})
		}
	}
	cmd := s.stepBase.Update(msg)
	if done, ok := msg.(runDoneMsg); ok && done.run == s.rs.id && !done.cancelled && s.active && s.waiting() {
		if d := s.c.Opts.poll(); d > 0 {
			s.gen++
			gen := s.gen
			cmd = tea.Batch(cmd, tea.Tick(d, func(time.Time) tea.Msg { return pollMsg{gen: gen} }))
		}
	}
	return cmd
}

func (s *jumpCloudSCIMStep) ShortHelp() []key.Binding {
	bs := s.stepBase.ShortHelp()
	if s.editing || s.confirmApply {
		return bs
	}
	if s.canActivate() {
		bs = append(bs, s.c.Keys.Activate)
	}
	return append(bs, s.c.Keys.Skip)
}

func (s *jumpCloudSCIMStep) waitView(width int) string {
	st, snap := s.c.Styles, s.snap()
	in := snap.Session.Inputs
	if !in.SCIM.Enabled {
		return st.Dim.Render(wrapIndent("SCIM is off (scim step): there is nothing to connect.", width, ""))
	}
	var lines []string
	switch {
	case s.activating:
		lines = append(lines, st.Info.Render(s.c.frame())+" Sandbox: activating JumpCloud's Identity Management…")
	case s.waiting():
		every := ""
		if d := s.c.Opts.poll(); d > 0 {
			every = fmt.Sprintf(", checking every %s", d)
		}
		text := "Waiting for JumpCloud's first SCIM request" + every + ". s skips; check later with jcaccess check --team " + in.Team + "."
		if snap.Sandbox && s.canActivate() {
			text += " Sandbox: x presses JumpCloud's Activate for you."
		}
		lines = append(lines, bullet("", st.Info.Render(s.c.frame()), text, width))
	}
	if s.activateErr != nil {
		lines = append(lines, bullet("", st.Fail.Render(st.pick("✘", "[FAILED]")), "sandbox activation failed: "+shownErr(s.activateErr), width))
	}
	return strings.Join(lines, "\n")
}
