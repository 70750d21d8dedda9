package main

import (
	"encoding/json"
	"io/fs"
	"net/http"
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

	// The report after apply shows the JumpCloud side checked again.
	if after := first.stdout[strings.Index(first.stdout, "After apply:"):]; !strings.Contains(after, "verified through JumpCloud's API") {
		t.Errorf("after apply, the jumpcloud-app step was not checked again:\n%s", after)
	}
	// Cron's check, without the key: the groups saved in the session ask
	// for nothing; the metadata, read from JumpCloud, needs the key back.
	if c := w.run(nil, "check", "--team", "acme"); c.code != 1 || !strings.Contains(c.stdout, "set JUMPCLOUD_API_KEY and jcaccess reads it") {
		t.Errorf("check without the key: %s", c)
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

// jcRequest calls the sandbox JumpCloud's admin API as another client
// would (the console, a script), and decodes the answer.
func (w *world) jcRequest(method, path string, body any) map[string]any {
	w.t.Helper()
	base, key := w.sb.JumpCloudAPI()
	var rd *strings.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("x-api-key", key.Reveal())
	req.Header.Set("Content-Type", "application/json")
	res, err := w.sb.HTTPClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
		w.t.Fatalf("%s %s: %d %v", method, path, res.StatusCode, err)
	}
	return out
}

// A fix through JumpCloud's API (PUT replaces the whole object) keeps what
// the app held that jcaccess does not know, and its signing pair.
func TestJumpCloudFixKeepsWhatItDoesNotKnow(t *testing.T) {
	w := newWorld(t)
	apps := w.jcRequest(http.MethodGet, "/api/applications", nil)["results"].([]any)
	app := apps[0].(map[string]any)
	id := app["_id"].(string)
	app["x_added_by_another_tool"] = map[string]any{"kept": true}
	cfg := app["config"].(map[string]any)
	cfg["someFutureSetting"] = map[string]any{"label": "Future", "type": "text", "value": "keep me"}
	cfg["idpEntityId"].(map[string]any)["value"] = "https://wrong.example/"
	w.jcRequest(http.MethodPut, "/api/applications/"+id, app)
	cert := w.sb.JumpCloud.Certificate()

	r := w.run(w.jumpCloudEnv(), "apply", "--config", w.config, "--yes", "--jumpcloud-changes")
	if r.code != 0 || !strings.Contains(r.stdout, "jc_idp_entity_id_wrong") {
		t.Fatalf("apply: %s", r)
	}
	got := w.jcRequest(http.MethodGet, "/api/applications/"+id, nil)
	gcfg := got["config"].(map[string]any)
	if v := gcfg["idpEntityId"].(map[string]any)["value"]; v != "https://"+w.domain+"/" {
		t.Errorf("IdP Entity ID after the fix: %v", v)
	}
	if _, ok := got["x_added_by_another_tool"]; !ok {
		t.Error("a top-level field jcaccess does not know was dropped")
	}
	if f, _ := gcfg["someFutureSetting"].(map[string]any); f == nil || f["value"] != "keep me" {
		t.Errorf("a config entry jcaccess does not know was dropped: %v", gcfg["someFutureSetting"])
	}
	if !w.sb.JumpCloud.Certificate().Equal(cert) {
		t.Error("the signing certificate changed: the PUT did not send the pair back, and Cloudflare's pinned certificate no longer matches")
	}
	if strings.Contains(r.stdout+r.stderr, "PRIVATE KEY") {
		t.Error("the private key is in apply's output")
	}
}

// A JumpCloud key that JumpCloud refuses is the jumpcloud-app step's error;
// the Cloudflare steps, which have the metadata file, are still checked.
func TestARefusedJumpCloudKeyBlocksOnlyJumpCloud(t *testing.T) {
	w := newWorld(t)
	env := w.jumpCloudEnv()
	env["JUMPCLOUD_API_KEY"] = "jca_revoked"
	r := w.run(env, "plan", "--config", w.config)
	if r.code != 1 || !strings.Contains(r.stdout, "jc_key_invalid") || strings.Contains(r.stdout, "skipped") ||
		!strings.Contains(r.stdout, `create SAML login method "JumpCloud"`) {
		t.Fatalf("plan with a revoked JumpCloud key: %s", r)
	}
	if strings.Contains(r.stdout+r.stderr, "jca_revoked") {
		t.Error("the key is in the output")
	}
}
