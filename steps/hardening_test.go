package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"jcaccess/model"
	"jcaccess/sandbox/cfapi"
	"jcaccess/steps/cloudflare"
)

// An API (or a proxy before it) whose errors echo the Authorization header
// and a SCIM secret must not put either into findings, JSON or the session.
func TestAnEchoedTokenReachesNoFindingJSONOrSessionFile(t *testing.T) {
	w := newWorld(t)
	scim := model.NewSecret("scim-secret-echo-0123456789")
	echo := httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusBadRequest)
		msg := "rejected Authorization: " + r.Header.Get("Authorization") + " and scim " + scim.Reveal()
		json.NewEncoder(rw).Encode(map[string]any{"success": false, "errors": []map[string]any{{"code": 10000, "message": msg}}})
	}))
	t.Cleanup(echo.Close)
	env := w.env(tokWrite, false)
	env.CF = cloudflare.New(cloudflare.Config{Token: model.NewSecret(tokWrite), BaseURL: echo.URL + "/client/v4/", HTTPClient: echo.Client()})
	store := model.Store{Dir: t.TempDir()}
	rep, err := Plan(context.Background(), env, func(s *model.Session) error { return store.Save(s) })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmt.Sprint(rep.Findings()), "10000") {
		t.Fatalf("the API's error is not reported: %v", rep.Findings())
	}
	out, _ := json.Marshal(rep)
	file, err := os.ReadFile(store.Path("acme"))
	if err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{"findings": fmt.Sprint(rep.Findings()), "--json": string(out), "session file": string(file)} {
		for _, leak := range []string{tokWrite, scim.Reveal()} {
			if strings.Contains(text, leak) {
				t.Errorf("the %s hold %q", what, leak)
			}
		}
	}
}

// A login method with this setup's issuer is the same setup under another
// name: it is found and updated, never duplicated.
func TestASameIssuerIdPUnderAnotherNameIsNotDuplicated(t *testing.T) {
	w := newWorld(t)
	env := w.env(tokWrite, false)
	rep := w.apply(env)
	if len(rep.Applied) == 0 || len(w.api.IdPs()) != 1 {
		t.Fatalf("setup: %d IdPs", len(w.api.IdPs()))
	}
	first := w.api.IdPs()[0].ID
	// The dashboard renamed it and pointed its SSO URL elsewhere; only the
	// issuer still says whose it is.
	cur, err := env.CF.GetIdP(context.Background(), account, first)
	if err != nil {
		t.Fatal(err)
	}
	req := cur.Request()
	req.Name = "Staff SSO"
	req.Config.SSOTargetURL = "https://" + w.domain + "/saml2/renamed"
	body, _ := json.Marshal(req)
	if _, err := env.CF.Send(context.Background(), model.Change{Method: http.MethodPut, Path: cloudflare.IdPPath(account, first), Body: body, Summary: "rename"}); err != nil {
		t.Fatal(err)
	}
	// Another local team name: a fresh session that knows nothing of it.
	other := w.env(tokWrite, false)
	other.Session.Inputs.Team = "acme-again"
	w.apply(other)
	if n := len(w.api.IdPs()); n != 1 || other.Session.IdPID != first {
		t.Fatalf("%d IdPs; the second session manages %q, want %q", n, other.Session.IdPID, first)
	}
}

// lockDir gives each apply the account lock the commands give it.
func accountLocks(t *testing.T) func(string) (func(), error) {
	store := model.Store{Dir: t.TempDir()}
	return store.LockAccount
}

func TestTwoConcurrentAppliesForOneAccountMakeOneIdP(t *testing.T) {
	w := newWorld(t)
	// Both creates are slow enough to overlap.
	w.api.Fault(cfapi.Fault{Method: http.MethodPost, PathSuffix: "/identity_providers", Latency: 300 * time.Millisecond, Times: 2})
	lock := accountLocks(t)
	envs := []*Env{w.env(tokWrite, false), w.env(tokWrite, false)}
	envs[1].Session.Inputs.Team = "acme-two"
	reps := make([]*Report, 2)
	for i, env := range envs {
		env.LockAccount = lock
		rep, err := Plan(context.Background(), env, nil)
		if err != nil || rep.Findings().HasErrors() {
			t.Fatalf("plan %d: %v %v", i, err, rep.Findings())
		}
		reps[i] = rep
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, env := range envs {
		wg.Go(func() { errs[i] = Apply(context.Background(), env, reps[i], nil) })
	}
	wg.Wait()
	if n := len(w.api.IdPs()); n != 1 {
		t.Fatalf("%d IdPs for one account (errors %v)", n, errs)
	}
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			if !strings.Contains(err.Error(), "run apply again") {
				t.Errorf("the losing apply does not say what to do: %v", err)
			}
		}
	}
	if failed > 1 {
		t.Fatalf("both applies failed: %v", errs)
	}
}

func TestOneApplyConvergesThroughA500ThenA502(t *testing.T) {
	w := newWorld(t)
	w.api.Fault(cfapi.Fault{Method: http.MethodPost, PathSuffix: "/identity_providers", Status: http.StatusInternalServerError})
	w.api.Fault(cfapi.Fault{Method: http.MethodPost, PathSuffix: "/identity_providers", Status: http.StatusBadGateway})
	env := w.env(tokWrite, false)
	env.CreateBackoff = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}
	w.apply(env)
	idps := w.api.IdPs()
	if len(idps) != 1 || env.Session.IdPID != idps[0].ID || env.SCIMSecret.IsZero() {
		t.Fatalf("%d IdPs; session %q; secret delivered %v", len(idps), env.Session.IdPID, !env.SCIMSecret.IsZero())
	}
	w.noViolations()
}

// A create the API refuses for good (4xx) is not retried.
func TestACreateRefusedFor4xxIsNotRetried(t *testing.T) {
	w := newWorld(t)
	w.api.Fault(cfapi.Fault{Method: http.MethodPost, PathSuffix: "/identity_providers", Status: http.StatusBadRequest})
	env := w.env(tokWrite, false)
	rep, err := Plan(context.Background(), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(context.Background(), env, rep, nil); cloudflare.StatusOf(err) != http.StatusBadRequest {
		t.Fatalf("got %v", err)
	}
	if n := len(w.api.MutatingRequests()); n != 1 {
		t.Fatalf("%d creates sent", n)
	}
}
