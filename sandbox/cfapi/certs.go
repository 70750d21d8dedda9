package cfapi

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net/http"
	"time"
)

// newSigningCert makes the team domain's RSA signing key and a self-signed
// certificate for it, with the issuer Cloudflare documents for Access
// (CN=cloudflareaccess.com, C=US, ST=Texas, L=Austin, O=Cloudflare).
func newSigningCert(now time.Time) (*rsa.PrivateKey, []byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, nil, err
	}
	name := pkix.Name{
		CommonName:   "cloudflareaccess.com",
		Country:      []string{"US"},
		Province:     []string{"Texas"},
		Locality:     []string{"Austin"},
		Organization: []string{"Cloudflare"},
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      name,
		Issuer:       name,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(5 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	return key, der, nil
}

// serveCerts answers GET /cdn-cgi/access/certs like Access does: the JWKs of
// the signing keys, plus the certificates as PEM under public_cert (the
// current one) and public_certs (all).
func (s *Server) serveCerts(w http.ResponseWriter, r *http.Request) {
	key, cert, err := s.signingCert()
	if err != nil {
		http.Error(w, "certificate generation failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	kid := hex.EncodeToString(sum[:])
	b64 := base64.RawURLEncoding.EncodeToString
	jwk := map[string]any{
		"kid": kid,
		"kty": "RSA",
		"alg": "RS256",
		"use": "sig",
		"e":   b64(big.NewInt(int64(key.PublicKey.E)).Bytes()),
		"n":   b64(key.PublicKey.N.Bytes()),
	}
	pc := map[string]any{
		"kid":  kid,
		"cert": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})),
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"keys":         []any{jwk},
		"public_cert":  pc,
		"public_certs": []any{pc},
	})
}
