package steps_test

// The engine and the real Cloudflare client against the sandbox, from plan to
// a real SAML login. These tests live here, not in package sandbox, because
// the sandbox must not import the client it stands in for: a type shared by
// both would agree with itself however wrong it was.

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jcaccess/model"
	"jcaccess/sandbox"
	"jcaccess/sandbox/cfapi"
	"jcaccess/sandbox/cfapi/openapicheck"
	"jcaccess/sandbox/jumpcloud"
	"jcaccess/steps"
	"jcaccess/steps/cloudflare"
)

func start(t *testing.T, dir string, fresh bool) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{Dir: dir, Fresh: fresh, KeyBits: 2048, CheckRequest: openapicheck.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

// env is what the commands build for --sandbox.
func env(sb *sandbox.Sandbox, readOnly bool) *steps.Env {
	return &steps.Env{
		Session: model.NewSession(sb.Inputs(), time.Now()),
		Deps: steps.Deps{
			CF: cloudflare.New(cloudflare.Config{
				Token: model.NewSecret(sb.Token), BaseURL: sb.APIBaseURL, HTTPClient: sb.HTTPClient, ReadOnly: readOnly, Retries: 2,
			}),
			HTTP: sb.HTTPClient, Sandbox: sb, JumpCloudHost: sb.JumpCloudHost(),
		},
	}
}

func TestSetupAgainstTheSandboxEndsInARealLogin(t *testing.T) {
	ctx := context.Background()
	sb := start(t, t.TempDir(), false)
	e := env(sb, false)
	rep, err := steps.Plan(ctx, e, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Findings().HasErrors() {
		t.Fatalf("plan against a fresh sandbox has errors: %v", rep.Findings())
	}
	// Nothing has seen JumpCloud's app yet: it is not shown as verified.
	if st := rep.Step(steps.JumpCloudApp).Status; st != model.StatusToConfirm {
		t.Fatalf("jumpcloud-app before any sign-in: %s, want to_confirm", st)
	}
	if err := steps.Apply(ctx, e, rep, nil); err != nil {
		t.Fatal(err)
	}
	if e.SCIMSecret.IsZero() {
		t.Fatal("no SCIM secret after apply")
	}
	// Nobody has signed in yet: the test step says so, and the app's SP
	// Entity ID and ACS URL stay to confirm.
	if err := steps.Verify(ctx, e, rep, nil); err != nil {
		t.Fatal(err)
	}
	if c := codes(rep.Step(steps.Test).Findings); c["signin_none"] == "" || c["signin_seen"] != "" {
		t.Fatalf("test step before any sign-in: %v", c)
	}
	if st := rep.Step(steps.JumpCloudApp).Status; st != model.StatusToConfirm {
		t.Fatalf("jumpcloud-app before any sign-in: %s", st)
	}
	// A person signs in from the App Launcher; Cloudflare's API then shows
	// the sign-in, which proves the SP Entity ID and ACS URL.
	page, err := sb.SignIn(ctx, e.ExistingIdP().Name)
	if err != nil || !page.SignedIn {
		t.Fatalf("sign-in: %+v %v", page, err)
	}
	if err := steps.Verify(ctx, e, rep, nil); err != nil {
		t.Fatal(err)
	}
	if seen := codes(rep.Step(steps.Test).Findings)["signin_seen"]; !strings.Contains(seen, sandbox.LoginUser) || !strings.Contains(seen, "engineering") {
		t.Fatalf("test step after a sign-in: %v", rep.Step(steps.Test).Findings)
	}
	if st := rep.Step(steps.JumpCloudApp).Status; st != model.StatusVerified || e.Session.Step(string(steps.JumpCloudApp)).Status != model.StatusVerified {
		t.Fatalf("jumpcloud-app after a sign-in through it: %s (%v)", st, rep.Step(steps.JumpCloudApp).Findings)
	}
	if err := sb.ActivateSCIM(ctx, e.Session.SCIMEndpoint, e.SCIMSecret); err != nil {
		t.Fatal(err)
	}
	idp := sb.Cloudflare.IdPs()[0]
	if len(idp.Users) != 2 || len(idp.Groups) == 0 {
		t.Fatalf("after activation Cloudflare holds %d users, %d groups", len(idp.Users), len(idp.Groups))
	}
	if v := sb.Cloudflare.Violations(); len(v) != 0 {
		t.Fatalf("OpenAPI violations: %v", v)
	}
}

func TestWorldSurvivesARestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sb := start(t, dir, false)
	e := env(sb, false)
	rep, _ := steps.Plan(ctx, e, nil)
	if err := steps.Apply(ctx, e, rep, nil); err != nil {
		t.Fatal(err)
	}
	token, id, cert := sb.Token, e.Session.IdPID, sb.JumpCloud.Certificate().Raw
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}

	again := start(t, dir, false)
	if again.Token != token || len(again.Cloudflare.IdPs()) != 1 || again.Cloudflare.IdPs()[0].ID != id {
		t.Fatal("the restarted world lost the token or the IdP")
	}
	if string(again.JumpCloud.Certificate().Raw) != string(cert) {
		t.Fatal("the restarted JumpCloud has another certificate")
	}
	if page, err := again.SignIn(ctx, e.ExistingIdP().Name); err != nil || !page.SignedIn {
		t.Fatalf("sign-in after restart: %+v %v", page, err)
	}

	fresh := start(t, t.TempDir(), true)
	if len(fresh.Cloudflare.IdPs()) != 0 {
		t.Fatal("a fresh world has IdPs")
	}
}

