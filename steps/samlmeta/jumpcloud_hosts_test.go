package samlmeta

import "testing"

// An application in an EU organization gets its SSO URL on sso.eu.jumpcloud.com
// (the host the JumpCloud client gives it, from the same list): its export
// must read as JumpCloud's, not as another IdP's.
func TestEUSSOHostIsJumpCloud(t *testing.T) {
	b64 := genCert(t, certSpec{})
	r := Inspect(jcMetadata("https://acme.cloudflareaccess.com/", "https://sso.eu.jumpcloud.com/saml2/cloudflareaccess", b64), Options{Now: pinned, TeamDomain: "acme.cloudflareaccess.com"})
	assertCodes(t, r)
	if !r.LooksLikeJumpCloud {
		t.Error("an export from the EU SSO host does not look like JumpCloud's")
	}
	if h, ok := JumpCloudSSOHost("console.eu.jumpcloud.com"); !ok || h != "sso.eu.jumpcloud.com" {
		t.Errorf("EU console maps to %q, %v", h, ok)
	}
	if h, ok := JumpCloudSSOHost("Console.JumpCloud.com"); !ok || h != "sso.jumpcloud.com" {
		t.Errorf("US console maps to %q, %v", h, ok)
	}
	if _, ok := JumpCloudSSOHost("console.evil-jumpcloud.com"); ok {
		t.Error("a look-alike console host was taken as JumpCloud's")
	}
}
