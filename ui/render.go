package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"jcaccess/model"
	"jcaccess/steps"
)

// runState is what a step's last or current run showed.
type runState struct {
	id        int
	running   bool
	done      bool
	cancelled string // why the checks stopped early
	inputs    model.Inputs
	names     []string
	pre       model.Findings
	results   []model.Findings // per check; nil while it runs
	findings  model.Findings   // all of them, once done
	changes   []model.Change
	at        time.Time
}

func (rs *runState) started() bool { return rs.running || rs.done }

// shown is text from outside (metadata, the API, SCIM logs, a session
// file) as the screen draws it: control characters escaped, so that nothing
// in it moves the cursor, hides a line or writes the clipboard. Views apply
// it to the data before styling it, never to a styled string: the styles'
// own sequences must stay.
var shown = model.Printable

// shownErr is an error, escaped the same way.
func shownErr(err error) string { return shown(err.Error()) }

// wrapIndent wraps text to width and indents every line.
func wrapIndent(text string, width int, indent string) string {
	return wrapHang(text, width, indent, indent)
}

// wrapHang wraps text to width, the first line after first, the others
// after rest (a hanging indent, for bullets).
func wrapHang(text string, width int, first, rest string) string {
	w := max(width-max(ansi.StringWidth(first), ansi.StringWidth(rest)), 10)
	// The wrapper breaks at every hyphen; keep "--regenerate-scim-secret"
	// and team-domain names whole where they fit.
	const nbHyphen = "\u2011"
	wrapped := ansi.Wrap(strings.ReplaceAll(text, "-", nbHyphen), w, "")
	lines := strings.Split(strings.ReplaceAll(wrapped, nbHyphen, "-"), "\n")
	for i, l := range lines {
		if i == 0 {
			lines[i] = first + l
		} else {
			lines[i] = rest + l
		}
	}
	return strings.Join(lines, "\n")
}

// bullet renders "sym text" with the text's later lines under its start.
func bullet(indent, sym, text string, width int) string {
	pad := strings.Repeat(" ", ansi.StringWidth(indent)+ansi.StringWidth(sym)+1)
	return wrapHang(sym+" "+text, width, indent, pad)
}

// renderChecks shows a run: the validation and preparation findings, then
// each live check with a spinner until its result, each result with its fix.
func renderChecks(st *Styles, width int, frame string, rs *runState) string {
	var b strings.Builder
	head := st.Bold.Render("Checks")
	switch {
	case rs.running:
		head += st.Dim.Render("  running…")
	case rs.done:
		head += st.Dim.Render("  checked at " + rs.at.Format("15:04:05"))
	}
	b.WriteString(head + "\n")
	if rs.cancelled != "" && !rs.running {
		b.WriteString(bullet("  ", st.Warn.Render(st.pick("■", "[stopped]")), shown(rs.cancelled), width) + "\n")
	}
	if !rs.started() && rs.cancelled == "" {
		b.WriteString(st.Dim.Render(wrapIndent("The checks run as soon as the answers are complete.", width, "  ")) + "\n")
		return b.String()
	}
	for _, f := range rs.pre {
		sym, sty := st.severity(f.Severity)
		if f.Severity == model.SeverityInfo {
			sym = st.pick("•", "-")
		}
		b.WriteString(bullet("  ", sty.Render(sym), shown(f.Message), width) + "\n")
	}
	for i, name := range rs.names {
		var fs model.Findings
		if i < len(rs.results) {
			fs = rs.results[i]
		}
		if fs == nil {
			if rs.running {
				b.WriteString("  " + st.Info.Render(frame) + " " + name + "\n")
			} else {
				b.WriteString("  " + st.Todo.Render(st.pick("·", "[not run]")) + " " + name + "\n")
			}
			continue
		}
		sym, sty := st.severity(sevOf(fs))
		b.WriteString("  " + sty.Render(sym) + " " + st.Bold.Render(name) + "\n")
		for _, f := range fs {
			msg := shown(f.Message)
			if f.Severity != model.SeverityInfo && len(fs) > 1 {
				s, fsty := st.severity(f.Severity)
				msg = fsty.Render(s) + " " + msg
			}
			b.WriteString(wrapIndent(msg, width, "    ") + "\n")
		}
	}
	for _, f := range rs.findings {
		if f.Check == "" && (f.Code == "not_applied" || f.Code == "dry_run_not_sent" || f.Code == "plan_failed") {
			sym, sty := st.severity(f.Severity)
			b.WriteString(bullet("  ", sty.Render(sym), shown(f.Message), width) + "\n")
		}
	}
	return b.String()
}

