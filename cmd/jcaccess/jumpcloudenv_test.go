package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"jcaccess/model"
	"jcaccess/sandbox/cfapi/openapicheck"
)

// The client's host and key come from the environment, or the region flag;
// bad values are usage errors that name the variable.
func TestJumpCloudClientFromEnv(t *testing.T) {
	for _, tc := range []struct {
		base, key, region, wantBase, wantErr string
	}{
		{"", "jca_x", "", "https://console.jumpcloud.com", ""},
		{"", "jca_x", "eu", "https://console.eu.jumpcloud.com", ""},
		{"https://console.eu.jumpcloud.com/", "jca_x", "", "https://console.eu.jumpcloud.com", ""},
		{"http://127.0.0.1:8443", "jca_x", "", "http://127.0.0.1:8443", ""},
		{"http://console.jumpcloud.com", "jca_x", "", "", "JUMPCLOUD_BASE_URL"},
		{"https://console.jumpcloud.com/api", "jca_x", "", "", "JUMPCLOUD_BASE_URL"},
		{"https://console.jumpcloud.com", "jca_x", "eu", "", "keep one"},
		{"", "jca_x", "asia", "", "--jumpcloud-region"},
	} {
		env := map[string]string{"JUMPCLOUD_BASE_URL": tc.base, "JUMPCLOUD_API_KEY": tc.key}
		f := &Factory{IO: &IOStreams{}, Getenv: func(k string) string { return env[k] }}
		c, err := f.jumpCloudClient(&jumpCloudOptions{Region: tc.region}, model.Inputs{}, true, false)
		if tc.wantErr != "" {
			var ue usageError
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &ue) {
				t.Errorf("%q %q: err %v, want a usage error mentioning %q", tc.base, tc.region, err, tc.wantErr)
			}
			continue
		}
		if err != nil || c == nil || strings.TrimRight(c.BaseURL(), "/") != tc.wantBase {
			t.Errorf("%q %q: %v %v, want base %s", tc.base, tc.region, c, err, tc.wantBase)
		}
	}
	// No key: no client, unless changes or groups ask for JumpCloud, which
	// without a terminal is a usage error naming the variable.
	f := &Factory{IO: &IOStreams{}, Getenv: func(string) string { return "" }}
	if c, err := f.jumpCloudClient(&jumpCloudOptions{}, model.Inputs{}, true, false); c != nil || err != nil {
		t.Errorf("no key: %v %v, want neither client nor error", c, err)
	}
	in := model.Inputs{JumpCloud: model.JumpCloudInputs{Changes: true}}
	if _, err := f.jumpCloudClient(&jumpCloudOptions{}, in, false, false); err == nil || !strings.Contains(err.Error(), "JUMPCLOUD_API_KEY") {
		t.Errorf("changes without a key: %v", err)
	}
}

// --sandbox points the client at the sandbox's admin API, and its key works
// there.
func TestSandboxFlagSetsTheJumpCloudClient(t *testing.T) {
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
	c, err := f.jumpCloudClient(&jumpCloudOptions{}, model.Inputs{}, true, false)
	base, _ := sb.JumpCloudAPI()
	if err != nil || c == nil || strings.TrimRight(c.BaseURL(), "/") != base {
		t.Fatalf("client %v %v, want the sandbox's %s", c, err, base)
	}
	if _, err := c.UserGroups(context.Background()); err != nil {
		t.Errorf("the sandbox's key does not work with its API: %v", err)
	}
}
