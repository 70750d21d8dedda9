package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"jcaccess/sandbox/jumpcloud"
	"jcaccess/steps/samlmeta"
)

// metadata: inspecting a real export, and a 1 MiB aggregate whose IdP comes
// last.
func metadata() ([]row, error) {
	real, err := os.ReadFile(filepath.Join(repoRoot(), "steps/samlmeta/testdata/jumpcloud/majidsalehighamsari_react-samlify_JumpCloud-saml2-metadata.xml"))
	if err != nil {
		return nil, err
	}
	agg, err := aggregate(samlmeta.MaxSize)
	if err != nil {
		return nil, err
	}
	opts := samlmeta.Options{TeamDomain: "acme.cloudflareaccess.com"}
	var out []row
	for _, c := range []struct {
		name   string
		data   []byte
		target float64
	}{{"metadata inspect, real export (3 KB)", real, 2}, {fmt.Sprintf("metadata inspect, aggregate (%d KB)", len(agg)/1024), agg, 50}} {
		res := testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				samlmeta.Inspect(c.data, opts)
			}
		})
		out = append(out, row{name: c.name, unit: "ms", value: float64(res.NsPerOp()) / 1e6, target: c.target,
			note: fmt.Sprintf("%d allocs/op, %d B/op", res.AllocsPerOp(), res.AllocedBytesPerOp())})
	}
	return out, nil
}

// aggregate builds an EntitiesDescriptor just under size bytes: many SP
// entities, then one JumpCloud IdP.
func aggregate(size int) ([]byte, error) {
	_, cert, err := jumpcloud.NewCertificate("Bench Inc", time.Now().Add(-time.Hour), 2048)
	if err != nil {
		return nil, err
	}
	idp := jumpcloud.Export{EntityID: "https://acme.cloudflareaccess.com/", SSOURL: "https://sso.jumpcloud.com/saml2/x", Cert: cert}.MetadataXML()
	idp = bytes.TrimPrefix(idp, []byte(`<?xml version="1.0" encoding="UTF-8"?>`))
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">`)
	tail := `</md:EntitiesDescriptor>`
	for i := 0; b.Len()+len(idp)+len(tail)+300 < size; i++ {
		fmt.Fprintf(&b, `<md:EntityDescriptor entityID="https://sp%d.example.com/"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp%d.example.com/acs" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>`, i, i)
	}
	b.Write(idp)
	b.WriteString(tail)
	return b.Bytes(), nil
}

// repoRoot is the module root, from this file's place in it.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
