package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"jcaccess/model"
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
	return w.comps[w.cur].Enter()
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
	return w.comps[w.cur].Enter()
}

// afterResume re-checks what was verified, in order, before carrying on.
func (w *Wizard) afterResume() tea.Cmd {
	for _, c := range w.comps {
		c.Reset()
	}
	w.chain = nil
	for _, s := range steps.All() {
		if w.c.State.Snap.status(s.ID()) == model.StatusVerified {
			w.chain = append(w.chain, s.ID())
		}
	}
	w.phase = phaseSteps
	return w.continueChain()
}

func (w *Wizard) continueChain() tea.Cmd {
	if len(w.chain) == 0 {
		w.status = ""
		return w.moveTo(w.firstUnverified())
	}
	id := w.chain[0]
	if id == steps.Credentials && !w.c.State.Snap.HasClient {
		w.status = "Resuming: type the API token; the rest is re-checked after it."
	} else {
		w.status = fmt.Sprintf("Re-checking what was verified before (%d left); esc stops.", len(w.chain))
	}
	return w.moveTo(index(id))
}

func (w *Wizard) firstUnverified() int {
	for i, s := range steps.All() {
		if w.c.State.Snap.status(s.ID()) != model.StatusVerified {
			return i
		}
	}
	return len(w.comps) - 1
}

func (w *Wizard) moveTo(i int) tea.Cmd {
	if w.active != nil && w.active.step == w.comps[w.cur].ID() && i != w.cur {
		w.cancelActive("")
	}
	w.comps[w.cur].Leave()
	w.cur = i
	w.confirm = ""
	return w.comps[i].Enter()
}

// advance goes to the next step, or to the summary after the last.
func (w *Wizard) advance() tea.Cmd {
	w.chain = nil
	if w.cur == len(w.comps)-1 {
		return w.enterSummary()
	}
	return w.moveTo(w.cur + 1)
}

func (w *Wizard) enterSummary() tea.Cmd {
	w.comps[w.cur].Leave()
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
