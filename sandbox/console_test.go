package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// createSCIMIdP adds the login method with SCIM on and returns its SCIM
// base URL and secret.
func createSCIMIdP(t *testing.T, sb *Sandbox) (base, secret string) {
	t.Helper()
	in := sb.Inputs()
	body, _ := json.Marshal(map[string]any{
		"name": "JumpCloud", "type": "saml",
		"config": map[string]any{
			"issuer_url":           in.IdPEntityID(),
			"sso_target_url":       sb.JumpCloud.SSOURL(),
			"idp_public_certs":     []string{base64.StdEncoding.EncodeToString(sb.JumpCloud.Certificate().Raw)},
			"email_attribute_name": "email",
			"attributes":           []string{groupsAttribute},
		},
		"scim_config": map[string]any{"enabled": true},
	})
	req, _ := http.NewRequest(http.MethodPost, sb.APIBaseURL+"accounts/"+sb.AccountID+"/access/identity_providers", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+sb.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := sb.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	idps := sb.Cloudflare.IdPs()
	if len(idps) != 1 || idps[0].SCIMBaseURL == "" || idps[0].SCIMSecret == "" {
		t.Fatalf("create with SCIM: %d %+v", res.StatusCode, idps)
	}
	return idps[0].SCIMBaseURL, idps[0].SCIMSecret
}

// post sends a console form the way a browser on page would (headers as
// given), and returns the status and page.
func post(t *testing.T, sb *Sandbox, target string, form url.Values, headers map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := sb.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The console acts only for whoever has the URL jcaccess sandbox printed,
// only from its own page, and only on the sandbox's own SCIM endpoint.
func TestConsoleRefusesStrangersOtherOriginsAndOtherHosts(t *testing.T) {
	sb := start(t, t.TempDir(), false)
	base, secret := createSCIMIdP(t, sb)
	jc := sb.JumpCloud.BaseURL()
	console := sb.AdminURL()
	sameOrigin := map[string]string{"Origin": jc, "Sec-Fetch-Site": "same-origin"}
	good := url.Values{"base_url": {base}, "token": {secret}}
	pushed := func() int { return len(sb.Cloudflare.IdPs()[0].Users) }

	if !strings.HasPrefix(console, jc+"/admin/") || len(strings.TrimPrefix(console, jc+"/admin/")) < 32 {
		t.Errorf("the console URL %s carries no per-run token", console)
	}
	if res, err := sb.HTTPClient.Get(jc + "/admin"); err != nil {
		t.Fatal(err)
	} else if res.Body.Close(); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
		t.Errorf("the console without its token answered %d", res.StatusCode)
	}

	foreignHits := atomic.Int32{}
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHits.Add(1)
		http.Error(w, "no", http.StatusTeapot)
	}))
	defer foreign.Close()

	for _, c := range []struct {
		name    string
		target  string
		form    url.Values
		headers map[string]string
	}{
		{"no token", jc + "/admin/activate", good, sameOrigin},
		{"wrong token", jc + "/admin/" + strings.Repeat("0", 32) + "/activate", good, sameOrigin},
		{"cross-origin", console + "/activate", good, map[string]string{"Origin": "https://evil.example"}},
		{"cross-site fetch", console + "/activate", good, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": jc}},
		{"cross-origin referer", console + "/activate", good, map[string]string{"Referer": "https://evil.example/page"}},
		{"no origin at all", console + "/activate", good, nil},
		{"foreign URL", console + "/activate", url.Values{"base_url": {foreign.URL + "/scim"}, "token": {secret}}, sameOrigin},
		{"another port", console + "/activate", url.Values{"base_url": {strings.Replace(base, sb.TeamDomain, "127.0.0.1:1", 1)}, "token": {secret}}, sameOrigin},
		{"mistake without token", jc + "/admin/mistake", url.Values{"name": {string(Mistakes()[0])}}, sameOrigin},
	} {
		status, page := post(t, sb, c.target, c.form, c.headers)
		if strings.Contains(page, "successfully verified") || strings.Contains(page, "exported again") || status == http.StatusOK && c.name != "foreign URL" && c.name != "another port" {
			t.Errorf("%s: the console acted (%d): %.200s", c.name, status, page)
		}
		if c.name == "foreign URL" || c.name == "another port" {
			if !strings.Contains(page, "only") {
				t.Errorf("%s: the refusal does not say why: %.300s", c.name, page)
			}
		}
	}
	if n := foreignHits.Load(); n != 0 {
		t.Errorf("the console sent %d requests to a foreign URL", n)
	}
	if n := pushed(); n != 0 {
		t.Errorf("%d users pushed by refused actions", n)
	}

	status, page := post(t, sb, console+"/activate", good, sameOrigin)
	if status != http.StatusOK || !strings.Contains(page, "successfully verified") || pushed() != 2 {
		t.Fatalf("the console's own Activate: %d %.300s", status, page)
	}
}

// The console's Cloudflare dashboard has Regenerate Secret, the documented
// way to a new SCIM secret: it shows the new one once and voids the old.
func TestConsoleRegeneratesTheSCIMSecret(t *testing.T) {
	sb := start(t, t.TempDir(), false)
	_, old := createSCIMIdP(t, sb)
	id := sb.Cloudflare.IdPs()[0].ID
	sameOrigin := map[string]string{"Origin": sb.JumpCloud.BaseURL(), "Sec-Fetch-Site": "same-origin"}

	if status, page := post(t, sb, sb.AdminURL()+"/regenerate", url.Values{"idp": {id}}, map[string]string{"Origin": "https://evil.example"}); status == http.StatusOK || sb.Cloudflare.IdPs()[0].SCIMSecret != old {
		t.Fatalf("a cross-origin Regenerate Secret was taken (%d): %.200s", status, page)
	}
	status, page := post(t, sb, sb.AdminURL()+"/regenerate", url.Values{"idp": {id}}, sameOrigin)
	now := sb.Cloudflare.IdPs()[0].SCIMSecret
	if status != http.StatusOK || now == old || !strings.Contains(page, now) {
		t.Fatalf("Regenerate Secret: %d, secret changed %v, shown %v", status, now != old, strings.Contains(page, now))
	}
	res, err := sb.HTTPClient.Get(sb.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	again, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(again), "Regenerate Secret") || strings.Contains(string(again), now) {
		t.Errorf("the console page (%d) lacks Regenerate Secret or shows the secret again", res.StatusCode)
	}
}
