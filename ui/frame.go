package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"jcaccess/model"
	"jcaccess/steps"
)

// The frame: a header, the dry-run banner, the eight steps with their
// status, the current step's title, its body, a status line and the keys.
const (
	minWidth  = 50
	minHeight = 14
)

func (w *Wizard) chrome() int {
	n := 7 // header, list (2), rule, title, status, footer
	if w.c.Opts.DryRun {
		n++
	}
	return n
}

func (w *Wizard) resize(width, height int) {
	w.c.Width, w.c.Height = width, height
	bw, bh := max(width, minWidth), max(height-w.chrome(), 3)
	for _, c := range w.comps {
		c.SetSize(bw, bh)
	}
	w.summaryVP.SetWidth(bw)
	w.summaryVP.SetHeight(bh)
}

func (w *Wizard) View() tea.View {
	v := tea.NewView(w.render())
	v.AltScreen = true
	v.WindowTitle = "jcaccess setup"
	return v
}

func (w *Wizard) render() string {
	c := w.c
	if c.Width < minWidth || c.Height < minHeight {
		return wrapIndent(fmt.Sprintf("The terminal is %dx%d; the wizard needs at least %dx%d. Make it larger, or run jcaccess setup --accessible for plain prompts. ctrl+c saves and quits.", c.Width, c.Height, minWidth, minHeight), max(c.Width, 20), "")
	}
	lines := append([]string(nil), w.chromeLines()...)
	status := w.statusLines()
	body := w.body()
	bh := max(c.Height-w.chrome()-(len(status)-1), 1)
	bodyLines := strings.Split(body, "\n")
	if len(bodyLines) > bh {
		bodyLines = bodyLines[:bh]
	}
	for len(bodyLines) < bh {
		bodyLines = append(bodyLines, "")
	}
	lines = append(lines, bodyLines...)
	lines = append(lines, status...)
	lines = append(lines, w.footer())
	for i := len(w.top.lines); i < len(lines); i++ {
		lines[i] = ansi.Truncate(lines[i], c.Width, "…")
	}
	return strings.Join(lines, "\n")
}

// chromeKey is everything the lines above the body show.
type chromeKey struct {
	width, cur int
	phase      phase
	active     steps.ID
	frame      string
	session    *model.Session
	st         *Styles
}

// chromeLines are the header, the dry-run banner, the step list, the rule
// and the title, rendered again only when what they show changed.
func (w *Wizard) chromeLines() []string {
	c := w.c
	k := chromeKey{width: c.Width, cur: w.nav.Index(), phase: w.phase, frame: c.frame(), session: c.State.Snap.Session, st: c.Styles}
	if w.active != nil {
		k.active = w.active.step
	}
	if w.top.lines != nil && w.top.key == k {
		return w.top.lines
	}
	lines := []string{w.header()}
	if c.Opts.DryRun {
		lines = append(lines, c.Styles.Banner.Render(fit(" DRY RUN · read-only: every check runs; changes are shown, never sent", c.Width)))
	}
	lines = append(lines, w.stepList()...)
	lines = append(lines, c.Styles.Rule.Render(strings.Repeat("─", c.Width)), w.titleLine())
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, c.Width, "…")
	}
	w.top.key, w.top.lines = k, lines
	return lines
}

// fit pads or cuts s to exactly width cells.
func fit(s string, width int) string {
	s = ansi.Truncate(s, width, "…")
	if n := ansi.StringWidth(s); n < width {
		s += strings.Repeat(" ", width-n)
	}
	return s
}

func (w *Wizard) header() string {
	st := w.c.Styles
	in := w.c.State.Inputs()
	left := "jcaccess setup"
	if in.Team != "" {
		left += " · " + in.Domain()
	}
	legend := fmt.Sprintf("%s verified %s warning %s failed %s to confirm %s to do",
		st.OK.Render(st.statusSym(model.StatusVerified)), st.Warn.Render(st.statusSym(model.StatusWarning)),
		st.Fail.Render(st.statusSym(model.StatusFailed)), st.Todo.Render(st.statusSym(model.StatusToConfirm)),
		st.Todo.Render(st.statusSym(model.StatusTodo)))
	gap := w.c.Width - ansi.StringWidth(left) - ansi.StringWidth(legend)
	if gap < 2 {
		return st.Header.Render(left)
	}
	return st.Header.Render(left) + strings.Repeat(" ", gap) + legend
}

