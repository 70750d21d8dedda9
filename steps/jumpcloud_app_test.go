package steps

import (
	"context"
	"slices"
	"strings"
	"testing"

	"jcaccess/model"
	jc "jcaccess/steps/jumpcloud"
	"jcaccess/steps/jumpcloud/jumpcloudtest"
)

const jcKey = "jca_stepstestkey0123456789abcdef"

func jcFake(t *testing.T, domain string) *jumpcloudtest.Fake {
	f := jumpcloudtest.New(t, jcKey)
	f.Apps = []map[string]any{jumpcloudtest.SSOApp("app1", "Cloudflare Access", domain)}
	f.Groups = []map[string]any{{"id": "g1", "name": "Engineering"}, {"id": "g2", "name": "Sales"}}
	f.Bound["app1"] = []string{"g1"}
	return f
}

func jcClient(t *testing.T, f *jumpcloudtest.Fake, readOnly bool) *jc.Client {
	c, err := jc.New(jc.Options{BaseURL: f.Server.URL, Key: model.NewSecret(jcKey), HTTP: f.Server.Client(), ReadOnly: readOnly})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestJumpCloudAppStepVerifiedThroughTheAPI(t *testing.T) {
	w := newWorld(t)
	f := jcFake(t, w.domain)
	env := w.env(tokWrite, true)
	env.JumpCloud = jcClient(t, f, true)
	rep, err := Plan(context.Background(), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	sr := rep.Step(JumpCloudApp)
	hasCode(t, sr.Findings, jc.CodeAppMatches, model.SeverityInfo)
	if sr.Status != model.StatusVerified || len(sr.Changes) != 0 {
		t.Fatalf("step %+v", sr)
	}
	// Later evidence (metadata, test) does not replace what the API found.
	if got := env.Session.Step(string(JumpCloudApp)); got.Status != model.StatusVerified {
		t.Errorf("session has %v", got)
	}
	if len(f.Writes()) != 0 {
		t.Errorf("plan wrote to JumpCloud: %v", f.Writes())
	}
}

func TestJumpCloudDriftIsAnErrorWithoutChangesAndAChangeWithThem(t *testing.T) {
	w := newWorld(t)
	f := jcFake(t, w.domain)
	f.Apps[0]["config"].(map[string]any)["idpEntityId"].(map[string]any)["value"] = "JumpCloud"

	env := w.env(tokWrite, true)
	env.JumpCloud = jcClient(t, f, true)
	rep, _ := Plan(context.Background(), env, nil)
	hasCode(t, rep.Step(JumpCloudApp).Findings, jc.CodeIdPEntityIDWrong, model.SeverityError)
	if len(rep.Step(JumpCloudApp).Changes) != 0 {
		t.Fatal("changes planned without JumpCloudChanges")
	}

	env = w.env(tokWrite, false)
	env.JumpCloud, env.JumpCloudChanges = jcClient(t, f, false), true
	env.Session.Inputs.JumpCloud.Groups = []string{"Sales"}
	rep, err := Plan(context.Background(), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	var jcChanges []model.Change
	for _, ch := range rep.Changes() {
		if ch.Service == model.ServiceJumpCloud {
			jcChanges = append(jcChanges, ch)
		}
	}
	if len(jcChanges) != 2 || jcChanges[0].Method != "PUT" || jcChanges[1].Action != "bind" || jcChanges[0].Step != string(JumpCloudApp) {
		t.Fatalf("JumpCloud changes %+v", jcChanges)
	}
	if len(f.Writes()) != 0 {
		t.Fatal("plan wrote to JumpCloud")
	}
	cfBefore := len(w.api.MutatingRequests())
	applied, err := ApplyChanges(context.Background(), env, jcChanges, nil)
	if err != nil || len(applied) != 2 {
		t.Fatalf("applied %d: %v", len(applied), err)
	}
	if n := len(w.api.MutatingRequests()); n != cfBefore {
		t.Errorf("JumpCloud changes went to Cloudflare (%d requests)", n-cfBefore)
	}
	methods := []string{}
	for _, r := range f.Writes() {
		methods = append(methods, r.Method+" "+r.Path)
	}
	if !slices.Equal(methods, []string{"PUT /api/applications/app1", "POST /api/v2/applications/app1/associations"}) {
		t.Errorf("JumpCloud got %v", methods)
	}
	rep, _ = Plan(context.Background(), env, nil)
	for _, ch := range rep.Changes() {
		if ch.Service == model.ServiceJumpCloud {
			t.Errorf("a second plan still has %s", ch.Summary)
		}
	}
	hasCode(t, rep.Step(JumpCloudApp).Findings, jc.CodeAppMatches, model.SeverityInfo)
}

func TestFlowOffersTheJumpCloudAppStepItsChanges(t *testing.T) {
	w := newWorld(t)
	f := jcFake(t, w.domain)
	f.Apps[0]["config"].(map[string]any)["includeGroups"].(map[string]any)["value"] = false
	env := w.env(tokWrite, false)
	env.JumpCloud, env.JumpCloudChanges = jcClient(t, f, false), true
	flow := NewFlow(env, FlowOptions{})
	in := env.Session.Inputs
	res := flow.Run(context.Background(), Request{Step: JumpCloudApp, Inputs: in}, nil)
	if len(res.Changes) != 1 || res.Changes[0].Service != model.ServiceJumpCloud || res.Changes[0].Method != "PUT" {
		t.Fatalf("changes %+v, findings %v", res.Changes, res.Findings)
	}
	hasCode(t, res.Findings, jc.CodeGroupsAttributeOff, model.SeverityWarning)
	hasCode(t, res.Findings, "not_applied", model.SeverityWarning)
	if _, err := flow.Apply(context.Background(), res.Changes); err != nil {
		t.Fatal(err)
	}
	res = flow.Run(context.Background(), Request{Step: JumpCloudApp, Inputs: in}, nil)
	if len(res.Changes) != 0 || env.Session.Step(string(JumpCloudApp)).Status != model.StatusVerified {
		t.Fatalf("after apply: changes %+v, findings %v", res.Changes, res.Findings)
	}
}

func TestJumpCloudMetadataThroughTheAPIOrANoteToExport(t *testing.T) {
	w := newWorld(t)
	f := jcFake(t, w.domain)
	f.Metadata["app1"] = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://` + w.domain + `/"/>`
	env := w.env(tokWrite, true)
	if _, fs := JumpCloudMetadata(context.Background(), env); len(fs) != 1 || fs[0].Code != jc.CodeMetadataUnavailable {
		t.Fatalf("without a client: %v", fs)
	}
	env.JumpCloud = jcClient(t, f, true)
	RunStep(context.Background(), env, jumpCloudAppStep{})
	xml, fs := JumpCloudMetadata(context.Background(), env)
	if len(fs) != 0 || !strings.Contains(string(xml), w.domain) {
		t.Fatalf("%s %v", xml, fs)
	}
	delete(f.Metadata, "app1")
	if _, fs := JumpCloudMetadata(context.Background(), env); len(fs) != 1 || fs[0].Severity != model.SeverityWarning || !strings.Contains(fs[0].Message, "Export Metadata") {
		t.Fatalf("endpoint failing: %v", fs)
	}
}

func TestWithoutAClientTheStepKeepsItsEvidenceCheck(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, true)
	cs := jumpCloudAppStep{}.Checks(env)
	if len(cs) != 1 || cs[0].Name != "the app's values are confirmed" {
		t.Fatalf("checks %+v", cs)
	}
	if ch, err := (jumpCloudAppStep{}).Plan(context.Background(), env); ch != nil || err != nil {
		t.Fatalf("plan %v %v", ch, err)
	}
}

// A JumpCloud key typed into an interactive front end (Request.JumpCloudKey)
// gives the flow its client: the jumpcloud-app step then reads the app and
// the organization's groups through the API and, outside a dry run, plans
// the binding of a chosen group; a changed choice of groups runs the step
// again. In a dry run the same change is shown and marked not sent.
func TestFlowTakesATypedJumpCloudKey(t *testing.T) {
	for _, dry := range []bool{false, true} {
		w := newWorld(t)
		f := jcFake(t, w.domain)
		env := w.env(tokWrite, dry)
		var built []model.Secret
		flow := NewFlow(env, FlowOptions{DryRun: dry, NewJumpCloud: func(k model.Secret) (*jc.Client, error) {
			built = append(built, k)
			return jcClient(t, f, dry), nil
		}})
		in := env.Session.Inputs
		res := flow.Run(context.Background(), Request{Step: JumpCloudApp, Inputs: in}, nil)
		hasCode(t, res.Findings, "jc_app_to_confirm", model.SeverityToConfirm)
		if all, _, read := env.JumpCloudGroups(); read || all != nil {
			t.Fatalf("groups read without a key: %v", all)
		}

		key := model.NewSecret(jcKey)
		in.JumpCloud.Groups = []string{"Sales"}
		res = flow.Run(context.Background(), Request{Step: JumpCloudApp, Inputs: in, JumpCloudKey: &key}, nil)
		if len(built) != 1 || built[0].Reveal() != jcKey {
			t.Fatalf("the client was built from %d keys", len(built))
		}
		all, bound, read := env.JumpCloudGroups()
		if !read || len(all) != 2 || len(bound) != 1 || bound[0].Name != "Engineering" {
			t.Fatalf("groups %v, bound %v, read %v", all, bound, read)
		}
		if len(res.Changes) != 1 || res.Changes[0].Action != "bind" || !strings.Contains(res.Changes[0].Summary, `"Sales"`) {
			t.Fatalf("changes %+v: want the bind of Sales", res.Changes)
		}
		if dry {
			hasCode(t, res.Findings, "dry_run_not_sent", model.SeverityToConfirm)
			if _, err := flow.Apply(context.Background(), res.Changes); err == nil || len(f.Writes()) != 0 {
				t.Fatalf("a dry run sent the JumpCloud change: %v, writes %v", err, f.Writes())
			}
			continue
		}
		hasCode(t, res.Findings, "not_applied", model.SeverityWarning)
		other := in.Clone()
		other.JumpCloud.Groups = []string{"Engineering"}
		if !AnswersChanged(JumpCloudApp, in, other) {
			t.Error("a new choice of groups is not a changed answer of the jumpcloud-app step")
		}
		if len(f.Writes()) != 0 {
			t.Errorf("a run wrote to JumpCloud before any apply: %v", f.Writes())
		}
	}
}
