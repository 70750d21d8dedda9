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
	if r := run(nil, "apply", "--team", "acme", "--yes", "--regenerate-scim-secret"); r.code != 0 {
		t.Fatalf("regenerate:\n%s", r)
	}
	second := w.api.IdPs()[0].SCIMSecret
	if second == doc.SCIMSecret {
		t.Fatal("the secret was not regenerated")
	}

	out := printed.String()
	for name, token := range map[string]string{"API token": w.sb.Token, "read-only token": w.sb.ReadOnlyToken, "wrong token": "not-a-real-token-value-123"} {
		if strings.Contains(out, token) {
			t.Errorf("the %s was printed", name)
		}
	}
	for name, secret := range map[string]string{"first SCIM secret": doc.SCIMSecret, "regenerated SCIM secret": second} {
		if n := strings.Count(out, secret); n != 1 {
			t.Errorf("the %s was printed %d times, want exactly once", name, n)
		}
	}
	assertNoSecretsOnDisk(t, w.stateDir, w.sb.Token, w.sb.ReadOnlyToken, doc.SCIMSecret, second)
}
