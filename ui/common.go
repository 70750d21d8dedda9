package ui

import (
	"context"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"jcaccess/model"
)

// Common is what every component shares: built once by the root, passed by
// pointer, and only ever touched on the UI goroutine (Update and View).
type Common struct {
	Ctx    context.Context
	Width  int
	Height int
	Styles *Styles
	Keys   *KeyMap
	Opts   *Options
	// State is what the engine last reported (a copy) plus what this run did.
	State *State
	// Copy puts text on the clipboard (OSC 52); tests replace it.
	Copy func(text string) tea.Cmd
	// Open opens a URL in a browser, or says why it did not.
	Open func(url string) tea.Cmd

	spin spinner.Model
}

// State is the UI's copy of the engine's state. Components read it; only
// the root writes it, from engine messages.
type State struct {
	Snap Snapshot
	// Applied lists the changes this wizard run made.
	Applied []model.Change
}

// Inputs are the current answers.
func (s *State) Inputs() model.Inputs { return s.Snap.Session.Inputs }

// frame is the spinner's current frame, or a static mark.
func (c *Common) frame() string {
	if c.Opts.Static {
		return "…"
	}
	return c.spin.View()
}

// statusMsg is a transient line under the body (copied, opened, ...).
type statusMsg string

// ErrorMsg is an asynchronous failure the root shows until the next key.
type ErrorMsg struct{ Err error }

func status(s string) tea.Cmd { return func() tea.Msg { return statusMsg(s) } }
