package samlmeta

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// bigAggregate is an EntitiesDescriptor of about 1 MiB: thousands of SP
// entities, then the JumpCloud IdP of a real export.
func bigAggregate(b *testing.B) []byte {
	idp, err := os.ReadFile("testdata/jumpcloud/ssoready_ssoready_assertions-jumpcloud-metadata.xml")
	if err != nil {
		b.Fatal(err)
	}
	idp = bytes.TrimPrefix(idp, []byte(`<?xml version="1.0" encoding="UTF-8"?>`))
	var buf bytes.Buffer
	buf.WriteString(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">`)
	for i := 0; buf.Len()+len(idp)+400 < MaxSize; i++ {
		fmt.Fprintf(&buf, `<md:EntityDescriptor entityID="https://sp%d.example.com/"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp%d.example.com/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>`, i, i)
	}
	buf.Write(idp)
	buf.WriteString(`</md:EntitiesDescriptor>`)
	return buf.Bytes()
}

func BenchmarkInspectExport(b *testing.B) {
	data, err := os.ReadFile("testdata/jumpcloud/majidsalehighamsari_react-samlify_JumpCloud-saml2-metadata.xml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Inspect(data, Options{Now: pinned, TeamDomain: "acme.cloudflareaccess.com"})
	}
}

func BenchmarkInspectAggregate(b *testing.B) {
	data := bigAggregate(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if r := Inspect(data, Options{Now: pinned}); !r.Usable() {
			b.Fatalf("aggregate not usable: %v", r.Findings)
		}
	}
}
