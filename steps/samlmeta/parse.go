package samlmeta

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/crewjam/saml"

	"jcaccess/model"
)

const mdNamespace = "urn:oasis:names:tc:SAML:2.0:metadata"

const reexport = "export it again from JumpCloud (SSO tab, Export Metadata) and use the untouched file"

// parsed carries what the checks need beyond the Report itself.
type parsed struct {
	certs     []*x509.Certificate // parallel to Report.Certificates
	certErrs  []string            // why a certificate element was skipped
	certElems int                 // signing X509Certificate elements seen
	bindings  []string            // every SingleSignOnService binding, for messages
}

// parse fills r from data and returns nil when there is nothing to check
// further (the findings then say why).
func (r *Report) parse(data []byte) *parsed {
	if len(data) > MaxSize {
		r.add(model.SeverityError, "too_large", fmt.Sprintf(
			"the file is larger than %d bytes, far more than any SAML metadata (a JumpCloud export is about 3 KB); check that you picked the metadata XML file exported from JumpCloud (SSO tab, Export Metadata)", MaxSize))
		return nil
	}
	// Windows editors save with a byte-order mark, which encoding/xml
	// rejects before the XML declaration.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data, err := toUTF8(data)
	if err != nil {
		r.add(model.SeverityError, "xml_malformed", err.Error())
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		r.add(model.SeverityError, "xml_malformed",
			"the metadata is empty; export it from JumpCloud (SSO tab, Export Metadata) and give that file")
		return nil
	}
	// Real metadata never has a DTD, and entity declarations are how
	// billion-laughs and external-entity attacks work, so refuse rather than
	// rely on the parser ignoring them.
	if d := findDTD(data); d != "" {
		r.add(model.SeverityError, "dtd_forbidden", fmt.Sprintf(
			"the metadata contains a %s declaration, which real SAML metadata never has and which is refused for safety; %s", d, reexport))
		return nil
	}
	root, err := checkWellFormed(data)
	if err != nil {
		r.add(model.SeverityError, "xml_malformed", fmt.Sprintf(
			"the metadata is not well-formed XML (%v); the file was probably edited by hand: %s", err, reexport))
		return nil
	}
	if root.Space != mdNamespace || (root.Local != "EntityDescriptor" && root.Local != "EntitiesDescriptor") {
		r.add(model.SeverityError, "not_idp_metadata", fmt.Sprintf(
			"the file's root element is <%s> in namespace %q, not SAML 2.0 metadata (<EntityDescriptor> in %s); export JumpCloud's IdP metadata (SSO tab, Export Metadata) and give that file",
			root.Local, root.Space, mdNamespace))
		return nil
	}

	// Decoded the way samlsp.ParseMetadata does, except that an aggregate
	// with several IdPs is accepted and its first IdP used.
	var entities []entity
	if root.Local == "EntityDescriptor" {
		ed := &saml.EntityDescriptor{}
		err = xml.Unmarshal(data, ed)
		entities = []entity{decodedEntity(ed)}
	} else {
		entities, err = decodeAggregate(data)
	}
	if err != nil {
		r.add(model.SeverityError, "xml_malformed", fmt.Sprintf(
			"the metadata is well-formed XML but a value in it is invalid (%s); %s", xmlErrText(err), reexport))
		return nil
	}

	var picked *saml.EntityDescriptor
	for _, e := range entities {
		if e.idp {
			picked = e.ed
			break
		}
	}
	if picked == nil {
		r.add(model.SeverityError, "not_idp_metadata", noIDPMessage(entities))
		return nil
	}
	if len(entities) > 1 {
		r.add(model.SeverityInfo, "entity_selected", fmt.Sprintf(
			"the metadata holds %d entities; using the first identity provider, entityID %q", len(entities), strings.TrimSpace(picked.EntityID)))
	}
	p := r.fill(picked)
	r.checkExtraRoles(picked)
	return p
}

