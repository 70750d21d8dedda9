package cfapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"jcaccess/sandbox/cfapi"
	"jcaccess/sandbox/cfapi/openapicheck"
)

func TestSnapshotRestore(t *testing.T) {
	e := newSAMLEnv(t, defaultApp())
	e.s.AddToken(readTok, cfapi.TokenUser, cfapi.PermAccessRead)
	e.s.AddToken(acctTok, cfapi.TokenAccount, cfapi.PermAccessWrite)
	e.s.DisableToken(readTok)
	cfg := e.samlConfig()
	st, out := e.api(http.MethodPost, "/access/identity_providers", map[string]any{
		"name": "JumpCloud", "type": "saml", "config": cfg,
		"scim_config": map[string]any{"enabled": true, "user_deprovision": true, "identity_update_behavior": "automatic"},
	})
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, out)
	}
	res := out["result"].(map[string]any)
	id := res["id"].(string)
	sc := res["scim_config"].(map[string]any)
	if err := e.idp.ActivateSCIM(context.Background(), e.hc, sc["scim_base_url"].(string), sc["secret"].(string)); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.login(e.s.TestURL(id), "alice@example.com"); st != http.StatusOK {
		t.Fatal("login failed")
	}
	e.login(e.s.TestURL(id), "bob@example.com") // denied by JumpCloud: not a Login
	before := e.s.IdPs()
	if len(before) != 1 || len(before[0].Users) != 1 || len(before[0].Groups) != 1 || len(before[0].Log) == 0 {
		t.Fatalf("state before = %+v", before)
	}
	certs := get(t, e.ts.Client(), e.ts.URL+"/cdn-cgi/access/certs")

	snap, err := e.s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r, err := cfapi.Restore(cfapi.Options{Now: e.clock.Now, CheckRequest: openapicheck.New()}, snap)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"account", r.AccountID(), e.s.AccountID()},
		{"auth domain", r.AuthDomain(), e.s.AuthDomain()},
		{"IdPs", r.IdPs(), before},
		{"logins", r.Logins(), e.s.Logins()},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.what, c.got, c.want)
		}
	}
	again, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(snap) {
		t.Errorf("snapshot of the restored server differs:\n%s\n%s", again, snap)
	}

	// The restored server answers like the old one: tokens, the SCIM secret,
	// the team domain's keys, the SAML login.
	ts := httptest.NewTLSServer(r.Handler())
	defer ts.Close()
	r.SetAuthDomain(ts.Listener.Addr().String())
	if got := get(t, ts.Client(), ts.URL+"/cdn-cgi/access/certs"); got != certs {
		t.Errorf("certs changed:\n%s\n%s", got, certs)
	}
	for tok, want := range map[string]int{writeTok: 200, readTok: 401, acctTok: 200, "unknown": 403} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/client/v4/accounts/"+acct+"/access/identity_providers", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("token %s: %d, want %d", tok, resp.StatusCode, want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/scim/"+id+"/Users", nil)
	req.Header.Set("Authorization", "Bearer "+sc["secret"].(string))
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("SCIM with the old secret: %d", resp.StatusCode)
	}

	if _, err := cfapi.Restore(cfapi.Options{}, []byte(`{"version":2}`)); err == nil {
		t.Error("restored an unknown version")
	}
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
