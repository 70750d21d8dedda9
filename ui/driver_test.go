package ui

import (
	"bytes"
	"context"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
)

// driver runs the wizard synchronously: each message goes through Update,
// and the commands it returns run at once, in order, their messages fed
// back, until nothing is left. Timers (cursor blink, spinner, poll ticks)
// are not run: a test never waits on the clock.
type driver struct {
	t      testing.TB
	w      *Wizard
	world  *world
	copied []string
}

func newDriver(t testing.TB, wd *world, o Options) *driver {
	t.Helper()
	d := &driver{t: t, world: wd}
	d.w = New(context.Background(), o)
	d.w.c.Copy = func(s string) tea.Cmd {
		d.copied = append(d.copied, s)
		return nil
	}
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.run(d.w.Init())
	return d
}

func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	queue := []tea.Msg{msg}
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			d.t.Fatal("the wizard keeps sending itself messages")
		}
		m := queue[0]
		queue = queue[1:]
		_, cmd := d.w.Update(m)
		queue = append(queue, d.exec(cmd)...)
	}
}

func (d *driver) run(cmd tea.Cmd) {
	for _, m := range d.exec(cmd) {
		d.send(m)
	}
}

// timers are the commands that only wait.
var timers = []string{"cursor.(*Model).Blink", "bubbletea/v2.Tick", "bubbletea/v2.Every", "spinner."}

func (d *driver) exec(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	name := runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()).Name()
	for _, t := range timers {
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

// press sends keys: a name ("enter", "esc", "ctrl+c", "tab") or text typed
// letter by letter.
func (d *driver) press(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

func (d *driver) typeText(s string) {
	d.t.Helper()
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

var hexRE = regexp.MustCompile(`[0-9a-f]`)

// plain is a screen as the admin reads it: through a colour profile writer
// pinned to no colour, trailing blanks cut.
func plain(s string) string {
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.NoTTY}
	_, _ = w.Write([]byte(s))
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// normalize zeroes the IDs the fake generated (login methods), also where
// a wrap split them or the edge of the screen cut them, keeping the layout.
func (d *driver) normalize(s string) string {
	if d.world == nil {
		return s
	}
	for _, p := range d.world.api.IdPs() {
		s = zeroID(s, p.ID)
	}
	return s
}

// zeroID finds id (from its first 8 characters on) and turns its hex
// digits into zeros, following it across line breaks and their indent.
func zeroID(s, id string) string {
	b := []byte(s)
	for from := 0; ; {
		i := strings.Index(string(b[from:]), id[:8])
		if i < 0 {
			return string(b)
		}
		pos, k := from+i, 0
		for pos < len(b) && k < len(id) {
			if b[pos] == id[k] {
				if b[pos] != '-' {
					b[pos] = '0'
				}
				pos++
				k++
				continue
			}
			if k > 0 && (b[pos] == '\n' || (b[pos] == ' ' && pos > 0 && (b[pos-1] == '\n' || b[pos-1] == ' '))) {
				pos++
				continue
			}
			break
		}
		from = pos
	}
}

func (d *driver) screen() string { return d.normalize(plain(d.w.View().Content)) }

// golden compares the screen with testdata/<test name>.golden (-update
// rewrites it).
func (d *driver) golden(t *testing.T) {
	t.Helper()
	golden.RequireEqual(t, d.screen())
}

// goldenColour compares the screen as a 256-colour terminal receives it
// with testdata/<test name>.golden.
func (d *driver) goldenColour(t *testing.T) {
	t.Helper()
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.ANSI256}
	_, _ = w.Write([]byte(d.w.View().Content))
	golden.RequireEqual(t, d.normalize(b.String()))
}

// mustSee looks for each text on the screen, also across line wraps.
func (d *driver) mustSee(subs ...string) {
	d.t.Helper()
	s := d.screen()
	flat := strings.Join(strings.Fields(s), " ")
	for _, sub := range subs {
		if !strings.Contains(s, sub) && !strings.Contains(flat, strings.Join(strings.Fields(sub), " ")) {
			d.t.Fatalf("the screen lacks %q:\n%s", sub, s)
		}
	}
}
