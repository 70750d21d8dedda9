package ui

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"jcaccess/model"
	"jcaccess/steps"
	"jcaccess/steps/jumpcloud"
)

// jumpCloudAppHooks show what to type into JumpCloud's Cloudflare Access app.
type jumpCloudAppHooks struct {
	noHooks
	c *Common
}

// jumpCloudAppStep is the shared step flow, plus one thing of its own: with
// a JumpCloud API key and no group chosen or bound, it opens the groups
// question by itself once the first read has listed the organization's
// groups (there is nothing to choose from before).
type jumpCloudAppStep struct {
	*stepBase
	fields *jumpCloudAppFields
	asked  bool
}

func newJumpCloudAppStep(c *Common) Component {
	hooks := jumpCloudAppHooks{c: c}
	// Without a way to use a key the step asks nothing, as before the
	// JumpCloud assist: the admin sets the app up in the console.
	if c.Opts.NewJumpCloud == nil && !c.State.Snap.HasJumpCloud {
		b := newStepBase(c, steps.JumpCloudApp, nil, hooks)
		b.valuesFirst = true
		return b
	}
	f := &jumpCloudAppFields{fromEnv: c.Opts.JumpCloudKeyFromEnv}
	b := newStepBase(c, steps.JumpCloudApp, f, hooks)
	b.valuesFirst = true
	return &jumpCloudAppStep{stepBase: b, fields: f}
}

func (s *jumpCloudAppStep) Update(msg tea.Msg) tea.Cmd {
	cmd := s.stepBase.Update(msg)
	if done, ok := msg.(runDoneMsg); ok && done.run == s.rs.id && !done.cancelled && s.active && !s.editing && !s.asked {
		if snap := s.snap(); s.fields.needsGroups(s.inputs(), snap) {
			s.asked = true
			return tea.Batch(cmd, s.startEdit())
		}
	}
	return cmd
}

// Sync puts the checks and the plan first once jcaccess reads JumpCloud
// itself: the values are then only there to compare with the console.
func (s *jumpCloudAppStep) Sync() {
	if first := !s.snap().HasJumpCloud; first != s.valuesFirst {
		s.valuesFirst = first
		s.ver++
	}
	s.stepBase.Sync()
}

func (s *jumpCloudAppStep) Reset() {
	s.stepBase.Reset()
	s.asked = false
}

func (jumpCloudAppHooks) values(s Snapshot) (string, []steps.Value) {
	if s.HasJumpCloud {
		// jcaccess reads (and, once confirmed, sets) these itself; they
		// stay on screen to compare with the console.
		return "What the app needs (jcaccess checks these through JumpCloud's API)", s.Values[steps.JumpCloudApp]
	}
	return "Set these in JumpCloud (Cloudflare Access app)", s.Values[steps.JumpCloudApp]
}

func (h jumpCloudAppHooks) openURL(Snapshot) string { return h.c.Opts.console() }

// jumpCloudAppFields ask, without a JumpCloud client, for an optional API
// key (hidden, kept in memory only, never saved) and, with one, which of
// the organization's user groups to bind to the app.
type jumpCloudAppFields struct {
	key     string
	groups  []string
	fromEnv bool
}

// needsGroups says the groups question has something to ask: a client
// read the organization's groups, and none is chosen or bound yet.
func (f *jumpCloudAppFields) needsGroups(in model.Inputs, snap Snapshot) bool {
	return snap.HasJumpCloud && snap.JumpCloudRead && len(snap.JumpCloudAll) > 0 &&
		len(in.JumpCloud.Groups) == 0 && len(snap.JumpCloudBound) == 0
}

func (f *jumpCloudAppFields) form(in model.Inputs, snap Snapshot) *huh.Form {
	f.key, f.groups = "", nil
	if snap.HasJumpCloud && snap.JumpCloudRead && len(snap.JumpCloudAll) > 0 {
		f.groups = defaultGroups(in, snap)
		var opts []huh.Option[string]
		for _, g := range snap.JumpCloudAll {
			opts = append(opts, huh.NewOption(shown(g.Name), g.Name).Selected(slices.Contains(f.groups, g.Name)))
		}
		return huh.NewForm(huh.NewGroup(
			huh.NewMultiSelect[string]().Title("User groups to bind to the app").
				Description("only their members may sign in; space picks, enter confirms").
				Options(opts...).
				// huh sizes a multi-select's list from the options alone,
				// then takes the title and description off it: room for
				// both (the description may wrap once).
				Height(len(opts) + 3).
				// No Validate: huh validates on focus, so "pick one" would
				// greet the admin before any key. None picked binds none,
				// and the check says so (jc_no_groups_bound).
				Value(&f.groups),
		))
	}
	// No key yet, or the read with it failed (a refused key, say): the
	// key, optional and hidden. Empty keeps what there is.
	desc := "lets jcaccess check and set up the app itself; hidden, never saved; empty: you set it up in the console"
	if snap.HasJumpCloud {
		desc = "JumpCloud's API did not answer with the current key (see the checks): paste another, or leave empty to keep it"
	}
	return huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("JumpCloud API key (optional)").
			Description(desc).
			EchoMode(huh.EchoModePassword).
			Value(&f.key),
	))
}

// defaultGroups are what the question starts with: the groups chosen
// before, else those already bound, else the organization's only group.
func defaultGroups(in model.Inputs, snap Snapshot) []string {
	switch {
	case len(in.JumpCloud.Groups) > 0:
		return slices.Clone(in.JumpCloud.Groups)
	case len(snap.JumpCloudBound) > 0:
		return names(snap.JumpCloudBound)
	case len(snap.JumpCloudAll) == 1:
		return []string{snap.JumpCloudAll[0].Name}
	}
	return nil
}

func (f *jumpCloudAppFields) read(in *model.Inputs) *model.Secret {
	if k := strings.TrimSpace(f.key); k != "" {
		s := model.NewSecret(k)
		return &s
	}
	if f.groups != nil {
		in.JumpCloud.Groups = slices.Clone(f.groups)
		f.groups = nil
	}
	return nil
}

// commit runs once the answers are taken: the typed key now lives only in
// the Secret read returned.
func (f *jumpCloudAppFields) commit() {
	if strings.TrimSpace(f.key) != "" {
		f.fromEnv = false
	}
	f.key = ""
}

// complete: the key is optional, so the checks run straight away; with a
// client they also run first, to list the groups the question offers.
func (f *jumpCloudAppFields) complete(model.Inputs, Snapshot) bool { return true }

func (f *jumpCloudAppFields) summary(in model.Inputs, snap Snapshot) [][2]string {
	key := "not given (optional): set the app up in the console; e gives one"
	switch {
	case snap.HasJumpCloud && f.fromEnv:
		key = "from JUMPCLOUD_API_KEY (hidden)"
	case snap.HasJumpCloud:
		key = "typed in (hidden; kept in memory only)"
	}
	rows := [][2]string{{"JumpCloud API key", key}}
	if !snap.HasJumpCloud {
		return rows
	}
	groups := strings.Join(in.JumpCloud.Groups, ", ")
	if groups == "" {
		groups = "none chosen"
		if bound := names(snap.JumpCloudBound); len(bound) > 0 {
			groups = "those bound: " + strings.Join(bound, ", ")
		}
	}
	return append(rows, [2]string{"Groups", groups})
}

func names(gs []jumpcloud.Group) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Name)
	}
	return out
}
