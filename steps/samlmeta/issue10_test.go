package samlmeta

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"jcaccess/model"
)

// smallRSACert returns a JumpCloud-shaped certificate for an RSA public key
// of bits bits. Go refuses to generate or sign with RSA keys under 1024
// bits, so the certificate carries a made-up modulus of that size and is
// signed by a separate 2048-bit key: parsing does not check the signature.
func smallRSACert(t *testing.T, bits int) string {
	t.Helper()
	n, err := rand.Prime(rand.Reader, bits) // any odd number of the right size
	if err != nil {
		t.Fatal(err)
	}
	signer := rsaKey(t, 2048)
	subject := jcSubject()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: subject, Issuer: subject,
		NotBefore: pinned.AddDate(-1, 0, 0), NotAfter: pinned.AddDate(4, 0, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &rsa.PublicKey{N: n, E: 65537}, signer)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// Issue 10, defect 8a: a short RSA key blocks apply.
func TestWeakRSAKeyIsAnError(t *testing.T) {
	for _, bits := range []int{512, 1024, 2047} {
		r := Inspect(jcMetadata("https://acme.cloudflareaccess.com/", jcSSO, smallRSACert(t, bits)), Options{Now: pinned, TeamDomain: "acme.cloudflareaccess.com"})
		assertCodes(t, r, "weak_key")
		if r.Certificates[0].KeyBits != bits {
			t.Fatalf("key bits %d, want %d", r.Certificates[0].KeyBits, bits)
		}
		if r.Findings[0].Severity != model.SeverityError || r.Usable() {
			t.Errorf("%d-bit key: severity %s, usable %v; want an error that blocks", bits, r.Findings[0].Severity, r.Usable())
		}
		assertContains(t, r.Findings[0].Message, "-bit RSA", "2048", "Regenerate certificate")
	}
	r := Inspect(jcMetadata("https://acme.cloudflareaccess.com/", jcSSO, genCert(t, certSpec{})), Options{Now: pinned, TeamDomain: "acme.cloudflareaccess.com"})
	assertCodes(t, r)
}

// Issue 10, defect 8b: a second IDPSSODescriptor is reported.
func TestSecondIDPDescriptorIsReported(t *testing.T) {
	good := genCert(t, certSpec{})
	other := genCert(t, certSpec{subject: &pkix.Name{CommonName: "evil"}})
	role := func(cert, sso string) string {
		return `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` + keyDescriptor("signing", cert) + postSSO(sso) + `</md:IDPSSODescriptor>`
	}
	data := []byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://acme.cloudflareaccess.com/">` +
		role(good, jcSSO) + role(other, "https://evil.example.com/sso") + `</md:EntityDescriptor>`)
	r := Inspect(data, Options{Now: pinned, TeamDomain: "acme.cloudflareaccess.com"})
	assertCodes(t, r, "multiple_idp_descriptors")
	assertContains(t, message(t, r, "multiple_idp_descriptors"), "2 IDPSSODescriptor", "first", "https://evil.example.com/sso", "Export Metadata")
	if r.SSOURL() != jcSSO || len(r.Certificates) != 1 {
		t.Errorf("the first role must be the one used: %s, %d certs", r.SSOURL(), len(r.Certificates))
	}
	if r.Findings[0].Severity != model.SeverityWarning {
		t.Errorf("severity %s", r.Findings[0].Severity)
	}
}

// Issue 10, defect 8c: every signing certificate that is not JumpCloud's
// is named, even next to JumpCloud's own.
func TestExtraSigningCertsAreNamed(t *testing.T) {
	jc := genCert(t, certSpec{})
	evil1 := genCert(t, certSpec{subject: &pkix.Name{CommonName: "evil one"}})
	evil2 := genCert(t, certSpec{subject: &pkix.Name{CommonName: "evil two"}})
	data := idpDescriptor("https://acme.cloudflareaccess.com/",
		keyDescriptor("signing", jc)+keyDescriptor("signing", evil1)+keyDescriptor("", evil2)+postSSO(jcSSO))
	r := Inspect(data, Options{Now: pinned, TeamDomain: "acme.cloudflareaccess.com"})
	if len(r.Certificates) != 3 {
		t.Fatalf("%d certificates", len(r.Certificates))
	}
	assertCodes(t, r, "not_jumpcloud")
	msg := message(t, r, "not_jumpcloud")
	assertContains(t, msg, "CN=evil one", "CN=evil two", r.Certificates[1].SHA256Fingerprint, r.Certificates[2].SHA256Fingerprint,
		"certificate 2 of 3", "certificate 3 of 3", "OU=JumpCloudSAMLIdP", "Export Metadata")
	if strings.Contains(msg, r.Certificates[0].SHA256Fingerprint) {
		t.Errorf("JumpCloud's own certificate is named: %s", msg)
	}
	if r.LooksLikeJumpCloud {
		t.Error("a foreign certificate next to JumpCloud's must not look like JumpCloud")
	}
	if !r.Usable() {
		t.Error("a warning must not block")
	}

	// Two JumpCloud certificates (a rotation in progress) are fine.
	r = Inspect(idpDescriptor("https://acme.cloudflareaccess.com/", keyDescriptor("signing", jc)+keyDescriptor("signing", genCert(t, certSpec{}))+postSSO(jcSSO)),
		Options{Now: pinned, TeamDomain: "acme.cloudflareaccess.com"})
	assertCodes(t, r)
	if !r.LooksLikeJumpCloud {
		t.Error("two JumpCloud certificates must look like JumpCloud")
	}
}

