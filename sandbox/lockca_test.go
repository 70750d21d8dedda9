package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"jcaccess/model"
)

// Two sandboxes on one folder would each save their world over the
// other's: the second is refused, clearly, until the first stops.
func TestSecondSandboxOnTheSameFolderIsRefused(t *testing.T) {
	dir := t.TempDir()
	first := start(t, dir, false)
	second, err := Start(Options{Dir: dir, KeyBits: 2048})
	if err == nil {
		second.Close()
		t.Fatal("a second sandbox started on the same folder")
	}
	if !errors.Is(err, model.ErrLocked) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "another sandbox") {
		t.Fatalf("want a clear refusal naming the folder, got: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	start(t, dir, false) // the folder is free again
}

func caCert(t *testing.T, sb *Sandbox) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(sb.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("ca.pem is not PEM")
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The sandbox CA (trusted through SSL_CERT_FILE, perhaps for a whole
// shell) lives days, not years, and can vouch for loopback only.
func TestSandboxCAIsShortLivedAndLoopbackOnly(t *testing.T) {
	sb := start(t, t.TempDir(), false)
	ca := caCert(t, sb)
	if life := ca.NotAfter.Sub(ca.NotBefore); life > 31*24*time.Hour {
		t.Fatalf("the CA lives %v", life)
	}
	if !ca.PermittedDNSDomainsCritical || strings.Join(ca.PermittedDNSDomains, ",") != "localhost" {
		t.Fatalf("DNS name constraints: %v critical=%v", ca.PermittedDNSDomains, ca.PermittedDNSDomainsCritical)
	}
	var ranges []string
	for _, r := range ca.PermittedIPRanges {
		ranges = append(ranges, r.String())
	}
	if strings.Join(ranges, ",") != "127.0.0.0/8,::1/128" {
		t.Fatalf("IP name constraints: %v", ranges)
	}

	// A certificate it signs for anything else does not verify.
	for _, leaf := range []*x509.Certificate{
		{DNSNames: []string{"bank.example"}},
		{IPAddresses: []net.IP{net.IPv4(10, 0, 0, 1)}},
	} {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		leaf.SerialNumber, leaf.Subject = randomSerial(), pkix.Name{CommonName: "x"}
		leaf.NotBefore, leaf.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		leaf.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		der, err := x509.CreateCertificate(rand.Reader, leaf, sb.ca.cert, &key.PublicKey, sb.ca.key)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		if _, err := c.Verify(x509.VerifyOptions{Roots: sb.ca.pool()}); err == nil {
			t.Fatalf("the CA vouches for %v %v", leaf.DNSNames, leaf.IPAddresses)
		}
	}

	// A world whose CA has expired (or nearly) gets a new one.
	dir := t.TempDir()
	old := time.Now().Add(-60 * 24 * time.Hour)
	was, err := Start(Options{Dir: dir, KeyBits: 2048, Now: func() time.Time { return old }})
	if err != nil {
		t.Fatal(err)
	}
	oldCA := caCert(t, was)
	was.Close()
	now := start(t, dir, false)
	ca = caCert(t, now)
	if ca.SerialNumber.Cmp(oldCA.SerialNumber) == 0 || !time.Now().Before(ca.NotAfter.Add(-24*time.Hour)) {
		t.Fatalf("an expired CA was kept: until %v", ca.NotAfter)
	}
}
