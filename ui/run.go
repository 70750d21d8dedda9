package ui

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"
)

// Run runs the wizard full-screen until the admin finishes or quits. The
// session is saved either way; a kill from outside (the context) saves too.
func Run(ctx context.Context, o Options, progOpts ...tea.ProgramOption) (Result, error) {
	w := New(ctx, o)
	p := tea.NewProgram(w, append([]tea.ProgramOption{tea.WithContext(ctx)}, progOpts...)...)
	m, err := p.Run()
	if wm, ok := m.(*Wizard); ok && wm != nil {
		w = wm
	}
	res := w.Result()
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, tea.ErrInterrupted) {
			res.Outcome = Quit
			if saved, ok := w.runner.saveNow()().(savedMsg); ok {
				res.Saved, res.SaveErr = saved.wrote, saved.err
			}
			return res, nil
		}
		return res, err
	}
	return res, nil
}
