package samlmeta

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"strings"
	"time"

	"jcaccess/model"
)

// jumpCloudRegion pairs a JumpCloud admin console host with the host that
// serves its applications' SSO URLs.
type jumpCloudRegion struct {
	console, sso string
	// confirmed: an export from this region was seen. The US pair is
	// documented (docs/reference/jumpcloud.md §2); the EU SSO host is
	// inferred from the console's console.eu. prefix [U: no export from
	// an EU organization seen].
	confirmed bool
}

// jumpCloudRegions is the one list of JumpCloud's SSO hosts: the metadata
// checks accept them and the JumpCloud client builds new applications'
// SSO URLs from them (JumpCloudSSOHost).
func jumpCloudRegions() []jumpCloudRegion {
	return []jumpCloudRegion{
		{console: "console.jumpcloud.com", sso: "sso.jumpcloud.com", confirmed: true},
		{console: "console.eu.jumpcloud.com", sso: "sso.eu.jumpcloud.com", confirmed: false},
	}
}

// JumpCloudSSOHost is the SSO host of a JumpCloud console host
// (case-insensitive); ok is false for any other host.
func JumpCloudSSOHost(consoleHost string) (sso string, ok bool) {
	for _, r := range jumpCloudRegions() {
		if strings.EqualFold(consoleHost, r.console) {
			return r.sso, true
		}
	}
	return "", false
}

// IsJumpCloudSSOHost says whether host serves JumpCloud's SSO URLs.
func IsJumpCloudSSOHost(host string) bool {
	for _, r := range jumpCloudRegions() {
		if strings.EqualFold(host, r.sso) {
			return true
		}
	}
	return false
}

// jumpCloudSSOHostsText names the SSO hosts for messages.
func jumpCloudSSOHostsText() string {
	var names []string
	for _, r := range jumpCloudRegions() {
		n := r.sso
		if !r.confirmed {
			n += " (EU, unconfirmed)"
		}
		names = append(names, n)
	}
	return strings.Join(names, " or ")
}

// expiringSoon is how far ahead an expiry is worth a warning. JumpCloud
// itself starts e-mailing at 60 days, but 30 leaves time to rotate calmly
// without crying wolf on every run.
const expiringSoon = 30 * 24 * time.Hour

const regenerate = "regenerate it in JumpCloud (Cloudflare Access app, SSO tab, Regenerate certificate), save, export the metadata again and give jcaccess the new file so Cloudflare gets the new certificate"

func (r *Report) check(p *parsed, opts Options) {
	r.checkSSO(p)
	r.checkEntityID(opts.TeamDomain)
	r.checkCerts(p, opts.Now)
	r.checkJumpCloud(p, opts.JumpCloudHost)
}

func (r *Report) checkSSO(p *parsed) {
	if r.SSOURL() == "" {
		found := "none"
		if len(p.bindings) > 0 {
			found = strings.Join(p.bindings, ", ")
		}
		r.add(model.SeverityError, "not_idp_metadata", fmt.Sprintf(
			"the identity provider %q has no SingleSignOnService with the HTTP-POST or HTTP-Redirect binding (found: %s), so Cloudflare has nowhere to send users; JumpCloud always includes HTTP-POST: %s",
			r.EntityID, found, reexport))
		return
	}
	for i, loc := range []string{r.SSOURLs.Post, r.SSOURLs.Redirect} {
		if loc == "" || (i == 1 && loc == r.SSOURLs.Post) {
			continue
		}
		u, err := url.Parse(loc)
		if err == nil && u.Scheme == "https" {
			continue
		}
		scheme := "no scheme"
		if err == nil && u.Scheme != "" {
			scheme = u.Scheme
		}
		r.add(model.SeverityError, "sso_url_not_https", fmt.Sprintf(
			"the SSO URL %q uses %s, not https, so users' logins would cross the network unencrypted; JumpCloud's SSO URL is always https://sso.jumpcloud.com/saml2/<label>: %s",
			loc, scheme, reexport))
	}
}

