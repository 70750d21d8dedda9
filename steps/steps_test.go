package steps

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"jcaccess/model"
	"jcaccess/sandbox/cfapi"
	"jcaccess/steps/cloudflare"
)

func TestNormalizeTeam(t *testing.T) {
	for in, want := range map[string]string{
		"acme": "acme", "ACME": "acme", "acme.cloudflareaccess.com": "acme",
		"https://acme.cloudflareaccess.com/": "acme", " my-team ": "my-team",
	} {
		got, err := NormalizeTeam(in)
		if err != nil || got != want {
			t.Errorf("NormalizeTeam(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-acme", "acme-", "acme_corp", "ac me", strings.Repeat("a", 64), "acme.example.com"} {
		if _, err := NormalizeTeam(bad); err == nil || !strings.Contains(err.Error(), "Team name and domain") {
			t.Errorf("NormalizeTeam(%q) = %v, want an error that says where to find the name", bad, err)
		}
	}
}

func TestCheckTeamDomainAndAccountID(t *testing.T) {
	for _, ok := range []string{"", "acme.cloudflareaccess.com", "127.0.0.1:8443", "login.example.com"} {
		if err := CheckTeamDomain(ok); err != nil {
			t.Errorf("CheckTeamDomain(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"https://acme.cloudflareaccess.com", "acme.cloudflareaccess.com/x", "a_b.example.com"} {
		if err := CheckTeamDomain(bad); err == nil {
			t.Errorf("CheckTeamDomain(%q) accepted", bad)
		}
	}
	if err := CheckAccountID("0123456789ABCDEF0123456789abcdef"); err == nil || !strings.Contains(err.Error(), "32 lowercase hex") {
		t.Errorf("uppercase account ID: %v", err)
	}
}

func TestTeamDomainCheck(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, true)
	hasCode(t, RunStep(context.Background(), env, teamStep{}), "team_domain_ok", model.SeverityInfo)

	notAccess := httptest.NewTLSServer(http.NotFoundHandler())
	defer notAccess.Close()
	env.Session.Inputs.TeamDomain = strings.TrimPrefix(notAccess.URL, "https://")
	env.HTTP = notAccess.Client()
	hasCode(t, RunStep(context.Background(), env, teamStep{}), "team_domain_not_access", model.SeverityError)
}

func TestCredentialsChecks(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	cases := []struct {
		name  string
		token string
		edit  func(*Env)
		code  string
		sev   model.Severity
		want  string
	}{
		{"good token", tokWrite, nil, "organization_ok", model.SeverityInfo, ""},
		{"unknown token", "nope", nil, "token_invalid", model.SeverityError, "not valid"},
		{"no access permission", tokNoAccess, nil, "permission_missing", model.SeverityError, "Access: Organizations, Identity Providers, and Groups Write"},
		{"other team", tokWrite, func(e *Env) { e.Session.Inputs.TeamDomain = "other.cloudflareaccess.com" }, "team_mismatch", model.SeverityError, "other.cloudflareaccess.com"},
		{"account discovered", tokRead, func(e *Env) { e.Session.Inputs.AccountID = "" }, "account_discovered", model.SeverityInfo, account},
		// An account-owned token cannot list accounts (400 1001).
		{"account-owned token needs the account ID", tokWrite, func(e *Env) { e.Session.Inputs.AccountID = "" }, "account_id_needed", model.SeverityError, "Account home > Account ID"},
		{"unknown token finding the account", "nope", func(e *Env) { e.Session.Inputs.AccountID = "" }, "token_invalid", model.SeverityError, "not a missing permission"},
		{"no token", tokWrite, func(e *Env) { e.CF = nil }, "token_missing", model.SeverityError, "CLOUDFLARE_API_TOKEN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := w.env(c.token, true)
			if c.edit != nil {
				c.edit(env)
			}
			fs := RunStep(ctx, env, credentialsStep{})
			hasCode(t, fs, c.code, c.sev)
			if c.code == "token_invalid" {
				// A rejected token (403 9109) is not a missing permission.
				if _, ok := codes(fs)["permission_missing"]; ok {
					t.Fatalf("a rejected token reported as a missing permission: %v", fs)
				}
			}
			for _, f := range fs {
				if f.Code == c.code && !strings.Contains(f.Message, c.want) {
					t.Fatalf("%s message %q lacks %q", c.code, f.Message, c.want)
				}
			}
		})
	}
	if w.api.AuthDomain() == "" || len(w.api.MutatingRequests()) != 0 {
		t.Fatal("credentials checks must only read")
	}
}

func TestPlanIsReadOnlyAndStopsAtTheFirstBlockingStep(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, true)
	env.Session.Inputs.IdP.Metadata = w.writeMetadata("https://"+w.domain+"/", now.Add(-6*365*24*time.Hour))
	rep, err := Plan(context.Background(), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	hasCode(t, rep.Step(Metadata).Findings, "cert_expired", model.SeverityError)
	for _, id := range []ID{CloudflareIdP, SCIM, JumpCloudSCIM, Test} {
		if s := rep.Step(id); s.Skipped == "" || len(s.Changes) != 0 {
			t.Errorf("step %s should wait for metadata: %+v", id, s)
		}
	}
	if env.Session.Step(string(Metadata)).Status != model.StatusFailed {
		t.Fatalf("session status %v", env.Session.Step(string(Metadata)))
	}
	if len(w.api.MutatingRequests()) != 0 {
		t.Fatal("plan wrote")
	}
}

func TestApplyCreatesThenUpdatesOnlyWhatChanged(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, false)
	rep := w.apply(env)
	if len(rep.Applied) != 1 || rep.Applied[0].Action != "create" {
		t.Fatalf("applied %+v", rep.Applied)
	}
	if env.SCIMSecret.IsZero() || env.Session.IdPID == "" || !strings.HasPrefix(env.Session.SCIMEndpoint, "https://"+w.domain+"/scim/") {
		t.Fatalf("apply did not record the IdP and secret: %+v", env.Session)
	}
	w.noViolations()

	// Same inputs, a fresh run: nothing to do.
	env2 := w.env(tokWrite, false)
	env2.Session = env.Session
	rep2, err := Plan(context.Background(), env2, nil)
	if err != nil || len(rep2.Changes()) != 0 {
		t.Fatalf("second plan: %v %+v", err, rep2.Changes())
	}

	// JumpCloud's certificate was regenerated: an update of exactly that field.
	env3 := w.env(tokWrite, false)
	env3.Session = env.Session
	env3.Session.Inputs.IdP.Metadata = w.writeMetadata("https://"+w.domain+"/", now.Add(-time.Hour))
	rep3, err := Plan(context.Background(), env3, nil)
	if err != nil {
		t.Fatal(err)
	}
	chs := rep3.Changes()
	if len(chs) != 1 || chs[0].Method != http.MethodPut || chs[0].Step != string(CloudflareIdP) || len(chs[0].Diff) != 1 || chs[0].Diff[0].Field != "config.idp_public_certs" {
		t.Fatalf("want one PUT changing idp_public_certs, got %+v", chs)
	}
	var body map[string]any
	if err := json.Unmarshal(chs[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if cfg := body["config"].(map[string]any); cfg["redirect_url"] != nil {
		t.Fatal("the update body carries the read-only redirect_url")
	}
	if err := Apply(context.Background(), env3, rep3, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(w.api.IdPs()); n != 1 {
		t.Fatalf("%d IdPs, want 1", n)
	}
	if !env3.SCIMSecret.IsZero() {
		t.Fatal("an update that does not enable SCIM must not yield a secret")
	}
	w.noViolations()
}

func TestSCIMOnlyChangeIsTheSCIMStepsAndEnablingLaterYieldsTheSecret(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, false)
	env.Session.Inputs.SCIM.Enabled = false
	env.Session.Inputs.SCIM.UserDeprovision = false
	w.apply(env)
	if !env.SCIMSecret.IsZero() {
		t.Fatal("SCIM off must not issue a secret")
	}
	env2 := w.env(tokWrite, false)
	env2.Session = env.Session
	env2.Session.Inputs.SCIM = model.DefaultInputs().SCIM
	rep := w.apply(env2)
	if len(rep.Applied) != 1 || rep.Applied[0].Step != string(SCIM) || rep.Applied[0].Method != http.MethodPut {
		t.Fatalf("applied %+v", rep.Applied)
	}
	if env2.SCIMSecret.IsZero() || env2.Session.SCIMEndpoint == "" {
		t.Fatal("enabling SCIM on an existing IdP must capture the secret and endpoint")
	}
	if err := Verify(context.Background(), env2, rep, nil); err != nil {
		t.Fatal(err)
	}
	hasCode(t, rep.Step(SCIM).Findings, "scim_ok", model.SeverityInfo)
}

func TestFindsExistingIdPNeverDuplicates(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	// An IdP of the same name made in the dashboard.
	made := w.env(tokWrite, false)
	w.apply(made)

	fresh := w.env(tokWrite, false) // no session: must find it by name
	rep, err := Plan(ctx, fresh, nil)
	if err != nil {
		t.Fatal(err)
	}
	hasCode(t, rep.Step(CloudflareIdP).Findings, "idp_found", model.SeverityInfo)
	if len(rep.Changes()) != 0 {
		t.Fatalf("changes %+v", rep.Changes())
	}

	// A second SAML IdP with the same SSO URL makes the choice ambiguous.
	body := `{"name":"JumpCloud copy","type":"saml","config":{"issuer_url":"x","sso_target_url":"https://` + w.domain + `/saml2/cloudflareaccess","idp_public_certs":["AAAA"]}}`
	if code := post(t, w, "/accounts/"+account+"/access/identity_providers", body); code != http.StatusCreated {
		t.Fatalf("seed IdP: %d", code)
	}
	rep, _ = Plan(ctx, w.env(tokWrite, false), nil)
	hasCode(t, rep.Step(CloudflareIdP).Findings, "idp_ambiguous", model.SeverityError)
}

func TestNonSAMLNameClashIsAnError(t *testing.T) {
	w := newWorld(t)
	if code := post(t, w, "/accounts/"+account+"/access/identity_providers", `{"name":"JumpCloud","type":"onetimepin","config":{}}`); code != http.StatusCreated {
		t.Fatalf("seed: %d", code)
	}
	rep, _ := Plan(context.Background(), w.env(tokWrite, false), nil)
	hasCode(t, rep.Step(CloudflareIdP).Findings, "idp_ambiguous", model.SeverityError)
}

func TestIdPDeletedInDashboardIsRecreated(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, false)
	w.apply(env)
	old := env.Session.IdPID
	req, _ := http.NewRequest(http.MethodDelete, w.ts.URL+"/client/v4/accounts/"+account+"/access/identity_providers/"+old, nil)
	req.Header.Set("Authorization", "Bearer "+tokWrite)
	if res, err := w.ts.Client().Do(req); err != nil || res.StatusCode != http.StatusAccepted {
		t.Fatalf("delete: %v %v", res, err)
	}
	env2 := w.env(tokWrite, false)
	env2.Session = env.Session
	rep := w.apply(env2)
	hasCode(t, rep.Step(CloudflareIdP).Findings, "idp_deleted", model.SeverityWarning)
	if env2.Session.IdPID == old || len(w.api.IdPs()) != 1 {
		t.Fatalf("want one new IdP, got %d (id %s, old %s)", len(w.api.IdPs()), env2.Session.IdPID, old)
	}
}

func TestSCIMValidationAndRegenerate(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, false)
	env.Session.Inputs.SCIM.UserDeprovision = false
	env.Session.Inputs.SCIM.SeatDeprovision = true
	env.Session.Inputs.SCIM.IdentityUpdateBehavior = "sometimes"
	fs := (scimStep{}).Validate(env)
	hasCode(t, fs, "seat_needs_user_deprovision", model.SeverityError)
	hasCode(t, fs, "identity_update_behavior_invalid", model.SeverityError)

	// The refresh endpoint answers only where the knob turns it on.
	w = newWorldWith(t, cfapi.Options{RefreshSCIMSecret: true})
	env = w.env(tokWrite, false)
	w.apply(env)
	first := env.SCIMSecret.Reveal()
	env2 := w.env(tokWrite, false)
	env2.Session = env.Session
	env2.RegenerateSCIMSecret = true
	rep := w.apply(env2)
	if len(rep.Applied) != 1 || rep.Applied[0].Action != "refresh_secret" {
		t.Fatalf("applied %+v", rep.Applied)
	}
	if env2.SCIMSecret.IsZero() || env2.SCIMSecret.Reveal() == first {
		t.Fatal("regenerate must yield a new secret")
	}
	if w.api.IdPs()[0].SCIMSecret != env2.SCIMSecret.Reveal() {
		t.Fatal("the new secret is not the one Cloudflare holds")
	}
}

// Where Cloudflare does not serve refresh_scim_secret (the fake's default,
// as the endpoint is undocumented), apply says so, names the dashboard's
// Regenerate Secret without blaming the account ID, and verifies the
// secret the admin then gives with the SCIM probe.
func TestRegenerateWithoutRefreshEndpoint(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	env := w.env(tokWrite, false)
	w.apply(env)
	first := env.SCIMSecret.Reveal()

	env2 := w.env(tokWrite, false)
	env2.Session = env.Session
	env2.RegenerateSCIMSecret = true
	rep, err := Plan(ctx, env2, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = Apply(ctx, env2, rep, nil)
	if err == nil {
		t.Fatal("apply must fail where the refresh endpoint is absent")
	}
	msg := err.Error()
	for _, want := range []string{"does not offer the refresh_scim_secret endpoint", "404", "Zero Trust > Integrations > Identity providers > JumpCloud > Edit > Regenerate Secret > Save", "--scim-secret-stdin"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(strings.ToLower(msg), "account id") {
		t.Fatalf("the message blames the account ID:\n%s", msg)
	}
	if w.api.IdPs()[0].SCIMSecret != first {
		t.Fatal("the secret changed")
	}

	// The admin regenerates in the dashboard and gives jcaccess the secret.
	fresh, err := w.api.RegenerateSCIMSecret(env.Session.IdPID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		secret string
		code   string
		sev    model.Severity
	}{{first, "scim_secret_rejected", model.SeverityError}, {fresh, "scim_ok", model.SeverityInfo}} {
		env3 := w.env(tokWrite, false)
		env3.Session = env.Session
		env3.RegenerateSCIMSecret = true
		env3.GiveSCIMSecret(model.NewSecret(c.secret))
		rep := w.plan(env3)
		if len(rep.Changes()) != 0 {
			t.Fatalf("a given secret must not be refreshed again: %+v", rep.Changes())
		}
		hasCode(t, rep.Step(SCIM).Findings, c.code, c.sev)
	}
	if w.api.IdPs()[0].SCIMSecret != fresh {
		t.Fatal("the secret the admin gave was replaced")
	}
	// The probe asked for users, as JumpCloud does, not the configuration.
	var probed bool
	for _, r := range w.api.Requests() {
		if strings.HasSuffix(r.Path, "/ServiceProviderConfig") {
			t.Fatalf("probed %s", r.Path)
		}
		probed = probed || strings.HasSuffix(r.Path, "/scim/"+env.Session.IdPID+"/Users") && r.RawQuery == "startIndex=1&count=1"
	}
	if !probed {
		t.Fatal("no GET /Users?startIndex=1&count=1 probe")
	}
}

// plan plans only, failing the test on an error (a given secret is verified by the plan's checks).
func (w *world) plan(env *Env) *Report {
	w.t.Helper()
	rep, err := Plan(context.Background(), env, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return rep
}

func TestJumpCloudSCIMSeesTheConnection(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, false)
	rep := w.apply(env)
	if err := Verify(context.Background(), env, rep, nil); err != nil {
		t.Fatal(err)
	}
	hasCode(t, rep.Step(JumpCloudSCIM).Findings, "scim_not_connected", model.SeverityWarning)

	// JumpCloud pushes a user with the secret, as its Activate does.
	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@example.com","externalId":"5f1e","emails":[{"value":"alice@example.com","primary":true}],"active":true}`
	req, _ := http.NewRequest(http.MethodPost, env.Session.SCIMEndpoint+"/Users", strings.NewReader(user))
	req.Header.Set("Authorization", "Bearer "+env.SCIMSecret.Reveal())
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := w.ts.Client().Do(req)
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("SCIM POST: %v %v", res, err)
	}
	if err := Verify(context.Background(), env, rep, nil); err != nil {
		t.Fatal(err)
	}
	fs := rep.Step(JumpCloudSCIM).Findings
	// Connected, judged from the SCIM logs, while Cloudflare lists no user:
	// nobody has signed in yet.
	hasCode(t, fs, "scim_connected", model.SeverityInfo)
	hasCode(t, fs, "scim_last_request", model.SeverityInfo)
	for _, f := range fs {
		if f.Code == "scim_counts" && !strings.Contains(f.Message, "0 users") {
			t.Fatalf("users listed before any sign-in: %s", f.Message)
		}
	}

	// A request JumpCloud makes that fails shows as a finding with
	// Cloudflare's error description.
	req, _ = http.NewRequest(http.MethodPost, env.Session.SCIMEndpoint+"/Users", strings.NewReader(user))
	req.Header.Set("Authorization", "Bearer "+env.SCIMSecret.Reveal())
	req.Header.Set("Content-Type", "application/scim+json")
	if res, err := w.ts.Client().Do(req); err != nil || res.StatusCode != http.StatusConflict {
		t.Fatalf("duplicate SCIM POST: %v %v", res, err)
	}
	if err := Verify(context.Background(), env, rep, nil); err != nil {
		t.Fatal(err)
	}
	fs = rep.Step(JumpCloudSCIM).Findings
	hasCode(t, fs, "scim_request_failed", model.SeverityWarning)
	hasCode(t, fs, "scim_failures", model.SeverityWarning)
	hasCode(t, fs, "scim_connected", model.SeverityInfo)
}

// Without any successful request, JumpCloud is not connected, whatever it
// tried: the failures are shown.
func TestJumpCloudSCIMOnlyFailures(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, false)
	rep := w.apply(env)
	bad := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`
	req, _ := http.NewRequest(http.MethodPost, env.Session.SCIMEndpoint+"/Users", strings.NewReader(bad))
	req.Header.Set("Authorization", "Bearer "+env.SCIMSecret.Reveal())
	req.Header.Set("Content-Type", "application/scim+json")
	if res, err := w.ts.Client().Do(req); err != nil || res.StatusCode < 400 {
		t.Fatalf("bad SCIM POST: %v %v", res, err)
	}
	if err := Verify(context.Background(), env, rep, nil); err != nil {
		t.Fatal(err)
	}
	fs := rep.Step(JumpCloudSCIM).Findings
	hasCode(t, fs, "scim_request_failed", model.SeverityWarning)
	hasCode(t, fs, "scim_failing", model.SeverityWarning)
	if _, ok := codes(fs)["scim_connected"]; ok {
		t.Fatalf("connected on failures only: %v", fs)
	}
}

func TestSCIMLogsWithoutPermissionIsAWarning(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, false)
	w.apply(env)
	readOnly := w.env(tokRead, true)
	readOnly.Session = env.Session
	rep, err := CheckAll(context.Background(), readOnly, nil)
	if err != nil {
		t.Fatal(err)
	}
	hasCode(t, rep.Step(JumpCloudSCIM).Findings, "scim_logs_forbidden", model.SeverityWarning)
}

func TestRunChecksRunsConcurrentlyAndTimesOut(t *testing.T) {
	// Each check waits for the other to start: run one after the other,
	// they would both time out.
	var started sync.WaitGroup
	started.Add(2)
	barrier := func(ctx context.Context) model.Findings {
		started.Done()
		done := make(chan struct{})
		go func() { started.Wait(); close(done) }()
		select {
		case <-done:
			return infof("ok", "met")
		case <-ctx.Done():
			return nil
		}
	}
	fs := RunChecks(context.Background(), 2*time.Second, []Check{{Name: "a", Run: barrier}, {Name: "b", Run: barrier}})
	if len(fs) != 2 || fs[0].Code != "ok" || fs[0].Check != "a" || fs[1].Check != "b" {
		t.Fatalf("findings %v", fs)
	}

	slow := Check{Name: "slow", Run: func(ctx context.Context) model.Findings { <-ctx.Done(); return nil }}
	fs = RunChecks(context.Background(), 10*time.Millisecond, []Check{slow})
	hasCode(t, fs, "check_timeout", model.SeverityError)
}

func TestLostCreateIsAdopted(t *testing.T) {
	w := newWorld(t)
	w.api.Fault(cfapi.Fault{Method: http.MethodPost, PathSuffix: "/identity_providers", Status: http.StatusBadGateway, AfterApply: true})
	env := w.env(tokWrite, false)
	w.apply(env)
	if n := len(w.api.IdPs()); n != 1 || env.Session.IdPID != w.api.IdPs()[0].ID {
		t.Fatalf("%d IdPs; session %s", n, env.Session.IdPID)
	}
	posts := 0
	for _, r := range w.api.MutatingRequests() {
		if r.Method == http.MethodPost {
			posts++
		}
	}
	if posts != 1 {
		t.Fatalf("the create was sent %d times; a POST must never be retried", posts)
	}
}

func post(t *testing.T, w *world, path, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, w.ts.URL+"/client/v4"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tokWrite)
	req.Header.Set("Content-Type", "application/json")
	res, err := w.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestIdPDeletedBetweenPlanAndApply(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	env := w.env(tokWrite, false)
	w.apply(env)
	env2 := w.env(tokWrite, false)
	env2.Session = env.Session
	env2.Session.Inputs.IdP.Attributes = []string{"groups", "department"}
	rep, err := Plan(ctx, env2, nil)
	if err != nil || len(rep.Changes()) != 1 {
		t.Fatalf("plan: %v %+v", err, rep.Changes())
	}
	req, _ := http.NewRequest(http.MethodDelete, w.ts.URL+"/client/v4"+rep.Changes()[0].Path, nil)
	req.Header.Set("Authorization", "Bearer "+tokWrite)
	if res, err := w.ts.Client().Do(req); err != nil || res.StatusCode != http.StatusAccepted {
		t.Fatalf("delete: %v %v", res, err)
	}
	err = Apply(ctx, env2, rep, nil)
	if err == nil || !strings.Contains(err.Error(), "was deleted") || !strings.Contains(err.Error(), "run apply again") {
		t.Fatalf("want a clear error, got %v", err)
	}
	env3 := w.env(tokWrite, false)
	env3.Session = env2.Session
	w.apply(env3)
	if n := len(w.api.IdPs()); n != 1 {
		t.Fatalf("%d IdPs after re-run", n)
	}
}

func TestSlowAPIIsATimeoutWithAHint(t *testing.T) {
	w := newWorld(t)
	w.api.Fault(cfapi.Fault{Method: http.MethodGet, PathSuffix: "/access/organizations", Latency: 3 * time.Second})
	env := w.env(tokWrite, true)
	env.CF = cloudflare.New(cloudflare.Config{Token: model.NewSecret(tokWrite), BaseURL: w.ts.URL + "/client/v4/", HTTPClient: w.ts.Client(), ReadOnly: true, Timeout: 200 * time.Millisecond})
	fs := RunStep(context.Background(), env, credentialsStep{})
	hasCode(t, fs, "organization_unreadable", model.SeverityError)
	for _, f := range fs {
		if f.Code == "organization_unreadable" && !strings.Contains(f.Message, "no answer in time") {
			t.Fatalf("message %q lacks the hint", f.Message)
		}
	}
}
