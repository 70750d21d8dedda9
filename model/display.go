package model

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// How a plan shows a change to a person. The request itself (Body) is sent
// byte for byte and printed so by plan --json; only what a person reads
// abbreviates and escapes (Printable), here, for the wizard and the plan
// command alike.

// Sign marks the action in a plan: + create (or bind a group), ~ update,
// ! a new secret.
func (c Change) Sign() string {
	switch c.Action {
	case "create", "bind":
		return "+"
	case "update":
		return "~"
	case "refresh_secret":
		return "!"
	}
	return "?"
}

// longValue is the shortest string value DisplayBody abbreviates.
const longValue = 100

// longString matches a JSON string literal of longValue characters or more;
// compiled on first use, as every pattern here: most commands never draw a
// plan.
var longString = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`"(?:[^"\\]|\\.){%d,}"`, longValue))
})

// DisplayBody is the body pretty-printed, keys in the order they are sent.
// Unless full is set, a long string value is abbreviated: a certificate to
// its first and last characters, its SHA-256 fingerprint and its expiry
// (MIIFaz…Qw== (SHA-256 AB:CD:EF:01…, expires 2031-05-01)), anything else
// to its ends and its length. "" when there is no body. Control
// characters show escaped (Printable): JSON leaves C1 and bidi controls
// raw, and an abbreviated value is decoded. Each line is escaped alone, so
// the indentation's own newlines stay.
func (c Change) DisplayBody(full bool) string {
	if len(c.Body) == 0 {
		return ""
	}
	var out bytes.Buffer
	if err := json.Indent(&out, c.Body, "", "  "); err != nil {
		return Printable(string(c.Body))
	}
	text := out.String()
	if !full {
		text = longString().ReplaceAllStringFunc(text, func(lit string) string {
			var s string
			if json.Unmarshal([]byte(lit), &s) != nil {
				return lit
			}
			return `"` + Printable(Abbreviate(s)) + `"`
		})
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = Printable(l)
	}
	return strings.Join(lines, "\n")
}

// Abbreviate shortens a long value for display: a certificate (base64 DER
// or PEM) to its ends, fingerprint and expiry; another long value to its
// ends and length. Short values come back as they are.
func Abbreviate(s string) string {
	if len(s) < longValue {
		return s
	}
	if cert := parseCert(s); cert != nil {
		sum := sha256.Sum256(cert.Raw)
		b64 := base64.StdEncoding.EncodeToString(cert.Raw)
		return fmt.Sprintf("%s…%s (SHA-256 %02X:%02X:%02X:%02X…, expires %s)",
			b64[:6], b64[len(b64)-4:], sum[0], sum[1], sum[2], sum[3], cert.NotAfter.UTC().Format("2006-01-02"))
	}
	r := []rune(s)
	return fmt.Sprintf("%s…%s (%d characters)", string(r[:24]), string(r[len(r)-8:]), len(r))
}

func parseCert(s string) *x509.Certificate {
	der := []byte(nil)
	if blk, _ := pem.Decode([]byte(s)); blk != nil {
		der = blk.Bytes
	} else if b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), "")); err == nil {
		der = b
	}
	if der == nil {
		return nil
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	return cert
}
