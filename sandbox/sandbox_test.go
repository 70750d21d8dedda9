package sandbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"jcaccess/sandbox/cfapi/openapicheck"
)

// The tests of the engine and the real client against the sandbox are in
// steps/sandbox_test.go; these drive the fake with plain HTTP, as the
// services' documentation describes it, so the sandbox tests import nothing
// of the client.

func start(t *testing.T, dir string, fresh bool) *Sandbox {
	t.Helper()
	sb, err := Start(Options{Dir: dir, Fresh: fresh, KeyBits: 2048, CheckRequest: openapicheck.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

// createIdP adds the JumpCloud SAML login method with the documented create
// call (cloudflare-api.md §1.1, body as in §1.2) and returns its ID.
func createIdP(t *testing.T, sb *Sandbox) string {
	t.Helper()
	in := sb.Inputs()
	body, _ := json.Marshal(map[string]any{
		"name": "JumpCloud", "type": "saml",
		"config": map[string]any{
			"issuer_url":           in.IdPEntityID(),
			"sso_target_url":       sb.JumpCloud.SSOURL(),
			"idp_public_certs":     []string{base64.StdEncoding.EncodeToString(sb.JumpCloud.Certificate().Raw)},
			"sign_request":         false,
			"email_attribute_name": "email",
			"attributes":           []string{groupsAttribute},
		},
	})
	req, _ := http.NewRequest(http.MethodPost, sb.APIBaseURL+"accounts/"+sb.AccountID+"/access/identity_providers", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+sb.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := sb.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var env struct {
		Success bool `json:"success"`
		Result  struct {
			ID string `json:"id"`
		} `json:"result"`
	}
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil || !env.Success || env.Result.ID == "" {
		t.Fatalf("create: %d %+v %v", res.StatusCode, env, err)
	}
	return env.Result.ID
}

func TestWorldSurvivesARestartWithoutTheClient(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sb := start(t, dir, false)
	id := createIdP(t, sb)
	res, err := sb.Login(ctx, id)
	if err != nil || res.Error != "" || res.Email != LoginUser || !slices.Contains(res.Groups, "engineering") {
		t.Fatalf("login: %+v %v", res, err)
	}
	token, cert := sb.Token, sb.JumpCloud.Certificate().Raw
	if v := sb.Cloudflare.Violations(); len(v) != 0 {
		t.Fatalf("OpenAPI violations: %v", v)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}

	again := start(t, dir, false)
	if again.Token != token || len(again.Cloudflare.IdPs()) != 1 || again.Cloudflare.IdPs()[0].ID != id {
		t.Fatal("the restarted world lost the token or the IdP")
	}
	if !bytes.Equal(again.JumpCloud.Certificate().Raw, cert) {
		t.Fatal("the restarted JumpCloud has another certificate")
	}
	if res, err := again.Login(ctx, id); err != nil || res.Error != "" {
		t.Fatalf("login after restart: %+v %v", res, err)
	}
	if fresh := start(t, t.TempDir(), true); len(fresh.Cloudflare.IdPs()) != 0 {
		t.Fatal("a fresh world has IdPs")
	}
}

// The default app signs alice in; email-not-mapped leaves the email only in
// the NameID, and Access says which attribute lacked it.
func TestEmailNotMapped(t *testing.T) {
	sb := start(t, t.TempDir(), false)
	id := createIdP(t, sb)
	ctx := context.Background()
	res, err := sb.Login(ctx, id)
	if err != nil || res.Error != "" || res.Email != LoginUser {
		t.Fatalf("default app: %+v %v", res, err)
	}
	if err := sb.Make(EmailNotMapped); err != nil {
		t.Fatal(err)
	}
	if app := sb.JumpCloud.App(); len(app.Attributes) != 0 || app.NameIDField != "email" {
		t.Fatalf("app after the mistake: %+v", app)
	}
	res, err = sb.Login(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Required attributes are missing: email.", `no attribute "email"`, `NameID ("alice@example.com")`} {
		if !strings.Contains(res.Error, want) {
			t.Fatalf("login error %q lacks %q", res.Error, want)
		}
	}
}
