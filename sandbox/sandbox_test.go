package sandbox

import (
	"context"
	"slices"
	"testing"
	"time"

	"jcaccess/model"
	"jcaccess/steps"
	"jcaccess/steps/cloudflare"
)

func start(t *testing.T, dir string, fresh bool) *Sandbox {
	t.Helper()
	sb, err := Start(Options{Dir: dir, Fresh: fresh, KeyBits: 2048})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

// env is what the commands build for --sandbox.
func env(sb *Sandbox, readOnly bool) *steps.Env {
	return &steps.Env{
		Session: model.NewSession(sb.Inputs(), time.Now()),
		CF: cloudflare.New(cloudflare.Config{
			Token: model.NewSecret(sb.Token), BaseURL: sb.APIBaseURL, HTTPClient: sb.HTTPClient, ReadOnly: readOnly,
		}),
		HTTP: sb.HTTPClient, Sandbox: sb,
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
	if err := steps.Apply(ctx, e, rep, nil); err != nil {
		t.Fatal(err)
	}
	if e.SCIMSecret.IsZero() {
		t.Fatal("no SCIM secret after apply")
	}
	if err := sb.ActivateSCIM(ctx, e.Session.SCIMEndpoint, e.SCIMSecret); err != nil {
		t.Fatal(err)
	}
	idp := sb.Cloudflare.IdPs()[0]
	if len(idp.Users) != 2 || len(idp.Groups) == 0 {
		t.Fatalf("after activation Cloudflare holds %d users, %d groups", len(idp.Users), len(idp.Groups))
	}
	res, err := sb.Login(ctx, e.Session.IdPID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Error != "" || res.Email != LoginUser || !slices.Contains(res.Groups, "engineering") {
		t.Fatalf("login %+v", res)
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
	res, err := again.Login(ctx, id)
	if err != nil || res.Error != "" {
		t.Fatalf("login after restart: %+v %v", res, err)
	}

	fresh := start(t, t.TempDir(), true)
	if len(fresh.Cloudflare.IdPs()) != 0 {
		t.Fatal("a fresh world has IdPs")
	}
}
