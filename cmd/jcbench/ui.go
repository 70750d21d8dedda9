package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// The wizard's measures: time to the first frame and the memory of a whole
// run, of the real binary in a pseudo-terminal (term.go); the cost of a key
// press, of the model in this process (keystroke.go).

const frameRuns = 15

// firstFrame: from exec to the first complete wizard frame (step 1 and the
// footer's keys on the screen), against a sandbox world made beforehand.
func firstFrame() ([]row, error) {
	bin, cleanup, err := buildBinary()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	dir, err := os.MkdirTemp("", "jcbench-frame-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	sandboxDir := filepath.Join(dir, "sandbox")
	// The first start makes the world, with its 4096-bit JumpCloud key: a
	// one-time cost, kept out of the measure.
	if _, err := frameOnce(bin, sandboxDir, filepath.Join(dir, "state-world"), 5*time.Minute); err != nil {
		return nil, fmt.Errorf("making the sandbox world: %w", err)
	}
	var ds []time.Duration
	for i := range frameRuns {
		// A new state folder each time: no saved session, so no resume
		// question before step 1.
		d, err := frameOnce(bin, sandboxDir, filepath.Join(dir, fmt.Sprintf("state-%d", i)), time.Minute)
		if err != nil {
			return nil, fmt.Errorf("run %d: %w", i+1, err)
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	med := ds[len(ds)/2]
	return []row{{
		name: fmt.Sprintf("time to first frame (jcaccess setup --sandbox, %dx%d pty, median of %d)", termCols, termRows, frameRuns), unit: "ms",
		value: ms(med), target: 50,
		note: fmt.Sprintf("min %.0f ms, max %.0f ms; exec to step 1 and its footer keys on screen: process start, sandbox world restored (its 4096-bit key made once beforehand, not measured) and its TLS listeners up, step 1 drawn", ms(ds[0]), ms(ds[len(ds)-1])),
	}}, nil
}

// frameOnce runs the wizard until its first complete frame, then kills it.
func frameOnce(bin, sandboxDir, stateDir string, timeout time.Duration) (time.Duration, error) {
	t, err := startTerm(bin, wizardEnv(sandboxDir, stateDir), "setup", "--sandbox")
	if err != nil {
		return 0, err
	}
	defer t.kill()
	at, err := t.waitFor(`the first frame ("Step 1 of 8" and "q quit")`, timeout, func(s string) bool {
		return showsAll(s, "Step 1 of 8", "q quit")
	})
	if err != nil {
		return 0, err
	}
	return at.Sub(t.start), nil
}

// memory: the peak resident set of the binary over a whole wizard run
// against a new sandbox world, from step 1 to the summary and out; the
// median of memoryRuns runs.
func memory() ([]row, error) {
	bin, cleanup, err := buildBinary()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	type run struct{ peak, anon, file float64 }
	var runs []run
	for i := range memoryRuns {
		var r run
		if r.peak, r.anon, r.file, err = memoryOnce(bin); err != nil {
			return nil, fmt.Errorf("run %d: %w", i+1, err)
		}
		runs = append(runs, r)
	}
	slices.SortFunc(runs, func(a, b run) int { return cmp.Compare(a.peak, b.peak) })
	med := runs[len(runs)/2]
	return []row{{
		name: fmt.Sprintf("memory of a whole wizard run (peak RSS, median of %d)", memoryRuns), unit: "MB", value: med.peak, target: 60,
		note: fmt.Sprintf("min %.1f, max %.1f MB; at the summary %.1f MB file-backed (the binary's code and data) + %.1f MB anonymous (heap, stacks); "+
			"setup --sandbox, new world, %dx%d pty, 8 steps (a y on 5, x on 7), summary, exit 0; ru_maxrss of jcaccess alone (launch.go); "+
			"the sandbox (both fake services, its 4096-bit key made at start) runs in the same process and counts",
			runs[0].peak, runs[len(runs)-1].peak, med.file, med.anon, termCols, termRows),
	}}, nil
}

const memoryRuns = 3

// memoryOnce walks the wizard in a new world and returns its peak RSS, and
// its resident set at the summary, split.
func memoryOnce(bin string) (peak, anon, file float64, err error) {
	dir, err := os.MkdirTemp("", "jcbench-memory-")
	if err != nil {
		return 0, 0, 0, err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return 0, 0, 0, err
	}
	report := filepath.Join(dir, "rusage")
	env := append(wizardEnv(filepath.Join(dir, "sandbox"), filepath.Join(dir, "state")), launcherEnv+"="+report)
	t, err := startTerm(self, env, bin, "setup", "--sandbox") // through the launcher (launch.go)
	if err != nil {
		return 0, 0, 0, err
	}
	defer t.kill()
	if err := walkToSummary(t); err != nil {
		return 0, 0, 0, err
	}
	if pid, err := childPID(t.cmd.Process.Pid); err != nil {
		return 0, 0, 0, err
	} else if anon, file, err = residentMB(pid); err != nil {
		return 0, 0, 0, err
	}
	if err := t.press("\r"); err != nil { // finish
		return 0, 0, 0, err
	}
	if err := t.waitExit(time.Minute); err != nil {
		return 0, 0, 0, err
	}
	peak, code, err := readLaunchReport(report)
	if err != nil {
		return 0, 0, 0, err
	}
	if code != 0 {
		return 0, 0, 0, fmt.Errorf("jcaccess exited with %d after the summary; the screen shows:\n%s", code, compact(t.Screen()))
	}
	return peak, anon, file, nil
}

// walkToSummary drives the wizard from step 1 to the summary, waiting for
// each screen before the next key.
func walkToSummary(t *term) error {
	const (
		first = 5 * time.Minute // the new world's 4096-bit key comes first
		step  = time.Minute
	)
	if err := t.waitStep(1, "verified", first); err != nil {
		return err
	}
	for n := 1; n <= 8; n++ {
		if n > 1 {
			switch n {
			case 5:
				// The login method does not exist yet: apply its plan.
				if err := t.waitStep(5, "warning", step); err != nil {
					return err
				}
				if err := t.waitText(step, "a apply"); err != nil {
					return err
				}
				if err := t.press("a"); err != nil {
					return err
				}
				if err := t.waitText(step, "Send this POST to Cloudflare now?"); err != nil {
					return err
				}
				if err := t.press("y"); err != nil {
					return err
				}
				if err := t.waitText(step, "done: create SAML login method"); err != nil {
					return err
				}
			case 7:
				// JumpCloud has not connected: the sandbox's x activates it.
				if err := t.waitStep(7, "warning", step); err != nil {
					return err
				}
				if err := t.waitText(step, "x activate"); err != nil {
					return err
				}
				if err := t.press("x"); err != nil {
					return err
				}
			case 8:
				// Nobody has signed in: the sandbox's i signs its user in
				// through the App Launcher.
				if err := t.waitStep(8, "warning", step); err != nil {
					return err
				}
				if err := t.waitText(step, "i sign in"); err != nil {
					return err
				}
				if err := t.press("i"); err != nil {
					return err
				}
			}
			if err := t.waitStep(n, "verified", step); err != nil {
				return err
			}
		}
		if n == 8 {
			if err := t.waitText(step, `alice@example.com signed in through "JumpCloud"`); err != nil {
				return err
			}
		}
		if err := t.press("n"); err != nil {
			return err
		}
	}
	return t.waitText(step, "Setup summary", "What was verified")
}
