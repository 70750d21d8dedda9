package model

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Printable is the one rule for showing text that came from outside
// (metadata, API answers, SCIM logs, session files) to a person: every
// character that could drive a terminal instead of being read is shown
// escaped, so an ESC sequence cannot hide output or set the clipboard and a
// newline cannot print a line of its own. Escaped are the C0 controls and
// DEL (\n, \r, \t, else \x1b), the C1 controls, the bidi controls and the
// line and paragraph separators (\u202e), and bytes that are not UTF-8
// (\xff). Everything else, any script and emoji included, is kept. Text
// with nothing to escape is returned as it is, without copying.
//
// Apply it to the data before styling it: the styles' own sequences must
// stay. JSON output does not need it (JSON escapes control characters
// itself) and must not get it (it would change the values).
func Printable(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if mustEscape(r, n) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || (r == utf8.RuneError && n == 1):
			b.WriteString(`\x`)
			writeHex(&b, uint32(s[i]), 2)
		case mustEscape(r, n):
			b.WriteString(`\u`)
			writeHex(&b, uint32(r), 4)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// mustEscape is whether a decoded non-ASCII rune (n bytes) is one that
// Printable escapes.
func mustEscape(r rune, n int) bool {
	switch {
	case r == utf8.RuneError && n == 1: // not UTF-8
		return true
	case r >= 0x80 && r <= 0x9f: // C1 controls (0x9b is CSI)
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f: // bidi marks
		return true
	case r >= 0x2028 && r <= 0x202e: // line and paragraph separators, bidi embeddings and overrides
		return true
	case r >= 0x2066 && r <= 0x2069: // bidi isolates
		return true
	}
	return false
}

func writeHex(b *strings.Builder, v uint32, width int) {
	h := strconv.FormatUint(uint64(v), 16)
	for range width - len(h) {
		b.WriteByte('0')
	}
	b.WriteString(h)
}
