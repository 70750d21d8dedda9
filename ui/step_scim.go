package ui

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"jcaccess/model"
	"jcaccess/steps"
)

// scimFields are Cloudflare's SCIM settings for the login method.
type scimFields struct {
	enabled, user, seat bool
	behavior            string
}

type scimHooks struct {
	noHooks
	c *Common
}

// scimStep adds keys to issue a new SCIM secret (g) and to give one the
// admin regenerated in Cloudflare's dashboard (p, a hidden field).
type scimStep struct {
	*stepBase
	// pasting says b.form is the pasted-secret field, not the answers.
	pasting bool
	pasted  string
}

func newSCIMStep(c *Common) Component {
	b := newStepBase(c, steps.SCIM, &scimFields{}, scimHooks{c: c})
	b.valuesFirst = true
	return &scimStep{stepBase: b}
}

func (f *scimFields) form(in model.Inputs, _ Snapshot) *huh.Form {
	f.enabled, f.user, f.seat, f.behavior = in.SCIM.Enabled, in.SCIM.UserDeprovision, in.SCIM.SeatDeprovision, in.SCIM.IdentityUpdateBehavior
	if f.behavior == "" {
		f.behavior = model.UpdateAutomatic
	}
	return huh.NewForm(huh.NewGroup(
		huh.NewConfirm().Title("Enable SCIM provisioning?").Inline(true).Value(&f.enabled),
		huh.NewConfirm().Title("Revoke sessions of removed users?").Inline(true).Value(&f.user),
		huh.NewConfirm().Title("Also remove their seat?").Inline(true).Value(&f.seat).
			Validate(func(v bool) error {
				if v && !f.user {
					return errors.New("seat removal needs session revocation on")
				}
				return nil
			}),
		huh.NewSelect[string]().Title("When JumpCloud updates an identity").
			Options(
				huh.NewOption("Automatic identity updates", model.UpdateAutomatic),
				huh.NewOption("Reauthenticate on group change", model.UpdateReauth),
				huh.NewOption("No action until the next sign-in", model.UpdateNoAction),
			).Value(&f.behavior),
	))
}

func (f *scimFields) read(in *model.Inputs) *model.Secret {
	in.SCIM = model.SCIMInputs{Enabled: f.enabled, UserDeprovision: f.user, SeatDeprovision: f.seat, IdentityUpdateBehavior: f.behavior}
	return nil
}

func (f *scimFields) complete(model.Inputs, Snapshot) bool { return true }

var behaviorText = map[string]string{
	model.UpdateAutomatic: "automatic identity updates",
	model.UpdateReauth:    "reauthenticate on group change",
	model.UpdateNoAction:  "no action until the next sign-in",
}

func (f *scimFields) summary(in model.Inputs, _ Snapshot) [][2]string {
	return [][2]string{
		{"SCIM", yesNo(in.SCIM.Enabled)},
		{"Revoke sessions", yesNo(in.SCIM.UserDeprovision)},
		{"Remove seat", yesNo(in.SCIM.SeatDeprovision)},
		{"Identity updates", behaviorText[in.SCIM.IdentityUpdateBehavior]},
	}
}

func scimEndpoint(s Snapshot) string {
	if s.IdP != nil && s.IdP.SCIMConfig.SCIMBaseURL != "" {
		return s.IdP.SCIMConfig.SCIMBaseURL
	}
	if s.Session != nil {
		return s.Session.SCIMEndpoint
	}
	return ""
}

func (h scimHooks) values(s Snapshot) (string, []steps.Value) {
	if s.IdP == nil || !s.IdP.SCIMConfig.Enabled {
		return "", nil
	}
	secret := steps.Value{Label: "SCIM secret (Token Key)", Secret: s.SCIMSecret, Note: "shown once by Cloudflare"}
	if s.SCIMSecret.IsZero() {
		secret.Note = "not held: Cloudflare showed it once, before this session; g asks Cloudflare for a new one"
	}
	return "Issued by Cloudflare, for JumpCloud", []steps.Value{
		{Label: "SCIM endpoint (Base URL)", Value: scimEndpoint(s)},
		secret,
	}
}

