package steps

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"jcaccess/model"
	"jcaccess/steps/cloudflare"
)

// signInStandIn serves only the two documented reads (cloudflare-api.md
// §11), with identities shaped by identity: one user per entry, the newest
// last.
func signInStandIn(t *testing.T, identities ...map[string]any) *Env {
	t.Helper()
	const acct = "0123456789abcdef0123456789abcdef"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /accounts/"+acct+"/access/users", func(w http.ResponseWriter, r *http.Request) {
		var users []map[string]any
		for i, id := range identities {
			users = append(users, map[string]any{"id": "u" + string(rune('0'+i)), "email": id["email"],
				"last_successful_login": time.Date(2026, 11, 27, 10+i, 0, 0, 0, time.UTC).Format(time.RFC3339)})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"success": true, "errors": []any{}, "messages": []any{}, "result": users,
			"result_info": map[string]any{"page": 1, "per_page": 100, "count": len(users), "total_count": len(users)}})
	})
	mux.HandleFunc("GET /accounts/"+acct+"/access/users/{id}/last_seen_identity", func(w http.ResponseWriter, r *http.Request) {
		i := int(r.PathValue("id")[1] - '0')
		_ = json.NewEncoder(w).Encode(map[string]any{"success": true, "errors": []any{}, "messages": []any{}, "result": identities[i]})
	})
	ts := httptest.NewTLSServer(mux)
	t.Cleanup(ts.Close)
	in := model.DefaultInputs()
	in.Team, in.AccountID = "acme", acct
	return &Env{Session: model.NewSession(in, time.Now()), Deps: Deps{CF: cloudflare.New(cloudflare.Config{Token: model.NewSecret("t"), BaseURL: ts.URL, HTTPClient: ts.Client()})}}
}

func TestSignInFindingsFromTheIdentity(t *testing.T) {
	idp := &cloudflare.IdP{ID: "idp-jc", Name: "JumpCloud"}
	other := map[string]any{"email": "otp@example.com", "idp": map[string]any{"id": "idp-otp", "type": "onetimepin"}}
	cases := []struct {
		name       string
		identities []map[string]any
		want       map[string]string // code -> a part of its message
	}{
		{"nobody through this IdP", []map[string]any{other},
			map[string]string{"signin_none": `nobody has signed in through "JumpCloud" yet`}},
		{"groups received", []map[string]any{
			{"email": "ada@example.com", "idp": map[string]any{"id": "idp-jc", "type": "saml"}, "groups": []any{map[string]any{"id": "g1", "name": "engineering", "email": ""}}},
			other},
			map[string]string{"signin_seen": "ada@example.com signed in through \"JumpCloud\" on 2026-11-27 10:00 UTC; Access received groups engineering"}},
		{"no groups", []map[string]any{{"email": "ada@example.com", "idp": map[string]any{"id": "idp-jc"}, "groups": []any{}}},
			map[string]string{"signin_seen": "Access received no groups", "signin_no_groups": "Include group attribute and name it exactly groups"}},
		// The API schema has no groups: their absence is not taken for none.
		{"groups not in the answer", []map[string]any{{"email": "ada@example.com", "idp": map[string]any{"id": "idp-jc"}}},
			map[string]string{"signin_seen": "did not say which groups", "signin_groups_unknown": "Test button"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := checkSignIns(context.Background(), signInStandIn(t, c.identities...), idp)
			got := map[string]string{}
			for _, f := range fs {
				got[f.Code] = f.Message
			}
			if len(got) != len(c.want) {
				t.Fatalf("findings %v, want codes %v", got, c.want)
			}
			for code, part := range c.want {
				if !strings.Contains(got[code], part) {
					t.Fatalf("%s = %q, want it to contain %q", code, got[code], part)
				}
			}
		})
	}
}
