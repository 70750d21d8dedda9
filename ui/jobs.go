package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"jcaccess/model"
	"jcaccess/steps"
)

// One-shot engine jobs: each takes the runner's lock for its whole length.

// appliedMsg is the answer to an apply job.
type appliedMsg struct {
	step    steps.ID
	applied []model.Change
	err     error
	snap    Snapshot
}

// apply sends one step's planned changes, exactly as shown.
func (r *Runner) apply(ctx context.Context, id steps.ID, changes []model.Change) tea.Cmd {
	return func() tea.Msg {
		if err := r.lock(ctx); err != nil {
			return appliedMsg{step: id, err: err}
		}
		defer r.unlock()
		r.touched = true
		applied, err := steps.ApplyChanges(ctx, r.env, changes, r.saveFunc())
		r.env.RegenerateSCIMSecret = false
		if len(applied) > 0 {
			r.refreshIdPList(ctx)
		}
		return appliedMsg{step: id, applied: applied, err: err, snap: snapshot(r.env)}
	}
}

// refreshIdPList works around the engine's short-lived cache of the IdP
// listing (Env.idps), which an apply does not update: the check right after
// an apply would read the listing from before it and take the new login
// method for deleted. The credentials step's listing check stores a fresh
// listing. Harmless once the engine refreshes the cache itself.
func (r *Runner) refreshIdPList(ctx context.Context) {
	if r.env.CF == nil {
		return
	}
	s, _ := steps.ByID(steps.Credentials)
	for _, c := range s.Checks(r.env) {
		if c.Name == "identity providers readable" {
			runCheck(ctx, r.timeout(), c)
		}
	}
}

// activatedMsg is the answer to the sandbox's Identity Management "Activate".
type activatedMsg struct{ err error }

func (r *Runner) activate(ctx context.Context) tea.Cmd {
	return func() tea.Msg {
		if err := r.lock(ctx); err != nil {
			return activatedMsg{err: err}
		}
		defer r.unlock()
		env := r.env
		base := env.Session.SCIMEndpoint
		if p := env.ExistingIdP(); p != nil && p.SCIMConfig.SCIMBaseURL != "" {
			base = p.SCIMConfig.SCIMBaseURL
		}
		if env.Sandbox == nil || base == "" || env.SCIMSecret.IsZero() {
			return activatedMsg{err: fmt.Errorf("nothing to activate: the SCIM endpoint and a fresh secret are needed (scim step)")}
		}
		actx, cancel := context.WithTimeout(ctx, r.timeout())
		defer cancel()
		return activatedMsg{err: env.Sandbox.ActivateSCIM(actx, base, env.SCIMSecret)}
	}
}

// snapshotMsg carries the engine state, on start and after a session swap.
type snapshotMsg struct {
	snap    Snapshot
	resumed bool
}

func (r *Runner) snapshot(ctx context.Context) tea.Cmd {
	return func() tea.Msg {
		if err := r.lock(ctx); err != nil {
			return ErrorMsg{err}
		}
		defer r.unlock()
		return snapshotMsg{snap: snapshot(r.env)}
	}
}

// resume swaps in a saved session.
func (r *Runner) resume(ctx context.Context, saved *model.Session) tea.Cmd {
	return func() tea.Msg {
		if err := r.lock(ctx); err != nil {
			return ErrorMsg{err}
		}
		defer r.unlock()
		r.env.Session = cloneSession(saved)
		r.touched = true
		if r.env.Session.Steps == nil {
			r.env.Session.Steps = map[string]model.StepState{}
		}
		return snapshotMsg{snap: snapshot(r.env), resumed: true}
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

// saveNow saves the session, waiting at most a few seconds for a job in
// flight to finish.
func (r *Runner) saveNow() tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.lock(ctx); err != nil {
			return savedMsg{err: fmt.Errorf("the session could not be saved: a request was still running (%v)", err)}
		}
		defer r.unlock()
		if !r.touched || r.env.Session.Inputs.Team == "" || r.store.Dir == "" {
			return savedMsg{}
		}
		err := r.saveLocked()
		return savedMsg{err: err, wrote: err == nil}
	}
}