func (h scimHooks) extra(width int) string {
	s := h.c.State.Snap
	if s.IdP == nil || !s.IdP.SCIMConfig.Enabled {
		return ""
	}
	text := "Cloudflare shows the SCIM secret once: jcaccess keeps it in memory until you quit and never writes it down. Lost it? g (or jcaccess apply --regenerate-scim-secret) asks Cloudflare for a new one; p takes one regenerated in the dashboard, hidden, and checks it."
	return h.c.Styles.Dim.Render(wrapIndent(text, width, ""))
}

func (s *scimStep) canRegenerate() bool {
	snap := s.snap()
	return !s.c.Opts.DryRun && snap.IdP != nil && snap.IdP.SCIMConfig.Enabled && !s.rs.running && !s.applying
}

func (s *scimStep) Update(msg tea.Msg) tea.Cmd {
	s.touch(msg)
	if s.pasting {
		return s.updatePaste(msg)
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && !s.editing && !s.confirmApply && s.canRegenerate() {
		switch {
		case key.Matches(k, s.c.Keys.Regenerate):
			return s.requestRun(s.inputs(), nil, true)
		case key.Matches(k, s.c.Keys.Paste):
			return s.startPaste()
		}
	}
	return s.stepBase.Update(msg)
}

// startPaste asks for a secret regenerated in the dashboard, hidden as the
// API token is, in the place of the answers' form.
func (s *scimStep) startPaste() tea.Cmd {
	s.ver++
	s.pasted = ""
	s.form = pastedSecretForm(&s.pasted).WithTheme(s.c.Styles.Form).WithKeyMap(s.c.Keys.Form).WithShowHelp(false)
	s.sizeForm()
	s.editing, s.pasting = true, true
	s.vp.GotoTop()
	return s.form.Init()
}

// pastedSecretForm asks for a SCIM secret regenerated in the dashboard,
// hidden: the full-screen and the accessible mode share it.
func pastedSecretForm(v *string) *huh.Form {
	return huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("SCIM secret from Regenerate Secret").
			Description("Zero Trust > Integrations > Identity providers > Edit > Regenerate Secret; hidden, never saved").
			EchoMode(huh.EchoModePassword).
			Value(v).
			Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errors.New("paste the secret Cloudflare showed after Regenerate Secret (esc: cancel)")
				}
				return nil
			}),
	))
}

// updatePaste feeds the secret field; the runs' messages still reach the
// step underneath.
func (s *scimStep) updatePaste(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case runBeganMsg, runStartedMsg, checkDoneMsg, runDoneMsg, runCancelledMsg, appliedMsg:
		return s.stepBase.Update(msg)
	}
	m, cmd := s.form.Update(msg)
	s.form = m.(*huh.Form)
	switch s.form.State {
	case huh.StateCompleted:
		secret := model.NewSecret(strings.TrimSpace(s.pasted))
		s.endPaste()
		return tea.Batch(cmd, send(runRequest{Step: s.id, Inputs: s.inputs(), SCIMSecret: &secret}))
	case huh.StateAborted:
		s.endPaste()
		return status("No secret given.")
	}
	return cmd
}

func (s *scimStep) endPaste() {
	s.ver++
	s.editing, s.pasting, s.form, s.pasted = false, false, nil, ""
}

func (s *scimStep) Leave() {
	if s.pasting {
		s.endPaste()
	}
	s.stepBase.Leave()
}

func (s *scimStep) ShortHelp() []key.Binding {
	bs := s.stepBase.ShortHelp()
	if !s.editing && !s.confirmApply && s.canRegenerate() {
		bs = append(bs, s.c.Keys.Regenerate, s.c.Keys.Paste)
	}
	return bs
}
