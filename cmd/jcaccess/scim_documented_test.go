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
	first := w.run(nil, "apply", "--config", w.config, "--yes", "--json")
	var doc struct {
		SCIMSecret   string `json:"scim_secret"`
		SCIMEndpoint string `json:"scim_endpoint"`
	}
	if err := json.Unmarshal([]byte(first.stdout), &doc); err != nil || doc.SCIMSecret == "" || doc.SCIMEndpoint == "" {
		t.Fatalf("apply: %v\n%s", err, first)
	}
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
	if err := w.sb.ActivateSCIM(context.Background(), doc.SCIMEndpoint, model.NewSecret(doc.SCIMSecret)); err != nil {
		t.Fatal(err)
	}
	r := w.run(nil, "check", "--team", "acme", "--json")
	var out struct {
		Findings []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("check --json: %v\n%s", err, r)
	}
	got := map[string]string{}
	for _, f := range out.Findings {
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
	first := w.run(nil, "apply", "--config", w.config, "--yes", "--json")
	var doc struct {
		SCIMSecret   string `json:"scim_secret"`
		SCIMEndpoint string `json:"scim_endpoint"`
	}
	if err := json.Unmarshal([]byte(first.stdout), &doc); err != nil || doc.SCIMSecret == "" || doc.SCIMEndpoint == "" {
		t.Fatalf("apply: %v\n%s", err, first)
	}
	err := w.sb.ActivateSCIM(context.Background(), doc.SCIMEndpoint, model.NewSecret(doc.SCIMSecret))
	if err == nil || !strings.Contains(err.Error(), "userName") {
		t.Fatalf("Activate with userName = username: %v", err)
	}
	r := w.run(nil, "check", "--team", "acme", "--json")
	var out struct {
		Findings []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("check --json: %v\n%s", err, r)
	}
	var failed string
	codes := map[string]bool{}
	for _, f := range out.Findings {
		codes[f.Code] = true
		if f.Code == "scim_request_failed" {
			failed = f.Message
		}
	}
	if !strings.Contains(failed, "POST USER") || !strings.Contains(failed, "userName") ||
		!strings.Contains(failed, "map userName to the user's email") {
		t.Fatalf("want scim_request_failed naming userName with the fix, got %q (%v)", failed, out.Findings)
	}
	t.Logf("scim_request_failed: %s", failed)
	if codes["scim_connected"] || !codes["scim_failing"] {
		t.Fatalf("codes = %v", codes)
	}
}
