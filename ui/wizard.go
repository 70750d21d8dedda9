package ui

import (
	"context"
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"jcaccess/model"
	"jcaccess/steps"
)

type phase int

const (
	phaseLoading phase = iota
	phaseResume
	phaseSteps
	phaseSummary
	phaseQuitting
)

// Wizard is the root model: it owns the steps, navigation, the global keys,
// the frame, and the one run of checks in flight.
type Wizard struct {
	c      *Common
	runner *Runner
	comps  []Component
	nav    steps.Nav
	phase  phase

	saved    *model.Session // offered for resume
	pending  *runRequest    // a team's run waiting for the resume answer
	lookedUp map[string]bool
	confirm  string // a warning awaiting y/n before Next

	active *run
	runSeq int

	status    string
	err       error
	summaryVP viewport.Model
	summary   string // what summaryVP holds
	// What View draws, rendered once per change: the lines above the body
	// and each key's help in the footer.
	top struct {
		key   chromeKey
		lines []string
	}
	keyText   map[[2]string]keyPiece
	keyTextSt *Styles
	report    reportMsg
	result    Result
}

// New builds the wizard over a ready engine environment.
func New(ctx context.Context, o Options) *Wizard {
	opts := o
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	open := opts.Open
	if open == nil {
		open = systemOpener(opts.Getenv)
	}
	c := &Common{
		Ctx:    ctx,
		Width:  80,
		Height: 24,
		Styles: NewStyles(opts.NoColor),
		Keys:   NewKeyMap(),
		Opts:   &opts,
		State:  &State{Snap: snapshotOf(opts.Env)},
		Copy:   tea.SetClipboard,
		Open:   openCmd(open),
		spin:   spinner.New(spinner.WithSpinner(spinner.MiniDot)),
	}
	w := &Wizard{c: c, runner: newRunner(&opts), lookedUp: map[string]bool{}, summaryVP: viewport.New()}
	w.comps = []Component{
		newTeamStep(c), newCredentialsStep(c), newJumpCloudAppStep(c), newMetadataStep(c),
		newIdPStep(c), newSCIMStep(c), newJumpCloudSCIMStep(c), newTestStep(c),
	}
	if t := opts.Env.Session.Inputs.Team; t != "" {
		w.lookedUp[t] = true // the command looked for its session already
	}
	w.resize(c.Width, c.Height)
	w.sync()
	return w
}

// snapshotOf reads the environment before any job runs (nothing else
// touches it yet); the first job replaces it.
func snapshotOf(env *steps.Env) Snapshot {
	return Snapshot{Session: env.Session.Clone(), Values: map[steps.ID][]steps.Value{}, HasClient: env.CF != nil, HasJumpCloud: env.JumpCloud != nil, Sandbox: env.Sandbox != nil}
}

// Common exposes the shared state, for tests and the command layer.
func (w *Wizard) Common() *Common { return w.c }

// Result is how the run ended, once the program has quit.
func (w *Wizard) Result() Result {
	r := w.result
	r.Team = w.c.State.Inputs().Team
	return r
}

func (w *Wizard) Init() tea.Cmd {
	return tea.Batch(w.runner.snapshot(w.c.Ctx), w.tick())
}

func (w *Wizard) tick() tea.Cmd {
	if w.c.Opts.Static {
		return nil
	}
	return w.c.spin.Tick
}

func (w *Wizard) comp(id steps.ID) Component {
	for _, c := range w.comps {
		if c.ID() == id {
			return c
		}
	}
	return w.comps[0]
}

// Update handles msg, then brings what the screen shows up to date with
// the state: View only draws.
func (w *Wizard) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := w.update(msg)
	w.sync()
	return w, cmd
}

func (w *Wizard) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		w.resize(msg.Width, msg.Height)
		return w, nil
	case spinner.TickMsg:
		var cmd tea.Cmd
		w.c.spin, cmd = w.c.spin.Update(msg)
		return w, cmd
	case tea.KeyPressMsg:
		return w, w.handleKey(msg)
	case tea.InterruptMsg:
		return w, w.quit()
	case snapshotMsg:
		w.c.State.Snap = msg.snap
		if msg.resumed {
			return w, w.afterResume()
		}
		return w, w.afterLoad()
	case runRequest:
		return w, w.request(msg)
	case lookupMsg:
		return w, w.afterLookup(msg)
	case runStartedMsg:
		return w, w.event(msg.run, msg.step, msg)
	case checkDoneMsg:
		return w, w.event(msg.run, msg.step, msg)
	case runDoneMsg:
		return w, w.done(msg)
	case cancelRequest:
		if w.active != nil && w.active.step == msg.step {
			reason := "The checks stopped: the answers changed. They run again when you confirm the answers (enter)."
			w.cancelActive(reason)
			w.status = reason
		}
		return w, nil
	case applyRequest:
		w.cancelActive("")
		return w, w.runner.apply(w.c.Ctx, msg.step, msg.changes)
	case appliedMsg:
		if msg.err == nil || len(msg.applied) > 0 {
			w.c.State.Snap = msg.snap
		}
		w.c.State.Applied = append(w.c.State.Applied, msg.applied...)
		return w, w.comp(msg.step).Update(msg) // the step shows the outcome
	case activateRequest:
		return w, w.runner.activate(w.c.Ctx)
	case activatedMsg:
		return w, w.comp(steps.JumpCloudSCIM).Update(msg)
	case signInRequest:
		return w, w.runner.signIn(w.c.Ctx)
	case signedInMsg:
		return w, w.comp(steps.Test).Update(msg)
	case skipRequest:
		w.cancelActive("")
		return w, w.advance()
	case statusMsg:
		w.status = string(msg)
		return w, nil
	case ErrorMsg:
		w.err = msg.Err
		return w, nil
	case savedMsg:
		w.result.Saved, w.result.SaveErr = msg.wrote, msg.err
		return w, tea.Quit
	case reportMsg:
		w.report = msg
		w.result.ReportPath = msg.path
		return w, nil
	}
	if w.phase == phaseSteps {
		return w, w.comps[w.nav.Index()].Update(msg)
	}
	return w, nil
}

