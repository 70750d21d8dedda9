package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"jcaccess/model"
)

// runTerminal runs jcaccess as on a terminal, keys read from in.
func (w *world) runTerminal(env map[string]string, in io.Reader, args ...string) result {
	w.t.Helper()
	vars := map[string]string{
		"CLOUDFLARE_API_TOKEN": w.sb.Token,
		"CLOUDFLARE_BASE_URL":  w.sb.APIBaseURL,
		"JCACCESS_STATE_DIR":   w.stateDir,
	}
	for k, v := range env {
		vars[k] = v
	}
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:         &IOStreams{In: in, Out: &out, ErrOut: &errOut, InTTY: true, OutTTY: true},
		Getenv:     func(k string) string { return vars[k] },
		HTTPClient: w.sb.HTTPClient,
		Now:        time.Now,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code := f.Run(ctx, args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func TestSetupWithoutATerminalNamesPlanAndApply(t *testing.T) {
	w := newWorld(t)
	for _, args := range [][]string{{"setup", "--config", w.config}, {}} {
		r := w.run(nil, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "jcaccess plan") || !strings.Contains(r.stderr, "jcaccess apply") {
			t.Fatalf("%v: want exit 2 naming plan and apply:\n%s", args, r)
		}
	}
}

func TestSetupHelpListsItsFlags(t *testing.T) {
	w := newWorld(t)
	r := w.run(nil, "setup", "--help")
	for _, flag := range []string{"--team", "--team-domain", "--account-id", "--metadata", "--config", "--dry-run", "--accessible", "--sandbox"} {
		if !strings.Contains(r.stdout, flag) {
			t.Errorf("setup --help lacks %s:\n%s", flag, r.stdout)
		}
	}
}

func TestSetupQuitSavesAndPrintsTheResumeCommand(t *testing.T) {
	w := newWorld(t)
	// q may land before or after the first checks: either way the exit is
	// 130 and the command to come back is printed; what was checked is saved.
	r := w.runTerminal(nil, strings.NewReader("q"), "setup", "--config", w.config, "--dry-run")
	if r.code != 130 {
		t.Fatalf("want exit 130:\n%s", r)
	}
	if !strings.Contains(r.stderr, "jcaccess setup --team acme --dry-run") {
		t.Fatalf("no resume command:\n%s", r)
	}
	if strings.Contains(r.stderr, "Progress saved") {
		if _, err := (model.Store{Dir: w.stateDir}).Load("acme"); err != nil {
			t.Fatalf("said saved, but: %v", err)
		}
		assertNoSecretsOnDisk(t, w.stateDir, w.sb.Token)
	}
}

func TestSetupAccessibleModeAsksLineByLine(t *testing.T) {
	w := newWorld(t)
	r := w.runTerminal(map[string]string{"ACCESSIBLE": "1"}, strings.NewReader("q\n"), "setup", "--config", w.config)
	if r.code != 130 {
		t.Fatalf("want exit 130:\n%s", r)
	}
	if !strings.Contains(r.stdout, "Step 1 of 8: Your Cloudflare team") || !strings.Contains(r.stdout, "[ok] team domain answers") {
		t.Fatalf("no plain prompts:\n%s", r)
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Fatalf("escape sequences in accessible mode:\n%q", r.stdout)
	}
	if len(w.api.MutatingRequests()) != 0 {
		t.Fatal("quitting at step 1 changed something")
	}
}

func TestSetupBadFlagsAreUsageErrors(t *testing.T) {
	w := newWorld(t)
	r := w.runTerminal(nil, strings.NewReader(""), "setup", "--team", "acme_corp")
	if r.code != 2 || !strings.Contains(r.stderr, "acme_corp") {
		t.Fatalf("want exit 2 naming the team:\n%s", r)
	}
}
