package ui

import (
	"strings"

	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"jcaccess/model"
)

// Styles is the one theme, built once and shared through Common. Every state
// has a symbol as well as a colour, so nothing is told by colour alone.
type Styles struct {
	// Plain is accessible mode: words instead of symbols, no attributes.
	Plain bool

	Header, Dim, Bold, Banner, Rule, Title Style
	Key, KeyDesc, StatusLine, ErrorLine    Style
	OK, Warn, Fail, Todo, Current, Info    Style
	Label, Value, Secret, Code             Style
	Form                                   huh.Theme
}

// Style is a lipgloss style reduced to what the wizard uses: attributes and
// a colour around text, the escape sequences worked out once. It paints
// each line on its own. (lipgloss pads every line of a multi-line string
// to the widest one: a pretty-printed body whose certificate line is 1,800
// characters came out as a few short lines each followed by 1,800 blanks,
// which the wrap turned into screens of empty rows.)
type Style struct{ pre, post string }

func newStyle(s lipgloss.Style) Style {
	r := s.Render("X")
	i := strings.Index(r, "X")
	if i < 0 {
		return Style{}
	}
	return Style{pre: r[:i], post: r[i+1:]}
}

// Render paints text, line by line; a style without attributes returns it
// as is.
func (s Style) Render(text string) string {
	if s.pre == "" && s.post == "" || text == "" {
		return text
	}
	if !strings.Contains(text, "\n") {
		return s.pre + text + s.post
	}
	var b strings.Builder
	b.Grow(len(text) + (strings.Count(text, "\n")+1)*(len(s.pre)+len(s.post)))
	for i, l := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		if l != "" {
			b.WriteString(s.pre + l + s.post)
		}
	}
	return b.String()
}

// NewStyles builds the theme; noColor keeps attributes (bold, reverse) and
// drops colours, for NO_COLOR.
func NewStyles(noColor bool) *Styles {
	color := func(s lipgloss.Style, c string) lipgloss.Style {
		if noColor {
			return s
		}
		return s.Foreground(lipgloss.Color(c))
	}
	s := &Styles{
		Header:     newStyle(lipgloss.NewStyle().Bold(true)),
		Dim:        newStyle(color(lipgloss.NewStyle(), "245")),
		Bold:       newStyle(lipgloss.NewStyle().Bold(true)),
		Banner:     newStyle(lipgloss.NewStyle().Bold(true).Reverse(true)),
		Rule:       newStyle(color(lipgloss.NewStyle(), "240")),
		Title:      newStyle(lipgloss.NewStyle().Bold(true)),
		Key:        newStyle(lipgloss.NewStyle().Bold(true)),
		KeyDesc:    newStyle(color(lipgloss.NewStyle(), "245")),
		StatusLine: newStyle(color(lipgloss.NewStyle(), "6")),
		ErrorLine:  newStyle(color(lipgloss.NewStyle().Bold(true), "1")),
		OK:         newStyle(color(lipgloss.NewStyle(), "2")),
		Warn:       newStyle(color(lipgloss.NewStyle().Bold(true), "3")),
		Fail:       newStyle(color(lipgloss.NewStyle().Bold(true), "1")),
		Todo:       newStyle(color(lipgloss.NewStyle(), "245")),
		Current:    newStyle(color(lipgloss.NewStyle().Bold(true), "6")),
		Info:       newStyle(color(lipgloss.NewStyle(), "6")),
		Label:      newStyle(lipgloss.NewStyle().Bold(true)),
		Value:      newStyle(color(lipgloss.NewStyle(), "6")),
		Secret:     newStyle(color(lipgloss.NewStyle(), "5")),
		Code:       newStyle(color(lipgloss.NewStyle(), "250")),
	}
	s.Form = formTheme(noColor)
	return s
}

// PlainStyles is the theme of accessible mode: no colour, no attribute,
// words rather than symbols.
func PlainStyles() *Styles {
	s := &Styles{Plain: true}
	s.Form = huh.ThemeFunc(huh.ThemeBase)
	return s
}

// formTheme is huh's Charm theme, or its base without colours; either way
// the focused button is reversed, so yes/no stays readable with NO_COLOR.
func formTheme(noColor bool) huh.Theme {
	return huh.ThemeFunc(func(isDark bool) *huh.Styles {
		var t *huh.Styles
		if noColor {
			t = huh.ThemeBase(isDark)
			t.Focused.FocusedButton = t.Focused.FocusedButton.UnsetForeground().UnsetBackground().Reverse(true).Bold(true)
			t.Focused.BlurredButton = t.Focused.BlurredButton.UnsetForeground().UnsetBackground()
			t.Focused.TextInput.Placeholder = t.Focused.TextInput.Placeholder.UnsetForeground().Faint(true)
			t.Focused.Title = t.Focused.Title.Bold(true)
			t.Blurred = t.Focused
			t.Blurred.Base = t.Blurred.Base.BorderStyle(lipgloss.HiddenBorder())
			t.Blurred.MultiSelectSelector = lipgloss.NewStyle().SetString("  ")
			t.Blurred.NextIndicator = lipgloss.NewStyle()
			t.Blurred.PrevIndicator = lipgloss.NewStyle()
		} else {
			t = huh.ThemeCharm(isDark)
		}
		t.FieldSeparator = lipgloss.NewStyle().SetString("\n")
		return t
	})
}

// mark is how a step status or a finding shows: a symbol and a word.
type mark struct {
	sym, word string
}

var statusMarks = map[model.StepStatus]mark{
	model.StatusVerified: {"✔", "verified"},
	model.StatusWarning:  {"!", "warning"},
	model.StatusFailed:   {"✘", "failed"},
	model.StatusTodo:     {"·", "to do"},
	// Nothing failed, and nothing could check it yet: never a tick.
	model.StatusToConfirm: {"?", "to confirm"},
}

func (s *Styles) status(st model.StepStatus) Style {
	switch st {
	case model.StatusVerified:
		return s.OK
	case model.StatusWarning:
		return s.Warn
	case model.StatusFailed:
		return s.Fail
	}
	return s.Todo
}

// statusSym is a step status as a symbol, or a word in plain mode.
func (s *Styles) statusSym(st model.StepStatus) string {
	m := statusMarks[st]
	if s.Plain {
		return "[" + m.word + "]"
	}
	return m.sym
}

func (s *Styles) severity(sev model.Severity) (string, Style) {
	switch sev {
	case model.SeverityError:
		return s.pick("✘", "[FAILED]"), s.Fail
	case model.SeverityWarning:
		return s.pick("!", "[warning]"), s.Warn
	case model.SeverityToConfirm:
		return s.pick("?", "[to confirm]"), s.Todo
	}
	return s.pick("✔", "[ok]"), s.OK
}

func (s *Styles) pick(sym, word string) string {
	if s.Plain {
		return word
	}
	return sym
}
