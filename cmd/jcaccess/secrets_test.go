package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every byte jcaccess prints and every file it writes, over a whole life
// cycle (plan, apply, check, sessions, a regenerated secret, failures), holds
// no token, and each SCIM secret exactly once: its one intended delivery.
func TestSecretsNeverLeak(t *testing.T) {
	w := newWorld(t)
	var printed strings.Builder
	run := func(env map[string]string, args ...string) result {
		r := w.run(env, args...)
		printed.WriteString(r.stdout)
		printed.WriteString(r.stderr)
		return r
	}
	run(nil, "plan", "--config", w.config)
	run(nil, "plan", "--config", w.config, "--json")
	first := run(nil, "apply", "--config", w.config, "--yes", "--json")
	var doc struct {
		SCIMSecret string `json:"scim_secret"`
	}
	if err := json.Unmarshal([]byte(first.stdout), &doc); err != nil || doc.SCIMSecret == "" {
		t.Fatalf("apply --json delivered no secret: %v\n%s", err, first)
	}
	run(nil, "check", "--team", "acme")
	run(nil, "check", "--team", "acme", "--json")
	run(nil, "sessions", "list")
	run(nil, "sessions", "list", "--json")
	run(nil, "sessions", "show", "acme")
	run(map[string]string{"CLOUDFLARE_API_TOKEN": w.sb.ReadOnlyToken}, "apply", "--team", "acme", "--yes", "--regenerate-scim-secret")
	run(map[string]string{"CLOUDFLARE_API_TOKEN": "not-a-real-token-value-123"}, "plan", "--team", "acme")
	// The sandbox, like Cloudflare's documented API, has no refresh
	// endpoint: apply names the dashboard's Regenerate Secret, and the
	// admin gives the new secret on stdin, which is verified, never echoed.
	if r := run(nil, "apply", "--team", "acme", "--yes", "--regenerate-scim-secret"); r.code != 1 || !strings.Contains(r.stderr, "Regenerate Secret > Save") || strings.Contains(strings.ToLower(r.stderr), "account id") {
		t.Fatalf("regenerate without the endpoint:\n%s", r)
	}
	second, err := w.api.RegenerateSCIMSecret(w.api.IdPs()[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	r := w.runInput(second+"\n", nil, "apply", "--team", "acme", "--yes", "--regenerate-scim-secret", "--scim-secret-stdin")
	printed.WriteString(r.stdout + r.stderr)
	if r.code != 0 || !strings.Contains(r.stdout, "accepts the secret you gave") {
		t.Fatalf("regenerate with the secret on stdin:\n%s", r)
	}
	if wrong := w.runInput(doc.SCIMSecret+"\n", nil, "apply", "--team", "acme", "--yes", "--scim-secret-stdin"); wrong.code != 1 || !strings.Contains(wrong.stdout, "rejects the secret you gave") {
		t.Fatalf("an old secret on stdin:\n%s", wrong)
	}

	out := printed.String()
	for name, token := range map[string]string{"API token": w.sb.Token, "read-only token": w.sb.ReadOnlyToken, "wrong token": "not-a-real-token-value-123"} {
		if strings.Contains(out, token) {
			t.Errorf("the %s was printed", name)
		}
	}
	if n := strings.Count(out, doc.SCIMSecret); n != 1 {
		t.Errorf("the first SCIM secret was printed %d times, want exactly once", n)
	}
	if strings.Contains(out, second) {
		t.Error("the secret the admin gave was printed back")
	}
	assertNoSecretsOnDisk(t, w.stateDir, w.sb.Token, w.sb.ReadOnlyToken, doc.SCIMSecret, second)
}
