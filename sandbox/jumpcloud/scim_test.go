package jumpcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"jcaccess/sandbox/cfapi"
	"jcaccess/sandbox/jumpcloud"
)

func (w *world) cfIdP() cfapi.IdP {
	w.t.Helper()
	for _, idp := range w.cf.IdPs() {
		if idp.ID == w.idpID {
			return idp
		}
	}
	w.t.Fatal("IdP not found")
	return cfapi.IdP{}
}

func userByName(idp cfapi.IdP, userName string) *cfapi.SCIMUser {
	for i := range idp.Users {
		if idp.Users[i].UserName == userName {
			return &idp.Users[i]
		}
	}
	return nil
}

func groupByName(idp cfapi.IdP, name string) *cfapi.SCIMGroup {
	for i := range idp.Groups {
		if idp.Groups[i].DisplayName == name {
			return &idp.Groups[i]
		}
	}
	return nil
}

// logSummary is the log as "STATUS METHOD TYPE" lines.
func logSummary(idp cfapi.IdP) []string {
	var out []string
	for _, l := range idp.Log {
		out = append(out, l.Status+" "+l.RequestMethod+" "+l.ResourceType)
	}
	return out
}

func TestActivateSCIM(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if err := w.idp.ActivateSCIM(ctx, w.hc, w.scimBase, w.scimSecret); err != nil {
		t.Fatal(err)
	}
	idp := w.cfIdP()
	// alice, carol (engineering) and dave (ops) are bound; bob (sales) is not.
	if len(idp.Users) != 3 || userByName(idp, "bob@example.com") != nil {
		t.Fatalf("users = %+v", idp.Users)
	}
	alice := userByName(idp, "alice@example.com")
	if alice == nil || !alice.Active || alice.ExternalID != w.idp.UserID("alice@example.com") || len(alice.ExternalID) != 24 ||
		alice.DisplayName != "Alice Liddell" || !slices.Equal(alice.Emails, []string{"alice@example.com"}) {
		t.Fatalf("alice = %+v", alice)
	}
	carol, dave := userByName(idp, "carol@example.com"), userByName(idp, "dave@example.com")
	// Only the bound groups are pushed ("everyone" is not bound).
	if len(idp.Groups) != 2 || groupByName(idp, "everyone") != nil {
		t.Fatalf("groups = %+v", idp.Groups)
	}
	eng, ops := groupByName(idp, "engineering"), groupByName(idp, "ops")
	if eng == nil || eng.ExternalID != w.idp.GroupID("engineering") || !sameSet(eng.Members, []string{alice.ID, carol.ID}) {
		t.Fatalf("engineering = %+v", eng)
	}
	if ops == nil || !sameSet(ops.Members, []string{carol.ID, dave.ID}) {
		t.Fatalf("ops = %+v", ops)
	}
	// The connection test first: a test user and a test group, created
	// then deleted; then the real provisioning.
	connTest := []string{"SUCCESS POST USER", "SUCCESS POST GROUP", "SUCCESS DELETE GROUP", "SUCCESS DELETE USER"}
	if !strings.HasPrefix(idp.Log[0].ResourceUserEmail, jumpcloud.SCIMTestUserPrefix) ||
		!strings.HasPrefix(idp.Log[1].ResourceGroupName, jumpcloud.SCIMTestGroupPrefix) {
		t.Fatalf("connection test log = %+v", idp.Log[:2])
	}
	wantLog := []string{
		"SUCCESS POST USER", "SUCCESS POST USER", "SUCCESS POST USER",
		"SUCCESS POST GROUP", "SUCCESS PATCH GROUP", "SUCCESS POST GROUP", "SUCCESS PATCH GROUP",
	}
	wantLog = append(slices.Clone(connTest), wantLog...)
	if got := logSummary(idp); !slices.Equal(got, wantLog) {
		t.Fatalf("log = %q, want %q", got, wantLog)
	}
	var patch map[string]any
	if err := json.Unmarshal([]byte(idp.Log[len(connTest)+4].RequestBody), &patch); err != nil {
		t.Fatal(err)
	}
	if patch["schemas"].([]any)[0] != "urn:ietf:params:scim:api:messages:2.0:PatchOp" {
		t.Fatalf("patch = %v", patch)
	}
	op := patch["Operations"].([]any)[0].(map[string]any)
	if op["op"] != "add" || op["path"] != "members" || len(op["value"].([]any)) != 2 {
		t.Fatalf("patch op = %v", op)
	}
	// Bearer token, as JumpCloud sends it.
	for _, r := range w.cf.Requests() {
		if strings.HasPrefix(r.Path, "/scim/") && r.Authorization != "Bearer "+w.scimSecret {
			t.Fatalf("request %s %s has Authorization %q", r.Method, r.Path, r.Authorization)
		}
	}
	st := w.idp.SCIM()
	if st.BaseURL != w.scimBase || st.Users["alice@example.com"] != alice.ID || st.Groups["ops"] != ops.ID || st.ActivatedAt.IsZero() {
		t.Fatalf("SCIM status = %+v", st)
	}

	// A second Activate runs the connection test again and provisions
	// nothing new.
	if err := w.idp.ActivateSCIM(ctx, w.hc, w.scimBase, w.scimSecret); err != nil {
		t.Fatal(err)
	}
	wantLog = append(wantLog, connTest...)
	if got := logSummary(w.cfIdP()); !slices.Equal(got, wantLog) {
		t.Fatalf("second Activate wrote: %q", got)
	}
	if idp := w.cfIdP(); len(idp.Users) != 3 || len(idp.Groups) != 2 {
		t.Fatalf("the connection test left %d users, %d groups", len(idp.Users), len(idp.Groups))
	}

	// Unbinding "ops" and a sync: dave is deactivated, ops is left alone
	// (JumpCloud stops syncing an unbound group), carol stays (engineering).
	app := w.idp.App()
	app.BoundGroups = []string{"engineering"}
	w.idp.SetApp(app)
	if err := w.idp.SyncSCIM(ctx, w.hc); err != nil {
		t.Fatal(err)
	}
	idp = w.cfIdP()
	if d := userByName(idp, "dave@example.com"); d == nil || d.Active {
		t.Fatalf("dave = %+v", d)
	}
	if c := userByName(idp, "carol@example.com"); c == nil || !c.Active {
		t.Fatalf("carol = %+v", c)
	}
	if got := logSummary(idp); !slices.Equal(got, append(wantLog, "SUCCESS PATCH USER")) {
		t.Fatalf("log after sync = %q", got)
	}
}

