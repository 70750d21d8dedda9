package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jcaccess/model"
	"jcaccess/steps"
)

// Component is one step's screen: it owns its answers, its checks and what
// it shows; the root owns navigation, global keys and the engine.
type Component interface {
	ID() steps.ID
	// Enter is called when the step becomes current; Leave when it stops.
	Enter() tea.Cmd
	Leave()
	Update(msg tea.Msg) tea.Cmd
	// Sync brings what View draws up to date with the component's state;
	// the root calls it after every message. View renders the body (the
	// frame around it is the root's) and changes nothing.
	Sync()
	View() string
	SetSize(width, height int)
	ShortHelp() []key.Binding
	// Typing is true while a field has the focus: letters are text then.
	Typing() bool
	// Leaving says whether Next may go on: block is why not, warn is what
	// the admin must confirm first.
	Leaving() (block, warn string)
	// Reset forgets results a changed answer made stale.
	Reset()
}

// Requests a component sends the root, which alone talks to the engine.
type (
	applyRequest struct {
		step    steps.ID
		changes []model.Change
	}
	activateRequest struct{}
	// signInRequest asks the sandbox's person to sign in (Flow.SignIn).
	signInRequest struct{}
	// cancelRequest stops the step's checks in flight (an answer changed).
	cancelRequest struct{ step steps.ID }
	// skipRequest moves on without the confirmation a warning needs: the
	// admin pressed the step's own "skip, check later" key.
	skipRequest struct{}
)

// Notices the root sends a component about runs it started.
type (
	runBeganMsg struct {
		run    int
		step   steps.ID
		inputs model.Inputs
	}
	runCancelledMsg struct {
		step   steps.ID
		reason string
	}
)

func send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }
