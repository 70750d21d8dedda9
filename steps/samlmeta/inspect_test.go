package samlmeta

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestGeneratedCerts(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		name    string
		spec    func(t *testing.T) certSpec
		codes   []string
		keyType string
		keyBits int
		sigAlg  string
		msg     []string // substrings of the first finding's message
	}{
		{
			name:    "valid",
			spec:    func(t *testing.T) certSpec { return certSpec{} },
			keyType: "RSA", keyBits: 2048, sigAlg: "SHA256-RSA",
		},
		{
			name: "expired",
			spec: func(t *testing.T) certSpec {
				return certSpec{notBefore: pinned.AddDate(-5, 0, -1), notAfter: pinned.Add(-day)}
			},
			codes:   []string{"cert_expired"},
			keyType: "RSA", keyBits: 2048, sigAlg: "SHA256-RSA",
			msg: []string{"expired on 2026-11-26", "Regenerate certificate", "export the metadata again"},
		},
		{
			name: "not yet valid",
			spec: func(t *testing.T) certSpec {
				return certSpec{notBefore: pinned.Add(time.Hour)}
			},
			codes:   []string{"cert_not_yet_valid"},
			keyType: "RSA", keyBits: 2048, sigAlg: "SHA256-RSA",
			msg: []string{"2026-11-27T01:00:00Z", "clock", "just regenerated"},
		},
		{
			name: "expiring in 10 days",
			spec: func(t *testing.T) certSpec {
				return certSpec{notBefore: pinned.AddDate(-5, 0, 10), notAfter: pinned.AddDate(0, 0, 10)}
			},
			codes:   []string{"cert_expiring_soon"},
			keyType: "RSA", keyBits: 2048, sigAlg: "SHA256-RSA",
			msg: []string{"2026-12-07", "10 days left", "Regenerate certificate"},
		},
		{
			name: "expiring in 31 days is fine",
			spec: func(t *testing.T) certSpec {
				return certSpec{notBefore: pinned.AddDate(-5, 0, 31), notAfter: pinned.AddDate(0, 0, 31)}
			},
			keyType: "RSA", keyBits: 2048, sigAlg: "SHA256-RSA",
		},
		{
			name:    "RSA-1024",
			spec:    func(t *testing.T) certSpec { return certSpec{key: rsaKey(t, 1024)} },
			codes:   []string{"weak_key"},
			keyType: "RSA", keyBits: 1024, sigAlg: "SHA256-RSA",
			msg: []string{"1024-bit RSA", "Regenerate certificate"},
		},
		{
			// Go 1.26 still creates SHA-1 signed certificates on request.
			name:    "SHA-1 signed",
			spec:    func(t *testing.T) certSpec { return certSpec{sigAlg: x509.SHA1WithRSA} },
			codes:   []string{"weak_signature_algorithm"},
			keyType: "RSA", keyBits: 2048, sigAlg: "SHA1-RSA",
			msg: []string{"SHA1-RSA", "Regenerate certificate"},
		},
		{
			name:    "ECDSA P-256",
			spec:    func(t *testing.T) certSpec { return certSpec{key: ecKey(t)} },
			keyType: "ECDSA", keyBits: 256, sigAlg: "ECDSA-SHA256",
		},
		{
			name:    "Ed25519",
			spec:    func(t *testing.T) certSpec { return certSpec{key: edKey(t)} },
			keyType: "Ed25519", keyBits: 256, sigAlg: "Ed25519",
		},
		{
			name: "own certificate uploaded to JumpCloud",
			spec: func(t *testing.T) certSpec {
				return certSpec{subject: &pkix.Name{CommonName: "sso.acme.example", Organization: []string{"Acme"}}}
			},
			codes:   []string{"not_jumpcloud"},
			keyType: "RSA", keyBits: 2048, sigAlg: "SHA256-RSA",
			msg: []string{"CN=sso.acme.example,O=Acme", "OU=JumpCloudSAMLIdP", "uploaded your own certificate", "may still work"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b64 := genCert(t, tc.spec(t))
			r := Inspect(jcMetadata("https://acme.cloudflareaccess.com/", jcSSO, b64), Options{Now: pinned, TeamDomain: "acme.cloudflareaccess.com"})
			assertCodes(t, r, tc.codes...)
			if len(r.Certificates) != 1 {
				t.Fatalf("%d certificates", len(r.Certificates))
			}
			c := r.Certificates[0]
			if c.KeyType != tc.keyType || c.KeyBits != tc.keyBits || c.SignatureAlgorithm != tc.sigAlg {
				t.Errorf("key %s %d alg %s, want %s %d %s", c.KeyType, c.KeyBits, c.SignatureAlgorithm, tc.keyType, tc.keyBits, tc.sigAlg)
			}
			if c.Base64 != b64 {
				t.Errorf("Base64 is not the certificate's DER")
			}
			if len(tc.msg) > 0 {
				assertContains(t, r.Findings[0].Message, tc.msg...)
			}
			if wantJC := tc.name != "own certificate uploaded to JumpCloud"; r.LooksLikeJumpCloud != wantJC {
				t.Errorf("looks_like_jumpcloud = %v", r.LooksLikeJumpCloud)
			}
			// Warnings do not block; errors do.
			hasErr := tc.name == "expired" || tc.name == "not yet valid" || tc.name == "RSA-1024"
			if r.Usable() == hasErr {
				t.Errorf("Usable() = %v", r.Usable())
			}
		})
	}
}

