package jumpcloud_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"jcaccess/model"
	"jcaccess/steps/jumpcloud"
	"jcaccess/steps/jumpcloud/jumpcloudtest"
)

// Two teams share one JumpCloud organization: prod's application carries
// the default label and prod's callback. Setting up another team must not
// take it (and with Fix, PUT over it) for lack of an application of its
// own; nor create a second one under the same label.
func TestTheLabelDoesNotTakeAnotherTeamsApp(t *testing.T) {
	const prod = "prod.cloudflareaccess.com"
	for _, fix := range []bool{false, true} {
		f := jumpcloudtest.New(t, key)
		f.Apps = []map[string]any{jumpcloudtest.SSOApp("prodapp", "Cloudflare Access", prod)}
		f.Templates = []map[string]any{{"_id": "t-cfa", "name": "cloudflareaccess", "displayName": "Cloudflare Access"}}
		f.Groups = []map[string]any{{"id": "g1", "name": "Engineering"}}
		f.Bound["prodapp"] = []string{"g1"}
		c, _ := client(t, f, "", true)
		w := want()
		w.Fix, w.Groups = fix, []string{"Engineering"}
		in := jumpcloud.Inspect(context.Background(), c, w)
		if in.App != nil {
			t.Fatalf("fix=%v: took %s, another team's application", fix, in.App.ID)
		}
		codes := in.Findings.Codes()
		wantCodes := []string{jumpcloud.CodeAppOtherTeam, jumpcloud.CodeAppMissing}
		if fix {
			wantCodes = []string{jumpcloud.CodeAppOtherTeam}
		}
		if !reflect.DeepEqual(codes, wantCodes) {
			t.Fatalf("fix=%v: %v", fix, in.Findings)
		}
		other := in.Findings[0]
		if !strings.Contains(other.Message, "https://"+prod+"/cdn-cgi/access/callback") || !strings.Contains(other.Message, "leaves it alone") || !strings.Contains(other.Message, "jumpcloud.app_label") {
			t.Errorf("fix=%v: %s", fix, other.Message)
		}
		if fix && other.Severity != model.SeverityError || !fix && other.Severity != model.SeverityWarning {
			t.Errorf("fix=%v: severity %s", fix, other.Severity)
		}
		if ch, err := jumpcloud.Plan(in, w, "jumpcloud-app"); len(ch) != 0 || err != nil {
			t.Errorf("fix=%v: planned %+v, %v", fix, ch, err)
		}
		// With its own label, the team gets its own application.
		w.Label = "Cloudflare Access (example)"
		in = jumpcloud.Inspect(context.Background(), c, w)
		if fix && (in.Template == nil || !reflect.DeepEqual(in.Findings.Codes(), []string{jumpcloud.CodeAppMissing})) {
			t.Errorf("own label: %v", in.Findings)
		}
	}
}

// Beside another team's application, one under the label that is set up
// for no team yet is this setup's: the other stays untouched, and the plan
// goes ahead (the notice about the other is a warning only).
func TestTheLabelTakesTheUnconfiguredAppBesideAnotherTeams(t *testing.T) {
	f := jumpcloudtest.New(t, key)
	f.Apps = []map[string]any{
		jumpcloudtest.SSOApp("prodapp", "Cloudflare Access", "prod.cloudflareaccess.com"),
		jumpcloudtest.SSOApp("newapp", "Cloudflare Access", "YOURDOMAIN"),
	}
	f.Bound["newapp"] = []string{"g1"}
	f.Groups = []map[string]any{{"id": "g1", "name": "Engineering"}}
	c, _ := client(t, f, "", true)
	w := want()
	w.Fix = true
	in := jumpcloud.Inspect(context.Background(), c, w)
	if in.App == nil || in.App.ID != "newapp" || in.Findings.HasErrors() {
		t.Fatalf("%+v %v", in.App, in.Findings)
	}
	plan, _ := jumpcloud.Plan(in, w, "jumpcloud-app")
	if len(plan) != 1 || plan[0].Path != "/api/applications/newapp" {
		t.Fatalf("plan %+v", plan)
	}
}

// This team's callback typed in another case is still this team's: the
// label finds it and the check names the case (SP Entity ID is
// case-sensitive, jumpcloud.md §2).
func TestTheLabelTakesThisTeamsURLInAnotherCase(t *testing.T) {
	f := fakeWithApp(t)
	f.Apps[1] = jumpcloudtest.SSOApp("app1", "Cloudflare Access", "EXAMPLE.cloudflareaccess.com")
	c, _ := client(t, f, "", true)
	in := jumpcloud.Inspect(context.Background(), c, want())
	codes := in.Findings.Codes()
	if in.App == nil || !reflect.DeepEqual(codes, []string{jumpcloud.CodeIdPEntityIDWrong, jumpcloud.CodeSPEntityIDWrong, jumpcloud.CodeACSURLWrong}) {
		t.Fatalf("%+v %v", in.App, in.Findings)
	}
}
