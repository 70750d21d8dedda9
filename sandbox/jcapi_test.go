package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"jcaccess/model"
	"jcaccess/sandbox/jumpcloud"
	"jcaccess/sandbox/jumpcloud/jcapicheck"
)

// jcAPI calls the sandbox JumpCloud's admin API with plain HTTP, every
// exchange validated against the OpenAPI excerpt.
type jcAPI struct {
	t    *testing.T
	sb   *Sandbox
	hc   *http.Client
	base string
	key  string
}

func newJCAPI(t *testing.T, sb *Sandbox) *jcAPI {
	t.Helper()
	v, err := jcapicheck.Load()
	if err != nil {
		t.Fatal(err)
	}
	base, key := sb.JumpCloudAPI()
	return &jcAPI{t: t, sb: sb, hc: &http.Client{Transport: v.Transport(sb.HTTPClient.Transport, t.Errorf)}, base: base, key: key.Reveal()}
}

func (a *jcAPI) do(method, path string, body any) (int, []byte) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	req.Header.Set("x-api-key", a.key)
	req.Header.Set("Content-Type", "application/json")
	res, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// apps returns the applications of GET /api/applications.
func (a *jcAPI) apps() []map[string]any {
	a.t.Helper()
	st, b := a.do(http.MethodGet, "/api/applications", nil)
	var out struct {
		Results []map[string]any `json:"results"`
	}
	if st != http.StatusOK || json.Unmarshal(b, &out) != nil {
		a.t.Fatalf("GET /api/applications: %d %s", st, b)
	}
	return out.Results
}

func configValue(app map[string]any, key string) any {
	cfg, _ := app["config"].(map[string]any)
	e, _ := cfg[key].(map[string]any)
	return e["value"]
}

func TestJumpCloudAPIKeyAndEnv(t *testing.T) {
	dir := t.TempDir()
	sb := start(t, dir, true)
	base, key := sb.JumpCloudAPI()
	if !strings.HasPrefix(key.Reveal(), jumpcloud.APIKeyPrefix) || base != sb.JumpCloud.BaseURL() {
		t.Fatalf("JumpCloudAPI() = %s, key with prefix %q? %v", base, jumpcloud.APIKeyPrefix, strings.HasPrefix(key.Reveal(), jumpcloud.APIKeyPrefix))
	}
	env := sb.Env()
	if !slices.Contains(env, "JUMPCLOUD_BASE_URL="+base) || !slices.Contains(env, "JUMPCLOUD_API_KEY="+key.Reveal()) {
		t.Errorf("Env() lacks the JumpCloud API lines: %v", env)
	}
	a := newJCAPI(t, sb)
	if apps := a.apps(); len(apps) != 1 || apps[0]["ssoUrl"] != sb.JumpCloud.SSOURL() {
		t.Fatalf("the pre-made app through the API: %v", apps)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	world, err := os.ReadFile(worldPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(world), key.Reveal()) {
		t.Error("world.json holds the JumpCloud API key")
	}

	// A restarted sandbox makes a new key; the old one is refused.
	sb2 := start(t, dir, false)
	if _, key2 := sb2.JumpCloudAPI(); key2.Reveal() == key.Reveal() {
		t.Error("the restarted sandbox reuses the API key")
	}
	a2 := newJCAPI(t, sb2)
	a2.key = key.Reveal()
	if st, _ := a2.do(http.MethodGet, "/api/applications", nil); st != http.StatusUnauthorized {
		t.Errorf("the old key after a restart: %d, want 401", st)
	}
}

// The console's mistakes show through the API: one state.
func TestJumpCloudAPIShowsTheMistakes(t *testing.T) {
	sb := start(t, t.TempDir(), true)
	a := newJCAPI(t, sb)
	for _, m := range []Mistake{WrongEntityID, GroupsMisnamed, UserNotAssigned} {
		if err := sb.Make(m); err != nil {
			t.Fatal(err)
		}
	}
	app := a.apps()[0]
	if got, acs := configValue(app, "idpEntityId"), configValue(app, "acsUrl"); got != acs {
		t.Errorf("wrong-entity-id: idpEntityId %v, want the ACS URL %v", got, acs)
	}
	if got := configValue(app, "groupsAttributeName"); got != "memberOf" {
		t.Errorf("groups-misnamed: groupsAttributeName %v", got)
	}
	st, b := a.do(http.MethodGet, "/api/v2/applications/"+app["_id"].(string)+"/associations?targets=user_group", nil)
	if st != http.StatusOK || strings.Contains(string(b), sb.JumpCloud.GroupID("engineering")) || !strings.Contains(string(b), sb.JumpCloud.GroupID("finance")) {
		t.Errorf("user-not-assigned: associations %d %s, want finance only", st, b)
	}
}

func TestAppMissing(t *testing.T) {
	dir := t.TempDir()
	sb := start(t, dir, true)
	if err := sb.Make(AppMissing); err != nil {
		t.Fatal(err)
	}
	a := newJCAPI(t, sb)
	if apps := a.apps(); len(apps) != 0 {
		t.Fatalf("app-missing: the API lists %v", apps)
	}
	if _, err := os.Stat(sb.MetadataPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("app-missing: the metadata export is still on disk (%v)", err)
	}
	ssoURL := sb.JumpCloud.SSOURL()
	res, err := sb.HTTPClient.Get(ssoURL + "/metadata")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("app-missing: the SSO metadata answers %d, want 404", res.StatusCode)
	}

	// It survives a restart, and the app can then be created.
	sb.Close()
	sb = start(t, dir, false)
	a = newJCAPI(t, sb)
	if apps := a.apps(); len(apps) != 0 {
		t.Fatalf("after a restart the API lists %v", apps)
	}
	in := sb.Inputs()
	st, b := a.do(http.MethodPost, "/api/applications", map[string]any{
		"name": "cloudflareaccess", "ssoUrl": sb.JumpCloud.SSOURL(),
		"config": map[string]any{
			"idpEntityId": map[string]any{"value": in.IdPEntityID()},
			"spEntityId":  map[string]any{"value": in.CallbackURL()},
			"acsUrl":      map[string]any{"value": in.CallbackURL()},
		},
	})
	if st != http.StatusOK {
		t.Fatalf("POST /api/applications: %d %s", st, b)
	}
	if res, err = sb.HTTPClient.Get(sb.JumpCloud.SSOURL() + "/metadata"); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("after the create the SSO metadata answers %d", res.StatusCode)
	}
	if app := sb.JumpCloud.App(); app.Missing || app.ACSURL != in.CallbackURL() || len(app.BoundGroups) != 0 {
		t.Errorf("the created app: %+v", app)
	}
}

func TestJumpCloudAPIKnobsFromOptions(t *testing.T) {
	sb, err := Start(Options{Dir: t.TempDir(), Fresh: true, KeyBits: 2048, JumpCloudAPI: jumpcloud.APIKnobs{RateLimitEvery: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	if st, b := newJCAPI(t, sb).do(http.MethodGet, "/api/organizations", nil); st != http.StatusTooManyRequests {
		t.Errorf("RateLimitEvery 1: %d %s, want 429", st, b)
	}
}

func TestAppMissingRefusesSCIMActivation(t *testing.T) {
	sb := start(t, t.TempDir(), true)
	if err := sb.Make(AppMissing); err != nil {
		t.Fatal(err)
	}
	err := sb.ActivateSCIM(t.Context(), "https://"+sb.TeamDomain+"/scim", model.NewSecret("x"))
	if err == nil || !strings.Contains(err.Error(), "no Cloudflare Access app") {
		t.Errorf("ActivateSCIM without the app: %v", err)
	}
}