func TestSCIMActivationShowsThroughTheAPIAndLogs(t *testing.T) {
	ctx := context.Background()
	sb := start(t, t.TempDir(), false)
	e := env(sb, false)
	rep, _ := steps.Plan(ctx, e, nil)
	if err := steps.Apply(ctx, e, rep, nil); err != nil {
		t.Fatal(err)
	}
	if err := sb.ActivateSCIM(ctx, e.Session.SCIMEndpoint, e.SCIMSecret); err != nil {
		t.Fatal(err)
	}
	if err := steps.Verify(ctx, e, rep, nil); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range rep.Step(steps.JumpCloudSCIM).Findings {
		got[f.Code] = f.Message
	}
	// Connected by the SCIM logs; the users are not listed before they sign in.
	if got["scim_connected"] == "" || !strings.Contains(got["scim_counts"], "2 groups") || got["scim_last_request"] == "" {
		t.Fatalf("jumpcloud-scim findings %v", got)
	}
	if c := codes(rep.Step(steps.Test).Findings); c["signin_none"] == "" {
		t.Fatalf("SCIM provisioning is not a sign-in, yet the test step says %v", c)
	}
}

// codes maps finding codes to their messages.
func codes(fs model.Findings) map[string]string {
	out := map[string]string{}
	for _, f := range fs {
		out[f.Code] = f.Message
	}
	return out
}

// Faults during apply still end with exactly one IdP.
func TestFaultsDuringApplyLeaveOneIdP(t *testing.T) {
	cases := []struct {
		name  string
		fault cfapi.Fault
	}{
		{"429 on the list", cfapi.Fault{Method: http.MethodGet, PathSuffix: "/identity_providers", Status: http.StatusTooManyRequests, RetryAfter: 1}},
		{"5xx after the create happened", cfapi.Fault{Method: http.MethodPost, PathSuffix: "/identity_providers", Status: http.StatusInternalServerError, AfterApply: true}},
		{"dropped connection after the create", cfapi.Fault{Method: http.MethodPost, PathSuffix: "/identity_providers", Drop: true, AfterApply: true}},
		{"5xx before the create", cfapi.Fault{Method: http.MethodPost, PathSuffix: "/identity_providers", Status: http.StatusServiceUnavailable}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			sb := start(t, t.TempDir(), false)
			sb.Cloudflare.Fault(c.fault)
			e := env(sb, false)
			e.Session.Inputs.AccountID = sb.AccountID
			// A failed apply is run again, as the admin would.
			for attempt := 1; ; attempt++ {
				rep, err := steps.Plan(ctx, e, nil)
				if err != nil || rep.Findings().HasErrors() {
					t.Fatalf("plan: %v %v", err, rep.Findings())
				}
				if err := steps.Apply(ctx, e, rep, nil); err == nil {
					break
				} else if attempt == 2 {
					t.Fatalf("apply failed twice: %v", err)
				}
			}
			if n := len(sb.Cloudflare.IdPs()); n != 1 {
				t.Fatalf("%d IdPs, want exactly 1", n)
			}
		})
	}
}

