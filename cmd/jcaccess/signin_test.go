package main

import (
	"context"
	"strings"
	"testing"
)

// check proves a sign-in from the Cloudflare API alone: before anyone signs
// in it says so (signin_none, with how to sign in); after a person signs in
// through the App Launcher it names them and the groups Access received
// (signin_seen), which also confirms JumpCloud's SP Entity ID and ACS URL.
func TestCheckSeesASignInThroughTheAPI(t *testing.T) {
	w := newWorld(t)
	w.applyForSCIM()
	before := findingsByCode(w.checkFindings())
	if !strings.Contains(before["signin_none"], `nobody has signed in through "JumpCloud" yet`) ||
		!strings.Contains(before["signin_none"], "https://"+w.domain+"/") || before["signin_seen"] != "" {
		t.Fatalf("before any sign-in: %v", before)
	}
	if before["jc_app_confirmed"] != "" {
		t.Fatalf("the app is confirmed before any sign-in: %v", before)
	}

	page, err := w.sb.SignIn(context.Background(), "JumpCloud")
	if err != nil || !page.SignedIn {
		t.Fatalf("sign-in: %+v %v", page, err)
	}
	after := findingsByCode(w.checkFindings())
	seen := after["signin_seen"]
	if !strings.Contains(seen, "alice@example.com") || !strings.Contains(seen, "engineering") || after["signin_none"] != "" {
		t.Fatalf("after a sign-in: %v", after)
	}
	if after["jc_app_confirmed"] == "" {
		t.Fatalf("the sign-in did not confirm the app: %v", after)
	}
	// Only the API was asked: the users list and the identity.
	var listed, identity bool
	for _, r := range w.api.Requests() {
		listed = listed || strings.HasSuffix(r.Path, "/access/users")
		identity = identity || strings.HasSuffix(r.Path, "/last_seen_identity")
	}
	if !listed || !identity {
		t.Fatalf("check did not read the users (%v) and the identity (%v)", listed, identity)
	}
}

// A token without "Access: Audit Logs Read" gets a warning naming it, not an
// error that blocks.
func TestCheckNamesTheMissingAuditLogsPermission(t *testing.T) {
	w := newWorld(t)
	w.applyForSCIM()
	r := w.run(map[string]string{"CLOUDFLARE_API_TOKEN": w.sb.ReadOnlyToken}, "check", "--team", "acme", "--json")
	got := findingsByCode(decodeFindings(t, r))
	if !strings.Contains(got["signin_forbidden"], "Access: Audit Logs Read") {
		t.Fatalf("want signin_forbidden naming the permission:\n%s", r)
	}
}

func findingsByCode(fs []jsonFinding) map[string]string {
	out := map[string]string{}
	for _, f := range fs {
		out[f.Code] = f.Message
	}
	return out
}
