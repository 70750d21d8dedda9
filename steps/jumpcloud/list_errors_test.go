package jumpcloud_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"jcaccess/model"
	"jcaccess/steps/jumpcloud"
)

// serve answers every request with answer(r) as JSON and the given status.
func serve(t *testing.T, status int, answer func(r *http.Request) any) (*jumpcloud.Client, *int) {
	t.Helper()
	n := 0
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(answer(r))
	}))
	t.Cleanup(ts.Close)
	c, err := jumpcloud.New(jumpcloud.Options{BaseURL: ts.URL, Key: model.NewSecret(key), HTTP: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

func appsPage(from, n int) []map[string]any {
	var out []map[string]any
	for i := from; i < from+n; i++ {
		out = append(out, map[string]any{"_id": fmt.Sprintf("a%05d", i), "displayLabel": "Cloudflare Access"})
	}
	return out
}

// A server that ignores skip returns page one again: the client stops at
// the second request with an error, rather than paging forever or
// reading 100 copies of each application as "ambiguous".
func TestPagingStopsWhenTheServerIgnoresSkip(t *testing.T) {
	c, n := serve(t, 200, func(*http.Request) any {
		return map[string]any{"totalCount": 250, "results": appsPage(0, 100)}
	})
	_, err := c.ListApps(context.Background())
	if err == nil || !strings.Contains(err.Error(), "ignores skip") || *n != 2 {
		t.Fatalf("after %d requests: %v", *n, err)
	}
	c, n = serve(t, 200, func(*http.Request) any { return appsPage(0, 100) })
	if _, err := c.UserGroups(context.Background()); err == nil || *n != 2 {
		t.Fatalf("V2: after %d requests: %v", *n, err)
	}
}

// An item listed twice (an insert shifted it into the next page) is one.
func TestPagingDropsDuplicateIDs(t *testing.T) {
	c, _ := serve(t, 200, func(r *http.Request) any {
		skip, _ := strconv.Atoi(r.URL.Query().Get("skip"))
		if skip == 0 {
			return map[string]any{"totalCount": 150, "results": appsPage(0, 100)}
		}
		return map[string]any{"totalCount": 150, "results": appsPage(99, 51)}
	})
	apps, err := c.ListApps(context.Background())
	if err != nil || len(apps) != 150 {
		t.Fatalf("%d apps, %v", len(apps), err)
	}
}

// A list that never ends is cut at 10,000 items with an error that says so.
func TestPagingIsCapped(t *testing.T) {
	c, n := serve(t, 200, func(r *http.Request) any {
		skip, _ := strconv.Atoi(r.URL.Query().Get("skip"))
		return map[string]any{"results": appsPage(skip, 100)}
	})
	_, err := c.ListApps(context.Background())
	if err == nil || !strings.Contains(err.Error(), "more than 10000 items") || *n != 101 {
		t.Fatalf("after %d requests: %v", *n, err)
	}
}

// Only a 401 that names the org ID, to a request without one, is a missing
// org ID; a revoked key in a message that mentions the organization is a
// key problem (with the org-ID hint too, as the two can look alike).
func TestUnauthorizedIsTheKeyUnlessTheOrgIDIsNamed(t *testing.T) {
	cases := []struct {
		msg  string
		kind jumpcloud.Kind
	}{
		{"x-org-id header is required for multi-tenant admins", jumpcloud.KindOrgIDMissing},
		{"Organization ID missing", jumpcloud.KindOrgIDMissing},
		{"API key revoked for this organization", jumpcloud.KindKeyInvalid},
		{"Unauthorized", jumpcloud.KindKeyInvalid},
	}
	for _, tc := range cases {
		c, _ := serve(t, 401, func(*http.Request) any { return map[string]any{"code": 401, "message": tc.msg} })
		_, err := c.ListApps(context.Background())
		if jumpcloud.KindOf(err) != tc.kind {
			t.Errorf("%q: kind %s, want %s (%v)", tc.msg, jumpcloud.KindOf(err), tc.kind, err)
		}
		if tc.kind == jumpcloud.KindKeyInvalid && (!strings.Contains(err.Error(), "JUMPCLOUD_API_KEY") || !strings.Contains(err.Error(), "JUMPCLOUD_ORG_ID")) {
			t.Errorf("%q: the hint does not name both causes: %v", tc.msg, err)
		}
	}
}
