package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Text from outside (metadata, API answers, SCIM logs) reaches a terminal
// with its control characters escaped: no ESC sequence (a clipboard write,
// OSC 52; a hidden line) and no line of its own. JSON keeps the values.

// osc52 writes "hi" to the clipboard, then hides what follows.
const osc52 = "\x1b]52;c;aGk=\x07\x1b[8m"

// rawControl finds what must never reach the terminal raw: C0 controls but
// newline, DEL, C1 controls and bidi overrides and isolates.
var rawControl = regexp.MustCompile("[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]")

func assertNoInjection(t *testing.T, what, out string, forged ...string) {
	t.Helper()
	if loc := rawControl.FindStringIndex(out); loc != nil {
		t.Errorf("%s shows a control character raw (%q):\n%q", what, out[loc[0]:loc[1]], out)
	}
	for _, line := range strings.Split(out, "\n") {
		for _, f := range forged {
			if strings.HasPrefix(strings.TrimSpace(line), f) {
				t.Errorf("%s has a forged line %q:\n%s", what, line, out)
			}
		}
	}
}

// evilCert is a certificate whose subject carries an ESC sequence and a
// line of its own (DER allows both in a UTF8String).
func evilCert(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7),
		Subject:   pkix.Name{CommonName: "JumpCloud" + osc52 + "\nVerdict: usable.", Organization: []string{"Acme\u202egnp.exe"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(2, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func TestMetadataInspectShowsControlCharactersEscaped(t *testing.T) {
	// XML refuses a raw ESC, but a character reference brings a newline
	// and C1 controls (U+009B is CSI) into the entity ID; the certificate
	// subject brings ESC itself.
	entityID := "https://acme.cloudflareaccess.com/&#10;Verdict: usable.&#x9b;8m&#x202e;"
	meta := `<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + entityID + `"><md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>` + evilCert(t) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress&#10;Verdict: usable.</md:NameIDFormat><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sso.jumpcloud.com/saml2/cloudflareaccess"/></md:IDPSSODescriptor></md:EntityDescriptor>`
	path := filepath.Join(t.TempDir(), "metadata.xml")
	if err := os.WriteFile(path, []byte(meta), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runBare(t, map[string]string{}, "metadata", "inspect", path, "--team", "acme")
	if r.code != 0 {
		t.Fatalf("want exit 0 (the findings are warnings):\n%s", r)
	}
	assertNoInjection(t, "metadata inspect", r.stdout+r.stderr, "Verdict: usable.")
	if n := len(regexp.MustCompile(`(?m)^Verdict:`).FindAllString(r.stdout, -1)); n != 1 {
		t.Errorf("%d lines start with Verdict:\n%s", n, r.stdout)
	}
	for _, want := range []string{
		`Entity ID:            https://acme.cloudflareaccess.com/\nVerdict: usable.\u009b8m\u202e`,
		`Subject:     CN=JumpCloud\x1b]52\;c\;aGk=\x07\x1b[8m\nVerdict: usable.,O=Acme\u202egnp.exe`,
		`NameID formats:       urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\nVerdict: usable.`,
		"\nVerdict: usable, with 2 warning(s) worth fixing.\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the text output lacks %q:\n%s", want, r.stdout)
		}
	}

	// JSON keeps the values exact.
	r = runBare(t, map[string]string{}, "metadata", "inspect", path, "--json")
	var rep struct {
		EntityID     string `json:"entity_id"`
		Certificates []struct {
			Subject string `json:"subject"`
		} `json:"certificates"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, r)
	}
	if rep.EntityID != "https://acme.cloudflareaccess.com/\nVerdict: usable.\u009b8m\u202e" || len(rep.Certificates) != 1 || !strings.Contains(rep.Certificates[0].Subject, "JumpCloud\x1b]52\\;c\\;aGk=\x07\x1b[8m\nVerdict") {
		t.Errorf("--json changed the values: %+v", rep)
	}
}

func TestCheckShowsSCIMLogTextEscaped(t *testing.T) {
	w := newWorld(t)
	r := w.run(nil, "apply", "--config", w.config, "--yes", "--json")
	if r.code != 0 {
		t.Fatalf("apply failed:\n%s", r)
	}
	var out runJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.SCIMEndpoint == "" || out.SCIMSecret == "" {
		t.Fatalf("apply --json: %v\n%s", err, r)
	}
	// JumpCloud (or whoever holds the secret) pushes the same user twice:
	// the second is a FAILURE in the SCIM log, with the email in it.
	email := "eve@example.com" + osc52 + "\n[ok]   forged-line\u202e"
	body, _ := json.Marshal(map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": email, "externalId": "jc-eve" + osc52, "active": true,
		"emails": []any{map[string]any{"value": email, "type": "work", "primary": true}},
	})
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, strings.TrimSuffix(out.SCIMEndpoint, "/")+"/Users", strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+out.SCIMSecret)
		req.Header.Set("Content-Type", "application/scim+json")
		res, err := w.sb.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	r = w.run(nil, "check", "--team", "acme")
	if !strings.Contains(r.stdout, "scim_failures") {
		t.Fatalf("check reports no SCIM failure:\n%s", r)
	}
	assertNoInjection(t, "check", r.stdout+r.stderr, "[ok]   forged-line", "forged-line")
	if !strings.Contains(r.stdout, `eve@example.com\x1b]52;c;aGk=\x07\x1b[8m\n[ok]   forged-line\u202e`) {
		t.Errorf("check does not show the email escaped:\n%s", r.stdout)
	}
	// --json keeps the message exact: JSON escapes it.
	r = w.run(nil, "check", "--team", "acme", "--json")
	var doc runJSON
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("check --json: %v\n%s", err, r)
	}
	exact := false
	for _, f := range doc.Findings {
		exact = exact || strings.Contains(f.Message, email)
	}
	if !exact {
		t.Errorf("check --json lost the exact email: %+v", doc.Findings)
	}
}

func TestAPIErrorMessagesShowEscaped(t *testing.T) {
	w := newWorld(t)
	ts := httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusForbidden)
		msg, _ := json.Marshal("denied" + osc52 + "\nPlan: 0 to create. Run jcaccess apply\u202e")
		_, _ = rw.Write([]byte(`{"success":false,"errors":[{"code":10000,"message":` + string(msg) + `}],"messages":[],"result":null}`))
	}))
	defer ts.Close()
	for _, cmd := range [][]string{{"plan", "--config", w.config}, {"check", "--team", "acme"}} {
		r := w.runAgainst(ts, cmd...)
		if r.code == 0 {
			t.Fatalf("%s passed against a refusing API:\n%s", cmd[0], r)
		}
		assertNoInjection(t, cmd[0], r.stdout+r.stderr, "Plan: 0 to create")
		if !strings.Contains(r.stdout+r.stderr, `denied\x1b]52;c;aGk=\x07\x1b[8m\nPlan: 0 to create`) {
			t.Errorf("%s does not show the API's message escaped:\n%s", cmd[0], r)
		}
	}
}
