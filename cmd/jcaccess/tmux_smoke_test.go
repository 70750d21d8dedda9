package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The real binary in a real terminal (tmux): the wizard against the
// sandbox, the first steps walked with n, Ctrl+C, then the exit code and the
// resume hint on the screen. CI installs tmux (.ci/run).
func TestWizardSmokeInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a real terminal")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (CI installs it: .ci/run)")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	socket := filepath.Join(dir, "tmux.sock")
	tmux := func(args ...string) (string, error) {
		out, err := exec.Command("tmux", append([]string{"-S", socket}, args...)...).CombinedOutput()
		return string(out), err
	}
	script := fmt.Sprintf("env JCACCESS_SANDBOX_DIR=%s JCACCESS_STATE_DIR=%s TERM=xterm-256color %s setup --sandbox; echo EXIT=$?; sleep 60",
		filepath.Join(dir, "sandbox"), filepath.Join(dir, "state"), bin)
	if out, err := tmux("new-session", "-d", "-s", "smoke", "-x", "100", "-y", "32", script); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	defer tmux("kill-server")

	screen := func() string { out, _ := tmux("capture-pane", "-p", "-t", "smoke"); return out }
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if strings.Contains(screen(), want) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("the screen never showed %q:\n%s", want, screen())
	}
	waitFor("Step 1 of 8")
	waitFor("team domain answers")
	// n moves on only once the step's checks have finished: wait for each.
	for _, step := range []struct{ next, done string }{{"Step 2 of 8", "✔ 2 credentials"}, {"Step 3 of 8", ""}} {
		if _, err := tmux("send-keys", "-t", "smoke", "n"); err != nil {
			t.Fatal(err)
		}
		waitFor(step.next)
		if step.done != "" {
			waitFor(step.done)
		}
	}
	if _, err := tmux("send-keys", "-t", "smoke", "C-c"); err != nil {
		t.Fatal(err)
	}
	waitFor("EXIT=")
	out := screen()
	if !strings.Contains(out, "EXIT=130") {
		t.Fatalf("want exit code 130:\n%s", out)
	}
	if !strings.Contains(out, "Resume with: jcaccess setup --team sandbox --sandbox") {
		t.Fatalf("no resume hint:\n%s", out)
	}
}
