package ui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"jcaccess/model"
	"jcaccess/steps"
)

// One-shot engine calls, as tea.Cmds.

// appliedMsg is the answer to an apply.
type appliedMsg struct {
	step    steps.ID
	applied []model.Change
	err     error
	snap    Snapshot
}

// apply sends one step's planned changes, exactly as shown.
func (r *Runner) apply(ctx context.Context, id steps.ID, changes []model.Change) tea.Cmd {
	return func() tea.Msg {
		applied, err := r.flow.Apply(ctx, changes)
		msg := appliedMsg{step: id, applied: applied, err: err}
		msg.snap, _ = r.snap(context.WithoutCancel(ctx))
		return msg
	}
}

// activatedMsg is the answer to the sandbox's Identity Management "Activate".
type activatedMsg struct{ err error }

func (r *Runner) activate(ctx context.Context) tea.Cmd {
	return func() tea.Msg { return activatedMsg{err: r.flow.Activate(ctx)} }
}

// signedInMsg is the answer to the sandbox's sign-in: the page the
// browser ended on.
type signedInMsg struct {
	page model.BrowserPage
	err  error
}

func (r *Runner) signIn(ctx context.Context) tea.Cmd {
	return func() tea.Msg {
		page, err := r.flow.SignIn(ctx)
		return signedInMsg{page: page, err: err}
	}
}

// snapshotMsg carries the engine state, on start and after a resume.
type snapshotMsg struct {
	snap    Snapshot
	resumed bool
}

func (r *Runner) snapshot(ctx context.Context) tea.Cmd {
	return func() tea.Msg {
		snap, err := r.snap(ctx)
		if err != nil {
			return ErrorMsg{err}
		}
		return snapshotMsg{snap: snap}
	}
}

// resume swaps in a saved session.
func (r *Runner) resume(ctx context.Context, saved *model.Session) tea.Cmd {
	return func() tea.Msg {
		if err := r.flow.Resume(ctx, saved); err != nil {
			return ErrorMsg{err}
		}
		snap, err := r.snap(ctx)
		if err != nil {
			return ErrorMsg{err}
		}
		return snapshotMsg{snap: snap, resumed: true}
	}
}

// lookupMsg says whether a team typed into the wizard has a saved session.
type lookupMsg struct {
	req   runRequest
	saved *model.Session
	err   error
}

func (r *Runner) lookup(req runRequest) tea.Cmd {
	return func() tea.Msg {
		if r.store.Dir == "" {
			return lookupMsg{req: req}
		}
		s, err := r.store.Load(req.Inputs.Team)
		if err != nil {
			s = nil
			if errors.Is(err, model.ErrNoSession) {
				err = nil
			}
		}
		return lookupMsg{req: req, saved: s, err: err}
	}
}

// savedMsg answers a save on the way out; wrote says a file was written.
type savedMsg struct {
	err   error
	wrote bool
}

// saveNow saves the session, waiting at most a few seconds for a call in
// flight to finish.
func (r *Runner) saveNow() tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		wrote, err := r.flow.SaveNow(ctx)
		return savedMsg{err: err, wrote: wrote}
	}
}
