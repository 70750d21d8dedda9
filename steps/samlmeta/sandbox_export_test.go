package samlmeta_test

// The sandbox's JumpCloud export read by the real parser. It lives here, not
// in the sandbox, because the sandbox must not import the code it is a
// fixture for.

import (
	"testing"
	"time"

	"jcaccess/sandbox/jumpcloud"
	"jcaccess/steps/samlmeta"
)

// The generated export must read like a real one: usable, recognised as
// JumpCloud, with the entity ID the guide asks for.
func TestSandboxExportReadsAsJumpCloud(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	_, cert, err := jumpcloud.NewCertificate("Example Inc", now.Add(-time.Hour), 2048)
	if err != nil {
		t.Fatal(err)
	}
	xml := jumpcloud.Export{EntityID: "https://acme.cloudflareaccess.com/", SSOURL: "https://sso.jumpcloud.com/saml2/cloudflareaccess", Cert: cert, DeclareRedirect: true}.MetadataXML()
	rep := samlmeta.Inspect(xml, samlmeta.Options{TeamDomain: "acme.cloudflareaccess.com", Now: now})
	if len(rep.Findings) != 0 {
		t.Fatalf("findings on a clean export: %v", rep.Findings)
	}
	if !rep.LooksLikeJumpCloud || !rep.Usable() {
		t.Fatalf("looks like JumpCloud %v, usable %v", rep.LooksLikeJumpCloud, rep.Usable())
	}
	if got := rep.Certificates[0].NotAfter.Sub(rep.Certificates[0].NotBefore); got != jumpcloud.CertValidity {
		t.Fatalf("validity %v, want 5 years", got)
	}
	if rep.SSOURLs.Redirect == "" {
		t.Fatal("DeclareRedirect did not add the Redirect binding")
	}
}