func sevOf(fs model.Findings) model.Severity {
	switch fs.Status() {
	case model.StatusFailed:
		return model.SeverityError
	case model.StatusWarning:
		return model.SeverityWarning
	case model.StatusToConfirm:
		return model.SeverityToConfirm
	}
	return model.SeverityInfo
}

// copyable are the values a number key copies, in display order.
func copyable(vs []steps.Value) []steps.Value {
	var out []steps.Value
	for _, v := range vs {
		if v.Value != "" || !v.Secret.IsZero() {
			out = append(out, v)
		}
	}
	return out
}

// renderValues lists what to paste into JumpCloud, numbered for copying.
// A secret shows masked unless reveal is set.
func renderValues(st *Styles, width int, title string, vs []steps.Value, reveal bool) string {
	if len(vs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(st.Bold.Render(title) + "\n")
	n := 0
	for _, v := range vs {
		val := v.Value
		secret := !v.Secret.IsZero()
		if v.Value == "" && !secret {
			line := st.Label.Render(shown(v.Label))
			if v.Note != "" {
				line += ": " + shown(v.Note)
			}
			b.WriteString(bullet("  ", st.pick("•", "-"), line, width) + "\n")
			continue
		}
		n++
		num := fmt.Sprintf("%d", n)
		if st.Plain {
			num = ""
		}
		b.WriteString(bullet(" ", st.Key.Render(num), st.Label.Render(shown(v.Label))+st.Dim.Render(noteSuffix(shown(v.Note))), width) + "\n")
		switch {
		case secret && reveal:
			val = st.Secret.Render(shown(v.Secret.Reveal()))
		case secret:
			val = st.Secret.Render("••••••••••••") + st.Dim.Render(" hidden: v shows it, "+num+" copies it")
		default:
			val = st.Value.Render(shown(val))
		}
		b.WriteString(hardIndent(val, width, "   ") + "\n")
	}
	return b.String()
}

func noteSuffix(note string) string {
	if note == "" {
		return ""
	}
	return " · " + note
}

// hardIndent breaks long values (URLs) at the width, where a word wrap
// would leave them whole and overflowing.
func hardIndent(text string, width int, indent string) string {
	w := max(width-len(indent), 10)
	lines := strings.Split(ansi.Hardwrap(text, w, true), "\n")
	for i, l := range lines {
		lines[i] = indent + l
	}
	return strings.Join(lines, "\n")
}

// renderPlan shows each planned request as it will be sent: method, URL,
// body (long values abbreviated), and what Cloudflare will compute.
func renderPlan(st *Styles, width int, urlOf func(model.Change) string, changes []model.Change) string {
	return planText(st, width, urlOf, changes, false)
}

// planText is renderPlan, with the body in full if asked.
func planText(st *Styles, width int, urlOf func(model.Change) string, changes []model.Change, full bool) string {
	var b strings.Builder
	b.WriteString(st.Bold.Render(fmt.Sprintf("Planned change (%d)", len(changes))) + "\n")
	if len(changes) > 1 {
		// Every change in a line first: a request's body can fill the
		// screen (JumpCloud's new application is a whole connector).
		for _, ch := range changes {
			b.WriteString(bullet("  ", st.Warn.Render(ch.Sign()), shown(ch.Summary), width) + "\n")
		}
		b.WriteString(st.Dim.Render(wrapIndent("The requests, in the order they are sent:", width, "  ")) + "\n")
	}
	for _, ch := range changes {
		b.WriteString(bullet("  ", st.Warn.Render(ch.Sign()), shown(ch.Summary), width) + "\n")
		b.WriteString(hardIndent(st.Bold.Render(shown(ch.Method))+" "+shown(urlOf(ch)), width, "    ") + "\n")
		for _, d := range ch.Diff {
			b.WriteString(hardIndent(fmt.Sprintf("%s: %s -> %s", shown(d.Field), shown(d.From), shown(d.To)), width, "    ") + "\n")
		}
		if body := ch.DisplayBody(full); body != "" {
			b.WriteString(st.Code.Render(hardIndent(body, width, "    ")) + "\n")
		}
		if len(ch.KnownAfterApply) > 0 {
			b.WriteString(st.Dim.Render(wrapIndent("known after apply: "+shown(strings.Join(ch.KnownAfterApply, ", ")), width, "    ")) + "\n")
		}
	}
	return b.String()
}

func requestURL(base, path string) string {
	if base == "" {
		return path
	}
	return strings.TrimSuffix(base, "/") + path
}
