package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// The keys a step screen answers to while no field has the focus.

// touch counts msg as a change to what the body shows, unless it is a key
// that only scrolls or shows the help.
func (b *stepBase) touch(msg tea.Msg) {
	if k, ok := msg.(tea.KeyPressMsg); ok && !b.editing {
		keys := b.c.Keys
		if key.Matches(k, keys.Help, keys.Up, keys.Down, keys.PageUp, keys.PageDown) {
			return
		}
	}
	b.ver++
}

func (b *stepBase) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := b.c.Keys
	if k.scroll(&b.vp, msg) {
		return nil
	}
	if key.Matches(msg, k.Full) && b.canToggleFull() {
		b.fullPlan, b.toPlan = !b.fullPlan, true
		return nil
	}
	if b.confirmApply {
		switch {
		case key.Matches(msg, k.Yes):
			b.confirmApply, b.applying, b.applyErr = false, true, nil
			return send(applyRequest{step: b.id, changes: b.rs.changes})
		case key.Matches(msg, k.No):
			b.confirmApply = false
			return status("Nothing was sent.")
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Edit) && b.fields != nil:
		return b.startEdit()
	case key.Matches(msg, k.Recheck):
		return b.requestRun(b.inputs(), nil, false)
	case key.Matches(msg, k.Apply) && b.canApply():
		b.confirmApply, b.toPlan = true, true
		return nil
	case key.Matches(msg, k.Apply) && b.c.Opts.DryRun && len(b.rs.changes) > 0:
		return status("Dry run: nothing is sent. Run jcaccess setup without --dry-run to make this change.")
	case key.Matches(msg, k.Reveal) && b.hasSecret():
		b.reveal = !b.reveal
		return nil
	case key.Matches(msg, k.Open):
		if url := b.hooks.openURL(b.snap()); url != "" {
			return b.c.Open(url)
		}
	case key.Matches(msg, k.Copy):
		return b.copy(int(msg.Code - '1'))
	case key.Matches(msg, k.Help):
		b.showDetail = !b.showDetail
		return nil
	}
	return nil
}

func (b *stepBase) canApply() bool {
	return len(b.rs.changes) > 0 && b.rs.done && !b.rs.running && !b.applying && !b.c.Opts.DryRun
}

func (b *stepBase) hasSecret() bool {
	_, vs := b.hooks.values(b.snap())
	for _, v := range vs {
		if !v.Secret.IsZero() {
			return true
		}
	}
	return false
}

// copy puts value i on the clipboard and prints it too, for terminals that
// ignore OSC 52.
func (b *stepBase) copy(i int) tea.Cmd {
	_, vs := b.hooks.values(b.snap())
	cs := copyable(vs)
	if i < 0 || i >= len(cs) {
		return nil
	}
	v := cs[i]
	if !v.Secret.IsZero() {
		return tea.Batch(b.c.Copy(v.Secret.Reveal()), status(fmt.Sprintf("Copied %s to the clipboard (hidden; v shows it to select by hand).", shown(v.Label))))
	}
	return tea.Batch(b.c.Copy(v.Value), status(fmt.Sprintf("Copied %s: %s", shown(v.Label), shown(v.Value))))
}

func (b *stepBase) ShortHelp() []key.Binding {
	k := b.c.Keys
	if b.editing {
		var bs []key.Binding
		if f := b.form.GetFocusedField(); f != nil {
			bs = append(bs, f.KeyBinds()...)
		}
		return append(bs, with(k.Cancel, "cancel"), k.ForceQuit)
	}
	if b.confirmApply {
		bs := []key.Binding{with(k.Yes, "send it"), with(k.No, "don't send"), k.Down, k.PageDown}
		if b.canToggleFull() {
			bs = append(bs, with(k.Full, b.fullWord()))
		}
		return append(bs, k.ForceQuit)
	}
	var bs []key.Binding
	if b.fields != nil {
		bs = append(bs, k.Edit)
	}
	bs = append(bs, k.Recheck)
	if b.canApply() {
		bs = append(bs, k.Apply)
	}
	if b.canToggleFull() {
		bs = append(bs, with(k.Full, b.fullWord()))
	}
	if _, vs := b.hooks.values(b.snap()); len(copyable(vs)) > 0 {
		c := k.Copy
		c.SetHelp(fmt.Sprintf("1-%d", len(copyable(vs))), "copy")
		bs = append(bs, c)
	}
	if b.hasSecret() {
		bs = append(bs, k.Reveal)
	}
	if b.hooks.openURL(b.snap()) != "" {
		bs = append(bs, k.Open)
	}
	return bs
}
