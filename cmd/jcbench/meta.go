package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"jcaccess/steps/samlmeta"
)

// metadata: inspecting a real export. (The 1 MiB aggregate row went with its
// retired target and the scanner that met it: exports are a few KB.)
func metadata() ([]row, error) {
	real, err := os.ReadFile(filepath.Join(repoRoot(), "steps/samlmeta/testdata/jumpcloud/majidsalehighamsari_react-samlify_JumpCloud-saml2-metadata.xml"))
	if err != nil {
		return nil, err
	}
	opts := samlmeta.Options{TeamDomain: "acme.cloudflareaccess.com"}
	var out []row
	for _, c := range []struct {
		name   string
		data   []byte
		target float64
	}{{"metadata inspect, real export (3 KB)", real, 2}} {
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

// repoRoot is the module root, from this file's place in it.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
