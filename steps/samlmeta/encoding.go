package samlmeta

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// saveAsUTF8 is the hint every refused encoding gets.
const saveAsUTF8 = "JumpCloud exports UTF-8: export the metadata again (Cloudflare Access app, SSO tab, Export Metadata), or save this file as UTF-8 (in a text editor, Save As with the encoding UTF-8)"

// declaredEncoding finds encoding="..." in the XML declaration. It is
// compiled on first use so that commands that never read metadata do not
// pay for it at start-up.
var declaredEncoding = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']`)
})

// decodable returns the decoder of an encoding an edited export may have
// been saved in, or nil.
func decodable(name string) encoding.Encoding {
	switch name {
	case "iso-8859-1", "latin1", "iso8859-1":
		return charmap.ISO8859_1
	case "windows-1252", "cp1252":
		return charmap.Windows1252
	case "iso-8859-15", "latin-9":
		return charmap.ISO8859_15
	}
	return nil
}

// toUTF8 turns a document saved in another encoding into UTF-8, the only
// encoding encoding/xml reads. JumpCloud exports UTF-8; other encodings come
// from editors, so the common ones are decoded and the rest refused with a
// message that says how to save the file.
func toUTF8(data []byte) ([]byte, error) {
	if name := sniffUnread(data); name != "" {
		return nil, fmt.Errorf("the file is saved as %s, which jcaccess does not read; %s", name, saveAsUTF8)
	}
	var err error
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}), bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		data, err = unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return nil, fmt.Errorf("the file is UTF-16 but does not decode (%v); %s", err, saveAsUTF8)
		}
		return setDeclaredUTF8(data), nil
	}
	m := declaredEncoding().FindSubmatch(data)
	if m == nil {
		return data, nil
	}
	name := strings.ToLower(string(m[1]))
	switch name {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return data, nil
	case "utf-16", "utf16":
		// Declared UTF-16 but no byte-order mark: it was re-saved as 8-bit.
		return setDeclaredUTF8(data), nil
	}
	enc := decodable(name)
	if enc == nil {
		return nil, fmt.Errorf("the file declares the character encoding %q, which jcaccess does not read; %s", m[1], saveAsUTF8)
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return nil, fmt.Errorf("the file declares %q but does not decode as it (%v); %s", m[1], err, saveAsUTF8)
	}
	return setDeclaredUTF8(out), nil
}

// setDeclaredUTF8 rewrites the declaration so the parser reads what it is.
func setDeclaredUTF8(data []byte) []byte {
	loc := declaredEncoding().FindSubmatchIndex(data)
	if loc == nil {
		return data
	}
	out := append([]byte{}, data[:loc[2]]...)
	out = append(out, "UTF-8"...)
	return append(out, data[loc[3]:]...)
}

// sniffUnread names the encoding of a document jcaccess cannot read and
// that has no declaration it could see, from its first bytes as XML 1.0
// Appendix F describes them: UTF-32 (with or without a byte-order mark),
// UTF-16 without a byte-order mark (with one it is decoded) and EBCDIC. It
// returns "" for anything else.
func sniffUnread(data []byte) string {
	if len(data) < 4 {
		return ""
	}
	switch b := [4]byte(data[:4]); b {
	case [4]byte{0x00, 0x00, 0xfe, 0xff}, [4]byte{0xff, 0xfe, 0x00, 0x00},
		[4]byte{0x00, 0x00, 0x00, '<'}, [4]byte{'<', 0x00, 0x00, 0x00}:
		return "UTF-32"
	case [4]byte{0x00, '<', 0x00, '?'}, [4]byte{'<', 0x00, '?', 0x00}:
		return "UTF-16 without a byte-order mark"
	case [4]byte{0x4c, 0x6f, 0xa7, 0x94}: // "<?xm"
		return "EBCDIC"
	}
	// Without a declaration, a NUL byte among the first few (after any
	// leading white space) means UTF-16 or UTF-32; real XML has none.
	head := data[:min(len(data), 8)]
	if data[0] != 0xff && data[0] != 0xfe && bytes.IndexByte(head, 0) >= 0 {
		return "UTF-16 or UTF-32 without a byte-order mark"
	}
	return ""
}
