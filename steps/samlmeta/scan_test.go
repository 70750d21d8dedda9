package samlmeta

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The fast scan must change nothing but speed: every input below gives the
// same Report with and without it. want says whether the fast scan accepts
// the input and how many entities it leaves out of decoding, so that the
// comparison is known to exercise the fast path.

const mdNS = `xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"`

func spEntity(id, acs string) string {
	return fmt.Sprintf(`<md:EntityDescriptor entityID="%s"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">%s</md:SPSSODescriptor></md:EntityDescriptor>`, id, acs)
}

const acs = `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/acs" index="0"/>`

func aggregate(children ...string) []byte {
	return []byte(`<md:EntitiesDescriptor ` + mdNS + `>` + strings.Join(children, "\n  ") + `</md:EntitiesDescriptor>`)
}

func idpEntity(t testing.TB) string {
	idp := string(readTestdata(t, "jumpcloud/ssoready_ssoready_assertions-jumpcloud-metadata.xml"))
	return strings.TrimPrefix(idp, `<?xml version="1.0" encoding="UTF-8"?>`)
}

func scanCases(t testing.TB) []struct {
	name   string
	data   []byte
	pruned int // entities the scan leaves out; -1: the scan must give up
} {
	idp := idpEntity(t)
	sp := spEntity("https://sp.example.com/", acs)
	withACS := func(attrs string) string {
		return spEntity("https://sp.example.com/", `<md:AssertionConsumerService `+attrs+`/>`)
	}
	post := `Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" `
	var deep strings.Builder
	for range maxScanDepth {
		deep.WriteString(`<md:EntitiesDescriptor>`)
	}
	deep.WriteString(sp + idp)
	for range maxScanDepth {
		deep.WriteString(`</md:EntitiesDescriptor>`)
	}
	return []struct {
		name   string
		data   []byte
		pruned int
	}{
		{"SPs then IdP", aggregate(sp, sp, idp), 2},
		{"IdP then SPs", aggregate(idp, sp, sp), 2},
		{"SP only", aggregate(spEntity("https://first.example.com/", acs), sp), 2},
		{"empty entity", aggregate(`<md:EntityDescriptor entityID="e"/>`, idp), 1},
		{"no entities", aggregate(`<md:Other/>`), 0},
		{"two IdPs", aggregate(sp, strings.Replace(idp, "IdP Entity ID", "first", 1), idp), 1},
		{"nested aggregate first in document, outer entities first in order",
			aggregate(`<md:EntitiesDescriptor>`+idp+sp+`</md:EntitiesDescriptor>`, sp, strings.Replace(idp, "IdP Entity ID", "outer", 1)), 2},
		{"IdP in nested aggregate", aggregate(sp, `<md:EntitiesDescriptor Name="x">`+sp+idp+`</md:EntitiesDescriptor>`), 2},
		{"default namespace", []byte(`<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">` +
			`<EntityDescriptor entityID="a"><SPSSODescriptor><AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://a/" index="1"/></SPSSODescriptor></EntityDescriptor>` +
			idp + `</EntitiesDescriptor>`), 1},
		{"entity in another namespace is not an entity", aggregate(`<x:EntityDescriptor xmlns:x="urn:other" entityID="x"><x:IDPSSODescriptor/></x:EntityDescriptor>`, sp, idp), 1},
		{"SPSSODescriptor in another namespace", aggregate(`<md:EntityDescriptor entityID="a"><x:SPSSODescriptor xmlns:x="urn:other"/></md:EntityDescriptor>`, idp), 0},
		{"IDPSSODescriptor in another namespace", aggregate(sp, `<md:EntityDescriptor entityID="a"><x:IDPSSODescriptor xmlns:x="urn:other"/></md:EntityDescriptor>`, idp), 1},
		{"prefix rebound to another namespace", aggregate(`<md:EntityDescriptor xmlns:md="urn:other" entityID="a"/>`, sp, idp), 1},
		{"entity ID with entities and CR LF", aggregate(spEntity("a&amp;b&lt;&gt;&quot;&apos;\r\nc\rd", acs), sp), 2},
		{"xmlns:entityID replaces the entity ID", aggregate(`<md:EntityDescriptor entityID="a" xmlns:entityID="urn:b"><md:SPSSODescriptor/></md:EntityDescriptor>`), 1},
		{"entity ID twice", aggregate(`<md:EntityDescriptor entityID="a" x:entityID="b" xmlns:x="urn:x"><md:SPSSODescriptor/></md:EntityDescriptor>`), 1},
		{"bad index", aggregate(withACS(post+`Location="https://a/" index="x"`), idp), 0},
		{"spaced index", aggregate(withACS(post+`Location="https://a/" index=" 3 "`), idp), 1},
		{"blank index", aggregate(withACS(post+`Location="https://a/" index="  "`), idp), 0},
		{"empty index", aggregate(withACS(post+`Location="https://a/" index=""`), idp), 1},
		{"huge index", aggregate(withACS(post+`Location="https://a/" index="99999999999999999999"`), idp), 0},
		{"bad isDefault", aggregate(withACS(post+`Location="https://a/" index="1" isDefault="yes"`), idp), 0},
		{"isDefault", aggregate(withACS(post+`Location="https://a/" index="1" isDefault=" true"`), idp), 1},
		{"ftp location", aggregate(withACS(post+`Location="ftp://a/" index="1"`), idp), 0},
		{"location without scheme", aggregate(withACS(post+`Location="a/b" index="1"`), idp), 0},
		{"unparsable location", aggregate(withACS(post+`Location="https://a b:x/" index="1"`), idp), 0},
		{"unknown binding, any location", aggregate(withACS(`Binding="urn:x" Location="::" index="1"`), idp), 1},
		{"spaced binding", aggregate(withACS(`Binding=" urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST&#10;" Location="a" index="1"`), idp), -1},
		{"spaced binding and location", aggregate(withACS(`Binding=" urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST " Location=" https://a/ " index="1"`), idp), 1},
		{"location twice, last wins", aggregate(withACS(post+`Location="a" x:Location="https://a/" xmlns:x="urn:x" index="1"`), idp), 1},
		{"location twice, last is bad", aggregate(withACS(post+`Location="https://a/" x:Location="a" xmlns:x="urn:x" index="1"`), idp), 0},
		{"empty response location on ACS", aggregate(withACS(post+`Location="https://a/" ResponseLocation="" index="1"`), idp), 0},
		{"response location on ACS", aggregate(withACS(post+`Location="https://a/" ResponseLocation="https://b/" index="1"`), idp), 1},
		{"empty response location on SLO", aggregate(spEntity("a", `<md:SingleLogoutService `+post+`Location="https://a/" ResponseLocation=""/>`), idp), 1},
		{"bad response location on SLO", aggregate(spEntity("a", `<md:SingleLogoutService `+post+`Location="https://a/" ResponseLocation="b"/>`), idp), 0},
		{"bad SLO location", aggregate(spEntity("a", `<md:SingleLogoutService `+post+`Location="b"/>`), idp), 0},
		{"bad artifact resolution index", aggregate(spEntity("a", `<md:ArtifactResolutionService `+post+`Location="https://a/" index="-"/>`), idp), 0},
		{"SOAP manage name ID", aggregate(spEntity("a", `<md:ManageNameIDService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="mailto:x"/>`), idp), 0},
		{"ACS in another namespace", aggregate(spEntity("a", `<x:AssertionConsumerService xmlns:x="urn:x" `+post+`Location="b" index="1"/>`), idp), 0},
		{"ACS with children", aggregate(spEntity("a", `<md:AssertionConsumerService `+post+`Location="https://a/" index="1"><x index="y"/>text</md:AssertionConsumerService>`), idp), 1},
		{"bad AuthnRequestsSigned", aggregate(`<md:EntityDescriptor entityID="a"><md:SPSSODescriptor AuthnRequestsSigned="maybe"/></md:EntityDescriptor>`, idp), 0},
		{"AuthnRequestsSigned", aggregate(`<md:EntityDescriptor entityID="a"><md:SPSSODescriptor AuthnRequestsSigned="1" WantAssertionsSigned=""/></md:EntityDescriptor>`, idp), 1},
		{"SP validUntil", aggregate(`<md:EntityDescriptor entityID="a"><md:SPSSODescriptor validUntil="never"/></md:EntityDescriptor>`, idp), 0},
		{"entity validUntil", aggregate(`<md:EntityDescriptor entityID="a" validUntil="2030-01-01T00:00:00Z"><md:SPSSODescriptor/></md:EntityDescriptor>`, sp, idp), 1},
		{"entity cacheDuration", aggregate(`<md:EntityDescriptor entityID="a" cacheDuration="forever"/>`, sp, idp), 1},
		{"aggregate validUntil", []byte(`<md:EntitiesDescriptor ` + mdNS + ` validUntil="x">` + sp + idp + `</md:EntitiesDescriptor>`), 1},
		{"aggregate signature", aggregate(`<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>`, sp, idp), 1},
		{"aggregate extensions", aggregate(`<md:Extensions><x:a xmlns:x="urn:x" b="c">d</x:a></md:Extensions>`, sp, idp), 1},
		{"key descriptors", aggregate(spEntity("a", `<md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:KeyName>k</ds:KeyName><ds:X509Data><ds:X509Certificate>MIIB</ds:X509Certificate><ds:X509SubjectName>x</ds:X509SubjectName></ds:X509Data></ds:KeyInfo><md:EncryptionMethod Algorithm="x"><y/></md:EncryptionMethod></md:KeyDescriptor>`+acs), idp), 1},
		{"X509Data in another namespace", aggregate(spEntity("a", `<md:KeyDescriptor><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><md:X509Data/></ds:KeyInfo></md:KeyDescriptor>`), idp), 0},
		{"X509Certificate in another namespace", aggregate(spEntity("a", `<md:KeyDescriptor><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><md:X509Certificate/></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`), idp), 0},
		{"KeyInfo in another namespace", aggregate(spEntity("a", `<md:KeyDescriptor><md:KeyInfo/></md:KeyDescriptor>`), idp), 0},
		{"key size", aggregate(spEntity("a", `<md:KeyDescriptor><md:EncryptionMethod Algorithm="x"><xenc:KeySize xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">x</xenc:KeySize></md:EncryptionMethod></md:KeyDescriptor>`), idp), 0},
		{"organization and contacts", aggregate(`<md:EntityDescriptor entityID="a"><md:Extensions><mdui:UIInfo xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui"/></md:Extensions>`+
			`<md:SPSSODescriptor><md:NameIDFormat>x<b/></md:NameIDFormat><md:Organization><md:OrganizationName xml:lang="en">A</md:OrganizationName></md:Organization></md:SPSSODescriptor>`+
			`<md:Organization><md:OrganizationURL xml:lang="en">https://a/</md:OrganizationURL></md:Organization><md:ContactPerson contactType="technical"><md:EmailAddress>a@b</md:EmailAddress></md:ContactPerson></md:EntityDescriptor>`, sp, idp), 1},
		{"contacts only", aggregate(`<md:EntityDescriptor entityID="a"><md:SPSSODescriptor><md:ContactPerson contactType="x"><md:GivenName>a</md:GivenName></md:ContactPerson></md:SPSSODescriptor><md:ContactPerson/><md:AdditionalMetadataLocation namespace="x">y</md:AdditionalMetadataLocation></md:EntityDescriptor>`, idp), 1},
		{"attribute consuming service", aggregate(spEntity("a", `<md:AttributeConsumingService index="x"/>`), idp), 0},
		{"role descriptor", aggregate(`<md:EntityDescriptor entityID="a"><md:RoleDescriptor/></md:EntityDescriptor>`, sp, idp), 1},
		{"comments, PIs and CDATA", aggregate(`<!-- a -->`, `<?pi x?>`, `<md:EntityDescriptor entityID="a"><!-- - --><?x?><md:SPSSODescriptor><![CDATA[ ]]>`+acs+`</md:SPSSODescriptor></md:EntityDescriptor>`, `<md:EntityDescriptor entityID="b"><![CDATA[<x>&]]><!----></md:EntityDescriptor>`, idp), 2},
		{"text in the aggregate", aggregate(sp+`]]`, sp, `>`+idp), 0},
		{"escaped text in the aggregate", aggregate(sp, `]]&gt;`, sp+`x`, idp), 0},
		{"CDATA in the aggregate", aggregate(sp, `<![CDATA[x]]>`, idp), 0},
		{"XML declaration", append([]byte(`<?xml version="1.0" encoding="utf-8" standalone="yes"?>`+"\n"), aggregate(sp, idp)...), 1},
		{"XML 1.1", append([]byte(`<?xml version="1.1"?>`), aggregate(sp, idp)...), -1},
		{"spaces in tags", []byte("<md:EntitiesDescriptor\n\t" + mdNS + " >" + `<md:EntityDescriptor entityID = 'a' ><md:SPSSODescriptor></md:SPSSODescriptor ></md:EntityDescriptor>` + idp + "</md:EntitiesDescriptor\r\n>\n"), 1},
		{"attributes without space", aggregate(`<md:EntityDescriptor entityID="a"ID="b"/>`, idp), 1},
		{"non-ASCII text", aggregate(spEntity("https://ünï.example/", acs), `<!-- ☃ -->`, idp), 1},
		{"deep nesting", aggregate(deep.String()), -1},
		{"mismatched end tag", aggregate(`<md:EntityDescriptor></md:EntitiesDescriptor>`), -1},
		{"end tag prefix differs", aggregate(`<md:EntityDescriptor></EntityDescriptor>`), -1},
		{"second root", append(aggregate(sp, idp), `<x/>`...), -1},
		{"text after root", append(aggregate(sp, idp), `x`...), -1},
		{"truncated", aggregate(sp, idp)[:500], -1},
		{"character reference", aggregate(spEntity("&#65;", acs), idp), -1},
		{"unknown entity", aggregate(spEntity("&nbsp;", acs), idp), -1},
		{"lone ampersand", aggregate(spEntity("a&b", acs), idp), -1},
		{"less-than in attribute", aggregate(spEntity("a<b", acs), idp), -1},
		{"control character", aggregate(spEntity("a\x01", acs), idp), -1},
		{"invalid UTF-8", aggregate(spEntity("a\xff", acs), idp), -1},
		{"U+FFFE", aggregate(spEntity("a\uFFFE", acs), idp), -1},
		{"]]> in text", aggregate(sp, `<md:EntityDescriptor>]]></md:EntityDescriptor>`, idp), -1},
		{"unquoted attribute", aggregate(`<md:EntityDescriptor entityID=a/>`), -1},
		{"double hyphen in comment", aggregate(`<!-- a -- b -->`, sp, idp), -1},
		{"directive", aggregate(`<!ELEMENT x>`, sp, idp), -1},
		{"non-ASCII name", aggregate(`<md:Éntity/>`, sp, idp), -1},
		{"two colons", aggregate(`<a:b:c/>`, sp, idp), -1},
		{"xmlns element prefix", []byte(`<xmlns:EntitiesDescriptor/>`), 0},
		{"xml element prefix", []byte(`<xml:EntitiesDescriptor/>`), 0},
		{"undeclared prefix", []byte(`<md:EntitiesDescriptor/>`), 0},
		{"SP metadata", []byte(`<md:EntityDescriptor ` + mdNS + ` entityID="x">` + `<md:SPSSODescriptor/></md:EntityDescriptor>`), 0},
	}
}

