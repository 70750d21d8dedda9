package jumpcloud

import (
	"testing"
	"time"

	"jcaccess/steps/samlmeta"
)

// The generated export must read like a real one: usable, recognised as
// JumpCloud, with the entity ID the guide asks for.
func TestExportReadsAsJumpCloud(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	_, cert, err := NewCertificate("Example Inc", now.Add(-time.Hour), 2048)
	if err != nil {
		t.Fatal(err)
	}
	xml := Export{EntityID: "https://acme.cloudflareaccess.com/", SSOURL: "https://sso.jumpcloud.com/saml2/cloudflareaccess", Cert: cert, DeclareRedirect: true}.MetadataXML()
	rep := samlmeta.Inspect(xml, samlmeta.Options{TeamDomain: "acme.cloudflareaccess.com", Now: now})
	if len(rep.Findings) != 0 {
		t.Fatalf("findings on a clean export: %v", rep.Findings)
	}
	if !rep.LooksLikeJumpCloud || !rep.Usable() {
		t.Fatalf("looks like JumpCloud %v, usable %v", rep.LooksLikeJumpCloud, rep.Usable())
	}
	if got := rep.Certificates[0].NotAfter.Sub(rep.Certificates[0].NotBefore); got != CertValidity {
		t.Fatalf("validity %v, want 5 years", got)
	}
	if rep.SSOURLs.Redirect == "" {
		t.Fatal("DeclareRedirect did not add the Redirect binding")
	}
}
