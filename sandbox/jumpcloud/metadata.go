// Package jumpcloud is the JumpCloud side of the sandbox: signing
// certificates and metadata exports shaped byte for byte like the real ones
// (see steps/samlmeta/testdata/SOURCES.md for what real exports look like),
// the "Cloudflare Access" SSO application as a real SAML identity provider
// (IdP, idp.go and saml.go), its Identity Management SCIM client
// (ActivateSCIM, scim.go), persistence (Snapshot, RestoreIdP) and a headless
// browser for automated logins (BrowserLogin).
package jumpcloud

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// CertValidity is how long JumpCloud's generated certificates last.
const CertValidity = 5 * 365 * 24 * time.Hour

// NewCertificate makes a signing key pair the way JumpCloud does: a
// self-signed certificate with subject C=US, ST=CO, L=Boulder, O=<org>,
// OU=JumpCloudSAMLIdP, CN=JumpCloudSAMLUser, SHA-256 with RSA, five years
// from notBefore, a 20-byte serial and no extensions. JumpCloud uses 4096-bit
// keys; tests may ask for fewer bits to save time.
func NewCertificate(org string, notBefore time.Time, bits int) (*rsa.PrivateKey, *x509.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 159))
	if err != nil {
		return nil, nil, err
	}
	name := pkix.Name{
		Country: []string{"US"}, Province: []string{"CO"}, Locality: []string{"Boulder"},
		Organization: []string{org}, OrganizationalUnit: []string{"JumpCloudSAMLIdP"}, CommonName: "JumpCloudSAMLUser",
	}
	tmpl := &x509.Certificate{
		SerialNumber:       serial,
		Subject:            name,
		Issuer:             name,
		NotBefore:          notBefore.UTC().Truncate(time.Second),
		NotAfter:           notBefore.UTC().Truncate(time.Second).Add(CertValidity),
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return key, cert, nil
}

// Export is what "Export Metadata" gives for an app.
type Export struct {
	EntityID string // the IdP Entity ID the admin typed
	SSOURL   string // https://sso.jumpcloud.com/saml2/<label> in real life
	Cert     *x509.Certificate
	// DeclareRedirect adds the HTTP-Redirect binding ("Declare Redirect
	// Endpoint" in the SSO tab).
	DeclareRedirect bool
	NameIDFormat    string // default urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress
}

// MetadataXML renders the export as JumpCloud does: one line, an XML
// declaration, no trailing newline.
func (e Export) MetadataXML() []byte {
	format := e.NameIDFormat
	if format == "" {
		format = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	fmt.Fprintf(&b, `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s">`, xmlAttr(e.EntityID))
	b.WriteString(`<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">`)
	b.WriteString(`<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>`)
	b.WriteString(base64.StdEncoding.EncodeToString(e.Cert.Raw))
	b.WriteString(`</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
	fmt.Fprintf(&b, `<md:NameIDFormat>%s</md:NameIDFormat>`, format)
	fmt.Fprintf(&b, `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="%s"/>`, xmlAttr(e.SSOURL))
	if e.DeclareRedirect {
		fmt.Fprintf(&b, `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="%s"/>`, xmlAttr(e.SSOURL))
	}
	b.WriteString(`</md:IDPSSODescriptor></md:EntityDescriptor>`)
	return []byte(b.String())
}

func xmlAttr(s string) string {
	r := strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `"`, "&quot;")
	return r.Replace(s)
}
