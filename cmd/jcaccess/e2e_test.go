package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jcaccess/model"
	"jcaccess/sandbox"
	"jcaccess/sandbox/cfapi"
	"jcaccess/sandbox/cfapi/openapicheck"
)

func TestPlanSendsNoMutatingRequestAndShowsTheCreate(t *testing.T) {
	w := newWorld(t)
	r := w.run(nil, "plan", "--config", w.config)
	if r.code != 0 {
		t.Fatalf("plan failed:\n%s", r)
	}
	if n := len(w.api.MutatingRequests()); n != 0 {
		t.Fatalf("plan sent %d mutating requests: %+v", n, w.api.MutatingRequests())
	}
	for _, want := range []string{
		`+ create SAML login method "JumpCloud" with SCIM enabled`,
		"POST /accounts/" + w.account + "/access/identity_providers",
		`"issuer_url": "https://` + w.domain + `/"`,
		"known after apply: id, config.redirect_url, scim_config.scim_base_url, scim_config.secret",
		"IdP Entity ID: https://" + w.domain + "/",
		"ACS URL: https://" + w.domain + "/cdn-cgi/access/callback",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, r.stdout)
		}
	}
	if len(w.api.IdPs()) != 0 {
		t.Fatal("plan created an IdP")
	}
}

func TestPlanJSONIsOneDocument(t *testing.T) {
	w := newWorld(t)
	r := w.run(nil, "plan", "--config", w.config, "--json")
	if r.code != 0 {
		t.Fatalf("plan failed:\n%s", r)
	}
	var doc struct {
		OK      bool `json:"ok"`
		Changes []struct {
			Step, Action, Method, Path string
			Body                       json.RawMessage
		} `json:"changes"`
		Findings []struct{ Severity, Code, Message string } `json:"findings"`
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if dec.More() {
		t.Fatal("stdout holds more than one JSON document")
	}
	if !doc.OK || len(doc.Changes) != 1 || doc.Changes[0].Action != "create" || doc.Changes[0].Step != "cloudflare-idp" {
		t.Fatalf("unexpected plan: %+v", doc)
	}
	var body struct {
		Name       string `json:"name"`
		Type       string `json:"type"`
		SCIMConfig struct {
			Enabled bool `json:"enabled"`
		} `json:"scim_config"`
	}
	if err := json.Unmarshal(doc.Changes[0].Body, &body); err != nil || body.Name != "JumpCloud" || body.Type != "saml" || !body.SCIMConfig.Enabled {
		t.Fatalf("create body %s (%v)", doc.Changes[0].Body, err)
	}
}

func TestApplyTwiceCreatesOneIdPAndDeliversTheSecretOnce(t *testing.T) {
	w := newWorld(t)
	r := w.run(nil, "apply", "--config", w.config, "--yes")
	if r.code != 0 {
		t.Fatalf("apply failed:\n%s", r)
	}
	idps := w.api.IdPs()
	if len(idps) != 1 {
		t.Fatalf("%d IdPs after apply, want 1", len(idps))
	}
	idp := idps[0]
	if idp.Config["issuer_url"] != "https://"+w.domain+"/" || idp.Config["sso_target_url"] != w.sb.JumpCloud.SSOURL() || !idp.SCIMEnabled {
		t.Fatalf("IdP as stored: %+v", idp)
	}
	if strings.Count(r.stdout, idp.SCIMSecret) != 1 {
		t.Fatalf("the SCIM secret should appear exactly once on stdout:\n%s", r)
	}
	if strings.Contains(r.stderr, idp.SCIMSecret) {
		t.Fatal("the SCIM secret leaked to stderr")
	}
	if v := w.api.Violations(); len(v) != 0 {
		t.Fatalf("requests violated the OpenAPI excerpt: %v", v)
	}

	again := w.run(nil, "apply", "--config", w.config, "--yes")
	if again.code != 0 {
		t.Fatalf("second apply failed:\n%s", again)
	}
	if n := len(w.api.IdPs()); n != 1 {
		t.Fatalf("%d IdPs after the second apply, want 1", n)
	}
	if n := len(w.api.MutatingRequests()); n != 1 {
		t.Fatalf("%d mutating requests over two applies, want 1: %+v", n, w.api.MutatingRequests())
	}
	if !strings.Contains(again.stdout, "No changes") {
		t.Fatalf("second apply should report no changes:\n%s", again)
	}
	if strings.Contains(again.stdout, idp.SCIMSecret) {
		t.Fatal("the second apply printed the secret again")
	}
	assertNoSecretsOnDisk(t, w.stateDir, w.sb.Token, idp.SCIMSecret)
}

// assertNoSecretsOnDisk scans every file under dir for the given secrets.
func assertNoSecretsOnDisk(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(string(b), s) {
				t.Errorf("%s holds a secret", p)
			}
		}
		fi, _ := d.Info()
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", p, fi.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no session file was written")
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("state folder mode %v (%v), want 0700", fi.Mode().Perm(), err)
	}
}