func (r *Report) checkEntityID(teamDomain string) {
	team := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(teamDomain), "https://"), "/")
	want := "https://<team domain>/ (e.g. https://acme.cloudflareaccess.com/)"
	if team != "" {
		want = "https://" + team + "/"
	}
	if why := spURLReason(r.EntityID, r.SSOURLs); why != "" {
		r.add(model.SeverityWarning, "entity_id_is_sp_url", fmt.Sprintf(
			"JumpCloud's IdP Entity ID is %q: %s, so the service provider's URL was typed into the IdP Entity ID field. Logins still work, because Cloudflare's issuer URL is taken from this file, but it invites mix-ups: in JumpCloud open the Cloudflare Access app, SSO tab, set IdP Entity ID to %s (SP Entity ID and ACS URL stay https://<team domain>/cdn-cgi/access/callback), save, and export the metadata again",
			r.EntityID, why, want))
		return
	}
	if team == "" || r.EntityID == want {
		return
	}
	var diff string
	bare := strings.TrimSuffix(want, "/")
	switch {
	case r.EntityID == "":
		diff = "it is empty"
	case r.EntityID == bare:
		diff = "it differs only by the missing trailing slash"
	case strings.EqualFold(r.EntityID, want):
		diff = "it differs only in upper/lower case"
	case strings.EqualFold(r.EntityID, bare):
		diff = "it differs only in upper/lower case and the missing trailing slash"
	default:
		diff = "they differ"
	}
	r.add(model.SeverityWarning, "entity_id_mismatch", fmt.Sprintf(
		"JumpCloud's IdP Entity ID is %q but the Cloudflare guide asks for %q (%s). Logins still work, because Cloudflare's issuer URL is taken from this file, but the guide's value avoids confusion: in JumpCloud open the Cloudflare Access app, SSO tab, set IdP Entity ID to %s, save, and export the metadata again",
		r.EntityID, want, diff, want))
}

// spURLReason says why entityID looks like a service provider's URL, or
// returns "". The path fragments are the usual ACS/SP endpoints of SAML
// libraries; none appears in a real IdP entity ID in testdata/.
func spURLReason(entityID string, sso SSOURLs) string {
	lower := strings.ToLower(entityID)
	switch {
	case entityID == "":
		return ""
	case strings.Contains(lower, "/cdn-cgi/access/callback"):
		return "that is Cloudflare's callback URL, which belongs in JumpCloud's SP Entity ID and ACS URL fields"
	case entityID == sso.Post || entityID == sso.Redirect:
		return "that is the SSO URL itself, not an entity ID"
	}
	u, err := url.Parse(lower)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	path := strings.TrimRight(u.Path, "/")
	segs := strings.Split(path, "/")
	looksSP := strings.Contains(path, "/saml/acs") || strings.Contains(path, "/sso/saml") ||
		strings.HasSuffix(path, "/metadata")
	for _, s := range segs {
		looksSP = looksSP || s == "acs" || s == "callback" || strings.Contains(s, "consume")
	}
	if !looksSP {
		return ""
	}
	return fmt.Sprintf("its path %q is that of a service provider's assertion consumer (ACS) or metadata URL", u.Path)
}

func (r *Report) checkCerts(p *parsed, now time.Time) {
	if len(r.Certificates) == 0 {
		why := "the IdP lists no signing certificate (KeyDescriptor use=\"signing\" with an X509Certificate)"
		if len(p.certErrs) > 0 {
			why = fmt.Sprintf("none of the %d signing certificates could be read (%s)", p.certElems, strings.Join(p.certErrs, "; "))
		}
		r.add(model.SeverityError, "no_signing_cert", why+
			"; Cloudflare needs it to verify logins. In JumpCloud open the Cloudflare Access app, SSO tab, check the IdP certificate and private key (Regenerate certificate if they are missing), save, and export the metadata again")
		return
	}
	for _, e := range p.certErrs {
		r.add(model.SeverityInfo, "cert_unreadable", fmt.Sprintf(
			"skipped a signing certificate that could not be read (%s); the other %d will be used", e, len(r.Certificates)))
	}
	for i, cert := range p.certs {
		name := "the signing certificate"
		if len(p.certs) > 1 {
			name = fmt.Sprintf("signing certificate %d of %d (SHA-256 %s)", i+1, len(p.certs), r.Certificates[i].SHA256Fingerprint)
		}
		r.checkCert(name, cert, r.Certificates[i], now)
	}
}