// The standalone sandbox's console presses Activate like JumpCloud's.
func TestAdminPageActivates(t *testing.T) {
	ctx := context.Background()
	sb := start(t, t.TempDir(), false)
	e := env(sb, false)
	rep, _ := steps.Plan(ctx, e, nil)
	if err := steps.Apply(ctx, e, rep, nil); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"base_url": {e.Session.SCIMEndpoint}, "token": {e.SCIMSecret.Reveal()}}
	req, _ := http.NewRequest(http.MethodPost, sb.AdminURL()+"/activate", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", sb.JumpCloud.BaseURL()) // as a browser on the console page
	res, err := sb.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "successfully verified") || len(sb.Cloudflare.IdPs()[0].Users) != 2 {
		t.Fatalf("activate page: %s", body)
	}
}

// Each mistake an admin can make in JumpCloud shows up as the finding the
// admin would need, at the step where it can be caught.
func TestEveryMistakeIsCaught(t *testing.T) {
	cases := []struct {
		mistake sandbox.Mistake
		step    steps.ID
		code    string
		sev     model.Severity
		says    string // part of the message, when it must name the cause
	}{
		{sandbox.WrongEntityID, steps.Metadata, "entity_id_is_sp_url", model.SeverityWarning, ""},
		// The login method lists groups, which the IdP must then send.
		{sandbox.GroupsMisnamed, steps.Test, "signin_refused", model.SeverityError, "Required attributes are missing. Access does not say which attribute is missing; in JumpCloud's SSO tab for the app, check: a User Attribute Mapping row named exactly email with the value email (Access reads the email from that attribute, idp.email_attribute_name, not from the NameID), and SAMLSubject NameID email; Include group attribute ticked and named exactly groups"},
		{sandbox.UserNotAssigned, steps.Test, "signin_refused", model.SeverityError, ""},
		{sandbox.NoGroupBound, steps.Test, "signin_refused", model.SeverityError, ""},
		{sandbox.ExpiredCertificate, steps.Metadata, "cert_expired", model.SeverityError, ""},
		{sandbox.ClockSkew, steps.Test, "signin_refused", model.SeverityError, ""},
		{sandbox.EmailNotMapped, steps.Test, "signin_refused", model.SeverityError, "Required attributes are missing. Access does not say which attribute is missing; in JumpCloud's SSO tab for the app, check: a User Attribute Mapping row named exactly email with the value email"},
	}
	for _, c := range cases {
		t.Run(string(c.mistake), func(t *testing.T) {
			ctx := context.Background()
			sb := start(t, t.TempDir(), false)
			if err := sb.Make(c.mistake); err != nil {
				t.Fatal(err)
			}
			e := env(sb, false)
			rep, err := steps.Plan(ctx, e, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Findings().HasErrors() {
				if err := steps.Apply(ctx, e, rep, nil); err != nil {
					t.Fatal(err)
				}
				if err := steps.Verify(ctx, e, rep, nil); err != nil {
					t.Fatal(err)
				}
			}
			if c.step == steps.Test {
				// The sandbox's person signs in, as the wizard's i does.
				if _, err := steps.NewFlow(e, steps.FlowOptions{}).SignIn(ctx); err != nil {
					t.Fatal(err)
				}
				if err := steps.Verify(ctx, e, rep, nil); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range rep.Step(c.step).Findings {
				if f.Code == c.code && f.Severity == c.sev && strings.Contains(f.Message, c.says) {
					t.Logf("%s: %s", f.Code, f.Message)
					return
				}
			}
			t.Fatalf("want %s %s at step %s; got %v", c.sev, c.code, c.step, rep.Step(c.step).Findings)
		})
	}
}

// value returns the step's value with that label.
func value(t *testing.T, rep *steps.Report, id steps.ID, label string) steps.Value {
	t.Helper()
	for _, v := range rep.Step(id).Values {
		if v.Label == label {
			return v
		}
	}
	t.Fatalf("step %s has no value %q: %+v", id, label, rep.Step(id).Values)
	return steps.Value{}
}

// finding returns the step's finding with that code.
func finding(t *testing.T, rep *steps.Report, id steps.ID, code string) model.Finding {
	t.Helper()
	for _, f := range rep.Step(id).Findings {
		if f.Code == code {
			return f
		}
	}
	t.Fatalf("step %s has no finding %s: %v", id, code, rep.Step(id).Findings)
	return model.Finding{}
}

// The jumpcloud-app step tells the admin what JumpCloud must send for the
// login method as configured; a JumpCloud app set to exactly that signs in,
// and one that skips the mapping it asks for does not.
func TestJumpCloudAppValuesAreWhatAccessNeeds(t *testing.T) {
	ctx := context.Background()
	sb := start(t, t.TempDir(), false)
	e := env(sb, false)
	e.Session.Inputs.IdP.EmailAttributeName = "mail"
	e.Session.Inputs.IdP.Attributes = []string{"groups", "department"}
	rep, err := steps.Plan(ctx, e, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := value(t, rep, steps.JumpCloudApp, "SAMLSubject NameID"); v.Value != "email" {
		t.Fatalf("NameID: %+v", v)
	}
	if v := value(t, rep, steps.JumpCloudApp, "SAMLSubject NameID Format"); v.Value != "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" {
		t.Fatalf("NameID format: %+v", v)
	}
	mapping := value(t, rep, steps.JumpCloudApp, "User Attribute Mapping")
	more := value(t, rep, steps.JumpCloudApp, "More attributes")
	if mapping.Value != "mail = email" || more.Value != "department" {
		t.Fatalf("mapping %+v, more %+v", mapping, more)
	}
	if err := steps.Apply(ctx, e, rep, nil); err != nil {
		t.Fatal(err)
	}

	// JumpCloud as the default app (email mapped as "email"): Access,
	// reading "mail" and wanting "department", refuses with its documented
	// error, which names neither; the test step says what to check.
	page, err := steps.NewFlow(e, steps.FlowOptions{}).SignIn(ctx)
	if err != nil || page.SignedIn || !strings.Contains(page.Text, "Required attributes are missing") {
		t.Fatalf("before following the values: %+v %v", page, err)
	}
	if err := steps.Verify(ctx, e, rep, nil); err != nil {
		t.Fatal(err)
	}
	refused := finding(t, rep, steps.Test, "signin_refused")
	for _, want := range []string{
		"Required attributes are missing",
		"a User Attribute Mapping row named exactly mail with the value email",
		"a User Attribute Mapping row for each of department",
		"Include group attribute ticked and named exactly groups",
	} {
		if !strings.Contains(refused.Message, want) {
			t.Fatalf("signin_refused %q lacks %q", refused.Message, want)
		}
	}

	// The admin adds exactly the rows the values name.
	app := sb.JumpCloud.App()
	name, field, _ := strings.Cut(mapping.Value, " = ")
	app.Attributes = []jumpcloud.AttributeMapping{{Name: name, UserField: field}, {Name: more.Value, UserField: jumpcloud.FieldDisplayName}}
	sb.JumpCloud.SetApp(app)
	if page, err := sb.SignIn(ctx, e.Session.Inputs.IdP.Name); err != nil || !page.SignedIn {
		t.Fatalf("after following the values: %+v %v", page, err)
	}
	rep, err = steps.Plan(ctx, e, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := steps.Verify(ctx, e, rep, nil); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Step(steps.Test).Findings {
		if f.Code == "signin_seen" {
			return
		}
	}
	t.Fatalf("after following the values: %v", rep.Step(steps.Test).Findings)
}

// Most real JumpCloud exports say WantAuthnRequestsSigned="true": the
// metadata step says what that means for sign_request, to confirm, and the
// setup goes on (Cloudflare's JumpCloud example leaves sign_request off).
func TestSignedRequestsWantedIsExplained(t *testing.T) {
	ctx := context.Background()
	sb := start(t, t.TempDir(), false)
	raw, err := os.ReadFile(sb.MetadataPath)
	if err != nil {
		t.Fatal(err)
	}
	signed := strings.Replace(string(raw), `WantAuthnRequestsSigned="false"`, `WantAuthnRequestsSigned="true"`, 1)
	if signed == string(raw) {
		t.Fatal("the sandbox's export has no WantAuthnRequestsSigned=\"false\" to flip")
	}
	path := filepath.Join(t.TempDir(), "JumpCloud-saml2-metadata.xml")
	if err := os.WriteFile(path, []byte(signed), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, sign := range []bool{false, true} {
		e := env(sb, false)
		e.Session.Inputs.IdP.Metadata, e.Session.Inputs.IdP.SignRequest = path, sign
		rep, err := steps.Plan(ctx, e, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got *model.Finding
		for _, f := range rep.Step(steps.Metadata).Findings {
			if f.Code == "authn_signing_wanted" {
				got = &f
			}
		}
		want := "idp.sign_request is off"
		if sign {
			want = "idp.sign_request is on"
		}
		if got == nil || got.Severity != model.SeverityToConfirm || !strings.Contains(got.Message, want) {
			t.Fatalf("sign_request %v: %+v in %v", sign, got, rep.Step(steps.Metadata).Findings)
		}
		if st := rep.Step(steps.Metadata).Status; st != model.StatusToConfirm {
			t.Fatalf("metadata step: %s", st)
		}
	}
}
