package samlmeta

import (
	"path/filepath"
	"testing"
	"time"
)

// TestTestdata pins what Inspect makes of every real export in testdata/.
func TestTestdata(t *testing.T) {
	type want struct {
		codes           []string
		entityID        string
		post, redirect  string
		certs           int
		keyBits         int
		notAfter        string // RFC 3339
		looksJumpCloud  bool
		nameIDFormats   int
		wantSignedAuthn bool
		usable          bool
	}
	cases := map[string]want{
		"jumpcloud/itdonaldson_convergenttech_jumpcloud@4cbff76-unterminated.xml": {
			codes: []string{"xml_malformed"},
		},
		"jumpcloud/majidsalehighamsari_react-samlify_JumpCloud-saml2-metadata.xml": {
			entityID: "samlify",
			post:     "https://sso.jumpcloud.com/saml2/samlify", redirect: "https://sso.jumpcloud.com/saml2/samlify",
			certs: 1, keyBits: 4096, notAfter: "2027-08-04T11:57:54Z",
			looksJumpCloud: true, nameIDFormats: 1, wantSignedAuthn: true, usable: true,
		},
		"jumpcloud/reese-verkada_bugdaddy_JumpCloud-saml2-metadata-7.xml": {
			codes:    []string{"entity_id_is_sp_url", "cert_expired"},
			entityID: "http://localhost:5000/saml/acs/",
			post:     "https://sso.jumpcloud.com/saml2/saml2", redirect: "https://sso.jumpcloud.com/saml2/saml2",
			certs: 1, keyBits: 4096, notAfter: "2025-05-13T22:31:24Z",
			looksJumpCloud: true, nameIDFormats: 1,
		},
		"jumpcloud/ssoready_ssoready_assertions-jumpcloud-metadata.xml": {
			entityID: "IdP Entity ID",
			post:     "https://sso.jumpcloud.com/saml2/ucariontest",
			certs:    1, keyBits: 4096, notAfter: "2028-11-18T16:28:09Z",
			looksJumpCloud: true, nameIDFormats: 1, usable: true,
		},
		"other-idps/ssoready_ssoready_assertions-google-metadata.xml": {
			codes:    []string{"not_jumpcloud"},
			entityID: "https://accounts.google.com/o/saml2?idpid=C029op2ga",
			post:     "https://accounts.google.com/o/saml2/idp?idpid=C029op2ga", redirect: "https://accounts.google.com/o/saml2/idp?idpid=C029op2ga",
			certs: 1, keyBits: 2048, notAfter: "2028-07-19T17:28:34Z",
			nameIDFormats: 1, usable: true,
		},
		"other-idps/ssoready_ssoready_assertions-keycloak-metadata.xml": {
			codes:    []string{"sso_url_not_https", "not_jumpcloud"},
			entityID: "http://localhost:8085/realms/master",
			post:     "http://localhost:8085/realms/master/protocol/saml", redirect: "http://localhost:8085/realms/master/protocol/saml",
			certs: 1, keyBits: 2048, notAfter: "2034-05-20T20:48:49Z",
			nameIDFormats: 4, wantSignedAuthn: true,
		},
		"other-idps/ssoready_ssoready_assertions-okta-metadata.xml": {
			codes:    []string{"not_jumpcloud"},
			entityID: "http://www.okta.com/exkdoocxa1VmjpXmX697",
			post:     "https://trial-1022863.okta.com/app/trial-1022863_oktalocalhostbis_1/exkdoocxa1VmjpXmX697/sso/saml",
			redirect: "https://trial-1022863.okta.com/app/trial-1022863_oktalocalhostbis_1/exkdoocxa1VmjpXmX697/sso/saml",
			certs:    1, keyBits: 2048, notAfter: "2034-04-25T20:31:02Z",
			nameIDFormats: 1, usable: true,
		},
		"other-idps/ssoready_ssoready_assertions-ping-metadata.xml": {
			codes:    []string{"cert_expired", "not_jumpcloud"},
			entityID: "https://auth.pingone.com/3030059e-440b-4ad0-9217-44326f1757f6",
			post:     "https://auth.pingone.com/3030059e-440b-4ad0-9217-44326f1757f6/saml20/idp/sso",
			redirect: "https://auth.pingone.com/3030059e-440b-4ad0-9217-44326f1757f6/saml20/idp/sso",
			certs:    1, keyBits: 2048, notAfter: "2024-11-17T16:17:59Z",
		},
	}

	files, err := filepath.Glob("testdata/*/*.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(cases) {
		t.Errorf("testdata has %d XML files but the table covers %d: add the new ones", len(files), len(cases))
	}
	for _, path := range files {
		name, _ := filepath.Rel("testdata", path)
		name = filepath.ToSlash(name)
		t.Run(name, func(t *testing.T) {
			w, ok := cases[name]
			if !ok {
				t.Fatalf("no expectations for %s", name)
			}
			r := Inspect(readTestdata(t, name), Options{Now: pinned})
			assertCodes(t, r, w.codes...)
			if r.EntityID != w.entityID || r.SSOURLs.Post != w.post || r.SSOURLs.Redirect != w.redirect {
				t.Errorf("entity %q post %q redirect %q, want %q %q %q", r.EntityID, r.SSOURLs.Post, r.SSOURLs.Redirect, w.entityID, w.post, w.redirect)
			}
			if len(r.Certificates) != w.certs {
				t.Fatalf("%d certificates, want %d", len(r.Certificates), w.certs)
			}
			if w.certs > 0 {
				c := r.Certificates[0]
				if c.KeyType != "RSA" || c.KeyBits != w.keyBits || c.SignatureAlgorithm != "SHA256-RSA" {
					t.Errorf("key %s %d alg %s, want RSA %d SHA256-RSA", c.KeyType, c.KeyBits, c.SignatureAlgorithm, w.keyBits)
				}
				if got := c.NotAfter.Format(time.RFC3339); got != w.notAfter {
					t.Errorf("not_after %s, want %s", got, w.notAfter)
				}
			}
			if r.LooksLikeJumpCloud != w.looksJumpCloud {
				t.Errorf("looks_like_jumpcloud = %v, want %v", r.LooksLikeJumpCloud, w.looksJumpCloud)
			}
			if len(r.NameIDFormats) != w.nameIDFormats {
				t.Errorf("name_id_formats = %q, want %d of them", r.NameIDFormats, w.nameIDFormats)
			}
			if r.WantAuthnRequestsSigned != w.wantSignedAuthn {
				t.Errorf("want_authn_requests_signed = %v", r.WantAuthnRequestsSigned)
			}
			if r.Usable() != w.usable {
				t.Errorf("Usable() = %v, want %v", r.Usable(), w.usable)
			}
		})
	}
}

