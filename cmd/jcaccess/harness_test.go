package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"jcaccess/sandbox"
	"jcaccess/sandbox/cfapi"
	"jcaccess/sandbox/cfapi/openapicheck"
)

// world is the sandbox (fake Cloudflare and JumpCloud on loopback TLS), a
// config for it, and a state folder: what an admin has after running
// jcaccess sandbox and writing a config.
type world struct {
	t         *testing.T
	sb        *sandbox.Sandbox
	api       *cfapi.Server
	domain    string
	account   string
	stateDir  string
	config    string
	configDir string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{Dir: t.TempDir(), KeyBits: 2048, CheckRequest: openapicheck.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	// The state folder does not exist yet, as on a first run: jcaccess
	// creates it 0700 (an existing folder it uses as it is).
	stateDir := filepath.Join(t.TempDir(), "state")
	w := &world{t: t, sb: sb, api: sb.Cloudflare, domain: sb.TeamDomain, account: sb.AccountID, stateDir: stateDir}
	meta, err := os.ReadFile(sb.MetadataPath)
	if err != nil {
		t.Fatal(err)
	}
	// The admin saved JumpCloud's export next to the config.
	dir := t.TempDir()
	w.configDir = dir
	if err := os.WriteFile(filepath.Join(dir, "JumpCloud-saml2-metadata.xml"), meta, 0o600); err != nil {
		t.Fatal(err)
	}
	w.config = w.writeConfig("team: acme\nteam_domain: " + w.domain + "\nidp:\n  metadata: JumpCloud-saml2-metadata.xml\n")
	return w
}

func (w *world) writeConfig(body string) string {
	w.t.Helper()
	p := filepath.Join(w.configDir, "jcaccess.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return p
}

type result struct {
	code   int
	stdout string
	stderr string
}

// run executes jcaccess in-process, as a non-interactive caller would.
func (w *world) run(env map[string]string, args ...string) result {
	w.t.Helper()
	return w.runInput("", env, args...)
}

// runInput is run with stdin piped from in.
func (w *world) runInput(in string, env map[string]string, args ...string) result {
	w.t.Helper()
	return w.runWith(w.sb.HTTPClient, in, env, args...)
}

// runWith is the one way the tests run jcaccess against the sandbox: with
// an HTTP client (a test may wrap the sandbox's) and stdin.
func (w *world) runWith(client *http.Client, in string, env map[string]string, args ...string) result {
	w.t.Helper()
	vars := w.vars(env)
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:         &IOStreams{In: strings.NewReader(in), Out: &out, ErrOut: &errOut},
		Getenv:     func(k string) string { return vars[k] },
		HTTPClient: client,
		Now:        time.Now,
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := f.Run(ctx, args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// vars is the environment an admin sets for this world, plus env.
func (w *world) vars(env map[string]string) map[string]string {
	vars := map[string]string{
		"CLOUDFLARE_API_TOKEN": w.sb.Token,
		"CLOUDFLARE_BASE_URL":  w.sb.APIBaseURL,
		"JCACCESS_STATE_DIR":   w.stateDir,
		// The sandbox's token is account-owned, and Cloudflare lists no
		// accounts for those (400 1001): the admin sets the account ID, as
		// jcaccess sandbox prints it.
		"CLOUDFLARE_ACCOUNT_ID": w.account,
	}
	for k, v := range env {
		vars[k] = v
	}
	return vars
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\n--- stdout\n" + r.stdout + "\n--- stderr\n" + r.stderr
}

// apiRequest acts as the dashboard would, straight on the fake API.
func (w *world) apiRequest(method, path, body string) int {
	w.t.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(w.sb.APIBaseURL, "/")+path, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.sb.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := w.sb.HTTPClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// runBare runs jcaccess with no sandbox, for commands that need none.
func runBare(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:         &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv:     func(k string) string { return vars[k] },
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
		Now:        time.Now,
	}
	done := make(chan int, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() { done <- f.Run(ctx, args) }()
	select {
	case code := <-done:
		return result{code: code, stdout: out.String(), stderr: errOut.String()}
	case <-time.After(10 * time.Second):
		t.Fatalf("jcaccess %s hung", strings.Join(args, " "))
		return result{}
	}
}
