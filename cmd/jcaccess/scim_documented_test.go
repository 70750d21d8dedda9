package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"jcaccess/model"
	"jcaccess/sandbox"
)

// check judges JumpCloud connected from Cloudflare's SCIM update logs while
// Cloudflare lists no user yet (SCIM users appear only after their first
// sign-in), and apply probes SCIM on /Users, never /ServiceProviderConfig.
func TestCheckJudgesTheConnectionFromSCIMLogs(t *testing.T) {
	w := newWorld(t)
	endpoint, secret := w.applyForSCIM()
	var probed bool
	for _, r := range w.api.Requests() {
		if strings.HasSuffix(r.Path, "/ServiceProviderConfig") {
			t.Fatalf("probed %s", r.Path)
		}
		probed = probed || strings.HasSuffix(r.Path, "/Users") && r.RawQuery == "startIndex=1&count=1"
	}
	if !probed {
		t.Fatal("apply did not probe GET /Users?startIndex=1&count=1")
	}
	if err := w.sb.ActivateSCIM(context.Background(), endpoint, secret); err != nil {
		t.Fatal(err)
	}
	findings := w.checkFindings()
	got := map[string]string{}
	for _, f := range findings {
		got[f.Code] = f.Message
	}
	if got["scim_connected"] == "" || !strings.Contains(got["scim_counts"], "0 users") {
		t.Fatalf("want scim_connected with no user listed, got %v", got)
	}
	if _, ok := got["scim_not_connected"]; ok {
		t.Fatalf("not connected: %v", got)
	}
}

// An account-owned token without an account ID is asked for it, with where
// to find it.
func TestAccountOwnedTokenIsAskedForTheAccountID(t *testing.T) {
	w := newWorld(t)
	r := w.run(map[string]string{"CLOUDFLARE_ACCOUNT_ID": ""}, "plan", "--config", w.config)
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "Account home > Account ID") || !strings.Contains(r.stdout+r.stderr, "CLOUDFLARE_ACCOUNT_ID") {
		t.Fatalf("want the account ID asked for:\n%s", r)
	}
}

// The username-not-email mistake: JumpCloud's Activate sends the JumpCloud
// username as SCIM userName, Cloudflare refuses the user (a FAILURE in the
// SCIM update logs), and check names the failure with the fix.
func TestCheckCatchesUsernameNotEmail(t *testing.T) {
	w := newWorld(t)
	if err := w.sb.Make(sandbox.UsernameNotEmail); err != nil {
		t.Fatal(err)
	}
	endpoint, secret := w.applyForSCIM()
	err := w.sb.ActivateSCIM(context.Background(), endpoint, secret)
	if err == nil || !strings.Contains(err.Error(), "userName") {
		t.Fatalf("Activate with userName = username: %v", err)
	}
	findings := w.checkFindings()
	var failed string
	codes := map[string]bool{}
	for _, f := range findings {
		codes[f.Code] = true
		if f.Code == "scim_request_failed" {
			failed = f.Message
		}
	}
	if !strings.Contains(failed, "POST USER") || !strings.Contains(failed, "userName") ||
		!strings.Contains(failed, "map userName to the user's email") {
		t.Fatalf("want scim_request_failed naming userName with the fix, got %q (%v)", failed, findings)
	}
	t.Logf("scim_request_failed: %s", failed)
	if codes["scim_connected"] || !codes["scim_failing"] {
		t.Fatalf("codes = %v", codes)
	}
}

// applyForSCIM applies the config and returns what JumpCloud is given: the
// SCIM endpoint and the secret, delivered once in apply's JSON.
func (w *world) applyForSCIM() (endpoint string, secret model.Secret) {
	w.t.Helper()
	r := w.run(nil, "apply", "--config", w.config, "--yes", "--json")
	var doc struct {
		SCIMSecret   string `json:"scim_secret"`
		SCIMEndpoint string `json:"scim_endpoint"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.SCIMSecret == "" || doc.SCIMEndpoint == "" {
		w.t.Fatalf("apply: %v\n%s", err, r)
	}
	return doc.SCIMEndpoint, model.NewSecret(doc.SCIMSecret)
}

type jsonFinding struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// checkFindings runs check --json for acme and returns its findings.
func (w *world) checkFindings() []jsonFinding {
	w.t.Helper()
	return decodeFindings(w.t, w.run(nil, "check", "--team", "acme", "--json"))
}

// decodeFindings reads the findings of check --json.
func decodeFindings(t *testing.T, r result) []jsonFinding {
	t.Helper()
	var out struct {
		Findings []jsonFinding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("check --json: %v\n%s", err, r)
	}
	return out.Findings
}
