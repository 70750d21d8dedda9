package ui

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"jcaccess/model"
	"jcaccess/steps"
	"jcaccess/steps/cloudflare"
)

// Runner is the only way into the engine. The engine's Env is not safe for
// concurrent use (steps write the session as they learn), so every job holds
// a one-slot lock while it touches it; the UI reads only Snapshots. Jobs are
// tea.Cmds or goroutines started by one: Update never waits on the lock.
type Runner struct {
	env       *steps.Env
	lockCh    chan struct{}
	store     model.Store
	newClient func(model.Secret) *cloudflare.Client
	dryRun    bool
	// pending counts the planned changes not sent, per step (under the lock).
	pendingBy map[steps.ID]int
	pending   int
	// touched is set once this run changed the session: until then a save
	// on the way out would only overwrite a saved session with a blank one.
	touched bool
}

func newRunner(o *Options) *Runner {
	return &Runner{env: o.Env, lockCh: make(chan struct{}, 1), store: o.Store, newClient: o.NewClient, dryRun: o.DryRun, pendingBy: map[steps.ID]int{}}
}

func (r *Runner) lock(ctx context.Context) error {
	select {
	case r.lockCh <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Runner) unlock() { <-r.lockCh }

func (r *Runner) timeout() time.Duration {
	if r.env.CheckTimeout > 0 {
		return r.env.CheckTimeout
	}
	return 15 * time.Second
}

// saveLocked writes the session; a session without a team has no file yet.
func (r *Runner) saveLocked() error {
	if r.env.Session.Inputs.Team == "" || r.store.Dir == "" {
		return nil
	}
	return r.store.Save(r.env.Session)
}

func (r *Runner) saveFunc() steps.Save {
	return func(*model.Session) error { return r.saveLocked() }
}

// runRequest asks for one step's validation, reads and live checks.
type runRequest struct {
	Step   steps.ID
	Inputs model.Inputs
	// Reset are the steps whose status a changed answer made stale.
	Reset []steps.ID
	// Token is a new API token typed into the wizard.
	Token *model.Secret
	// Regenerate plans a new SCIM secret.
	Regenerate bool
}

// Events of a run, in order: started, one checkDone per check, done.
type (
	runStartedMsg struct {
		run   int
		step  steps.ID
		names []string
		pre   model.Findings
	}
	checkDoneMsg struct {
		run      int
		step     steps.ID
		index    int
		findings model.Findings
	}
	runDoneMsg struct {
		run       int
		step      steps.ID
		findings  model.Findings
		changes   []model.Change
		snap      Snapshot
		cancelled bool
		saveErr   error
	}
)

// run is one step's checks in flight. Its goroutine reports on events,
// buffered so it never waits for a UI that stopped listening.
type run struct {
	id     int
	step   steps.ID
	cancel context.CancelFunc
	events chan tea.Msg
}

func (rn *run) next() tea.Cmd { return func() tea.Msg { return <-rn.events } }

// start returns a run and the command that launches it and delivers its
// first event; rn.next delivers each following one.
func (r *Runner) start(parent context.Context, id int, req runRequest) (*run, tea.Cmd) {
	ctx, cancel := context.WithCancel(parent)
	rn := &run{id: id, step: req.Step, cancel: cancel, events: make(chan tea.Msg, 64)}
	return rn, func() tea.Msg {
		go r.execute(ctx, rn, req)
		return <-rn.events
	}
}

func (r *Runner) execute(ctx context.Context, rn *run, req runRequest) {
	defer rn.cancel()
	done := runDoneMsg{run: rn.id, step: rn.step}
	if err := r.lock(ctx); err != nil {
		done.cancelled = true
		rn.events <- done
		return
	}
	defer r.unlock()
	env := r.env
	r.touched = true
	env.Session.Inputs = cloneInputs(req.Inputs)
	for _, id := range req.Reset {
		delete(env.Session.Steps, string(id))
	}
	if req.Token != nil && r.newClient != nil {
		env.CF = r.newClient(*req.Token)
	}
	env.RegenerateSCIMSecret = req.Regenerate

	s, _ := steps.ByID(req.Step)
	pre := s.Validate(env)
	var checks []steps.Check
	if !pre.HasErrors() {
		pctx, cancel := context.WithTimeout(ctx, r.timeout())
		pre = append(pre, s.Prepare(pctx, env)...)
		cancel()
		if !pre.HasErrors() {
			checks = s.Checks(env)
		}
	}
	names := make([]string, len(checks))
	for i, c := range checks {
		names[i] = c.Name
	}
	rn.events <- runStartedMsg{run: rn.id, step: rn.step, names: names, pre: pre}

	results := make([]model.Findings, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() {
			fs := runCheck(ctx, r.timeout(), c)
			results[i] = fs
			rn.events <- checkDoneMsg{run: rn.id, step: rn.step, index: i, findings: fs}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		done.cancelled = true
		rn.events <- done
		return
	}
	all := slices.Clone(pre)
	for _, fs := range results {
		all = append(all, fs...)
	}
	if req.Step == steps.Test {
		all = r.unappliedDrift(all)
	}
	if !all.HasErrors() && applies(req.Step) {
		changes, err := r.plan(ctx, req.Step)
		switch {
		case err != nil:
			all = append(all, model.Finding{Severity: model.SeverityError, Code: "plan_failed", Message: err.Error()})
		case len(changes) > 0:
			all = append(all, pendingFinding(changes, r.dryRun))
		}
		done.changes = changes
		r.setPending(req.Step, len(changes))
	}
	for i := range all {
		all[i].Step = string(req.Step)
	}
	env.Session.Record(string(req.Step), all, env.Now())
	done.saveErr = r.saveLocked()
	done.findings = all
	done.snap = snapshot(env)
	rn.events <- done
}

func (r *Runner) setPending(id steps.ID, n int) {
	r.pendingBy[id] = n
	r.pending = 0
	for _, v := range r.pendingBy {
		r.pending += v
	}
}

// runCheck is steps.RunChecks for one check, so each result can be shown as
// soon as it arrives.
func runCheck(ctx context.Context, timeout time.Duration, c steps.Check) model.Findings {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fs := c.Run(cctx)
	if cctx.Err() == context.DeadlineExceeded && !fs.HasErrors() {
		fs = append(fs, model.Finding{Severity: model.SeverityError, Code: "check_timeout", Message: fmt.Sprintf("%s: no answer within %s", c.Name, timeout)})
	}
	for j := range fs {
		fs[j].Check = c.Name
	}
	return fs
}

// applies reports whether a step makes changes in Cloudflare.
func applies(id steps.ID) bool { return id == steps.CloudflareIdP || id == steps.SCIM }

// plan collects the changes attributed to one step: the IdP step's plan
// carries SCIM-only updates under the scim step.
func (r *Runner) plan(ctx context.Context, id steps.ID) ([]model.Change, error) {
	var out []model.Change
	for _, sid := range []steps.ID{steps.CloudflareIdP, steps.SCIM} {
		s, _ := steps.ByID(sid)
		changes, err := s.Plan(ctx, r.env)
		if err != nil {
			return nil, err
		}
		for _, ch := range changes {
			if steps.ID(ch.Step) == id {
				out = append(out, ch)
			}
		}
	}
	return out, nil
}

func pendingFinding(changes []model.Change, dryRun bool) model.Finding {
	if dryRun {
		return model.Finding{Severity: model.SeverityInfo, Code: "dry_run_not_sent",
			Message: fmt.Sprintf("dry run: %s is shown below and was not sent", changes[0].Summary)}
	}
	return model.Finding{Severity: model.SeverityWarning, Code: "not_applied",
		Message: fmt.Sprintf("not applied yet: %s; press a to review and send it", changes[0].Summary)}
}

// unappliedDrift explains the test step's read-back while an idp or scim
// change is planned but not sent (a dry run, or the admin skipped it): the
// engine's own Plan tells the test step so through a private counter that a
// step-by-step runner cannot set, so the wizard softens the finding itself.
func (r *Runner) unappliedDrift(fs model.Findings) model.Findings {
	if r.pending == 0 {
		return fs
	}
	for i, f := range fs {
		if f.Code != "idp_drift" {
			continue
		}
		if r.dryRun {
			fs[i] = model.Finding{Severity: model.SeverityInfo, Code: "dry_run_not_sent", Check: f.Check,
				Message: "dry run: the login method will match once the planned change is applied"}
		} else {
			fs[i] = model.Finding{Severity: model.SeverityWarning, Code: "not_applied", Check: f.Check,
				Message: "the login method differs from this setup because a planned change was not applied: go back (b) to that step and apply it (a)"}
		}
	}
	return fs
}
