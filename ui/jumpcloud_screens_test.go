package ui

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"jcaccess/model"
	"jcaccess/steps/jumpcloud"
	"jcaccess/steps/jumpcloud/jumpcloudtest"
)

const testJumpCloudKey = "jca_ui_5e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b"

// jumpCloudWorld is JumpCloud's admin API (the steps' in-process fake, from
// docs/reference/jumpcloud-api.md) under its real name,
// console.jumpcloud.com, so screens do not depend on a port: an
// organization with the Cloudflare Access connector in its catalog, two
// user groups and no application yet.
func jumpCloudWorld(t *testing.T) (*jumpcloudtest.Fake, func(key model.Secret, readOnly bool) (*jumpcloud.Client, error)) {
	f := jumpcloudtest.New(t, testJumpCloudKey)
	f.Templates = []map[string]any{{
		"_id": "t-cfa", "name": "cloudflareaccess", "displayName": "Cloudflare Access", "ssoUrl": "https://sso.jumpcloud.com/saml2/cloudflareaccess",
		"config": map[string]any{
			"idpEntityId": map[string]any{"label": "IdP Entity ID", "value": "YOURDOMAIN"}, "spEntityId": map[string]any{"value": "YOURDOMAIN"},
			"acsUrl": map[string]any{"value": "https://YOURDOMAIN/cdn-cgi/access/callback"}, "signAssertion": map[string]any{"value": true},
			"databaseAttributes": map[string]any{"value": []any{map[string]any{"name": "email", "value": "email"}}},
		},
	}}
	f.Groups = []map[string]any{{"id": "g1", "name": "Engineering"}, {"id": "g2", "name": "Sales"}}
	tr := f.Server.Client().Transport.(*http.Transport).Clone()
	addr := f.Server.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	tr.TLSClientConfig = tr.TLSClientConfig.Clone()
	tr.TLSClientConfig.ServerName = "example.com" // the name httptest's certificate carries
	tr.TLSClientConfig.MinVersion = tls.VersionTLS12
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	return f, func(key model.Secret, readOnly bool) (*jumpcloud.Client, error) {
		return jumpcloud.New(jumpcloud.Options{BaseURL: "https://console.jumpcloud.com", Key: key, HTTP: hc, ReadOnly: readOnly})
	}
}

// TestJumpCloudKeyScreens: with a JumpCloud API key, the jumpcloud-app step
// asks which of the organization's groups to bind, shows its plan (create
// the app, bind the group) with JumpCloud's URLs, sends it on a then y, and
// is verified by the read that follows; at 80x24, plain and in colour.
func TestJumpCloudKeyScreens(t *testing.T) {
	for _, colour := range []bool{false, true} {
		name := "plain"
		if colour {
			name = "colour"
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			f, newJC := jumpCloudWorld(t)
			in := model.DefaultInputs()
			in.Team = "acme"
			o := w.options(setup{inputs: in, token: testToken})
			o.NoColor = !colour
			c, err := newJC(model.NewSecret(testJumpCloudKey), false)
			if err != nil {
				t.Fatal(err)
			}
			o.Env.JumpCloud, o.Env.JumpCloudChanges = c, true
			o.NewJumpCloud = func(k model.Secret) (*jumpcloud.Client, error) { return newJC(k, false) }
			o.JumpCloudAPIBase, o.JumpCloudKeyFromEnv = "https://console.jumpcloud.com", true
			d := newDriver(t, w, o)
			shot := func(name string, check func()) {
				t.Run(name, func(t *testing.T) {
					check()
					if colour {
						d.goldenColour(t)
					} else {
						d.golden(t)
					}
				})
			}
			d.mustSee("team domain acme.cloudflareaccess.com is live")
			d.press("n")
			d.mustSee("organization matches the team")
			d.press("n")
			shot("01_groups", func() { d.mustSee("User groups to bind to the app", "Engineering", "Sales", "apply will create it") })
			d.press(" ", "enter")
			shot("02_plan", func() {
				d.mustSee("from JUMPCLOUD_API_KEY (hidden)", "Groups Engineering", "Planned change (2)", "a apply")
			})
			d.press("a")
			shot("03_confirm", func() {
				d.mustSee(`+ bind JumpCloud user group "Engineering"`, "POST https://console.jumpcloud.com/api/applications", "Send these 2 requests to JumpCloud now?")
			})
			if n := len(f.Writes()); n != 0 {
				t.Fatalf("%d requests sent to JumpCloud before the confirmation", n)
			}
			d.press("y")
			shot("04_applied", func() { d.mustSee("Sent to JumpCloud", `done: bind JumpCloud user group "Engineering"`, "verified") })
			var sent []string
			for _, r := range f.Writes() {
				sent = append(sent, r.Method+" "+r.Path+" "+strings.TrimSpace(string(r.Body[:min(len(r.Body), 60)])))
			}
			if len(sent) != 2 || !strings.HasPrefix(sent[0], "POST /api/applications ") ||
				sent[1] != `POST /api/v2/applications/newapp000000000000000001/associations {"op":"add","type":"user_group","id":"g1"}` {
				t.Fatalf("sent to JumpCloud:\n%s", strings.Join(sent, "\n"))
			}
			d.press("n")
			// The metadata step asks for no file: JumpCloud's API has it
			// (the fake serves none, so the step says what failed).
			d.mustSee("Metadata read through JumpCloud's API")
			if strings.Contains(d.screen(), testJumpCloudKey) {
				t.Fatal("the JumpCloud key is on the screen")
			}
		})
	}
}