// A group or user that already exists in Cloudflare is taken over, not
// duplicated.
func TestActivateSCIMTakesOver(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if err := w.idp.ActivateSCIM(ctx, w.hc, w.scimBase, w.scimSecret); err != nil {
		t.Fatal(err)
	}
	// JumpCloud forgets what it pushed (a restored snapshot of an older
	// world, say): the same users and groups are found by name.
	snap, err := w.idp.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	_ = json.Unmarshal(snap, &raw)
	delete(raw, "scim")
	snap, _ = json.Marshal(raw)
	fresh, err := jumpcloud.RestoreIdP(jumpcloud.IdPOptions{BaseURL: w.idp.BaseURL(), Now: w.clock.Now}, snap)
	if err != nil {
		t.Fatal(err)
	}
	before := len(w.cfIdP().Log)
	if err := fresh.ActivateSCIM(ctx, w.hc, w.scimBase, w.scimSecret); err != nil {
		t.Fatal(err)
	}
	idp := w.cfIdP()
	if len(idp.Users) != 3 || len(idp.Groups) != 2 || len(idp.Log) != before+4 { // only the connection test's 4 requests
		t.Fatalf("take over: %d users, %d groups, log %q", len(idp.Users), len(idp.Groups), logSummary(idp)[before:])
	}
	if fresh.SCIM().Users["alice@example.com"] != userByName(idp, "alice@example.com").ID {
		t.Fatalf("SCIM status = %+v", fresh.SCIM())
	}
}