// stepList is the eight steps in two rows, each with a status symbol; ▸
// marks the current one.
func (w *Wizard) stepList() []string {
	st, snap := w.c.Styles, w.c.State.Snap
	cw := (w.c.Width - 3) / 4
	var cells []string
	for i, s := range steps.All() {
		status := snap.status(s.ID())
		sym := st.status(status).Render(st.statusSym(status))
		if w.active != nil && w.active.step == s.ID() {
			sym = st.Info.Render(w.c.frame())
		}
		cur := " "
		name := fmt.Sprintf("%d %s", i+1, s.ID())
		if i == w.nav.Index() && w.phase == phaseSteps {
			cur = st.Current.Render("▸")
			name = st.Current.Render(name)
		}
		cells = append(cells, fit(cur+sym+" "+name, cw))
	}
	return []string{strings.Join(cells[:4], " "), strings.Join(cells[4:], " ")}
}

func (w *Wizard) titleLine() string {
	st := w.c.Styles
	switch w.phase {
	case phaseResume:
		return st.Title.Render("Resume or start fresh?")
	case phaseSummary:
		return st.Title.Render("Summary")
	case phaseLoading:
		return st.Title.Render("Loading…")
	case phaseQuitting:
		return st.Title.Render("Saving…")
	}
	s := steps.All()[w.nav.Index()]
	status := w.c.State.Snap.status(s.ID())
	right := st.status(status).Render(st.statusSym(status) + " " + statusMarks[status].word)
	if w.active != nil && w.active.step == s.ID() {
		right = st.Info.Render(w.c.frame() + " checking")
	}
	left := st.Title.Render(fmt.Sprintf("Step %d of %d · %s", w.nav.Index()+1, len(w.comps), s.Title()))
	gap := w.c.Width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return left
	}
	return left + strings.Repeat(" ", gap) + right
}

func (w *Wizard) body() string {
	switch w.phase {
	case phaseLoading:
		return w.c.Styles.Dim.Render("Reading the saved state…")
	case phaseQuitting:
		return w.c.Styles.Dim.Render("Saving the session…")
	case phaseResume:
		return w.resumeView()
	case phaseSummary:
		return w.summaryVP.View()
	}
	return w.comps[w.nav.Index()].View()
}

// sync brings the current screen's content up to date with the state, after
// a message or a resize: the step's viewport, or the summary's.
func (w *Wizard) sync() {
	switch w.phase {
	case phaseSteps:
		w.comps[w.nav.Index()].Sync()
	case phaseSummary:
		if s := newOutcome(w.c).text(w.c.Styles, w.summaryVP.Width(), w.report.path, w.report.err); s != w.summary {
			w.summary = s
			w.summaryVP.SetContent(s)
		}
	}
}

// statusLines is the line above the keys: a question, an error or a
// notice, wrapped (at most three lines) so a copied value shows in full.
func (w *Wizard) statusLines() []string {
	st, width := w.c.Styles, w.c.Width
	var s string
	switch {
	case w.confirm != "":
		s = st.Warn.Render("Continue anyway? y: yes · n: no.") + " " + w.confirm
	case w.err != nil:
		s = st.ErrorLine.Render(st.pick("✘", "[error]") + " " + shownErr(w.err))
	case w.status != "":
		s = st.StatusLine.Render(w.status)
	}
	lines := strings.Split(ansi.Hardwrap(ansi.Wrap(s, width, ""), width, true), "\n")
	if len(lines) > 3 {
		lines = lines[:3]
		lines[2] = ansi.Truncate(lines[2], width-1, "") + "…"
	}
	return lines
}