func TestScanChangesNothing(t *testing.T) {
	for _, tc := range scanCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			sc := scanXML(tc.data)
			switch {
			case sc == nil && tc.pruned >= 0:
				t.Errorf("the fast scan gave up")
			case sc != nil && tc.pruned < 0:
				t.Errorf("the fast scan accepted it")
			case sc != nil:
				pruned := 0
				for _, e := range sc.entities {
					if e.simple && sc.prunable {
						pruned++
					}
				}
				if pruned != tc.pruned {
					t.Errorf("%d entities left out of decoding, want %d", pruned, tc.pruned)
				}
			}
			assertSameReport(t, tc.data)
		})
	}
}

func assertSameReport(t *testing.T, data []byte) {
	t.Helper()
	opts := Options{Now: pinned, TeamDomain: "acme.cloudflareaccess.com"}
	fast, slow := inspect(data, opts, true), inspect(data, opts, false)
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("fast scan changes the report:\nfast:\n%s\nslow:\n%s", findingLines(fast), findingLines(slow))
	}
}

func TestScanTestdata(t *testing.T) {
	for _, name := range []string{
		"jumpcloud/majidsalehighamsari_react-samlify_JumpCloud-saml2-metadata.xml",
		"jumpcloud/reese-verkada_bugdaddy_JumpCloud-saml2-metadata-7.xml",
		"jumpcloud/ssoready_ssoready_assertions-jumpcloud-metadata.xml",
		"other-idps/ssoready_ssoready_assertions-google-metadata.xml",
		"other-idps/ssoready_ssoready_assertions-keycloak-metadata.xml",
		"other-idps/ssoready_ssoready_assertions-okta-metadata.xml",
		"other-idps/ssoready_ssoready_assertions-ping-metadata.xml",
	} {
		data := readTestdata(t, name)
		if scanXML(data) == nil {
			t.Errorf("%s: the fast scan gave up", name)
		}
		assertSameReport(t, data)
	}
}

