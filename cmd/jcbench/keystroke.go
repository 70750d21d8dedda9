package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"jcaccess/model"
	"jcaccess/sandbox"
	"jcaccess/steps"
	"jcaccess/steps/cloudflare"
	"jcaccess/ui"
)

// keystroke: one key press through the wizard's Update, then its View, at
// 120x40, on the step with the most on screen. Two steps qualify: the
// cloudflare-idp step before its apply (the planned POST, in full) and the
// jumpcloud-scim step waiting for JumpCloud (the values to paste, the
// checks). Both are measured; the row is the one with more lines of body.
func keystroke() ([]row, error) {
	dir, err := os.MkdirTemp("", "jcbench-keys-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	sb, err := world(filepath.Join(dir, "sandbox"))
	if err != nil {
		return nil, err
	}
	defer sb.Close()

	type candidate struct {
		step  steps.ID
		n     int
		lines int
		res   testing.BenchmarkResult
	}
	// Two wizards over one sandbox: the first stops before the apply that the
	// second makes on its way to step 7 (each keeps its own snapshot).
	cands := []*candidate{{step: steps.CloudflareIdP, n: 5}, {step: steps.JumpCloudSCIM, n: 7}}
	for i, c := range cands {
		d, err := driveTo(sb, filepath.Join(dir, fmt.Sprintf("state-%d", i)), c.n)
		if err != nil {
			return nil, err
		}
		if c.lines, err = d.contentLines(); err != nil {
			return nil, err
		}
		if c.res, err = d.benchKey("?"); err != nil {
			return nil, fmt.Errorf("step %d (%s): %w", c.n, c.step, err)
		}
	}
	busy, other := cands[0], cands[1]
	if other.lines > busy.lines {
		busy, other = other, busy
	}
	where := fmt.Sprintf("step %d %s, %d lines of body", busy.n, busy.step, busy.lines)
	if busy.step == steps.CloudflareIdP {
		where += " (its planned POST in full, before the apply; the sandbox's key is 2048-bit here)"
	}
	return []row{
		{
			name: "keystroke: one key (?) through Update, then View, at 120x40", unit: "ms",
			value: float64(busy.res.NsPerOp()) / 1e6, target: 1,
			note: fmt.Sprintf("%s; %d KB/op; the model against the in-process sandbox, not the terminal renderer; step %d %s (%d lines): %.2f ms, %d allocs/op",
				where, busy.res.AllocedBytesPerOp()/1024, other.n, other.step, other.lines, float64(other.res.NsPerOp())/1e6, other.res.AllocsPerOp()),
		},
		{
			name: "keystroke allocations", unit: "allocs/op",
			value: float64(busy.res.AllocsPerOp()), target: 200,
			note: fmt.Sprintf("step %d %s", busy.n, busy.step),
		},
	}, nil
}

// uiDriver runs the wizard synchronously, as ui's tests do: each message
// goes through Update, and the commands it returns run at once, their
// messages fed back, until nothing is left. Timers are not run.
type uiDriver struct {
	w *ui.Wizard
}

// timerCmds are the commands that only wait (cursor blink, spinner, ticks).
var timerCmds = []string{"cursor.(*Model).Blink", "bubbletea/v2.Tick", "bubbletea/v2.Every", "spinner."}

func (d *uiDriver) send(msg tea.Msg) error {
	queue := []tea.Msg{msg}
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			return errors.New("the wizard keeps sending itself messages")
		}
		m := queue[0]
		queue = queue[1:]
		_, cmd := d.w.Update(m)
		queue = append(queue, d.exec(cmd)...)
	}
	return nil
}

func (d *uiDriver) exec(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	name := runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()).Name()
	for _, t := range timerCmds {
		if strings.Contains(name, t) {
			return nil
		}
	}
	msg := cmd()
	if msg == nil {
		return nil
	}
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, d.exec(c)...)
		}
		return out
	}
	// tea.Sequence's message is an unexported []Cmd.
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		var out []tea.Msg
		for i := 0; i < v.Len(); i++ {
			out = append(out, d.exec(v.Index(i).Interface().(tea.Cmd))...)
		}
		return out
	}
	return []tea.Msg{msg}
}

func (d *uiDriver) press(k string) error {
	var msg tea.KeyPressMsg
	if k == "enter" {
		msg = tea.KeyPressMsg{Code: tea.KeyEnter}
	} else {
		r := []rune(k)[0]
		msg = tea.KeyPressMsg{Code: r, Text: k}
	}
	return d.send(msg)
}

func (d *uiDriver) screen() string { return ansi.Strip(d.w.View().Content) }

// expect fails unless step n's title says status and the screen shows
// every text.
func (d *uiDriver) expect(n int, status string, texts ...string) error {
	s := d.screen()
	if got := stepStatus(s, n); got != status || !showsAll(s, texts...) {
		return fmt.Errorf("want step %d of 8 %s showing %q; the wizard shows:\n%s", n, status, texts, compact(s))
	}
	return nil
}

