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
	var err error
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}), bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		data, err = unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return nil, fmt.Errorf("the file is UTF-16 but does not decode (%v)", err)
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
		return nil, fmt.Errorf("the file declares the character encoding %q, which jcaccess does not read; JumpCloud exports UTF-8: export the metadata again, or save this file as UTF-8", m[1])
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return nil, fmt.Errorf("the file declares %q but does not decode as it (%v); export the metadata again from JumpCloud", m[1], err)
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
