package samlmeta

import (
	"os"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestOtherEncodingsAreDecodedOrRefusedClearly(t *testing.T) {
	orig, err := os.ReadFile("testdata/jumpcloud/ssoready_ssoready_assertions-jumpcloud-metadata.xml")
	if err != nil {
		t.Fatal(err)
	}
	want := Inspect(orig, Options{Now: pinned})
	if !want.Usable() {
		t.Fatal("the original must be usable")
	}
	latin1 := strings.Replace(string(orig), `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1)
	latin1 = strings.Replace(latin1, "<md:IDPSSODescriptor", "<!-- Soci\xe9t\xe9 G\xe9n\xe9rale --><md:IDPSSODescriptor", 1)

	var u16 []byte
	u16 = append(u16, 0xff, 0xfe)
	for _, c := range utf16.Encode([]rune(strings.Replace(string(orig), `encoding="UTF-8"`, `encoding="UTF-16"`, 1))) {
		u16 = append(u16, byte(c), byte(c>>8))
	}
	for name, data := range map[string][]byte{"latin-1": []byte(latin1), "utf-16le with BOM": u16} {
		got := Inspect(data, Options{Now: pinned})
		if !got.Usable() || got.EntityID != want.EntityID || got.SSOURL() != want.SSOURL() {
			t.Errorf("%s: usable %v, entity %q, findings %v", name, got.Usable(), got.EntityID, got.Findings)
		}
	}

	sjis := strings.Replace(string(orig), `encoding="UTF-8"`, `encoding="Shift_JIS"`, 1)
	got := Inspect([]byte(sjis), Options{Now: pinned})
	if len(got.Findings) != 1 || got.Findings[0].Code != "xml_malformed" || !strings.Contains(got.Findings[0].Message, "save this file as UTF-8") {
		t.Fatalf("Shift_JIS: %v", got.Findings)
	}
}
