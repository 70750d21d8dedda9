// Package samlmeta reads the SAML IdP metadata an admin exports from
// JumpCloud's "Cloudflare Access" application and checks it before its
// entityID, SSO URL and signing certificates are uploaded to Cloudflare.
package samlmeta

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"jcaccess/model"
)

// SignedRequestsWanted says what WantAuthnRequestsSigned="true" (in most
// real JumpCloud exports, docs/reference/jumpcloud.md §1) means for
// Cloudflare. Cloudflare signs its AuthnRequests only with the login
// method's sign_request ("Sign the SAML authentication request with Access
// credentials", API schema); its JumpCloud example sets sign_request false
// (docs/reference/cloudflare-jumpcloud-saml.md), and neither JumpCloud nor
// Cloudflare documents JumpCloud refusing unsigned requests (jumpcloud.md
// §6, open question). So jcaccess follows the example and leaves the
// decision to the first sign-in.
const SignedRequestsWanted = "JumpCloud asks for signed requests; Cloudflare signs them only with the login method's sign_request, which Cloudflare's JumpCloud example leaves off, as jcaccess does by default (idp.sign_request); JumpCloud does not document refusing unsigned ones, so the first sign-in tells"

// MaxSize is the largest metadata document Inspect reads. A JumpCloud export
// is about 3 KB and even big aggregates of a few IdPs stay far below this, so
// anything larger is a wrong file (or hostile) rather than metadata.
const MaxSize = 1 << 20

// Options for Inspect.
type Options struct {
	// TeamDomain is the Cloudflare team domain, e.g.
	// "acme.cloudflareaccess.com" or, in a sandbox, "127.0.0.1:8443". Empty
	// skips the entity-ID checks against the team.
	TeamDomain string
	// Now is the time certificates are checked against; zero means
	// time.Now().
	Now time.Time
	// JumpCloudHost is another host to accept as JumpCloud's SSO host
	// besides sso.jumpcloud.com: the sandbox's JumpCloud.
	JumpCloudHost string
}

// SSOURLs are the IdP's SingleSignOnService locations per binding.
type SSOURLs struct {
	Post     string `json:"post"`
	Redirect string `json:"redirect"`
}

// Certificate describes one signing certificate of the IdP.
type Certificate struct {
	Subject            string    `json:"subject"`
	NotBefore          time.Time `json:"not_before"`
	NotAfter           time.Time `json:"not_after"`
	SHA256Fingerprint  string    `json:"sha256_fingerprint"`
	KeyType            string    `json:"key_type"`
	KeyBits            int       `json:"key_bits"`
	SignatureAlgorithm string    `json:"signature_algorithm"`
	// Base64 is the DER as base64 without whitespace: the form Cloudflare's
	// idp_public_certs takes.
	Base64 string `json:"-"`
}

// Report is what Inspect learnt about a metadata document.
type Report struct {
	EntityID                string         `json:"entity_id"`
	SSOURLs                 SSOURLs        `json:"sso_urls"`
	NameIDFormats           []string       `json:"name_id_formats"`
	WantAuthnRequestsSigned bool           `json:"want_authn_requests_signed"`
	Certificates            []Certificate  `json:"certificates"`
	LooksLikeJumpCloud      bool           `json:"looks_like_jumpcloud"`
	Findings                model.Findings `json:"findings"`
	// Digest is the hex SHA-256 of the input as given, so the caller can
	// tell later whether the file it uploads is the one that was checked.
	Digest string `json:"-"`
	Size   int    `json:"-"`
}

// Inspect parses metadata and checks it. It never returns nil and never
// panics: every problem, including unreadable input, becomes a finding.
func Inspect(data []byte, opts Options) (r *Report) {
	sum := sha256.Sum256(data)
	r = &Report{
		NameIDFormats: []string{},
		Certificates:  []Certificate{},
		Findings:      model.Findings{},
		Digest:        hex.EncodeToString(sum[:]),
		Size:          len(data),
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	// The decoders below run third-party code on whatever file the admin
	// picked; a bug there must become a finding, not crash the wizard.
	defer func() {
		if v := recover(); v != nil {
			r.add(model.SeverityError, "xml_malformed", fmt.Sprintf(
				"the metadata could not be read (internal error: %v); export it again from JumpCloud (SSO tab, Export Metadata) and use the untouched file, and report this bug", v))
		}
	}()

	idp := r.parse(data)
	if idp == nil {
		return r
	}
	r.check(idp, opts)
	return r
}

// SSOURL is the URL Cloudflare should send users to: the HTTP-POST binding
// if there is one, else HTTP-Redirect, else "".
func (r *Report) SSOURL() string {
	if r.SSOURLs.Post != "" {
		return r.SSOURLs.Post
	}
	return r.SSOURLs.Redirect
}

// SigningCerts returns the base64 DER of each signing certificate in
// document order, ready for Cloudflare's idp_public_certs.
func (r *Report) SigningCerts() []string {
	out := make([]string, 0, len(r.Certificates))
	for _, c := range r.Certificates {
		out = append(out, c.Base64)
	}
	return out
}

// Usable reports whether the metadata can be uploaded to Cloudflare.
func (r *Report) Usable() bool {
	return !r.Findings.HasErrors() && r.SSOURL() != "" && len(r.Certificates) > 0
}

func (r *Report) add(sev model.Severity, code, msg string) {
	r.Findings = append(r.Findings, model.Finding{Severity: sev, Code: code, Message: msg})
}
