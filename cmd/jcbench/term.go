package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The wizard's measures of the real binary: built once per measure, run in
// a pseudo-terminal whose output goes through a terminal emulator, so a
// measure waits for what the screen shows.

const (
	termCols = 120
	termRows = 40
)

// buildBinary builds jcaccess into a new temporary folder; cleanup removes
// it.
func buildBinary() (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "jcbench-bin-")
	if err != nil {
		return "", nil, err
	}
	bin = filepath.Join(dir, "jcaccess")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/jcaccess")
	cmd.Dir = repoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("go build ./cmd/jcaccess: %v\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// wizardEnv is this process's environment without what would change the
// wizard's choices (accessible mode, colour, a real account, other state
// folders), plus a colour terminal and the given folders.
func wizardEnv(sandboxDir, stateDir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "TERM", k == "ACCESSIBLE", k == "NO_COLOR", k == "XDG_STATE_HOME",
			strings.HasPrefix(k, "CLOUDFLARE_"), strings.HasPrefix(k, "JCACCESS_"), strings.HasPrefix(k, "TMUX"):
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TERM=xterm-256color", "JCACCESS_SANDBOX_DIR="+sandboxDir, "JCACCESS_STATE_DIR="+stateDir)
}

// term is one run of the binary in a pseudo-terminal.
type term struct {
	cmd    *exec.Cmd
	master *os.File
	start  time.Time

	mu     sync.Mutex
	scr    *screen
	lastAt time.Time // when the last output arrived
	watch  *watch
	bytes  int

	exited  chan struct{}
	waitErr error
}

// watch is a condition the reader tests after each chunk of output, so the
// time it records is when the screen first satisfied it.
type watch struct {
	cond func(text string) bool
	hit  chan time.Time
}

// startTerm execs bin in a new pseudo-terminal of termCols x termRows.
func startTerm(bin string, env []string, args ...string) (*term, error) {
	master, tty, err := openPTY(termCols, termRows)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	attachTTY(cmd, tty)
	t := &term{cmd: cmd, master: master, scr: newScreen(termCols, termRows), exited: make(chan struct{})}
	t.start = time.Now()
	if err := cmd.Start(); err != nil {
		master.Close()
		tty.Close()
		return nil, err
	}
	tty.Close() // the child holds it now; its exit ends our reads
	go t.read()
	go func() {
		t.waitErr = cmd.Wait()
		close(t.exited)
	}()
	return t, nil
}

func (t *term) read() {
	buf := make([]byte, 64<<10)
	for {
		n, err := t.master.Read(buf)
		if n > 0 {
			now := time.Now()
			t.mu.Lock()
			t.scr.Write(buf[:n])
			t.lastAt, t.bytes = now, t.bytes+n
			if w := t.watch; w != nil && w.cond(t.scr.Text()) {
				w.hit <- now
				t.watch = nil
			}
			t.mu.Unlock()
		}
		if err != nil {
			return // EIO once the child is gone, or the master was closed
		}
	}
}

// Screen is what the terminal shows now.
func (t *term) Screen() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.scr.Text()
}

// waitFor waits until the screen satisfies cond and returns when the output
// that did it arrived. what names the screen in the error.
func (t *term) waitFor(what string, timeout time.Duration, cond func(text string) bool) (time.Time, error) {
	w := &watch{cond: cond, hit: make(chan time.Time, 1)}
	t.mu.Lock()
	if cond(t.scr.Text()) {
		at := t.lastAt
		t.mu.Unlock()
		return at, nil
	}
	t.watch = w
	t.mu.Unlock()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case at := <-w.hit:
		if os.Getenv("JCBENCH_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "--- %s, after %s:\n%s\n", what, at.Sub(t.start).Round(time.Millisecond), t.Screen())
		}
		return at, nil
	case <-timer.C:
		t.mu.Lock()
		t.watch = nil
		t.mu.Unlock()
		return time.Time{}, fmt.Errorf("waited %s for %s; the screen shows:\n%s", timeout, what, compact(t.Screen()))
	case <-t.exited:
		time.Sleep(50 * time.Millisecond) // the last output may still be in flight
		t.mu.Lock()
		ok, at := cond(t.scr.Text()), t.lastAt
		t.mu.Unlock()
		if ok {
			return at, nil
		}
		return time.Time{}, fmt.Errorf("jcaccess exited (%v) while jcbench waited for %s; the screen shows:\n%s", t.waitErr, what, compact(t.Screen()))
	}
}

// waitText waits until the screen shows every text (also across wrapped
// lines).
func (t *term) waitText(timeout time.Duration, texts ...string) error {
	_, err := t.waitFor(fmt.Sprintf("%q", texts), timeout, func(s string) bool { return showsAll(s, texts...) })
	return err
}

func showsAll(s string, texts ...string) bool {
	flat := strings.Join(strings.Fields(s), " ")
	for _, x := range texts {
		if !strings.Contains(s, x) && !strings.Contains(flat, x) {
			return false
		}
	}
	return true
}

// waitStep waits until step n is on screen with its checks done and the
// given status word on the right of its title line ("verified", "warning").
func (t *term) waitStep(n int, status string, timeout time.Duration) error {
	_, err := t.waitFor(fmt.Sprintf("step %d of 8 %s", n, status), timeout, func(s string) bool {
		return stepStatus(s, n) == status
	})
	return err
}

// stepStatus is the last word of the title line of step n, "" when step n
// is not on screen.
func stepStatus(s string, n int) string {
	prefix := fmt.Sprintf("Step %d of 8", n)
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			f := strings.Fields(l)
			return f[len(f)-1]
		}
	}
	return ""
}

func (t *term) press(keys string) error {
	_, err := t.master.Write([]byte(keys))
	return err
}

// waitExit waits for the process to end.
func (t *term) waitExit(timeout time.Duration) error {
	select {
	case <-t.exited:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("jcaccess did not exit within %s; the screen shows:\n%s", timeout, compact(t.Screen()))
	}
}

// kill ends the process and what it started (if still running) and
// releases the terminal.
func (t *term) kill() {
	select {
	case <-t.exited:
	default:
		_ = killGroup(t.cmd.Process)
		select {
		case <-t.exited:
		case <-time.After(10 * time.Second):
		}
	}
	t.master.Close()
}

// compact drops the screen's blank lines, for error messages.
func compact(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, "    "+l)
		}
	}
	return strings.Join(out, "\n")
}
