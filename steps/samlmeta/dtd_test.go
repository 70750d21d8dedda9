package samlmeta

import (
	"bytes"
	"strings"
	"testing"
)

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

// Nesting deeper than encoding/xml's unmarshal limit (10,000) fits in
// MaxSize; it must become a finding, not a crash or a stack overflow.
func TestDeepNestingIsAFinding(t *testing.T) {
	const depth = 20000
	open := `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` + strings.Repeat(`<md:EntitiesDescriptor>`, depth)
	data := []byte(open + strings.Repeat(`</md:EntitiesDescriptor>`, depth+1))
	if len(data) > MaxSize {
		t.Fatalf("test input is %d bytes, over MaxSize", len(data))
	}
	r := Inspect(data, Options{Now: pinned})
	assertCodes(t, r, "xml_malformed")
	if !strings.Contains(r.Findings[0].Message, "depth") {
		t.Errorf("message does not name the depth: %s", r.Findings[0].Message)
	}
}
