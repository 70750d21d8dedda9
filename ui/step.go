package ui

import (
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"jcaccess/assets"
	"jcaccess/model"
	"jcaccess/steps"
	"jcaccess/steps/cloudflare"
)

// fieldSet is a step's answers: a huh form bound to its own variables, and
// the copy between those and the session's inputs. The accessible mode asks
// the same form line by line.
type fieldSet interface {
	// form builds the form, its fields holding the current answers.
	form(in model.Inputs, snap Snapshot) *huh.Form
	// read copies the form's values into in; a typed API token comes back
	// separately, never in the inputs.
	read(in *model.Inputs) *model.Secret
	// complete says whether the answers suffice to run the checks.
	complete(in model.Inputs, snap Snapshot) bool
	// summary lists the answers as label/value pairs.
	summary(in model.Inputs, snap Snapshot) [][2]string
}

// committer is a fieldSet told when its answers were taken.
type committer interface{ commit() }

// stepHooks are what differs between step screens around the shared flow.
type stepHooks interface {
	// values are what to paste into JumpCloud, under a title.
	values(s Snapshot) (title string, vs []steps.Value)
	// extra is shown after the checks and the plan.
	extra(width int) string
	// openURL is what o opens.
	openURL(s Snapshot) string
}

// headliner is a step whose status line belongs right under the help.
type headliner interface {
	headline(width int) string
}

type noHooks struct{}

func (noHooks) values(Snapshot) (string, []steps.Value) { return "", nil }
func (noHooks) extra(int) string                        { return "" }
func (noHooks) openURL(Snapshot) string                 { return "" }

// stepBase is the flow every step shares: answer (a form), check (live,
// cancellable), review the plan and apply it, show values to paste.
type stepBase struct {
	c      *Common
	id     steps.ID
	num    int
	title  string
	why    string
	detail string
	fields fieldSet
	hooks  stepHooks

	active  bool
	form    *huh.Form
	editing bool
	rs      runState

	confirmApply bool
	applying     bool
	applyErr     error
	applied      []model.Change

	// valuesFirst puts the values before the checks: on the steps whose
	// point is what to paste into JumpCloud.
	valuesFirst bool
	reveal      bool
	showDetail  bool
	vp          viewport.Model
	width       int
	height      int
	// toPlan scrolls the plan to the top at the next render; planLine is
	// where the last render put it.
	toPlan   bool
	planLine int
	// toSent asks for toPlan once the check after an apply is done.
	toSent bool
	// fullPlan shows the planned request byte for byte (f), not with the
	// certificate abbreviated.
	fullPlan bool
	// ver counts the changes to what the body shows, but for the help:
	// the body is rendered again only when it or the engine's state moved.
	ver  int
	rest restMemo
	// content is the body last put in the viewport, pin the question
	// pinned under it: Sync sets both, View draws them.
	content string
	lines   []string
	pin     string
	// plan is the last rendered plan: a render is most of a key press's
	// cost, and the plan only changes with the changes or the width.
	plan planMemo
}

// restMemo is the body after the help, as last rendered, and what it was
// rendered from.
type restMemo struct {
	key      restKey
	out      string
	planLine int // where the plan starts in out, -1 if none
}

type restKey struct {
	ver     int
	width   int
	st      *Styles
	session *model.Session
	idp     *cloudflare.IdP
	applied int
	frame   string
}

type planMemo struct {
	first *model.Change
	n     int
	width int
	st    *Styles
	full  bool
	short bool // a value is abbreviated unless full
	out   string
}

func newStepBase(c *Common, id steps.ID, fields fieldSet, hooks stepHooks) *stepBase {
	s, _ := steps.ByID(id)
	why, detail := assets.Help(string(id))
	num := 0
	for i, st := range steps.All() {
		if st.ID() == id {
			num = i + 1
		}
	}
	if hooks == nil {
		hooks = noHooks{}
	}
	return &stepBase{c: c, id: id, num: num, title: s.Title(), why: why, detail: detail, fields: fields, hooks: hooks, vp: viewport.New()}
}

func (b *stepBase) ID() steps.ID { return b.id }

// Typing is true while the form or the apply question has the keys.
func (b *stepBase) Typing() bool { return b.editing || b.confirmApply }
func (b *stepBase) snap() Snapshot {
	return b.c.State.Snap
}
func (b *stepBase) inputs() model.Inputs { return b.c.State.Inputs().Clone() }

func (b *stepBase) Enter() tea.Cmd {
	b.ver++
	b.active = true
	b.vp.GotoTop()
	if b.rs.started() || b.applying {
		return nil
	}
	in := b.inputs()
	if b.fields != nil && !b.fields.complete(in, b.snap()) {
		return b.startEdit()
	}
	return b.requestRun(in, nil, false)
}

func (b *stepBase) Leave() {
	b.ver++
	b.active = false
	b.confirmApply = false
	if b.editing {
		b.editing, b.form = false, nil
	}
}

func (b *stepBase) Reset() {
	b.ver++
	b.rs = runState{}
	b.confirmApply, b.applyErr, b.applied = false, nil, nil
}

