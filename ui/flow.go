package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"jcaccess/steps"
)

// Where the wizard goes: loading, resuming (and re-checking what was
// verified), moving between steps, the summary, quitting.

func (w *Wizard) afterLoad() tea.Cmd {
	if w.c.Opts.Saved != nil {
		w.saved = w.c.Opts.Saved
		w.phase = phaseResume
		return nil
	}
	w.phase = phaseSteps
	return w.comps[w.nav.Index()].Enter()
}

// resume swaps in the saved session; fresh keeps the new one.
func (w *Wizard) resume() tea.Cmd {
	saved := w.saved
	w.saved, w.pending = nil, nil
	w.phase = phaseLoading
	return w.runner.resume(w.c.Ctx, saved)
}

func (w *Wizard) fresh() tea.Cmd {
	w.saved = nil
	w.phase = phaseSteps
	if p := w.pending; p != nil {
		w.pending = nil
		return w.commit(*p)
	}
	return w.comps[w.nav.Index()].Enter()
}

// afterResume re-checks what was verified, in order, before carrying on.
func (w *Wizard) afterResume() tea.Cmd {
	for _, c := range w.comps {
		c.Reset()
	}
	prev := w.nav.Index()
	w.nav.Resume(w.c.State.Snap.Session)
	w.phase = phaseSteps
	w.status = w.recheckStatus()
	return w.switchFrom(prev)
}

// afterRecheck follows the engine's resume rule once a step re-checked
// after a resume has finished.
func (w *Wizard) afterRecheck(msg runDoneMsg) tea.Cmd {
	if !w.nav.RecheckingNow(msg.step) {
		return nil
	}
	if msg.cancelled {
		w.nav.StopRechecking()
		return nil
	}
	prev := w.nav.Index()
	if _, stopped := w.nav.Rechecked(msg.step, w.c.State.Snap.Session); stopped {
		w.status = "Re-checking stopped here: this step is no longer verified (see its checks)."
		return nil
	}
	w.status = w.recheckStatus()
	return w.switchFrom(prev)
}

func (w *Wizard) recheckStatus() string {
	switch {
	case w.nav.Rechecking() == 0:
		return ""
	case w.nav.Current() == steps.Credentials && !w.c.State.Snap.HasClient:
		return "Resuming: type the API token; the rest is re-checked after it."
	}
	return fmt.Sprintf("Re-checking what was verified before (%d left); esc stops.", w.nav.Rechecking())
}

// switchFrom shows the navigator's current step: the step at prev stops its
// checks (if it is left) and its screen.
func (w *Wizard) switchFrom(prev int) tea.Cmd {
	cur := w.nav.Index()
	if w.active != nil && w.active.step == w.comps[prev].ID() && prev != cur {
		w.cancelActive("")
	}
	w.comps[prev].Leave()
	w.confirm = ""
	return w.comps[cur].Enter()
}

// advance goes to the next step, or to the summary after the last.
func (w *Wizard) advance() tea.Cmd {
	prev := w.nav.Index()
	if !w.nav.Next() {
		return w.enterSummary()
	}
	return w.switchFrom(prev)
}

func (w *Wizard) enterSummary() tea.Cmd {
	w.comps[w.nav.Index()].Leave()
	w.phase = phaseSummary
	w.summaryVP.GotoTop()
	o := newOutcome(w.c)
	dir := w.c.Opts.Store.Dir
	return func() tea.Msg {
		path, err := writeReport(dir, o)
		return reportMsg{path: path, err: err}
	}
}

// quit stops what runs, saves the session and ends the program.
func (w *Wizard) quit() tea.Cmd {
	if w.phase == phaseQuitting {
		return nil
	}
	w.cancelActive("")
	w.phase = phaseQuitting
	w.result.Outcome = Quit
	return w.runner.saveNow()
}

func (w *Wizard) finish() tea.Cmd {
	w.result.Outcome = Finished
	w.result.Summary = newOutcome(w.c).text(PlainStyles(), 78, w.report.path, w.report.err)
	w.phase = phaseQuitting
	return w.runner.saveNow()
}