// event forwards a run's progress to its step and listens for the next.
func (w *Wizard) event(runID int, step steps.ID, msg tea.Msg) tea.Cmd {
	if w.active == nil || w.active.id != runID {
		return nil // a cancelled run: nobody listens any more
	}
	return tea.Batch(w.comp(step).Update(msg), w.active.next())
}

// request starts a step's checks after the answers changed or on demand.
func (w *Wizard) request(req runRequest) tea.Cmd {
	old := w.c.State.Inputs()
	if req.Step == steps.Team && req.Inputs.Team != old.Team && !w.lookedUp[req.Inputs.Team] {
		w.lookedUp[req.Inputs.Team] = true
		return w.runner.lookup(req)
	}
	return w.commit(req)
}

func (w *Wizard) afterLookup(msg lookupMsg) tea.Cmd {
	if msg.err != nil {
		w.err = msg.err
	}
	if msg.saved != nil {
		w.saved, w.pending = msg.saved, &msg.req
		w.phase = phaseResume
		return nil
	}
	return w.commit(msg.req)
}

// commit takes the new answers, puts the steps depending on a changed one
// back to unverified, and runs the step's checks.
func (w *Wizard) commit(req runRequest) tea.Cmd {
	snap := &w.c.State.Snap
	for _, id := range steps.StaleAfter(req.Step, snap.Session.Inputs, req.Inputs, req.Token != nil || req.JumpCloudKey != nil) {
		if id != req.Step {
			w.comp(id).Reset()
		}
		delete(snap.Session.Steps, string(id))
	}
	snap.Session.Inputs = req.Inputs.Clone()
	return w.startRun(req)
}

func (w *Wizard) startRun(req runRequest) tea.Cmd {
	w.cancelActive("")
	w.runSeq++
	rn, cmd := w.runner.start(w.c.Ctx, w.runSeq, req)
	w.active = rn
	return tea.Batch(w.comp(req.Step).Update(runBeganMsg{run: rn.id, step: req.Step, inputs: req.Inputs.Clone()}), cmd)
}

// cancelActive stops the checks in flight; their late events are ignored.
func (w *Wizard) cancelActive(reason string) {
	if w.active == nil {
		return
	}
	w.active.cancel()
	if reason == "" {
		reason = "The checks were stopped before the end. Press r to run them again."
	}
	w.comp(w.active.step).Update(runCancelledMsg{step: w.active.step, reason: reason})
	w.active = nil
}

func (w *Wizard) done(msg runDoneMsg) tea.Cmd {
	if w.active == nil || w.active.id != msg.run {
		return nil
	}
	w.active = nil
	if !msg.cancelled {
		w.c.State.Snap = msg.snap
	}
	if msg.saveErr != nil {
		w.err = fmt.Errorf("the session could not be saved: %w", msg.saveErr)
	}
	return tea.Batch(w.comp(msg.step).Update(msg), w.afterRecheck(msg))
}

func (w *Wizard) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := w.c.Keys
	if key.Matches(msg, k.ForceQuit) {
		return w.quit()
	}
	w.err = nil
	switch w.phase {
	case phaseLoading:
		if key.Matches(msg, k.Quit) {
			return w.quit()
		}
		return nil
	case phaseResume:
		switch {
		case key.Matches(msg, k.Resume):
			return w.resume()
		case key.Matches(msg, k.Fresh):
			return w.fresh()
		case key.Matches(msg, k.Quit):
			return w.quit()
		}
		return nil
	case phaseSummary:
		switch {
		case key.Matches(msg, k.Next), key.Matches(msg, k.Quit):
			return w.finish()
		case key.Matches(msg, k.Back):
			w.phase = phaseSteps
			return w.comps[w.nav.Index()].Enter()
		default:
			k.scroll(&w.summaryVP, msg)
		}
		return nil
	case phaseSteps:
	default:
		return nil
	}
	comp := w.comps[w.nav.Index()]
	if w.confirm != "" {
		switch {
		case key.Matches(msg, k.Yes):
			w.confirm = ""
			return w.advance()
		case key.Matches(msg, k.No):
			w.confirm = ""
		}
		return nil
	}
	if comp.Typing() {
		return comp.Update(msg)
	}
	w.status = ""
	switch {
	case key.Matches(msg, k.Quit):
		return w.quit()
	case key.Matches(msg, k.Cancel) && w.nav.Rechecking() > 0:
		w.nav.StopRechecking()
		w.status = "Stopped re-checking; the steps after this one keep their saved status until you reach them."
		return nil
	case key.Matches(msg, k.Next):
		block, warn := comp.Leaving()
		switch {
		case block != "":
			w.status = block
		case warn != "":
			w.confirm = warn
		default:
			return w.advance()
		}
		return nil
	case key.Matches(msg, k.Back):
		prev := w.nav.Index()
		if w.nav.Back() {
			return w.switchFrom(prev)
		}
		return nil
	}
	return comp.Update(msg)
}