func (b *stepBase) SetSize(w, h int) {
	b.ver++
	b.width, b.height = w, h
	b.vp.SetWidth(w)
	b.vp.SetHeight(h)
	if b.form != nil {
		b.sizeForm()
	}
}

func (b *stepBase) sizeForm() {
	b.form.WithWidth(b.width)
	// A form sizes its groups' heights to the content only on a window
	// size message; send one so nothing is clipped at this width.
	m, _ := b.form.Update(tea.WindowSizeMsg{Width: b.width, Height: 200})
	b.form = m.(*huh.Form)
}

func (b *stepBase) requestRun(in model.Inputs, token *model.Secret, regenerate bool) tea.Cmd {
	req := newRequest(b.id, in, token)
	req.Regenerate = regenerate
	return send(req)
}

// newRequest is a step's run with a secret typed into its form: the API
// token on the credentials step, the JumpCloud API key on the
// jumpcloud-app step.
func newRequest(id steps.ID, in model.Inputs, secret *model.Secret) runRequest {
	if id == steps.JumpCloudApp {
		return runRequest{Step: id, Inputs: in, JumpCloudKey: secret}
	}
	return runRequest{Step: id, Inputs: in, Token: secret}
}

func (b *stepBase) startEdit() tea.Cmd {
	b.ver++
	if b.fields == nil {
		return nil
	}
	b.form = b.fields.form(b.inputs(), b.snap()).
		WithTheme(b.c.Styles.Form).
		WithKeyMap(b.c.Keys.Form).
		WithShowHelp(false)
	b.sizeForm()
	b.editing = true
	b.vp.GotoTop()
	return b.form.Init()
}

// updateForm feeds the form and acts on its completion. While checks run on
// the old answers, any change to them cancels the checks.
func (b *stepBase) updateForm(msg tea.Msg) tea.Cmd {
	m, cmd := b.form.Update(msg)
	b.form = m.(*huh.Form)
	switch b.form.State {
	case huh.StateCompleted:
		in := b.inputs()
		tok := b.fields.read(&in)
		if c, ok := b.fields.(committer); ok {
			c.commit()
		}
		b.editing, b.form = false, nil
		return tea.Batch(cmd, b.requestRun(in, tok, false))
	case huh.StateAborted:
		b.editing, b.form = false, nil
		return status("Answers unchanged.")
	}
	if b.rs.running {
		tmp := b.inputs()
		tok := b.fields.read(&tmp)
		if tok != nil || steps.AnswersChanged(b.id, tmp, b.rs.inputs) {
			return tea.Batch(cmd, send(cancelRequest{step: b.id}))
		}
	}
	return cmd
}

// Update handles what every step shares; steps handle their own keys first.
func (b *stepBase) Update(msg tea.Msg) tea.Cmd {
	b.touch(msg)
	switch msg := msg.(type) {
	case runBeganMsg:
		b.rs = runState{id: msg.run, running: true, inputs: msg.inputs}
		return nil
	case runStartedMsg:
		if msg.run == b.rs.id {
			b.rs.names, b.rs.pre = msg.names, msg.pre
			b.rs.results = make([]model.Findings, len(msg.names))
		}
		return nil
	case checkDoneMsg:
		if msg.run == b.rs.id && msg.index < len(b.rs.results) {
			b.rs.results[msg.index] = msg.findings
		}
		return nil
	case runDoneMsg:
		if msg.run != b.rs.id {
			return nil
		}
		b.rs.running = false
		if msg.cancelled {
			b.rs.cancelled = "The checks stopped before the end (the answers changed or you moved on). Press r to run them again."
			return nil
		}
		b.rs.done, b.rs.cancelled = true, ""
		b.rs.findings, b.rs.changes = msg.findings, msg.changes
		b.rs.at = b.c.Opts.now()
		b.toPlan, b.toSent = b.toPlan || b.toSent, false
		return nil
	case runCancelledMsg:
		b.rs.running = false
		b.rs.cancelled = msg.reason
		return nil
	case appliedMsg:
		b.applying = false
		b.applied = append(b.applied, msg.applied...)
		b.applyErr = msg.err
		b.toSent = true // show what was sent, once checked again
		// Check again: the step is verified once nothing is left to change.
		return b.requestRun(b.inputs(), nil, false)
	case tea.KeyPressMsg:
		if b.editing {
			return b.updateForm(msg)
		}
		return b.handleKey(msg)
	}
	if b.editing {
		return b.updateForm(msg)
	}
	return nil
}

// Leaving gates Next: what the screen is busy with first, then the
// engine's rule on the step's findings.
func (b *stepBase) Leaving() (block, warn string) {
	switch {
	case b.editing:
		return "Finish the answers (enter) or cancel them (esc) first.", ""
	case b.applying:
		return "The change is being sent; wait for the answer.", ""
	case b.rs.running:
		return "The checks are still running; wait for them (or press r to start again).", ""
	}
	return steps.Leave(b.rs.done, b.fields != nil, b.rs.findings)
}