// checkExtraRoles reports IDPSSODescriptors after the first, which fill
// ignores. A warning, not an error: only the first role's SSO URL and
// certificates are shown, checked and sent to Cloudflare, so the extra one
// cannot change what Cloudflare trusts; but JumpCloud exports exactly one,
// so a second means a hand-edited or foreign file, and if the admin meant
// the second role, logins would go to the wrong place.
func (r *Report) checkExtraRoles(ed *saml.EntityDescriptor) {
	n := len(ed.IDPSSODescriptors)
	if n < 2 {
		return
	}
	var ignored []string
	for _, idp := range ed.IDPSSODescriptors[1:] {
		certs := 0
		for _, kd := range idp.KeyDescriptors {
			certs += len(kd.KeyInfo.X509Data.X509Certificates)
		}
		var locs []string
		for _, sso := range idp.SingleSignOnServices {
			if loc := strings.TrimSpace(sso.Location); loc != "" {
				locs = append(locs, fmt.Sprintf("%q", loc))
			}
		}
		where := "no SSO URL"
		if len(locs) > 0 {
			where = "SSO URL " + strings.Join(locs, ", ")
		}
		ignored = append(ignored, fmt.Sprintf("%s and %d certificate(s)", where, certs))
	}
	r.add(model.SeverityWarning, "multiple_idp_descriptors", fmt.Sprintf(
		"entity %q has %d IDPSSODescriptor elements; jcaccess uses only the first (SSO URL %q) and ignores the rest (%s). A JumpCloud export has exactly one, so this file was edited or comes from elsewhere: in JumpCloud open the Cloudflare Access app, SSO tab, Export Metadata, and give that untouched file",
		strings.TrimSpace(ed.EntityID), n, r.SSOURL(), strings.Join(ignored, "; ")))
}

// entity is what the checks need of one EntityDescriptor.
type entity struct {
	ed       *saml.EntityDescriptor
	entityID string
	sp, idp  bool
}

func decodedEntity(ed *saml.EntityDescriptor) entity {
	return entity{ed: ed, entityID: ed.EntityID, sp: len(ed.SPSSODescriptors) > 0, idp: len(ed.IDPSSODescriptors) > 0}
}

// decodeAggregate decodes an EntitiesDescriptor document and lists its
// entities in flatten's order.
func decodeAggregate(data []byte) ([]entity, error) {
	agg := &saml.EntitiesDescriptor{}
	if err := xml.Unmarshal(data, agg); err != nil {
		return nil, err
	}
	var entities []entity
	for _, ed := range flatten(agg, nil) {
		entities = append(entities, decodedEntity(ed))
	}
	return entities, nil
}

// flatten lists the entities of an aggregate in the order
// samlsp.ParseMetadata searches them: direct children, then nested
// aggregates.
func flatten(agg *saml.EntitiesDescriptor, out []*saml.EntityDescriptor) []*saml.EntityDescriptor {
	for i := range agg.EntityDescriptors {
		out = append(out, &agg.EntityDescriptors[i])
	}
	for i := range agg.EntitiesDescriptors {
		out = flatten(&agg.EntitiesDescriptors[i], out)
	}
	return out
}

func noIDPMessage(entities []entity) string {
	for _, e := range entities {
		if e.sp {
			return fmt.Sprintf(
				"this looks like service-provider metadata (entityID %q has an SPSSODescriptor and no IDPSSODescriptor), such as Cloudflare's own https://<team domain>/cdn-cgi/access/saml-metadata; jcaccess needs JumpCloud's IdP metadata: in JumpCloud open the Cloudflare Access app, SSO tab, Export Metadata, and give that file",
				strings.TrimSpace(e.entityID))
		}
	}
	if len(entities) == 0 {
		return "the metadata holds no EntityDescriptor at all; export JumpCloud's IdP metadata (SSO tab, Export Metadata) and give that file"
	}
	return "the metadata has no IDPSSODescriptor, so it does not describe an identity provider; export JumpCloud's IdP metadata (SSO tab, Export Metadata) and give that file"
}

// fill copies the picked entity's first IdP role into r.
func (r *Report) fill(ed *saml.EntityDescriptor) *parsed {
	idp := &ed.IDPSSODescriptors[0]
	p := &parsed{}
	r.EntityID = strings.TrimSpace(ed.EntityID)
	r.WantAuthnRequestsSigned = idp.WantAuthnRequestsSigned != nil && *idp.WantAuthnRequestsSigned
	for _, f := range idp.NameIDFormats {
		if s := strings.TrimSpace(string(f)); s != "" {
			r.NameIDFormats = append(r.NameIDFormats, s)
		}
	}
	for _, sso := range idp.SingleSignOnServices {
		binding, loc := strings.TrimSpace(sso.Binding), strings.TrimSpace(sso.Location)
		p.bindings = append(p.bindings, binding)
		switch {
		case binding == saml.HTTPPostBinding && r.SSOURLs.Post == "":
			r.SSOURLs.Post = loc
		case binding == saml.HTTPRedirectBinding && r.SSOURLs.Redirect == "":
			r.SSOURLs.Redirect = loc
		}
	}

	seen := map[string]bool{}
	for _, kd := range idp.KeyDescriptors {
		// No use attribute means the key serves both signing and
		// encryption (saml-metadata-2.0-os §2.4.1.1).
		if use := strings.TrimSpace(kd.Use); use != "" && use != "signing" {
			continue
		}
		for _, xc := range kd.KeyInfo.X509Data.X509Certificates {
			p.certElems++
			cert, err := parseCert(xc.Data)
			if err != nil {
				p.certErrs = append(p.certErrs, fmt.Sprintf("certificate %d: %v", p.certElems, err))
				continue
			}
			c := describe(cert)
			// Cloudflare would get the same certificate twice when a key
			// is listed both with and without use="signing".
			if seen[c.SHA256Fingerprint] {
				continue
			}
			seen[c.SHA256Fingerprint] = true
			r.Certificates = append(r.Certificates, c)
			p.certs = append(p.certs, cert)
		}
	}
	return p
}