func TestApplyJSONCarriesIdPAndSecret(t *testing.T) {
	w := newWorld(t)
	secretFile := filepath.Join(t.TempDir(), "scim-secret")
	r := w.run(nil, "apply", "--config", w.config, "--yes", "--json", "--scim-secret-file", secretFile)
	if r.code != 0 {
		t.Fatalf("apply failed:\n%s", r)
	}
	var doc struct {
		IdPID        string            `json:"idp_id"`
		SCIMEndpoint string            `json:"scim_endpoint"`
		SCIMSecret   string            `json:"scim_secret"`
		ChangesMade  []json.RawMessage `json:"changes_made"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, r)
	}
	idp := w.api.IdPs()[0]
	if doc.IdPID != idp.ID || doc.SCIMEndpoint != idp.SCIMBaseURL || len(doc.ChangesMade) != 1 {
		t.Fatalf("JSON %+v, IdP %s %s", doc, idp.ID, idp.SCIMBaseURL)
	}
	if doc.SCIMSecret != "" || strings.Contains(r.stdout, idp.SCIMSecret) {
		t.Fatal("with --scim-secret-file the secret must not be on stdout")
	}
	b, err := os.ReadFile(secretFile)
	if err != nil || strings.TrimSpace(string(b)) != idp.SCIMSecret {
		t.Fatalf("secret file: %q, %v", b, err)
	}
	if fi, _ := os.Stat(secretFile); fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v", fi.Mode().Perm())
	}
}

func TestApplyWithoutYesOffTerminalRefuses(t *testing.T) {
	w := newWorld(t)
	r := w.run(nil, "apply", "--config", w.config)
	if r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("want exit 2 naming --yes:\n%s", r)
	}
	if len(w.api.MutatingRequests()) != 0 {
		t.Fatal("apply without --yes changed something")
	}
}

func TestReadOnlyTokenNamesTheMissingPermission(t *testing.T) {
	w := newWorld(t)
	r := w.run(map[string]string{"CLOUDFLARE_API_TOKEN": w.sb.ReadOnlyToken}, "apply", "--config", w.config, "--yes")
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	if !strings.Contains(r.stderr, "Access: Organizations, Identity Providers, and Groups Write") {
		t.Fatalf("the error should name the permission:\n%s", r)
	}
	if strings.Contains(r.stdout+r.stderr, w.sb.ReadOnlyToken) {
		t.Fatal("the token appeared in the output")
	}
	if len(w.api.IdPs()) != 0 {
		t.Fatal("an IdP was created with a read-only token")
	}
}

func TestCheckAfterApplyThenDrift(t *testing.T) {
	w := newWorld(t)
	if r := w.run(nil, "apply", "--config", w.config, "--yes"); r.code != 0 {
		t.Fatalf("apply failed:\n%s", r)
	}
	r := w.run(nil, "check", "--team", "acme")
	if r.code != 0 {
		t.Fatalf("check after apply failed:\n%s", r)
	}
	if !strings.Contains(r.stdout, "Check: all passed.") {
		t.Fatalf("check output:\n%s", r)
	}
	// Someone turns SCIM off in the dashboard.
	idp := w.api.IdPs()[0]
	body := `{"name":"JumpCloud","type":"saml","config":{"issuer_url":"https://x.example/","sso_target_url":"https://` + w.domain + `/saml2/cloudflareaccess","idp_public_certs":["AAAA"]},"scim_config":{"enabled":false}}`
	req := w.apiRequest("PUT", "/accounts/"+w.account+"/access/identity_providers/"+idp.ID, body)
	if req != 200 {
		t.Fatalf("dashboard edit answered %d", req)
	}
	r = w.run(nil, "check", "--team", "acme", "--json")
	if r.code != 1 {
		t.Fatalf("check should fail after a dashboard change:\n%s", r)
	}
	for _, code := range []string{`"not_applied"`, "scim_config.enabled is false, want true"} {
		if !strings.Contains(r.stdout, code) {
			t.Errorf("check JSON lacks %s:\n%s", code, r.stdout)
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	w := newWorld(t)
	cases := []struct {
		name   string
		config string
		args   []string
		want   string
	}{
		{"unknown key", "team: acme\nidp:\n  nmae: JumpCloud\n", nil, "nmae"},
		{"wrong type", "team: acme\nscim:\n  enabled: maybe\n", nil, "enabled"},
		{"team not a DNS label", "team: acme_corp\n", nil, "acme_corp"},
		{"account id", "team: acme\naccount_id: 1234\n", nil, "32 lowercase hex"},
		{"no team", "", nil, "no team given"},
		{"base url http", "team: acme\n", []string{"CLOUDFLARE_BASE_URL=http://api.example.com/"}, "only https"},
		{"metadata over http", "team: acme\nidp:\n  metadata: http://example.com/metadata.xml\n", nil, "plain http is refused"},
		{"team domain with a path", "team: acme\nteam_domain: acme.cloudflareaccess.com/x\n", nil, "only the host"},
		{"negative yaml", "team: [acme]\n", nil, "team"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{}
			for _, kv := range c.args {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			r := w.run(env, "plan", "--config", w.writeConfig(c.config))
			if r.code != 2 || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("want exit 2 mentioning %q:\n%s", c.want, r)
			}
		})
	}
	good := w.writeConfig("team: acme\nteam_domain: " + w.domain + "\n")
	if r := w.run(map[string]string{"CLOUDFLARE_API_TOKEN": ""}, "plan", "--config", good); r.code != 2 || !strings.Contains(r.stderr, "CLOUDFLARE_API_TOKEN") {
		t.Fatalf("missing token: want exit 2 naming CLOUDFLARE_API_TOKEN:\n%s", r)
	}
}

func TestLostCreateAnswerIsAdoptedNotRepeated(t *testing.T) {
	w := newWorld(t)
	w.api.Fault(cfapi.Fault{Method: "POST", PathSuffix: "/identity_providers", Drop: true, AfterApply: true})
	r := w.run(nil, "apply", "--config", w.config, "--yes")
	if n := len(w.api.IdPs()); n != 1 {
		t.Fatalf("%d IdPs after a lost create answer, want 1:\n%s", n, r)
	}
	if r.code != 0 {
		t.Fatalf("apply should adopt the IdP it created:\n%s", r)
	}
	r = w.run(nil, "apply", "--config", w.config, "--yes")
	if n := len(w.api.IdPs()); n != 1 || r.code != 0 {
		t.Fatalf("%d IdPs after re-run (exit %d), want 1", n, r.code)
	}
}

// The path make run takes: the in-process sandbox, from nothing to a real
// SAML login, then a re-run that finds the world it left.
func TestApplyAgainstTheInProcessSandbox(t *testing.T) {
	var out, errOut strings.Builder
	vars := map[string]string{"JCACCESS_SANDBOX_DIR": t.TempDir(), "JCACCESS_STATE_DIR": t.TempDir()}
	run := func(args ...string) int {
		out.Reset()
		errOut.Reset()
		f := &Factory{
			IO:     &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
			Getenv: func(k string) string { return vars[k] }, HTTPClient: http.DefaultClient, Now: time.Now,
			sandboxCheck: openapicheck.New(),
		}
		return f.Run(context.Background(), args)
	}
	if code := run("apply", "--sandbox", "--yes"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{`nobody has signed in through "JumpCloud" yet`, "SCIM secret (shown once"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out.String())
		}
	}
	// Between the runs, a person signs in through the App Launcher of the
	// world apply left (what the wizard's i does).
	sb, err := sandbox.Start(sandbox.Options{Dir: vars["JCACCESS_SANDBOX_DIR"]})
	if err != nil {
		t.Fatal(err)
	}
	page, err := sb.SignIn(context.Background(), "JumpCloud")
	if cerr := sb.Close(); err != nil || cerr != nil || !page.SignedIn {
		t.Fatalf("sign-in: %+v %v %v", page, err, cerr)
	}
	if code := run("check", "--sandbox", "--team", "sandbox"); code != 0 || !strings.Contains(out.String(), "Check: all passed.") ||
		!strings.Contains(out.String(), `alice@example.com signed in through "JumpCloud"`) {
		t.Fatalf("check after a sign-in: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
}

func TestSecondProcessOnTheSameTeamIsRefused(t *testing.T) {
	w := newWorld(t)
	release, err := model.Store{Dir: w.stateDir}.Lock("acme")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	r := w.run(nil, "apply", "--config", w.config, "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, "is working on team \"acme\"") {
		t.Fatalf("want a refusal naming the team:\n%s", r)
	}
	if len(w.api.MutatingRequests()) != 0 {
		t.Fatal("the refused apply changed something")
	}
}
