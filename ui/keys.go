package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// KeyMap is every key the wizard knows, built once. Letters act only when no
// field has the focus; ctrl+c always quits (and saves).
type KeyMap struct {
	Quit, ForceQuit, Next, Back, Edit, Recheck, Help         key.Binding
	Copy, Open, Reveal, Apply, Yes, No, Cancel               key.Binding
	Activate, SignIn, Skip, Regenerate, Paste, Resume, Fresh key.Binding
	Up, Down, PageUp, PageDown, Full                         key.Binding
	// Form is huh's keymap with esc as its abort key: esc leaves a form
	// without keeping what was typed.
	Form *huh.KeyMap
}

// NewKeyMap builds the keymap.
func NewKeyMap() *KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	form := huh.NewDefaultKeyMap()
	form.Quit = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))
	return &KeyMap{
		Quit:       b([]string{"q"}, "q", "quit"),
		ForceQuit:  b([]string{"ctrl+c"}, "ctrl+c", "quit"),
		Next:       b([]string{"n", "enter"}, "n", "next"),
		Back:       b([]string{"b"}, "b", "back"),
		Edit:       b([]string{"e"}, "e", "edit"),
		Recheck:    b([]string{"r"}, "r", "re-check"),
		Help:       b([]string{"?"}, "?", "help"),
		Copy:       b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1-9", "copy"),
		Open:       b([]string{"o"}, "o", "open"),
		Reveal:     b([]string{"v"}, "v", "reveal"),
		Apply:      b([]string{"a"}, "a", "apply"),
		Yes:        b([]string{"y"}, "y", "yes"),
		No:         b([]string{"n", "esc"}, "n", "no"),
		Cancel:     b([]string{"esc"}, "esc", "cancel"),
		Activate:   b([]string{"x"}, "x", "activate (sandbox)"),
		SignIn:     b([]string{"i"}, "i", "sign in (sandbox)"),
		Skip:       b([]string{"s"}, "s", "skip, check later"),
		Regenerate: b([]string{"g"}, "g", "new secret"),
		Paste:      b([]string{"p"}, "p", "paste a regenerated secret"),
		Resume:     b([]string{"r", "enter"}, "r", "resume"),
		Fresh:      b([]string{"f"}, "f", "start fresh"),
		Up:         b([]string{"up", "k"}, "↑", "scroll"),
		Down:       b([]string{"down", "j"}, "↓", "scroll"),
		PageUp:     b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown:   b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		Full:       b([]string{"f"}, "f", "full request"),
		Form:       form,
	}
}

// helpLine renders bindings as "k desc · k desc", dropping disabled ones.
func helpLine(st *Styles, bs []key.Binding) string {
	var parts []string
	for _, b := range bs {
		if !b.Enabled() || b.Help().Key == "" {
			continue
		}
		parts = append(parts, st.Key.Render(b.Help().Key)+" "+st.KeyDesc.Render(b.Help().Desc))
	}
	return strings.Join(parts, st.KeyDesc.Render(" · "))
}

// with returns b with a different description.
func with(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// scroll moves vp if msg is a scroll key, and says whether it was one.
func (k *KeyMap) scroll(vp *viewport.Model, msg tea.KeyPressMsg) bool {
	switch {
	case key.Matches(msg, k.Up):
		vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		vp.PageUp()
	case key.Matches(msg, k.PageDown):
		vp.PageDown()
	default:
		return false
	}
	return true
}
