package ui

import (
	"fmt"
	"strings"
)

// The step screen: why it matters, the answers or the form, the values to
// paste, the checks, the plan, and the step's extras.

// Sync brings the viewport up to date with the step: its height (the apply
// question pinned under it takes rows), its content and the scroll to the
// plan that a or an apply asked for. The root calls it after every message
// and resize; View only draws.
func (b *stepBase) Sync() {
	b.pin = b.pinned()
	if h := max(b.height-lipHeight(b.pin), 1); h != b.vp.Height() {
		b.vp.SetHeight(h)
	}
	if body := b.body(); body != b.content {
		b.content = body
		b.lines = strings.Split(body, "\n")
		b.vp.SetContentLines(b.lines)
	}
	if b.toPlan {
		b.vp.SetYOffset(b.planLine)
		b.toPlan = false
	}
}

// View draws the body's rows in view (the viewport keeps the scroll; its
// own View would measure and pad every row again, and the frame cuts rows
// to the width) and the apply question pinned under it, whatever the
// scroll.
func (b *stepBase) View() string {
	y := min(max(b.vp.YOffset(), 0), len(b.lines))
	rows := b.lines[y:min(y+b.vp.Height(), len(b.lines))]
	if b.pin == "" {
		return strings.Join(rows, "\n")
	}
	return strings.Join(rows, "\n") + "\n" + b.pin
}

func lipHeight(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, "\n") + 1
}

// pinned is the apply question, kept in view while the plan scrolls.
func (b *stepBase) pinned() string {
	if !b.confirmApply || len(b.rs.changes) == 0 {
		return ""
	}
	st := b.c.Styles
	ch := b.rs.changes[0]
	q := fmt.Sprintf("Send this %s to %s now? ", ch.Method, serviceName(ch))
	if len(b.rs.changes) > 1 {
		q = fmt.Sprintf("Send these %d requests to %s now? ", len(b.rs.changes), serviceName(ch))
	}
	return wrapIndent(st.Warn.Render(q)+st.Key.Render("y")+" send it · "+st.Key.Render("n")+" don't · "+st.Key.Render("f")+" "+b.fullWord(), b.width, "")
}

// body is why the step matters, the help if shown, then the rest: the
// answers, the checks, the plan, the values and the step's extras. The rest
// is rendered again only when something it shows changed (see restKey);
// planLine is where the plan starts.
func (b *stepBase) body() string {
	st, w := b.c.Styles, b.width
	head := st.Dim.Render(wrapIndent(b.why, w, ""))
	if b.showDetail {
		head += "\n\n" + b.helpView()
	}
	snap := b.snap()
	k := restKey{ver: b.ver, width: w, st: st, session: snap.Session, idp: snap.IdP, applied: len(b.c.State.Applied), frame: b.c.frame()}
	if b.editing || b.rest.key != k {
		out, planLine := b.renderRest()
		b.rest = restMemo{key: k, out: out, planLine: planLine}
	}
	if b.rest.out == "" {
		return head
	}
	if b.rest.planLine >= 0 {
		b.planLine = lipHeight(head) + 1 + b.rest.planLine
	}
	return head + "\n\n" + b.rest.out
}

func (b *stepBase) renderRest() (string, int) {
	st, w := b.c.Styles, b.width
	var parts []string
	planLine := -1
	add := func(s string) {
		if s = strings.TrimRight(s, "\n"); s != "" {
			parts = append(parts, s)
		}
	}
	if h, ok := b.hooks.(headliner); ok {
		add(h.headline(w))
	}
	if b.editing {
		add(b.form.View())
	} else if b.fields != nil {
		add(b.answers())
	}
	values := ""
	if title, vs := b.hooks.values(b.snap()); len(vs) > 0 {
		values = renderValues(st, w, title, vs, b.reveal)
	}
	if b.valuesFirst {
		add(values)
	}
	if !b.editing || b.rs.started() || b.rs.cancelled != "" {
		add(renderChecks(st, w, b.c.frame(), &b.rs))
	}
	if p := b.planView(); p != "" {
		planLine = 0
		if len(parts) > 0 {
			planLine = lipHeight(strings.Join(parts, "\n\n")) + 1
		}
		add(p)
	}
	if !b.valuesFirst {
		add(values)
	}
	add(b.hooks.extra(w))
	return strings.Join(parts, "\n\n"), planLine
}