func TestActivateSCIMErrors(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()

	err := w.idp.ActivateSCIM(ctx, w.hc, w.scimBase, "not-the-secret")
	var se *jumpcloud.SCIMError
	if !errors.As(err, &se) || !se.Activate || se.Status != http.StatusUnauthorized {
		t.Fatalf("wrong token: %v", err)
	}
	want := "Identity Management activation failed: JumpCloud could not verify the Base URL and Token Key: the service provider rejected the Token Key: GET " +
		w.scimBase + "/Users?count=1&startIndex=1 returned 401 Unauthorized: Authorization failure. The authorization header is invalid or missing."
	if err.Error() != want {
		t.Fatalf("error = %q\nwant    %q", err, want)
	}
	if len(w.cfIdP().Users) != 0 {
		t.Fatal("a failed activation pushed users")
	}
	if w.idp.SCIM().BaseURL != "" {
		t.Fatalf("a failed activation was remembered: %+v", w.idp.SCIM())
	}

	// A Base URL that is not a SCIM endpoint: the API root answers 404.
	err = w.idp.ActivateSCIM(ctx, w.hc, w.cfTS.URL+"/scim/00000000-0000-4000-8000-000000000000", w.scimSecret)
	if !errors.As(err, &se) || se.Status != http.StatusNotFound || !strings.Contains(err.Error(), "activation failed") {
		t.Fatalf("unknown endpoint: %v", err)
	}

	// Nothing listening.
	err = w.idp.ActivateSCIM(ctx, w.hc, "https://127.0.0.1:1/scim/x", w.scimSecret)
	if !errors.As(err, &se) || se.Status != 0 || !strings.Contains(err.Error(), "could not connect to https://127.0.0.1:1/scim/x/Users") {
		t.Fatalf("no server: %v", err)
	}

	if err := w.idp.SyncSCIM(ctx, w.hc); err == nil {
		t.Fatal("SyncSCIM before activation succeeded")
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// refuseDelete answers every DELETE 405, as a SCIM server without DELETE.
type refuseDelete struct{ next http.RoundTripper }

func (r refuseDelete) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodDelete {
		return &http.Response{StatusCode: http.StatusMethodNotAllowed, Status: "405 Method Not Allowed",
			Body: http.NoBody, Header: http.Header{}, Request: req}, nil
	}
	return r.next.RoundTrip(req)
}

// Without DELETE, the connection test deactivates its test user and leaves
// it (and its group) behind, and Activate goes on.
func TestActivateSCIMWithoutDelete(t *testing.T) {
	w := newWorld(t)
	next := w.hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc := &http.Client{Transport: refuseDelete{next}}
	if err := w.idp.ActivateSCIM(context.Background(), hc, w.scimBase, w.scimSecret); err != nil {
		t.Fatal(err)
	}
	idp := w.cfIdP()
	if len(idp.Users) != 4 || len(idp.Groups) != 3 {
		t.Fatalf("%d users, %d groups; want the test user and group left behind", len(idp.Users), len(idp.Groups))
	}
	var test *cfapi.SCIMUser
	for i := range idp.Users {
		if strings.HasPrefix(idp.Users[i].UserName, jumpcloud.SCIMTestUserPrefix) {
			test = &idp.Users[i]
		}
	}
	if test == nil || test.Active {
		t.Fatalf("test user = %+v, want it deactivated", test)
	}
	if got := logSummary(idp)[:3]; !slices.Equal(got, []string{"SUCCESS POST USER", "SUCCESS POST GROUP", "SUCCESS PATCH USER"}) {
		t.Fatalf("log = %q", got)
	}
}
