package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"jcaccess/model"
	"jcaccess/steps"
)

// Runner adapts the engine's Flow to bubbletea: each engine call runs as a
// tea.Cmd (Update never waits on the engine), and a step's progress comes
// back as messages. The UI reads only Snapshots, copied under the flow's
// lock.
type Runner struct {
	flow  *steps.Flow
	store model.Store
}

func newRunner(o *Options) *Runner {
	var save steps.Save
	if o.Store.Dir != "" {
		save = o.Store.Save
	}
	return &Runner{store: o.Store, flow: steps.NewFlow(o.Env, steps.FlowOptions{Save: save, DryRun: o.DryRun, NewClient: o.NewClient, NewJumpCloud: o.NewJumpCloud})}
}

// runRequest asks for one step's validation, reads, live checks and plan.
type runRequest = steps.Request

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
	res := r.flow.Run(ctx, req, func(ev steps.Event) {
		switch ev.Kind {
		case steps.ChecksStarted:
			rn.events <- runStartedMsg{run: rn.id, step: rn.step, names: ev.Names, pre: ev.Findings}
		case steps.CheckDone:
			rn.events <- checkDoneMsg{run: rn.id, step: rn.step, index: ev.Index, findings: ev.Findings}
		}
	})
	done := runDoneMsg{run: rn.id, step: rn.step, findings: res.Findings, changes: res.Changes, cancelled: res.Cancelled, saveErr: res.SaveErr}
	if !done.cancelled {
		snap, err := r.snap(ctx)
		done.snap, done.cancelled = snap, err != nil
	}
	rn.events <- done
}

// snap copies the engine's state once no call is running.
func (r *Runner) snap(ctx context.Context) (Snapshot, error) {
	var s Snapshot
	err := r.flow.Read(ctx, func(env *steps.Env) { s = snapshot(env) })
	return s, err
}
