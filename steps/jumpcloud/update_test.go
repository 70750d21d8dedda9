package jumpcloud_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"jcaccess/model"
	"jcaccess/steps/jumpcloud"
	"jcaccess/steps/jumpcloud/jumpcloudtest"
	"jcaccess/steps/samlmeta"
)

// planFix inspects with Fix and returns the plan (read-only client).
func planFix(t *testing.T, f *jumpcloudtest.Fake, w jumpcloud.Want) (jumpcloud.Inspection, []model.Change) {
	t.Helper()
	ro, _ := client(t, f, "", true)
	w.Fix = true
	in := jumpcloud.Inspect(context.Background(), ro, w)
	plan, err := jumpcloud.Plan(in, w, "jumpcloud-app")
	if err != nil {
		t.Fatal(err)
	}
	return in, plan
}

func cfg(f *jumpcloudtest.Fake, id string) map[string]any {
	var a map[string]any
	_ = json.Unmarshal(f.App(id), &a)
	return a["config"].(map[string]any)
}

func puts(f *jumpcloudtest.Fake) int {
	n := 0
	for _, r := range f.Writes() {
		if r.Method == "PUT" {
			n++
		}
	}
	return n
}

// If JumpCloud's GET masks the private key (docs §11.1 leaves it open),
// writing the object back would replace the key: nothing is sent, and the
// error says why and lists what to set in the console.
func TestUpdateRefusesWhenThePrivateKeyIsNotReadable(t *testing.T) {
	for _, masked := range []any{"********", "", nil} {
		f := fakeWithApp(t)
		c := f.Apps[1]["config"].(map[string]any)
		c["spEntityId"].(map[string]any)["value"] = "https://wrong/"
		c["idpPrivateKey"].(map[string]any)["value"] = masked
		_, plan := planFix(t, f, want())
		if len(plan) != 1 {
			t.Fatalf("plan %+v", plan)
		}
		rw, _ := client(t, f, "", false)
		_, err := rw.Apply(context.Background(), plan[0], "")
		if err == nil || puts(f) != 0 {
			t.Fatalf("key %q: %d PUTs, %v", masked, puts(f), err)
		}
		for _, s := range []string{"nothing was sent", "signing pair", "console", "config.spEntityId = \"https://" + domain + "/cdn-cgi/access/callback\""} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("key %q: the error lacks %q: %v", masked, s, err)
			}
		}
	}
}

// If the PUT changed the signing certificate all the same, apply is told:
// Cloudflare trusts the old one until apply runs again.
func TestUpdateReportsANewSigningCertificate(t *testing.T) {
	f := fakeWithApp(t)
	f.Apps[1]["config"].(map[string]any)["spEntityId"].(map[string]any)["value"] = "https://wrong/"
	f.RegeneratePairOnPut = true
	_, plan := planFix(t, f, want())
	rw, _ := client(t, f, "", false)
	_, err := rw.Apply(context.Background(), plan[0], "")
	if err == nil || puts(f) != 1 || !strings.Contains(err.Error(), "signing certificate changed") || !strings.Contains(err.Error(), "apply again") {
		t.Fatalf("%d PUTs: %v", puts(f), err)
	}
}

// An ACS URL list keeps its other URLs: this team's is added.
func TestACSURLListIsAddedTo(t *testing.T) {
	f := fakeWithApp(t)
	other := "https://staging.cloudflareaccess.com/cdn-cgi/access/callback"
	f.Apps[1]["config"].(map[string]any)["acsUrl"].(map[string]any)["value"] = []any{other}
	in, plan := planFix(t, f, want())
	if !reflect.DeepEqual(in.Findings.Codes(), []string{jumpcloud.CodeACSURLWrong}) || len(plan) != 1 {
		t.Fatalf("%v %+v", in.Findings, plan)
	}
	if !strings.Contains(string(plan[0].Body), `"acsUrl":{"add":["https://`+domain+`/cdn-cgi/access/callback"]}`) {
		t.Errorf("plan body %s", plan[0].Body)
	}
	rw, _ := client(t, f, "", false)
	applyAll(t, rw, plan)
	got := cfg(f, "app1")["acsUrl"].(map[string]any)["value"]
	if !reflect.DeepEqual(got, []any{other, "https://" + domain + "/cdn-cgi/access/callback"}) {
		t.Errorf("acsUrl after apply: %v", got)
	}
	if _, again := planFix(t, f, want()); len(again) != 0 {
		t.Errorf("a second plan: %+v", again)
	}
}