// helpView is what ? shows: the guide's detail for the step, every key.
func (b *stepBase) helpView() string {
	st := b.c.Styles
	var out []string
	if b.detail != "" {
		out = append(out, wrapIndent(b.detail, b.width, ""))
	}
	var keys []string
	for _, k := range append(b.ShortHelp(), b.c.Keys.Next, b.c.Keys.Back, b.c.Keys.PageDown, b.c.Keys.PageUp, b.c.Keys.Help, b.c.Keys.Quit, b.c.Keys.ForceQuit) {
		if k.Enabled() {
			keys = append(keys, fmt.Sprintf("  %-7s %s", k.Help().Key, k.Help().Desc))
		}
	}
	out = append(out, st.Bold.Render("Keys")+"\n"+strings.Join(keys, "\n"))
	out = append(out, wrapIndent("q (or ctrl+c, even in a field) saves the session, never a secret, and quits; run jcaccess setup again for this team to resume.", b.width, ""))
	return strings.Join(out, "\n\n")
}

// answers shows the answers in a few lines: "label value · label value".
func (b *stepBase) answers() string {
	st := b.c.Styles
	var items []string
	for _, p := range b.fields.summary(b.inputs(), b.snap()) {
		items = append(items, p[0]+" "+st.Value.Render(shown(p[1])))
	}
	head := st.Bold.Render("Your answers") + st.Dim.Render(" (e changes them)")
	return head + "\n" + wrapIndent(strings.Join(items, st.Dim.Render(" · ")), b.width, "  ")
}

// planView shows the planned requests and what can be done with them.
func (b *stepBase) planView() string {
	st, w := b.c.Styles, b.width
	var parts []string
	if len(b.applied) > 0 {
		var lines []string
		for _, ch := range b.applied {
			lines = append(lines, wrapIndent(st.OK.Render(st.pick("✔", "[done]"))+" done: "+shown(ch.Summary), w, "  "))
		}
		parts = append(parts, st.Bold.Render("Sent to "+serviceName(b.applied[0]))+"\n"+strings.Join(lines, "\n"))
	}
	if b.applyErr != nil {
		parts = append(parts, wrapIndent(st.Fail.Render(st.pick("✘", "[FAILED]"))+" apply stopped: "+shownErr(b.applyErr)+"; what was done is saved: press r to check again, then a to retry.", w, ""))
	}
	if len(b.rs.changes) == 0 || !b.rs.done {
		return strings.Join(parts, "\n\n")
	}
	plan := b.renderedPlan(st, w)
	switch {
	case b.c.Opts.DryRun:
		plan += "\n" + wrapIndent(st.Banner.Render(" DRY RUN ")+" not sent: this is the request a real run would send.", w, "")
	case b.applying:
		plan += "\n" + st.Info.Render(b.c.frame()) + " sending…"
	case b.confirmApply:
	default:
		plan += "\n" + st.Dim.Render(wrapIndent("Nothing is sent until you press a and confirm.", w, ""))
	}
	parts = append(parts, plan)
	return strings.Join(parts, "\n\n")
}

// renderedPlan renders the planned changes once per set of changes, width
// and choice of full or short.
func (b *stepBase) renderedPlan(st *Styles, w int) string {
	ch := b.rs.changes
	m := b.plan
	if m.first != &ch[0] || m.n != len(ch) || m.width != w || m.st != st || m.full != b.fullPlan {
		out := strings.TrimRight(planText(st, w, b.c.Opts.requestURL, ch, b.fullPlan), "\n")
		short := false
		for _, c := range ch {
			short = short || c.DisplayBody(false) != c.DisplayBody(true)
		}
		switch {
		case short && b.fullPlan:
			out += "\n" + st.Dim.Render(wrapIndent("The full request, byte for byte: f shortens it again.", w, "    "))
		case short:
			out += "\n" + st.Dim.Render(wrapIndent("Long values are shortened here (what is sent is exact): f shows the full request.", w, "    "))
		}
		b.plan = planMemo{first: &ch[0], n: len(ch), width: w, st: st, full: b.fullPlan, short: short, out: out}
	}
	return b.plan.out
}

// canToggleFull is whether f has a shortened plan to show in full.
func (b *stepBase) canToggleFull() bool {
	return len(b.rs.changes) > 0 && b.rs.done && b.plan.short
}

// fullWord is what f does next.
func (b *stepBase) fullWord() string {
	if b.fullPlan {
		return "short plan"
	}
	return "full request"
}