// driveTo builds the wizard as setup --sandbox does, over sb, and walks it
// to step n (5: cloudflare-idp with its plan, before the apply; 7:
// jumpcloud-scim waiting for JumpCloud, after the apply on step 5), at
// 120x40.
func driveTo(sb *sandbox.Sandbox, stateDir string, n int) (*uiDriver, error) {
	type result struct {
		d   *uiDriver
		err error
	}
	done := make(chan result, 1)
	go func() {
		d, err := walkTo(sb, stateDir, n)
		done <- result{d, err}
	}()
	select {
	case r := <-done:
		return r.d, r.err
	case <-time.After(3 * time.Minute):
		return nil, fmt.Errorf("the wizard did not reach step %d within 3 minutes", n)
	}
}

func walkTo(sb *sandbox.Sandbox, stateDir string, n int) (*uiDriver, error) {
	newClient := func(tok model.Secret) *cloudflare.Client {
		return cloudflare.New(cloudflare.Config{Token: tok, BaseURL: sb.APIBaseURL, HTTPClient: sb.HTTPClient, Retries: 2})
	}
	env := &steps.Env{
		Session: model.NewSession(sb.Inputs(), time.Now()),
		Deps:    steps.Deps{CF: newClient(model.NewSecret(sb.Token)), HTTP: sb.HTTPClient, Now: time.Now, JumpCloudHost: sb.JumpCloudHost(), Sandbox: sb},
	}
	o := ui.Options{
		Env: env, Store: model.Store{Dir: stateDir}, NewClient: newClient, APIBase: sb.APIBaseURL, TokenFromEnv: true,
		Getenv:       func(string) string { return "" },
		Open:         func(string) error { return errors.New("no browser in a benchmark") },
		PollInterval: -1, // no poll ticks: nothing runs behind the measure
		ConsoleURL:   sb.AdminURL(),
	}
	d := &uiDriver{w: ui.New(context.Background(), o)}
	d.w.Common().Copy = func(string) tea.Cmd { return nil }
	if err := d.send(tea.WindowSizeMsg{Width: termCols, Height: termRows}); err != nil {
		return nil, err
	}
	for _, m := range d.exec(d.w.Init()) {
		if err := d.send(m); err != nil {
			return nil, err
		}
	}
	for i := 1; i <= 4; i++ {
		if err := d.expect(i, "verified"); err != nil {
			return nil, err
		}
		if err := d.press("n"); err != nil {
			return nil, err
		}
	}
	if err := d.expect(5, "warning", "Planned change (1)", "a apply"); err != nil {
		return nil, err
	}
	if n == 5 {
		return d, nil
	}
	for _, k := range []string{"a", "y"} {
		if err := d.press(k); err != nil {
			return nil, err
		}
	}
	if err := d.expect(5, "verified", "done: create SAML login method"); err != nil {
		return nil, err
	}
	for _, k := range []string{"n", "n"} {
		if err := d.press(k); err != nil {
			return nil, err
		}
	}
	if err := d.expect(7, "warning", "Waiting for JumpCloud's first SCIM request"); err != nil {
		return nil, err
	}
	return d, nil
}

// contentLines is how many lines the step's body has in all, counted on a
// screen tall enough to hold it, then the size goes back to 120x40.
func (d *uiDriver) contentLines() (int, error) {
	if err := d.send(tea.WindowSizeMsg{Width: termCols, Height: 1000}); err != nil {
		return 0, err
	}
	lines := strings.Split(d.screen(), "\n")
	last := 0
	for i, l := range lines[:len(lines)-1] { // the footer is not the body
		if strings.TrimSpace(l) != "" {
			last = i
		}
	}
	title := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "Step ") {
			title = i
			break
		}
	}
	return last - title, d.send(tea.WindowSizeMsg{Width: termCols, Height: termRows})
}

// benchKey measures one press of k, then View. k must change the screen
// and keep the step (? shows the step's help, again hides it).
func (d *uiDriver) benchKey(k string) (testing.BenchmarkResult, error) {
	msg := tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
	before := d.screen()
	if _, cmd := d.w.Update(msg); cmd != nil {
		return testing.BenchmarkResult{}, fmt.Errorf("%s started a command; the measure is of a key that only redraws", k)
	}
	after := d.screen()
	if after == before || titleLine(after) != titleLine(before) {
		return testing.BenchmarkResult{}, fmt.Errorf("%s did not change the screen as expected:\n%s", k, compact(after))
	}
	d.w.Update(msg) // back as it was
	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d.w.Update(msg)
			_ = d.w.View()
		}
	})
	return res, nil
}

// titleLine is the screen's "Step n of 8" line.
func titleLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "Step ") {
			return l
		}
	}
	return ""
}
