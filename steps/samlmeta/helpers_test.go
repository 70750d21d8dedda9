package samlmeta

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// pinned is the "now" of every test that is not about time itself.
var pinned = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

const jcSSO = "https://sso.jumpcloud.com/saml2/cloudflareaccess"

func jcSubject() pkix.Name {
	return pkix.Name{
		Country: []string{"US"}, Province: []string{"CO"}, Locality: []string{"Boulder"},
		Organization: []string{"Acme"}, OrganizationalUnit: []string{"JumpCloudSAMLIdP"},
		CommonName: "JumpCloudSAMLUser",
	}
}

type certSpec struct {
	notBefore, notAfter time.Time
	key                 crypto.Signer // nil: a fresh RSA-2048 key
	sigAlg              x509.SignatureAlgorithm
	subject             *pkix.Name // nil: JumpCloud's subject
}

// genCert returns a self-signed certificate as base64 DER, shaped like
// JumpCloud's unless spec says otherwise.
func genCert(t testing.TB, spec certSpec) string {
	t.Helper()
	if spec.key == nil {
		spec.key = rsaKey(t, 2048)
	}
	if spec.notBefore.IsZero() {
		spec.notBefore = pinned.AddDate(-1, 0, 0)
	}
	if spec.notAfter.IsZero() {
		spec.notAfter = spec.notBefore.AddDate(5, 0, 0)
	}
	subject := jcSubject()
	if spec.subject != nil {
		subject = *spec.subject
	}
	tmpl := &x509.Certificate{
		SerialNumber:       big.NewInt(42),
		Subject:            subject,
		Issuer:             subject,
		NotBefore:          spec.notBefore,
		NotAfter:           spec.notAfter,
		SignatureAlgorithm: spec.sigAlg,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, spec.key.Public(), spec.key)
	if err != nil {
		t.Fatalf("creating certificate: %v", err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func rsaKey(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func edKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// jcMetadata is a one-line export in JumpCloud's exact shape.
func jcMetadata(entityID, ssoURL, certB64 string) []byte {
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s"><md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">%s<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="%s"/></md:IDPSSODescriptor></md:EntityDescriptor>`,
		entityID, keyDescriptor("signing", certB64), ssoURL)
}

func keyDescriptor(use, certB64 string) string {
	attr := ""
	if use != "" {
		attr = fmt.Sprintf(` use="%s"`, use)
	}
	return fmt.Sprintf(`<md:KeyDescriptor%s><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`, attr, certB64)
}

// idpDescriptor builds metadata around a free-form IDPSSODescriptor body.
func idpDescriptor(entityID, body string) []byte {
	return fmt.Appendf(nil, `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">%s</md:IDPSSODescriptor></md:EntityDescriptor>`, entityID, body)
}

func postSSO(loc string) string {
	return fmt.Sprintf(`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="%s"/>`, loc)
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func assertCodes(t *testing.T, r *Report, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := r.Findings.Codes(); !slices.Equal(got, want) {
		t.Errorf("codes = %q, want %q\nfindings:\n%s", got, want, findingLines(r))
	}
}

func findingLines(r *Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString("  " + f.String() + "\n")
	}
	return b.String()
}

// message returns the message of the first finding with code, failing the
// test if there is none.
func message(t *testing.T, r *Report, code string) string {
	t.Helper()
	for _, f := range r.Findings {
		if f.Code == code {
			return f.Message
		}
	}
	t.Fatalf("no %s finding; findings:\n%s", code, findingLines(r))
	return ""
}

func assertContains(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q\ndoes not contain %q", s, sub)
		}
	}
}
