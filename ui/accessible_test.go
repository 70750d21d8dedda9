package ui

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"jcaccess/model"
)

// TestAccessibleWalkthrough answers plain line prompts from a script: no
// screen drawing, no escape sequence, every status a word.
func TestAccessibleWalkthrough(t *testing.T) {
	w := newWorld(t)
	in := model.DefaultInputs()
	in.IdP.Metadata = w.metadata
	o := w.options(setup{inputs: in, token: testToken, sandbox: true})
	script := strings.Join([]string{
		"acme", "", // team name, team domain (default)
		"",       // step 1: next
		"",       // step 2: next
		"",       // step 3: next
		"",       // step 4: next
		"a", "y", // step 5: apply, confirm
		"",      // step 5: next
		"p",     // step 6: paste a regenerated secret: no terminal to hide it
		"v", "", // step 6: show the secret once, next
		"x", "", // step 7: activate (sandbox), next
		"i", "", // step 8: sign in (sandbox), to the summary
	}, "\n") + "\n"
	var out bytes.Buffer
	res, err := RunAccessible(context.Background(), o, strings.NewReader(script), &out)
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if res.Outcome != Finished || res.ReportPath == "" {
		t.Fatalf("result %+v\n%s", res, text)
	}
	if strings.Contains(text, "\x1b[") {
		t.Fatalf("escape sequences in accessible output:\n%q", text)
	}
	for _, want := range []string{
		"Step 1 of 8: Your Cloudflare team",
		"[ok] team domain answers",
		"Send POST https://api.cloudflare.test/client/v4/accounts/",
		"[done] create SAML login method",
		"[ok] JumpCloud has connected",
		"[ok] someone signed in",
		"no secret read (a hidden prompt needs a terminal)",
		"What is left",
		"Report saved to",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	secret := w.api.IdPs()[0].SCIMSecret
	if strings.Count(text, secret) != 1 {
		t.Errorf("the secret should show exactly once (when asked for with v), got %d", strings.Count(text, secret))
	}
	assertNoSecretsOnDisk(t, w.stateDir, testToken, secret)
	if len(w.api.MutatingRequests()) != 1 {
		t.Fatalf("mutating requests: %+v", w.api.MutatingRequests())
	}
}

func TestAccessibleFailedCheckBlocksAndQuitSaves(t *testing.T) {
	w := newWorld(t)
	in := w.acme()
	in.TeamDomain = "wrong.cloudflareaccess.com"
	o := w.options(setup{inputs: in, token: testToken})
	var out bytes.Buffer
	res, err := RunAccessible(context.Background(), o, strings.NewReader("\nq\n"), &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "A check failed: fix it") || res.Outcome != Quit || res.Team != "acme" {
		t.Fatalf("result %+v\n%s", res, out.String())
	}
	if _, err := os.Stat(model.Store{Dir: w.stateDir}.Path("acme")); err != nil {
		t.Fatalf("no session saved: %v", err)
	}
}

func TestAccessibleEndOfInputQuits(t *testing.T) {
	w := newWorld(t)
	var out bytes.Buffer
	res, err := RunAccessible(context.Background(), w.options(setup{inputs: w.acme(), token: testToken}), strings.NewReader(""), &out)
	if err != nil || res.Outcome != Quit {
		t.Fatalf("%+v %v", res, err)
	}
}
