package model

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestDisplayBodyAbbreviatesOnlyForDisplay(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "JumpCloud"},
		NotBefore: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2031, 5, 1, 0, 0, 0, 0, time.UTC)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := base64.StdEncoding.EncodeToString(der)
	long := strings.Repeat("abcdefghij", 20)
	body, _ := json.Marshal(map[string]any{"name": "JumpCloud", "config": map[string]any{"idp_public_certs": []string{cert}, "note": long}})
	ch := Change{Action: "create", Body: body}

	short := ch.DisplayBody(false)
	for _, want := range []string{`"name": "JumpCloud"`, cert[:6] + "…" + cert[len(cert)-4:] + " (SHA-256 ", "expires 2031-05-01)", "(200 characters)"} {
		if !strings.Contains(short, want) {
			t.Errorf("abbreviated body lacks %q:\n%s", want, short)
		}
	}
	if strings.Contains(short, cert) || strings.Contains(short, long) {
		t.Errorf("a long value is shown in full:\n%s", short)
	}
	if full := ch.DisplayBody(true); !strings.Contains(full, cert) || !strings.Contains(full, long) {
		t.Errorf("the full body lacks a value:\n%s", full)
	}
	if !json.Valid(ch.Body) || string(ch.Body) != string(body) {
		t.Error("the body sent changed")
	}
	if ch.Sign() != "+" {
		t.Errorf("sign %q", ch.Sign())
	}
}
