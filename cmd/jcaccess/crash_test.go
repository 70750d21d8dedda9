package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"jcaccess/model"
	"jcaccess/sandbox/cfapi"
)

// buildBinary compiles jcaccess once for the tests that need a real process.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "jcaccess")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func (w *world) processEnv() []string {
	return append(os.Environ(),
		"CLOUDFLARE_API_TOKEN="+w.sb.Token,
		"CLOUDFLARE_BASE_URL="+w.sb.APIBaseURL,
		"CLOUDFLARE_ACCOUNT_ID="+w.account, // the sandbox's token is account-owned
		"SSL_CERT_FILE="+w.sb.CAFile,
		"JCACCESS_STATE_DIR="+w.stateDir,
	)
}

// kill -9 at every request boundary of apply, before and after the request
// took effect: the next apply finishes the job with exactly one IdP and a
// session that names it.
func TestKill9AtEveryRequestBoundary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills real processes")
	}
	bin := buildBinary(t)

	probe := newWorld(t)
	if r := probe.run(nil, "apply", "--config", probe.config, "--yes"); r.code != 0 {
		t.Fatalf("uninterrupted apply:\n%s", r)
	}
	total := len(probe.api.Requests())
	if total < 5 {
		t.Fatalf("an apply makes only %d requests?", total)
	}
	for k := 1; k <= total; k++ {
		for _, effect := range []bool{false, true} {
			t.Run(fmt.Sprintf("request %d of %d, took effect %v", k, total, effect), func(t *testing.T) {
				w := newWorld(t)
				w.api.Fault(cfapi.Fault{Skip: k - 1, Latency: time.Minute, AfterApply: effect})
				cmd := exec.Command(bin, "apply", "--config", w.config, "--yes")
				cmd.Env = w.processEnv()
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				deadline := time.Now().Add(20 * time.Second)
				for len(w.api.Requests()) < k {
					if time.Now().After(deadline) {
						cmd.Process.Kill()
						t.Fatalf("request %d never came (%d so far)", k, len(w.api.Requests()))
					}
					time.Sleep(2 * time.Millisecond)
				}
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				cmd.Wait()

				r := w.run(nil, "apply", "--config", w.config, "--yes")
				if r.code != 0 {
					t.Fatalf("the apply after the kill did not finish:\n%s", r)
				}
				idps := w.api.IdPs()
				if len(idps) != 1 {
					t.Fatalf("%d IdPs after kill and re-run, want exactly 1", len(idps))
				}
				sess, err := model.Store{Dir: w.stateDir}.Load("acme")
				if err != nil {
					t.Fatal(err)
				}
				if sess.IdPID != idps[0].ID || sess.SCIMEndpoint != idps[0].SCIMBaseURL || !idps[0].SCIMEnabled {
					t.Fatalf("session names IdP %q / %q; Cloudflare has %q / %q", sess.IdPID, sess.SCIMEndpoint, idps[0].ID, idps[0].SCIMBaseURL)
				}
			})
		}
	}
}