// footer shows the keys that work here, as many as fit; ? lists them all.
func (w *Wizard) footer() string {
	k := w.c.Keys
	var bs []key.Binding
	switch w.phase {
	case phaseResume:
		bs = []key.Binding{k.Resume, k.Fresh, k.Quit}
	case phaseSummary:
		bs = []key.Binding{with(k.Next, "finish"), k.Back, k.Down, k.Up, with(k.Quit, "finish")}
	case phaseSteps:
		comp := w.comps[w.nav.Index()]
		if w.confirm != "" {
			bs = []key.Binding{with(k.Yes, "continue"), with(k.No, "stay"), k.ForceQuit}
			break
		}
		if comp.Typing() {
			bs = comp.ShortHelp()
			break
		}
		next := k.Next
		if w.nav.Index() == len(w.comps)-1 {
			next = with(next, "summary")
		}
		bs = append([]key.Binding{next, k.Back}, comp.ShortHelp()...)
		if w.nav.Rechecking() > 0 {
			bs = append(bs, with(k.Cancel, "stop re-checking"))
		}
		bs = append(bs, k.Help, k.Quit)
	}
	return w.fitKeys(bs)
}

// fitKeys keeps the bindings that fit on one line; the trailing help and
// quit keys always stay (? lists whatever did not fit).
func (w *Wizard) fitKeys(bs []key.Binding) string {
	var tail []key.Binding
	for n := len(bs); n > 0; n = len(bs) {
		if k := bs[n-1].Help().Key; k != "?" && k != "q" && k != "ctrl+c" {
			break
		}
		tail = append([]key.Binding{bs[n-1]}, tail...)
		bs = bs[:n-1]
	}
	const sepWidth = 3 // " · "
	used := -sepWidth
	var pieces []string
	for _, b := range tail {
		if p, ok := w.keyPiece(b); ok {
			used += p.width + sepWidth
		}
	}
	for _, b := range bs {
		p, ok := w.keyPiece(b)
		if !ok {
			continue
		}
		if used+sepWidth+p.width > w.c.Width {
			break
		}
		used += sepWidth + p.width
		pieces = append(pieces, p.text)
	}
	for _, b := range tail {
		if p, ok := w.keyPiece(b); ok {
			pieces = append(pieces, p.text)
		}
	}
	return strings.Join(pieces, w.keySep())
}

// keyPiece is a binding as the footer shows it ("k desc"), rendered once;
// false for a disabled binding or one without help.
func (w *Wizard) keyPiece(b key.Binding) (keyPiece, bool) {
	h := b.Help()
	if !b.Enabled() || h.Key == "" {
		return keyPiece{}, false
	}
	if w.keyText == nil || w.keyTextSt != w.c.Styles {
		w.keyText, w.keyTextSt = map[[2]string]keyPiece{}, w.c.Styles
	}
	p, ok := w.keyText[[2]string{h.Key, h.Desc}]
	if !ok {
		text := helpLine(w.c.Styles, []key.Binding{b})
		p = keyPiece{text: text, width: ansi.StringWidth(text)}
		w.keyText[[2]string{h.Key, h.Desc}] = p
	}
	return p, true
}

func (w *Wizard) keySep() string { return w.c.Styles.KeyDesc.Render(" · ") }

type keyPiece struct {
	text  string
	width int
}

func (w *Wizard) resumeView() string {
	st, s := w.c.Styles, w.saved
	width := w.c.Width
	var b strings.Builder
	b.WriteString(wrapIndent(fmt.Sprintf("A saved session exists for team %s (%s), last saved %s.", s.Inputs.Team, s.Inputs.Domain(), s.UpdatedAt.Format("2006-01-02 15:04 MST")), width, "") + "\n\n")
	for i, step := range steps.All() {
		state := s.Step(string(step.ID()))
		line := fmt.Sprintf("%s %d %-15s %s", st.status(state.Status).Render(st.statusSym(state.Status)), i+1, step.ID(), statusMarks[state.Status].word)
		if !state.CheckedAt.IsZero() {
			line += st.Dim.Render(" at " + state.CheckedAt.Format("2006-01-02 15:04"))
		}
		b.WriteString("  " + line + "\n")
	}
	b.WriteString("\n")
	b.WriteString(wrapIndent(st.Key.Render("r")+" resume: re-check what was verified, then carry on where you stopped", width, "") + "\n")
	b.WriteString(wrapIndent(st.Key.Render("f")+" start fresh: check everything again from step 1 (this run's saves replace the saved progress)", width, "") + "\n")
	b.WriteString(st.Key.Render("q") + " quit\n")
	return b.String()
}
