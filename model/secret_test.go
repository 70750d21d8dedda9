package model

import (
	"strings"
	"testing"
)

func TestScrubRemovesSecretsCredentialsAndURLPasswords(t *testing.T) {
	tok := NewSecret("tok-scrub-test-0123456789")
	var scim Secret
	if err := scim.UnmarshalJSON([]byte(`"scim-secret-abcdef012345"`)); err != nil {
		t.Fatal(err)
	}
	in := "echo: Authorization: Bearer " + tok.Reveal() + "; secret " + scim.Reveal() +
		"; via https://admin:hunter2@proxy.example/x; Authorization: Basic dXNlcjpwYXNz; token again " + tok.Reveal()
	got := Scrub(in)
	for _, leak := range []string{tok.Reveal(), scim.Reveal(), "hunter2", "dXNlcjpwYXNz"} {
		if strings.Contains(got, leak) {
			t.Fatalf("%q survives: %s", leak, got)
		}
	}
	if !strings.Contains(got, "https://admin:"+Redacted+"@proxy.example/x") {
		t.Fatalf("the URL lost more than its password: %s", got)
	}
	if plain := "login method \"JumpCloud\" (abc) found; basic settings unchanged"; Scrub(plain) != plain {
		t.Fatalf("ordinary text changed: %s", Scrub(plain))
	}
}