// Issue 10, defect 8d: a metadata URL with a user name or password is
// refused, and the password is never echoed.
func TestURLWithUserinfoIsRefused(t *testing.T) {
	hit := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit = true }))
	defer srv.Close()
	for _, src := range []string{
		strings.Replace(srv.URL, "http://", "http://admin:s3cr3tpw@", 1) + "/metadata",
		"https://admin:s3cr3tpw@sso.jumpcloud.com/saml2/metadata/abc",
		"https://s3cr3tpw@sso.jumpcloud.com/saml2/metadata/abc",
		"https://admin:s3cr3tpw@bad host/x",
	} {
		_, err := Load(context.Background(), nil, src)
		if err == nil {
			t.Fatalf("%s accepted", src)
		}
		if !errors.Is(err, ErrURLUserinfo) && !strings.Contains(src, "bad host") {
			t.Errorf("%s: not ErrURLUserinfo: %v", src, err)
		}
		if strings.Contains(err.Error(), "s3cr3tpw") {
			t.Errorf("the password is shown: %v", err)
		}
		if !strings.Contains(src, "bad host") {
			assertContains(t, err.Error(), "idp.metadata", "password", "Copy Metadata URL")
		}
		if err := CheckSource(src); err == nil || strings.Contains(err.Error(), "s3cr3tpw") {
			t.Errorf("CheckSource(%s) = %v", src, err)
		}
	}
	if hit {
		t.Error("the server was contacted")
	}
	if err := CheckSource("https://sso.jumpcloud.com/saml2/metadata/abc"); err != nil {
		t.Error(err)
	}
	if err := CheckSource("testdata/x.xml"); err != nil {
		t.Error(err)
	}
}

// Issue 10, defect 8e: a server that trickles bytes is cut off after 10 s
// overall, whatever the caller's client and context allow.
func TestTricklingURLStopsWithin10s(t *testing.T) {
	t.Parallel()
	stop := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		for {
			if _, err := w.Write([]byte("<")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}))
	defer srv.Close()
	defer close(stop)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	start := time.Now()
	_, err := Load(ctx, srv.Client(), srv.URL+"/metadata")
	took := time.Since(start)
	if err == nil {
		t.Fatal("a trickling server was read to the end")
	}
	if took > 11*time.Second {
		t.Fatalf("took %v, want at most 10 s", took)
	}
	assertContains(t, err.Error(), "10 s", "Export Metadata")
}

// Issue 10, defect 8f: every refused encoding says how to save the file.
func TestRefusedEncodingsGetTheHint(t *testing.T) {
	orig := readTestdata(t, "jumpcloud/ssoready_ssoready_assertions-jumpcloud-metadata.xml")
	text := []rune(strings.Replace(string(orig), `encoding="UTF-8"`, `encoding="UTF-16"`, 1))
	u16le, u16be, u32le, u32be := []byte{}, []byte{}, []byte{}, []byte{}
	for _, c := range text {
		u16le = append(u16le, byte(c), byte(c>>8))
		u16be = append(u16be, byte(c>>8), byte(c))
		u32le = append(u32le, byte(c), byte(c>>8), 0, 0)
		u32be = append(u32be, 0, 0, byte(c>>8), byte(c))
	}
	// "<?xml version" in EBCDIC (code page 037).
	ebcdic := append([]byte{0x4c, 0x6f, 0xa7, 0x94, 0x93, 0x40, 0xa5, 0x85, 0x99, 0xa2, 0x89, 0x96, 0x95}, orig[13:]...)
	for name, data := range map[string][]byte{
		"utf-16le without BOM": u16le, "utf-16be without BOM": u16be,
		"utf-32le": u32le, "utf-32be": u32be,
		"utf-32le with BOM": append([]byte{0xff, 0xfe, 0, 0}, u32le...),
		"utf-32be with BOM": append([]byte{0, 0, 0xfe, 0xff}, u32be...),
		"ebcdic":            ebcdic,
	} {
		r := Inspect(data, Options{Now: pinned})
		if len(r.Findings) != 1 || r.Findings[0].Code != "xml_malformed" {
			t.Errorf("%s: %v", name, r.Findings)
			continue
		}
		assertContains(t, r.Findings[0].Message, "save this file as UTF-8")
	}
}
