package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jcaccess/sandbox"
)

// jumpCloudEnv is what jcaccess sandbox prints for JumpCloud's admin API.
func (w *world) jumpCloudEnv() map[string]string {
	base, key := w.sb.JumpCloudAPI()
	return map[string]string{"JUMPCLOUD_BASE_URL": base, "JUMPCLOUD_API_KEY": key.Reveal()}
}

// inspectJSON is jumpcloud inspect --json, decoded.
type inspectJSON struct {
	OK  bool `json:"ok"`
	App *struct {
		ID   string `json:"id"`
		URLs struct {
			IdPEntityID string `json:"idp_entity_id"`
			SPEntityID  string `json:"sp_entity_id"`
			ACSURL      string `json:"acs_url"`
		} `json:"urls"`
		GroupsAttribute string `json:"groups_attribute"`
		IncludeGroups   bool   `json:"include_groups"`
	} `json:"app"`
	Bound []struct {
		Name string `json:"name"`
	} `json:"bound_groups"`
	Findings []struct {
		Severity string `json:"severity"`
		Code     string `json:"code"`
	} `json:"findings"`
}

// With a JumpCloud API key and JumpCloud changes on, apply creates the
// Cloudflare Access app in an organization that has none, with the fields
// the guide asks for, binds the chosen group, reads the metadata from
// JumpCloud (no file given) and sets up Cloudflare from it; a second apply
// changes nothing, and jumpcloud inspect finds everything right. Neither the
// key nor the app's private key lands in any output or file.
func TestApplyWithAJumpCloudKeyCreatesTheAppWithoutAMetadataFile(t *testing.T) {
	w := newWorld(t)
	if err := w.sb.Make(sandbox.AppMissing); err != nil {
		t.Fatal(err)
	}
	w.config = w.writeConfig("team: acme\nteam_domain: " + w.domain + "\n")
	env := w.jumpCloudEnv()
	args := []string{"apply", "--config", w.config, "--yes", "--jumpcloud-changes", "--jumpcloud-group", "engineering"}
	first := w.run(env, args...)
	if first.code != 0 {
		t.Fatalf("first apply: %s", first)
	}
	app := w.sb.JumpCloud.App()
	want := "https://" + w.domain + "/cdn-cgi/access/callback"
	if app.Missing || app.IdPEntityID != "https://"+w.domain+"/" || app.SPEntityID != want || app.ACSURL != want ||
		!app.IncludeGroups || app.GroupsAttributeName != "groups" || strings.Join(app.BoundGroups, ",") != "engineering" {
		t.Fatalf("the app apply created: %+v", app)
	}
	if len(w.api.IdPs()) != 1 || !strings.Contains(first.stdout, "read from JumpCloud's API") {
		t.Fatalf("Cloudflare's login method from the metadata JumpCloud serves: %d IdPs\n%s", len(w.api.IdPs()), first)
	}
	// JumpCloud's first: the Cloudflare side was planned, shown, then sent.
	if i, j := strings.Index(first.stdout, "The JumpCloud application exists now"), strings.Index(first.stdout, `create SAML login method "JumpCloud"`); i < 0 || j < i {
		t.Errorf("the Cloudflare changes were not shown after the JumpCloud ones:\n%s", first.stdout)
	}

	before := len(w.api.MutatingRequests())
	appBefore := w.sb.JumpCloud.App()
	second := w.run(env, args...)
	if second.code != 0 || len(w.api.MutatingRequests()) != before || strings.Contains(second.stderr, "done:") {
		t.Fatalf("the second apply changed something: %s", second)
	}
	if a := w.sb.JumpCloud.App(); a.ID != appBefore.ID || strings.Join(a.BoundGroups, ",") != "engineering" {
		t.Fatalf("the second apply changed the JumpCloud app: %+v", a)
	}

	r := w.run(env, "jumpcloud", "inspect", "--config", w.config, "--json")
	var got inspectJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("jumpcloud inspect --json: %v\n%s", err, r)
	}
	if !got.OK || got.App == nil || got.App.ID != app.ID || got.App.URLs.ACSURL != want || got.App.URLs.SPEntityID != want ||
		got.App.URLs.IdPEntityID != "https://"+w.domain+"/" || !got.App.IncludeGroups || got.App.GroupsAttribute != "groups" ||
		len(got.Bound) != 1 || got.Bound[0].Name != "engineering" {
		t.Fatalf("jumpcloud inspect: %+v", got)
	}
	for _, f := range got.Findings {
		if f.Severity != "info" {
			t.Errorf("jumpcloud inspect has a %s: %s", f.Severity, f.Code)
		}
	}

	// The key and the private key JumpCloud's answers carry: in no output,
	// no file jcaccess wrote.
	key := env["JUMPCLOUD_API_KEY"]
	for _, out := range []result{first, second, r} {
		for _, s := range []string{out.stdout, out.stderr} {
			if strings.Contains(s, key) || strings.Contains(s, "PRIVATE KEY") {
				t.Fatalf("a secret in the output:\n%s", out)
			}
		}
	}
	filepath.WalkDir(w.stateDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), key) || strings.Contains(string(b), "PRIVATE KEY") {
			t.Errorf("%s holds a secret", p)
		}
		return nil
	})
}

// Each mistake in JumpCloud's app is named, with its code, by jumpcloud
// inspect and by plan, before anything is created in Cloudflare.
func TestJumpCloudMistakesAreNamedBeforeCloudflareIsTouched(t *testing.T) {
	for _, c := range []struct {
		mistake sandbox.Mistake
		code    string
	}{
		{sandbox.WrongEntityID, "jc_idp_entity_id_wrong"},
		{sandbox.GroupsMisnamed, "jc_groups_attribute_misnamed"},
		{sandbox.NoGroupBound, "jc_no_groups_bound"},
	} {
		t.Run(string(c.mistake), func(t *testing.T) {
			w := newWorld(t)
			if err := w.sb.Make(c.mistake); err != nil {
				t.Fatal(err)
			}
			env := w.jumpCloudEnv()
			r := w.run(env, "jumpcloud", "inspect", "--config", w.config, "--json")
			if !strings.Contains(r.stdout, `"code": "`+c.code+`"`) {
				t.Errorf("jumpcloud inspect does not name %s:\n%s", c.code, r)
			}
			p := w.run(env, "plan", "--config", w.config, "--json")
			if !strings.Contains(p.stdout, `"code": "`+c.code+`"`) {
				t.Errorf("plan does not name %s:\n%s", c.code, p)
			}
			if n := len(w.api.MutatingRequests()); n != 0 || len(w.api.IdPs()) != 0 {
				t.Errorf("%d requests changed Cloudflare", n)
			}
		})
	}
}
