package samlmeta

import (
	"os"
	"testing"
)

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
