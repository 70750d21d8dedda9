package samlmeta

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func FuzzInspect(f *testing.F) {
	files, err := filepath.Glob("testdata/*/*.xml")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:EntitiesDescriptor/></md:EntitiesDescriptor>`))
	f.Add([]byte("\xef\xbb\xbf<x/>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := findDTD(data), findDTDToUpper(data); got != want {
			t.Fatalf("findDTD = %q, want %q", got, want)
		}
		r := Inspect(data, Options{Now: pinned, TeamDomain: "acme.cloudflareaccess.com"})
		if r == nil || r.NameIDFormats == nil || r.Certificates == nil || r.Findings == nil {
			t.Fatalf("nil report or slice: %+v", r)
		}
		if r.Usable() && (r.SSOURL() == "" || len(r.SigningCerts()) == 0) {
			t.Fatal("usable without SSO URL or certificate")
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteText(io.Discard); err != nil {
			t.Fatal(err)
		}
	})
}
