package jcapicheck

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The validator must fail what breaks the excerpt, or the tests that lean
// on it prove nothing.
func TestCheckCatchesWhatBreaksTheExcerpt(t *testing.T) {
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	jsonHdr := http.Header{"Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name, method, target, reqBody string
		status                        int
		header                        http.Header
		respBody, wantErr             string
		wantMatched                   bool
	}{
		{"a valid list", "GET", "/api/applications?limit=10", "", 200, jsonHdr, `{"totalCount":0,"results":[]}`, "", true},
		{"a total of the wrong type", "GET", "/api/applications", "", 200, jsonHdr, `{"totalCount":"0","results":[]}`, "response 200", true},
		{"an undeclared success status", "POST", "/api/applications", `{"name":"a","ssoUrl":"u","config":{}}`, 201, jsonHdr, `{}`, "response 201", true},
		{"a bind answered 200, not 204", "POST", "/api/v2/applications/x/associations", `{"op":"add","type":"user_group","id":"g"}`, 200, jsonHdr, ``, "response 200", true},
		{"a V2 list that is not an array", "GET", "/api/v2/usergroups", "", 200, jsonHdr, `{"results":[]}`, "response 200", true},
		{"an error that is not JSON", "GET", "/api/applications", "", 401, http.Header{"Content-Type": {"text/plain"}}, "no", "not JSON", true},
		{"an error without a message", "GET", "/api/applications", "", 404, jsonHdr, `{"status":"Not Found"}`, "lacks code or message", true},
		{"a request without a required parameter", "GET", "/api/v2/applications/x/associations", "", 400, jsonHdr, `{"code":400,"message":"m"}`, "targets", true},
		{"an undocumented path", "GET", "/api/organizations/o/applications/a/metadata.xml", "", 200, http.Header{}, "<x/>", "", false},
	} {
		r := httptest.NewRequest(tc.method, "https://console.jumpcloud.com"+tc.target, strings.NewReader(tc.reqBody))
		if tc.reqBody != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		matched, err := v.Check(r, []byte(tc.reqBody), tc.status, tc.header, []byte(tc.respBody))
		if matched != tc.wantMatched {
			t.Errorf("%s: matched %v", tc.name, matched)
		}
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.wantErr)
		}
	}
}