func TestNowDefaultsToClock(t *testing.T) {
	b64 := genCert(t, certSpec{notBefore: time.Now().Add(-time.Hour), notAfter: time.Now().Add(time.Hour)})
	r := Inspect(jcMetadata("https://acme.cloudflareaccess.com/", jcSSO, b64), Options{})
	assertCodes(t, r, "cert_expiring_soon")
}

func TestCertificateElements(t *testing.T) {
	good := genCert(t, certSpec{})
	other := genCert(t, certSpec{})
	cases := []struct {
		name  string
		keys  string
		codes []string
		certs []string
	}{
		{"no KeyDescriptor", "", []string{"no_signing_cert"}, nil},
		{"encryption key only", keyDescriptor("encryption", good), []string{"no_signing_cert"}, nil},
		{"no use attribute means signing too", keyDescriptor("", good), nil, []string{good}},
		{"garbage base64", keyDescriptor("signing", "not base64!"), []string{"no_signing_cert"}, nil},
		{"base64 but not a certificate", keyDescriptor("signing", "aGVsbG8="), []string{"no_signing_cert"}, nil},
		{"empty element", keyDescriptor("signing", "  \n "), []string{"no_signing_cert"}, nil},
		{"one unreadable, one good", keyDescriptor("signing", "####") + keyDescriptor("signing", good), []string{"cert_unreadable"}, []string{good}},
		{"two certificates in document order", keyDescriptor("signing", good) + keyDescriptor("encryption", other) + keyDescriptor("signing", other), nil, []string{good, other}},
		{"same certificate twice is listed once", keyDescriptor("signing", good) + keyDescriptor("", good), nil, []string{good}},
		{"PEM armour pasted inside", keyDescriptor("signing", "-----BEGIN CERTIFICATE-----\n"+good+"\n-----END CERTIFICATE-----"), nil, []string{good}},
		{"missing base64 padding", keyDescriptor("signing", strings.TrimRight(good, "=")), nil, []string{good}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Inspect(idpDescriptor("https://acme.cloudflareaccess.com/", tc.keys+postSSO(jcSSO)), Options{Now: pinned})
			assertCodes(t, r, tc.codes...)
			if got := r.SigningCerts(); !slices.Equal(got, append([]string{}, tc.certs...)) {
				t.Errorf("SigningCerts() = %d certs, want %d", len(got), len(tc.certs))
			}
			if len(tc.codes) > 0 && tc.codes[0] == "no_signing_cert" {
				assertContains(t, r.Findings[0].Message, "SSO tab", "Regenerate certificate", "export the metadata again")
				if r.Usable() {
					t.Error("usable without a certificate")
				}
			}
		})
	}
}