func TestTestdataDetails(t *testing.T) {
	r := Inspect(readTestdata(t, "jumpcloud/itdonaldson_convergenttech_jumpcloud@4cbff76-unterminated.xml"), Options{Now: pinned})
	assertContains(t, message(t, r, "xml_malformed"), "line 1", "edited by hand", "Export Metadata", "untouched file")

	r = Inspect(readTestdata(t, "jumpcloud/reese-verkada_bugdaddy_JumpCloud-saml2-metadata-7.xml"), Options{Now: pinned, TeamDomain: "acme.cloudflareaccess.com"})
	assertCodes(t, r, "entity_id_is_sp_url", "cert_expired") // never both SP-URL and mismatch
	assertContains(t, message(t, r, "cert_expired"), "2025-05-13", "Regenerate certificate", "Cloudflare")
	assertContains(t, message(t, r, "entity_id_is_sp_url"), `"http://localhost:5000/saml/acs/"`, "https://acme.cloudflareaccess.com/", "IdP Entity ID")

	// Pretty-printed: whitespace inside X509Certificate and NameIDFormat.
	r = Inspect(readTestdata(t, "jumpcloud/majidsalehighamsari_react-samlify_JumpCloud-saml2-metadata.xml"), Options{Now: pinned})
	c := r.Certificates[0]
	if c.SHA256Fingerprint != "FF:D2:07:4B:14:B6:D0:49:71:31:92:85:65:F7:1F:E4:E9:B3:DF:89:61:64:F3:E7:FB:6A:84:DB:BA:8F:E5:66" {
		t.Errorf("fingerprint %s", c.SHA256Fingerprint)
	}
	if c.Subject != "CN=JumpCloudSAMLUser,OU=JumpCloudSAMLIdP,O=Test,L=Boulder,ST=CO,C=US" {
		t.Errorf("subject %s", c.Subject)
	}
	if r.NameIDFormats[0] != "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" {
		t.Errorf("name id format %q", r.NameIDFormats[0])
	}
	if got := r.SigningCerts(); len(got) != 1 || got[0] != c.Base64 || len(c.Base64) < 100 {
		t.Errorf("SigningCerts() = %q", got)
	}

	for _, name := range []string{"google", "keycloak", "okta", "ping"} {
		r := Inspect(readTestdata(t, "other-idps/ssoready_ssoready_assertions-"+name+"-metadata.xml"), Options{Now: pinned})
		assertContains(t, message(t, r, "not_jumpcloud"), "not sso.jumpcloud.com", "OU=JumpCloudSAMLIdP", "Cloudflare Access")
	}
}