// parseCert decodes the text of an X509Certificate element. Pretty-printed
// exports wrap and indent the base64, and hand-edited ones sometimes keep
// the PEM armour, so both are tolerated.
func parseCert(text string) (*x509.Certificate, error) {
	b64 := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, text)
	b64 = strings.TrimPrefix(b64, "-----BEGINCERTIFICATE-----")
	b64 = strings.TrimSuffix(b64, "-----ENDCERTIFICATE-----")
	if b64 == "" {
		return nil, errors.New("the X509Certificate element is empty")
	}
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		// Some tools drop the padding; accept that, report the original error otherwise.
		var err2 error
		if der, err2 = base64.RawStdEncoding.DecodeString(strings.TrimRight(b64, "=")); err2 != nil {
			return nil, fmt.Errorf("not valid base64: %v", err)
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("not a valid X.509 certificate: %v", err)
	}
	return cert, nil
}

func describe(cert *x509.Certificate) Certificate {
	sum := sha256.Sum256(cert.Raw)
	hexs := make([]string, len(sum))
	for i, b := range sum {
		hexs[i] = fmt.Sprintf("%02X", b)
	}
	c := Certificate{
		Subject:            cert.Subject.String(),
		NotBefore:          cert.NotBefore.UTC(),
		NotAfter:           cert.NotAfter.UTC(),
		SHA256Fingerprint:  strings.Join(hexs, ":"),
		KeyType:            cert.PublicKeyAlgorithm.String(),
		SignatureAlgorithm: cert.SignatureAlgorithm.String(),
		Base64:             base64.StdEncoding.EncodeToString(cert.Raw),
	}
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		c.KeyType, c.KeyBits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		c.KeyType = "ECDSA"
		if k.Curve != nil {
			c.KeyBits = k.Curve.Params().BitSize
		}
	case ed25519.PublicKey:
		c.KeyType, c.KeyBits = "Ed25519", 256
	}
	return c
}

// findDTD returns "<!DOCTYPE" or "<!ENTITY" if data contains either
// (whatever the case), else "". "Whatever the case" is that of
// bytes.ToUpper, rune by rune, so that e.g. "<!entıty" (dotless i) counts,
// but without upper-casing a copy of the whole document.
func findDTD(data []byte) string {
	entity := false
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("<!"))
		if j < 0 {
			break
		}
		i += j + 2
		if upperHasPrefix(data[i:], "DOCTYPE") {
			return "<!DOCTYPE"
		}
		entity = entity || upperHasPrefix(data[i:], "ENTITY")
	}
	if entity {
		return "<!ENTITY"
	}
	return ""
}

// upperHasPrefix reports whether bytes.ToUpper(b) starts with the
// upper-case ASCII word.
func upperHasPrefix(b []byte, word string) bool {
	for k := 0; k < len(word); k++ {
		r, size := utf8.DecodeRune(b)
		if size == 0 || unicode.ToUpper(r) != rune(word[k]) {
			return false
		}
		b = b[size:]
	}
	return true
}

// checkWellFormed reads every token so that an error anywhere in the file
// is reported with its line, and returns the root element's name.
// encoding/xml alone accepts a second root element; real exports never
// have one, so it is refused too.
func checkWellFormed(data []byte) (xml.Name, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var root xml.Name
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if root.Local == "" {
				return root, errors.New("no root element")
			}
			return root, nil
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return root, fmt.Errorf("line %d: %s", se.Line, se.Msg)
			}
			line, _ := dec.InputPos()
			return root, fmt.Errorf("line %d: %s", line, xmlErrText(err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 && root.Local != "" {
				line, _ := dec.InputPos()
				return root, fmt.Errorf("line %d: a second root element <%s> after </%s>", line, t.Name.Local, root.Local)
			}
			if depth == 0 {
				root = t.Name
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				line, _ := dec.InputPos()
				return root, fmt.Errorf("line %d: text outside the root element", line)
			}
		}
	}
}

// xmlErrText drops encoding/xml's "xml: " prefix, which reads oddly inside
// a sentence.
func xmlErrText(err error) string {
	return strings.TrimPrefix(err.Error(), "xml: ")
}
