package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"jcaccess/sandbox/cfapi/openapicheck"
	"jcaccess/sandbox/jumpcloud/jcapicheck"
)

func TestJumpCloudSettingsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		base, key, wantBase, wantErr string
	}{
		{"", "", DefaultJumpCloudBaseURL, ""},
		{"https://console.eu.jumpcloud.com/", "jca_x", "https://console.eu.jumpcloud.com", ""},
		{"http://127.0.0.1:8443", "", "http://127.0.0.1:8443", ""},
		{"http://console.jumpcloud.com", "", "", "only https"},
		{"https://console.jumpcloud.com/api", "", "", "JUMPCLOUD_BASE_URL"},
	} {
		env := map[string]string{"JUMPCLOUD_BASE_URL": tc.base, "JUMPCLOUD_API_KEY": tc.key}
		f := &Factory{Getenv: func(k string) string { return env[k] }}
		s, err := f.jumpCloudSettings()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: err %v, want one mentioning %q", tc.base, err, tc.wantErr)
			}
			continue
		}
		if err != nil || s.BaseURL != tc.wantBase || s.APIKey.Reveal() != tc.key {
			t.Errorf("%q: %+v %v, want base %s", tc.base, s, err, tc.wantBase)
		}
	}
}

// --sandbox points the JumpCloud settings at the sandbox's admin API, and
// its key works there.
func TestSandboxFlagSetsTheJumpCloudSettings(t *testing.T) {
	env := map[string]string{"JCACCESS_SANDBOX_DIR": t.TempDir()}
	f := &Factory{IO: &IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, Getenv: func(k string) string { return env[k] }, HTTPClient: http.DefaultClient, sandboxCheck: openapicheck.New()}
	t.Cleanup(func() {
		for _, c := range f.closers {
			c()
		}
	})
	sb, err := f.startSandbox(&setupOptions{Sandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.jumpCloudSettings()
	base, key := sb.JumpCloudAPI()
	if err != nil || s.BaseURL != base || s.APIKey.Reveal() != key.Reveal() {
		t.Fatalf("settings %+v %v, want the sandbox's %s", s, err, base)
	}
	req, _ := http.NewRequest(http.MethodGet, s.BaseURL+"/api/organizations", nil)
	req.Header.Set("x-api-key", s.APIKey.Reveal())
	v, err := jcapicheck.Load()
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&http.Client{Transport: v.Transport(f.HTTPClient.Transport, t.Errorf)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /api/organizations with the settings: %d", res.StatusCode)
	}
}