// findDTDToUpper is what findDTD did before: upper-case the whole input.
func findDTDToUpper(data []byte) string {
	upper := bytes.ToUpper(data)
	for _, d := range []string{"<!DOCTYPE", "<!ENTITY"} {
		if bytes.Contains(upper, []byte(d)) {
			return d
		}
	}
	return ""
}

func TestFindDTD(t *testing.T) {
	for _, s := range []string{
		"", "<x/>", "<!DOCTYPE x>", "<!doctype x>", "<!DocType", "<!DOCTYP", "<!ENTITY", "<!entity", "<!entıty", "<!ENTıTY",
		"<!ENTITY a><!DOCTYPE b>", "<!<!DOCTYPE", "< !DOCTYPE", "<!-- --><!ENTITY", "\xff<!\xffDOCTYPE", "<!\u0131\u017f",
		"<!DOCTYPE\xff", "<!ENTIT", "x<!", "<!", "<!DOCTYPE"[:5],
	} {
		if got, want := findDTD([]byte(s)), findDTDToUpper([]byte(s)); got != want {
			t.Errorf("findDTD(%q) = %q, want %q", s, got, want)
		}
	}
}

// FuzzScan checks that the fast scan changes nothing, whatever the input.
func FuzzScan(f *testing.F) {
	for _, tc := range scanCases(f) {
		if len(tc.data) < 20000 {
			f.Add(tc.data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := findDTD(data), findDTDToUpper(data); got != want {
			t.Fatalf("findDTD = %q, want %q", got, want)
		}
		assertSameReport(t, data)
	})
}
