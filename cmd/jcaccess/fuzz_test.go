package main

import (
	"testing"

	"jcaccess/model"
)

// FuzzDecodeConfig: a config file of any content is decoded or refused with
// an error; never a panic.
func FuzzDecodeConfig(f *testing.F) {
	f.Add([]byte("team: acme\nidp:\n  metadata: x.xml\n"))
	f.Add([]byte("team: acme\nscim:\n  enabled: maybe\n"))
	f.Add([]byte("idp: {name: J, attributes: [groups, email], header_attributes: [{attribute_name: a, header_name: X-A}]}\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("\t- ]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := model.DefaultInputs()
		_ = decodeConfig(data, &in)
	})
}
