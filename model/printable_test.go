package model

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPrintableEscapesWhatDrivesATerminal(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"https://sso.jumpcloud.com/saml2/app", "https://sso.jumpcloud.com/saml2/app"},
		{"Zürich 東京 🙂 – “quoted” \\x1b stays", "Zürich 東京 🙂 – “quoted” \\x1b stays"},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"\x1b]52;c;aGk=\x07", `\x1b]52;c;aGk=\x07`},
		{"id\nVerdict: usable.", `id\nVerdict: usable.`},
		{"a\r\tb\x00\x7f", `a\r\tb\x00\x7f`},
		{"c1 \u009b31m \u0085", `c1 \u009b31m \u0085`},
		{"bidi \u202eevil\u202c \u2066x\u2069 \u200f \u2028", `bidi \u202eevil\u202c \u2066x\u2069 \u200f \u2028`},
		{"bad \xff\xfe utf8 \xc3", `bad \xff\xfe utf8 \xc3`},
		{"ok é\x1b", `ok é\x1b`},
	} {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPrintableKeepsCleanTextWithoutCopying(t *testing.T) {
	s := strings.Repeat("https://acme.cloudflareaccess.com/ Zürich ", 10)
	if n := testing.AllocsPerRun(100, func() { _ = Printable(s) }); n != 0 {
		t.Errorf("Printable of clean text allocates %v times", n)
	}
}

func TestDisplayBodyEscapesControlCharacters(t *testing.T) {
	long := "\x1b]52;c;aGk=\x07\nVerdict: usable." + strings.Repeat("x", 120)
	body, _ := json.Marshal(map[string]any{"name": "evil\u202e\x1b[8m", "note": long})
	ch := Change{Action: "update", Body: body}
	for _, full := range []bool{false, true} {
		out := ch.DisplayBody(full)
		if strings.ContainsAny(out, "\x1b\x07\u202e") || strings.Contains(out, "\nVerdict") {
			t.Errorf("DisplayBody(%v) shows a control character raw:\n%q", full, out)
		}
	}
	if !strings.Contains(ch.DisplayBody(false), `\x1b]52;c;aGk=\x07\nVerdict`) {
		t.Errorf("the abbreviated value is not shown escaped:\n%s", ch.DisplayBody(false))
	}
}

func BenchmarkPrintableClean(b *testing.B) {
	s := "login method \"JumpCloud\" (0f0e0d0c-aaaa-bbbb-cccc-0123456789ab) matches the setup"
	for b.Loop() {
		_ = Printable(s)
	}
}