func TestInputs(t *testing.T) {
	majid := readTestdata(t, "jumpcloud/majidsalehighamsari_react-samlify_JumpCloud-saml2-metadata.xml")
	b64 := genCert(t, certSpec{})
	var wrapped strings.Builder
	for i := 0; i < len(b64); i += 64 {
		wrapped.WriteString("\n\t\t    " + b64[i:min(i+64, len(b64))] + " \r")
	}
	spEntity := `<md:EntityDescriptor entityID="https://acme.cloudflareaccess.com/cdn-cgi/access/callback"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://acme.cloudflareaccess.com/cdn-cgi/access/callback" index="1"/></md:SPSSODescriptor></md:EntityDescriptor>`
	idpEntity := strings.TrimPrefix(string(jcMetadata("https://acme.cloudflareaccess.com/", jcSSO, b64)), `<?xml version="1.0" encoding="UTF-8"?>`)
	idpEntity = strings.Replace(idpEntity, ` xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"`, "", 1)
	billionLaughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol3;"/>`

	cases := []struct {
		name  string
		data  []byte
		codes []string
		msg   []string
		check func(t *testing.T, r *Report)
	}{
		{name: "UTF-8 BOM", data: append([]byte("\xef\xbb\xbf"), majid...), codes: []string{"entity_id_mismatch"}, check: func(t *testing.T, r *Report) {
			if r.EntityID != "samlify" || !r.Usable() {
				t.Errorf("entity %q usable %v", r.EntityID, r.Usable())
			}
			if r.Size != len(majid)+3 {
				t.Errorf("size %d", r.Size)
			}
		}},
		{name: "whitespace inside base64", data: jcMetadata("https://acme.cloudflareaccess.com/", jcSSO, wrapped.String()), check: func(t *testing.T, r *Report) {
			if r.SigningCerts()[0] != b64 {
				t.Error("Base64 keeps whitespace or differs")
			}
		}},
		{name: "trimmed text and attributes", data: idpDescriptor(" https://acme.cloudflareaccess.com/ ",
			keyDescriptor("signing", b64)+"<md:NameIDFormat>\n  urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\n</md:NameIDFormat>"+
				`<md:SingleSignOnService Binding=" urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect " Location=" `+jcSSO+` "/>`),
			check: func(t *testing.T, r *Report) {
				if r.EntityID != "https://acme.cloudflareaccess.com/" || r.SSOURLs.Redirect != jcSSO || r.SSOURL() != jcSSO ||
					r.NameIDFormats[0] != "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" {
					t.Errorf("not trimmed: %q %q %q", r.EntityID, r.SSOURLs.Redirect, r.NameIDFormats)
				}
			}},
		{
			name:  "EntitiesDescriptor with an SP then an IdP",
			data:  []byte(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` + spEntity + idpEntity + `</md:EntitiesDescriptor>`),
			codes: []string{"entity_selected"},
			msg:   []string{"2 entities", `"https://acme.cloudflareaccess.com/"`},
			check: func(t *testing.T, r *Report) {
				if r.EntityID != "https://acme.cloudflareaccess.com/" || !r.Usable() {
					t.Errorf("entity %q usable %v", r.EntityID, r.Usable())
				}
			},
		},
		{
			name:  "nested EntitiesDescriptor",
			data:  []byte(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:EntitiesDescriptor>` + idpEntity + `</md:EntitiesDescriptor></md:EntitiesDescriptor>`),
			codes: nil,
		},
		{
			name:  "SP metadata only",
			data:  []byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"` + strings.TrimPrefix(spEntity, "<md:EntityDescriptor")),
			codes: []string{"not_idp_metadata"},
			msg:   []string{"service-provider metadata", "saml-metadata", "Export Metadata"},
		},
		{
			name:  "empty EntitiesDescriptor",
			data:  []byte(`<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>`),
			codes: []string{"not_idp_metadata"},
		},
		{
			name:  "IdP without POST or Redirect SSO",
			data:  idpDescriptor("https://acme.cloudflareaccess.com/", keyDescriptor("signing", b64)+`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://sso.jumpcloud.com/soap"/>`),
			codes: []string{"not_idp_metadata"},
			msg:   []string{"HTTP-POST", "urn:oasis:names:tc:SAML:2.0:bindings:SOAP", "Export Metadata"},
		},
		{
			name:  "wrong root element",
			data:  []byte(`<html><body>Sign in</body></html>`),
			codes: []string{"not_idp_metadata"},
			msg:   []string{"<html>", "Export Metadata"},
		},
		{
			name:  "metadata without its namespace",
			data:  []byte(`<EntityDescriptor entityID="x"/>`),
			codes: []string{"not_idp_metadata"},
		},
		{name: "DOCTYPE billion laughs", data: []byte(billionLaughs), codes: []string{"dtd_forbidden"}, msg: []string{"<!DOCTYPE"}},
		{name: "lower-case doctype", data: []byte(`<!doctype x><x/>`), codes: []string{"dtd_forbidden"}},
		{name: "ENTITY without DOCTYPE", data: []byte(`<x><!ENTITY a "b"></x>`), codes: []string{"dtd_forbidden"}},
		{name: "over MaxSize", data: append(bytes.Clone(majid), bytes.Repeat([]byte(" "), MaxSize)...), codes: []string{"too_large"}, msg: []string{"larger than 1048576 bytes"}},
		{name: "exactly MaxSize", data: append(bytes.Clone(majid), bytes.Repeat([]byte("\n"), MaxSize-len(majid))...), codes: []string{"entity_id_mismatch"}},
		{name: "empty", data: nil, codes: []string{"xml_malformed"}, msg: []string{"empty", "Export Metadata"}},
		{name: "whitespace only", data: []byte(" \n\t"), codes: []string{"xml_malformed"}},
		{name: "not XML", data: []byte("MIIFdDCCA1ygAwIBAgIUL52b"), codes: []string{"xml_malformed"}},
		{name: "truncated", data: majid[:len(majid)/2], codes: []string{"xml_malformed"}, msg: []string{"line 9", "edited by hand"}},
		{name: "second root element", data: append(bytes.Clone(majid), "<md:EntityDescriptor/>"...), codes: []string{"xml_malformed"}, msg: []string{"second root element"}},
		{name: "unsupported charset", data: []byte(`<?xml version="1.0" encoding="EBCDIC-US"?><x/>`), codes: []string{"xml_malformed"}, msg: []string{"EBCDIC-US", "save this file as UTF-8"}},
		{name: "latin-1 is decoded", data: []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><x/>`), codes: []string{"not_idp_metadata"}, msg: []string{"root element is <x>"}},
		{
			name:  "SSO location with no scheme",
			data:  idpDescriptor("https://acme.cloudflareaccess.com/", keyDescriptor("signing", b64)+postSSO("sso.jumpcloud.com/saml2/x")),
			codes: []string{"xml_malformed"},
			msg:   []string{"invalid url scheme", "Export Metadata"},
		},
		{
			name:  "http SSO URL",
			data:  jcMetadata("https://acme.cloudflareaccess.com/", "http://sso.jumpcloud.com/saml2/cloudflareaccess", b64),
			codes: []string{"sso_url_not_https"},
			msg:   []string{`"http://sso.jumpcloud.com/saml2/cloudflareaccess"`, "https"},
		},
		{
			name: "http Redirect next to https POST",
			data: idpDescriptor("https://acme.cloudflareaccess.com/", keyDescriptor("signing", b64)+postSSO(jcSSO)+
				`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http://sso.jumpcloud.com/saml2/cloudflareaccess"/>`),
			codes: []string{"sso_url_not_https"},
			check: func(t *testing.T, r *Report) {
				if r.SSOURL() != jcSSO {
					t.Errorf("SSOURL() = %q, want the POST one", r.SSOURL())
				}
			},
		},
		{
			name:  "not the JumpCloud SSO host",
			data:  jcMetadata("https://acme.cloudflareaccess.com/", "https://idp.example.com/sso", b64),
			codes: []string{"not_jumpcloud"},
			msg:   []string{`"idp.example.com"`, "not sso.jumpcloud.com", "Cloudflare Access"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Inspect(tc.data, Options{Now: pinned, TeamDomain: "acme.cloudflareaccess.com"})
			assertCodes(t, r, tc.codes...)
			if len(tc.msg) > 0 && len(r.Findings) > 0 {
				assertContains(t, r.Findings[0].Message, tc.msg...)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
			if r.Findings.HasErrors() && r.Usable() {
				t.Error("usable despite an error")
			}
		})
	}
}

func TestEntityID(t *testing.T) {
	b64 := genCert(t, certSpec{})
	cases := []struct {
		team, entityID string
		code           string // "" for no finding
		msg            []string
	}{
		{"acme.cloudflareaccess.com", "https://acme.cloudflareaccess.com/", "", nil},
		{"127.0.0.1:8443", "https://127.0.0.1:8443/", "", nil},
		{"https://acme.cloudflareaccess.com/", "https://acme.cloudflareaccess.com/", "", nil},
		{"", "JumpCloud", "", nil},
		{"", "", "", nil},
		{"acme.cloudflareaccess.com", "https://acme.cloudflareaccess.com", "entity_id_mismatch", []string{"missing trailing slash", "https://acme.cloudflareaccess.com/", "SSO tab", "export the metadata again", "still work"}},
		{"acme.cloudflareaccess.com", "https://ACME.cloudflareaccess.com/", "entity_id_mismatch", []string{"only in upper/lower case"}},
		{"acme.cloudflareaccess.com", "https://Acme.cloudflareaccess.com", "entity_id_mismatch", []string{"case and the missing trailing slash"}},
		{"acme.cloudflareaccess.com", "JumpCloud", "entity_id_mismatch", []string{`"JumpCloud"`, "IdP Entity ID", `"https://acme.cloudflareaccess.com/"`}},
		{"acme.cloudflareaccess.com", "", "entity_id_mismatch", []string{"empty"}},
		{"acme.cloudflareaccess.com", "https://other.cloudflareaccess.com/", "entity_id_mismatch", nil},
		{"acme.cloudflareaccess.com", "https://acme.cloudflareaccess.com/cdn-cgi/access/callback", "entity_id_is_sp_url", []string{"Cloudflare's callback URL", "https://acme.cloudflareaccess.com/"}},
		{"", "https://acme.cloudflareaccess.com/cdn-cgi/access/callback", "entity_id_is_sp_url", []string{"https://<team domain>/"}},
		{"acme.cloudflareaccess.com", jcSSO, "entity_id_is_sp_url", []string{"SSO URL"}},
		{"", "https://app.example.com/saml/acs", "entity_id_is_sp_url", []string{`"/saml/acs"`}},
		{"", "https://app.example.com/acs", "entity_id_is_sp_url", nil},
		{"", "https://app.example.com/sso/saml", "entity_id_is_sp_url", nil},
		{"", "https://app.example.com/users/auth/saml/callback", "entity_id_is_sp_url", nil},
		{"", "https://app.example.com/Shibboleth.sso/SAML2/POST/consume", "entity_id_is_sp_url", nil},
		{"", "https://app.example.com/saml/metadata", "entity_id_is_sp_url", nil},
		// Real IdP entity IDs (the other testdata files and common IdPs) must not trip it.
		{"", "https://accounts.google.com/o/saml2?idpid=C029op2ga", "", nil},
		{"", "http://www.okta.com/exkdoocxa1VmjpXmX697", "", nil},
		{"", "http://localhost:8085/realms/master", "", nil},
		{"", "https://auth.pingone.com/3030059e-440b-4ad0-9217-44326f1757f6", "", nil},
		{"", "https://sts.windows.net/8f1c7b3e-0000-4000-8000-000000000000/", "", nil},
		{"", "https://idp.example.org/idp/shibboleth", "", nil},
		{"", "https://sso.jumpcloud.com/saml2/metadata/5f0c1e2d3a4b5c6d7e8f9a0b", "", nil},
		{"", "https://acme.cloudflareaccess.com/", "", nil},
		{"", "https://access.example.com/", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.team+" "+tc.entityID, func(t *testing.T) {
			r := Inspect(jcMetadata(tc.entityID, jcSSO, b64), Options{Now: pinned, TeamDomain: tc.team})
			if tc.code == "" {
				assertCodes(t, r)
				return
			}
			assertCodes(t, r, tc.code)
			if r.Findings[0].Severity != "warning" {
				t.Errorf("severity %s", r.Findings[0].Severity)
			}
			assertContains(t, r.Findings[0].Message, tc.msg...)
			if !r.Usable() {
				t.Error("an entity ID warning must not block")
			}
		})
	}
}

func TestSeverities(t *testing.T) {
	want := map[string]string{
		"xml_malformed": "error", "not_idp_metadata": "error", "too_large": "error", "dtd_forbidden": "error",
		"no_signing_cert": "error", "cert_expired": "error", "cert_not_yet_valid": "error", "sso_url_not_https": "error",
		"cert_expiring_soon": "warning", "weak_signature_algorithm": "warning", "weak_key": "error",
		"not_jumpcloud": "warning", "entity_id_mismatch": "warning", "entity_id_is_sp_url": "warning",
		"entity_selected": "info", "cert_unreadable": "info",
	}
	weak := genCert(t, certSpec{key: rsaKey(t, 1024), sigAlg: x509.SHA1WithRSA, notBefore: pinned.AddDate(-5, 0, 5), notAfter: pinned.AddDate(0, 0, 5),
		subject: &pkix.Name{CommonName: "x"}})
	inputs := [][]byte{
		nil, []byte("<!DOCTYPE x>"), make([]byte, MaxSize+1), []byte(`<x/>`),
		idpDescriptor("x", keyDescriptor("signing", "!")+keyDescriptor("signing", weak)+postSSO("http://idp.example.com/cdn-cgi/access/callback")),
		idpDescriptor("https://idp.example.com/", postSSO("https://idp.example.com/")),
		jcMetadata("https://acme.cloudflareaccess.com", jcSSO, genCert(t, certSpec{notBefore: pinned.Add(time.Hour)})),
		jcMetadata("https://acme.cloudflareaccess.com", jcSSO, genCert(t, certSpec{notBefore: pinned.AddDate(-6, 0, 0)})),
		[]byte(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:EntityDescriptor entityID="a"/>` + strings.TrimPrefix(string(jcMetadata("b", jcSSO, weak)), `<?xml version="1.0" encoding="UTF-8"?>`) + `</md:EntitiesDescriptor>`),
		idpDescriptor("https://acme.cloudflareaccess.com/", keyDescriptor("signing", weak)),
	}
	seen := map[string]bool{}
	for _, in := range inputs {
		for _, f := range Inspect(in, Options{Now: pinned, TeamDomain: "acme.cloudflareaccess.com"}).Findings {
			seen[f.Code] = true
			if string(f.Severity) != want[f.Code] {
				t.Errorf("%s has severity %q, want %q", f.Code, f.Severity, want[f.Code])
			}
			if f.Step != "" || f.Check != "" {
				t.Errorf("%s sets Step/Check", f.Code)
			}
		}
	}
	for _, code := range slices.Sorted(maps.Keys(want)) {
		if !seen[code] {
			t.Errorf("no input produced %s", code)
		}
	}
}

func TestJSONShape(t *testing.T) {
	keys := func(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
	reportKeys := []string{"certificates", "entity_id", "findings", "looks_like_jumpcloud", "name_id_formats", "sso_urls", "want_authn_requests_signed"}

	for _, in := range [][]byte{nil, readTestdata(t, "jumpcloud/reese-verkada_bugdaddy_JumpCloud-saml2-metadata-7.xml")} {
		out, err := json.Marshal(Inspect(in, Options{Now: pinned}))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte("null")) {
			t.Errorf("JSON has a null: %s", out)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatal(err)
		}
		if got := keys(m); !slices.Equal(got, reportKeys) {
			t.Errorf("report keys %q, want %q", got, reportKeys)
		}
		if got := keys(m["sso_urls"].(map[string]any)); !slices.Equal(got, []string{"post", "redirect"}) {
			t.Errorf("sso_urls keys %q", got)
		}
		for _, k := range []string{"certificates", "findings", "name_id_formats"} {
			if _, ok := m[k].([]any); !ok {
				t.Errorf("%s is %T, want an array", k, m[k])
			}
		}
	}

	out, _ := json.Marshal(Inspect(readTestdata(t, "jumpcloud/reese-verkada_bugdaddy_JumpCloud-saml2-metadata-7.xml"), Options{Now: pinned}))
	var m struct {
		Certificates []map[string]any `json:"certificates"`
		Findings     []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	cert := m.Certificates[0]
	wantCert := []string{"key_bits", "key_type", "not_after", "not_before", "sha256_fingerprint", "signature_algorithm", "subject"}
	if got := keys(cert); !slices.Equal(got, wantCert) {
		t.Errorf("certificate keys %q, want %q", got, wantCert)
	}
	if cert["not_after"] != "2025-05-13T22:31:24Z" || cert["not_before"] != "2020-05-13T22:31:24Z" || cert["key_bits"] != 4096.0 {
		t.Errorf("certificate %v", cert)
	}
	if got := keys(m.Findings[0]); !slices.Equal(got, []string{"code", "message", "severity"}) {
		t.Errorf("finding keys %q", got)
	}
}

func TestDigest(t *testing.T) {
	r := Inspect([]byte("abc"), Options{Now: pinned})
	if r.Digest != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" || r.Size != 3 {
		t.Errorf("digest %s size %d", r.Digest, r.Size)
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	r := Inspect(readTestdata(t, "jumpcloud/reese-verkada_bugdaddy_JumpCloud-saml2-metadata-7.xml"), Options{Now: pinned})
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	assertContains(t, out,
		"Entity ID:            http://localhost:5000/saml/acs/\n",
		"SSO URL (POST):       https://sso.jumpcloud.com/saml2/saml2\n",
		"NameID formats:       urn:oasis:names:tc:SAML:1.0:nameid-format:unspecified\n",
		"Subject:     CN=JumpCloudSAMLUser,OU=JumpCloudSAMLIdP,O=danielnet,L=Boulder,ST=CO,C=US\n",
		"Valid:       2020-05-13 to 2025-05-13\n",
		"Key:         RSA 4096\n",
		"Algorithm:   SHA256-RSA\n",
		"SHA-256:     8F:EB:E6:2B:",
		"Looks like JumpCloud: yes\n",
		"\nwarning entity_id_is_sp_url: JumpCloud's IdP Entity ID",
		"\nerror   cert_expired: the signing certificate expired on 2025-05-13",
	)
	if !strings.HasSuffix(out, "Verdict: NOT usable: fix the errors above in JumpCloud and export the metadata again.\n") {
		t.Errorf("verdict missing:\n%s", out)
	}

	for name, verdict := range map[string]string{
		"jumpcloud/ssoready_ssoready_assertions-jumpcloud-metadata.xml": "Verdict: usable.\n",
		"other-idps/ssoready_ssoready_assertions-okta-metadata.xml":     "Verdict: usable, with 1 warning(s) worth fixing.\n",
	} {
		b.Reset()
		if err := Inspect(readTestdata(t, name), Options{Now: pinned}).WriteText(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(b.String(), verdict) {
			t.Errorf("%s: want verdict %q in\n%s", name, verdict, b.String())
		}
	}

	// A real export that wants signed requests says what that means for
	// sign_request; one that does not, says nothing more.
	b.Reset()
	if err := Inspect(readTestdata(t, "jumpcloud/majidsalehighamsari_react-samlify_JumpCloud-saml2-metadata.xml"), Options{Now: pinned}).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	assertContains(t, b.String(), "Signed AuthnRequests: wanted\n  JumpCloud asks for signed requests; Cloudflare signs them only with the login method's sign_request")
	if strings.Contains(out, SignedRequestsWanted) {
		t.Errorf("explained for an export that does not want signed requests:\n%s", out)
	}

	b.Reset()
	if err := Inspect(nil, Options{}).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	assertContains(t, b.String(), "Entity ID:            (none)", "Certificates:         none", "error   xml_malformed:")

	if err := r.WriteText(failWriter{}); err == nil {
		t.Error("write error not returned")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func ExampleReport_WriteText() {
	r := Inspect([]byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`), Options{})
	fmt.Println(r.Findings.Codes(), r.Usable())
	// Output: [not_idp_metadata] false
}