// The email row is added to the rows there at apply time: a row added in
// the console between plan and apply survives.
func TestEmailRowIsAddedToTheRowsAtApplyTime(t *testing.T) {
	f := fakeWithApp(t)
	row := func(name, v string) map[string]any { return map[string]any{"name": name, "value": v} }
	c := f.Apps[1]["config"].(map[string]any)
	c["databaseAttributes"].(map[string]any)["value"] = []any{row("firstName", "firstname")}
	_, plan := planFix(t, f, want())
	if len(plan) != 1 || !strings.Contains(string(plan[0].Body), `"databaseAttributes":{"add":[{"name":"email","value":"email"}]}`) {
		t.Fatalf("plan %+v", plan)
	}
	// Meanwhile, in the console:
	f.Lock()
	c["databaseAttributes"].(map[string]any)["value"] = []any{row("firstName", "firstname"), row("department", "department")}
	f.Unlock()
	rw, _ := client(t, f, "", false)
	applyAll(t, rw, plan)
	var names []string
	for _, r := range cfg(f, "app1")["databaseAttributes"].(map[string]any)["value"].([]any) {
		names = append(names, r.(map[string]any)["name"].(string))
	}
	if !reflect.DeepEqual(names, []string{"firstName", "department", "email"}) {
		t.Errorf("rows after apply: %v", names)
	}
}

// Every attribute the login method requires is checked: one missing is a
// finding (never fixed by jcaccess), and the app is not "verified".
func TestRequiredAttributesAreChecked(t *testing.T) {
	for _, fix := range []bool{false, true} {
		f := fakeWithApp(t)
		w := want()
		w.Attributes = []string{"department"} // beyond email and groups (steps.mappedAttributes)
		ro, _ := client(t, f, "", true)
		w.Fix = fix
		in := jumpcloud.Inspect(context.Background(), ro, w)
		if got := in.Findings.Codes(); !reflect.DeepEqual(got, []string{jumpcloud.CodeAttributeMissing}) {
			t.Fatalf("fix=%v: %v", fix, in.Findings)
		}
		fd := in.Findings[0]
		if !strings.Contains(fd.Message, `"department"`) || !strings.Contains(fd.Message, "add it in the SSO tab's attributes") ||
			fix && fd.Severity != model.SeverityWarning || !fix && fd.Severity != model.SeverityError {
			t.Errorf("fix=%v: %s %s", fix, fd.Severity, fd.Message)
		}
		if plan, _ := jumpcloud.Plan(in, w, "jumpcloud-app"); len(plan) != 0 {
			t.Errorf("fix=%v: planned %+v", fix, plan)
		}
	}
	f := fakeWithApp(t)
	c := f.Apps[1]["config"].(map[string]any)
	c["databaseAttributes"].(map[string]any)["value"] = []any{map[string]any{"name": "email", "value": "email"}, map[string]any{"name": "department", "value": "department"}}
	ro, _ := client(t, f, "", true)
	w := want()
	w.Attributes = []string{"department"}
	if in := jumpcloud.Inspect(context.Background(), ro, w); !reflect.DeepEqual(in.Findings.Codes(), []string{jumpcloud.CodeAppMatches}) {
		t.Errorf("sent: %v", in.Findings)
	}
	delete(c, "databaseAttributes")
	delete(c, "constantAttributes")
	w.EmailAttribute = ""
	in := jumpcloud.Inspect(context.Background(), ro, w)
	if !reflect.DeepEqual(in.Findings.Codes(), []string{jumpcloud.CodeAttributesUnchecked}) || in.Findings[0].Severity != model.SeverityToConfirm {
		t.Errorf("unreadable: %v", in.Findings)
	}
}

// An application created through the EU console gets its SSO URL on the
// EU SSO host, which the metadata checks accept as JumpCloud's.
func TestEUConsoleCreatesOnTheEUSSOHost(t *testing.T) {
	f := jumpcloudtest.New(t, key)
	f.Templates = []map[string]any{{"_id": "t-cfa", "name": "cloudflareaccess", "displayName": "Cloudflare Access"}}
	tr := f.Server.Client().Transport.(*http.Transport).Clone()
	addr := f.Server.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	tr.TLSClientConfig = tr.TLSClientConfig.Clone()
	tr.TLSClientConfig.ServerName = "example.com" // the name httptest's certificate carries
	tr.TLSClientConfig.MinVersion = tls.VersionTLS12
	c, err := jumpcloud.New(jumpcloud.Options{BaseURL: jumpcloud.EUBaseURL, Key: model.NewSecret(key), HTTP: &http.Client{Transport: tr, Timeout: 10 * time.Second}, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	w := want()
	w.Fix = true
	plan, err := jumpcloud.Plan(jumpcloud.Inspect(context.Background(), c, w), w, "jumpcloud-app")
	if err != nil || len(plan) != 1 {
		t.Fatalf("%+v %v", plan, err)
	}
	var body struct{ SSOURL string }
	_ = json.Unmarshal(plan[0].Body, &body)
	u, err := url.Parse(body.SSOURL)
	if err != nil || u.Host != "sso.eu.jumpcloud.com" || !samlmeta.IsJumpCloudSSOHost(u.Host) {
		t.Errorf("ssoUrl %q", body.SSOURL)
	}
	if slices.Contains([]string{"", "sso.jumpcloud.com"}, u.Host) {
		t.Error("the EU app would be on the US host")
	}
}