func (r *Report) checkCert(name string, cert *x509.Certificate, c Certificate, now time.Time) {
	switch left := c.NotAfter.Sub(now); {
	case now.After(c.NotAfter):
		r.add(model.SeverityError, "cert_expired", fmt.Sprintf(
			"%s expired on %s, so Cloudflare would reject every login; %s", name, day(c.NotAfter), regenerate))
	case now.Before(c.NotBefore):
		r.add(model.SeverityError, "cert_not_yet_valid", fmt.Sprintf(
			"%s is not valid before %s but this computer's clock says %s; check the clock, or if the certificate was only just regenerated in JumpCloud, wait until then and inspect again",
			name, c.NotBefore.Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
	case left <= expiringSoon:
		days := int(left.Hours() / 24)
		r.add(model.SeverityWarning, "cert_expiring_soon", fmt.Sprintf(
			"%s expires on %s (%d days left), after which Cloudflare will reject every login; %s", name, day(c.NotAfter), days, regenerate))
	}
	switch cert.SignatureAlgorithm {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		r.add(model.SeverityWarning, "weak_signature_algorithm", fmt.Sprintf(
			"%s is signed with %s, a broken hash; if you uploaded your own certificate to JumpCloud, replace it with a SHA-256 one, otherwise %s", name, c.SignatureAlgorithm, regenerate))
	}
	// An error, not a warning: Cloudflare would trust any assertion signed
	// with this key, and a key under 2048 bits can be factored by whoever
	// wants to sign in as anyone (512 bits in hours on rented machines).
	if c.KeyType == "RSA" && c.KeyBits < 2048 {
		r.add(model.SeverityError, "weak_key", fmt.Sprintf(
			"%s has a %d-bit RSA key, too short to be safe: anyone who breaks it can sign in as any user, so jcaccess will not send it to Cloudflare (2048 bits at least; JumpCloud generates 4096); if you uploaded your own key pair to JumpCloud, replace it with one of 2048 bits or more, otherwise %s", name, c.KeyBits, regenerate))
	}
}

func (r *Report) checkJumpCloud(p *parsed, extraHost string) {
	host := ""
	if u, err := url.Parse(r.SSOURL()); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	jcHost := IsJumpCloudSSOHost(host) || (extraHost != "" && strings.EqualFold(host, extraHost))
	// Every certificate is sent to Cloudflare, which then accepts a login
	// signed by any of them: one foreign certificate next to JumpCloud's is
	// as much a way in as a foreign certificate alone, so each is named.
	var foreign []int
	for i, cert := range p.certs {
		if !isJumpCloudCert(cert) {
			foreign = append(foreign, i)
		}
	}
	someJC := len(foreign) < len(p.certs)
	r.LooksLikeJumpCloud = jcHost && len(p.certs) > 0 && len(foreign) == 0

	var why []string
	if host != "" && !jcHost {
		why = append(why, fmt.Sprintf("the SSO URL's host is %q, not %s where JumpCloud always serves SSO", host, jumpCloudSSOHostsText()))
	}
	switch {
	case len(foreign) == 0:
	case len(p.certs) == 1:
		s := fmt.Sprintf("the signing certificate (subject %q) lacks JumpCloud's OU=JumpCloudSAMLIdP", r.Certificates[0].Subject)
		if jcHost {
			s += " (expected if you uploaded your own certificate to JumpCloud)"
		}
		why = append(why, s)
	default:
		names := make([]string, 0, len(foreign))
		for _, i := range foreign {
			c := r.Certificates[i]
			names = append(names, fmt.Sprintf("signing certificate %d of %d (subject %q, SHA-256 %s)", i+1, len(p.certs), c.Subject, c.SHA256Fingerprint))
		}
		s := strings.Join(names, " and ") + " lack"
		if len(foreign) == 1 {
			s += "s"
		}
		s += " JumpCloud's OU=JumpCloudSAMLIdP"
		if someJC {
			s += fmt.Sprintf(", yet all %d certificates go to Cloudflare, which would accept a login signed with any of them as well as with JumpCloud's own; JumpCloud's export lists only its own certificate, so unless you added these on purpose the file was edited", len(p.certs))
		}
		why = append(why, s)
	}
	if len(why) == 0 {
		return
	}
	r.add(model.SeverityWarning, "not_jumpcloud", strings.Join(why, "; ")+
		"; jcaccess is built for JumpCloud's \"Cloudflare Access\" SSO application and this metadata may still work, but if you meant JumpCloud, open that app's SSO tab, Export Metadata, and give that file")
}

func isJumpCloudCert(cert *x509.Certificate) bool {
	for _, ou := range cert.Subject.OrganizationalUnit {
		if ou == "JumpCloudSAMLIdP" {
			return true
		}
	}
	return cert.Subject.CommonName == "JumpCloudSAMLUser"
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }
