package samlmeta

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/crewjam/saml"
)

// This file holds the fast path of parse: a single pass over the bytes that
// checks well-formedness the way encoding/xml's Token does and notes, in an
// EntitiesDescriptor aggregate, which EntityDescriptor elements crewjam would
// decode without error and without an IDPSSODescriptor. Those are left out
// of the document that is then decoded with crewjam's types, so a big
// aggregate of service providers costs one byte scan instead of a
// reflection-driven decode of every entity.
//
// The scan is deliberately conservative: it accepts only a plain subset of
// XML (ASCII names, the five predefined entities, no DTD, CDATA only inside
// elements, ...) and whenever it meets anything else, or anything that would
// be an error, it gives up and parse falls back to the encoding/xml path,
// which then also produces the exact error message. Likewise an entity is
// only left out when every element and attribute crewjam would decode in it
// is of a shape known to decode cleanly; otherwise it is decoded for real.
// Leaving out entities that decode cleanly changes nothing else: crewjam
// decodes each element on its own, and the first error of the whole
// document is then the first error of what remains.

const (
	dsNamespace = "http://www.w3.org/2000/09/xmldsig#"
	xmlURL      = "http://www.w3.org/XML/1998/namespace"

	// maxScanDepth bounds the element nesting the fast path accepts, far
	// below encoding/xml's unmarshal depth limit, so that leaving entities
	// out can never hide an "exceeded max depth" error.
	maxScanDepth = 1000
)

type scanMode uint8

const (
	modeSkip      scanMode = iota // only checked for well-formedness
	modeAgg                       // an EntitiesDescriptor that crewjam decodes
	modeEntity                    // an EntityDescriptor child of an aggregate
	modeSPSSO                     // its md:SPSSODescriptor
	modeKeyDesc                   // a KeyDescriptor of that
	modeKeyInfo                   // its ds:KeyInfo
	modeX509Data                  // its ds:X509Data
	modeEncMethod                 // an EncryptionMethod of the KeyDescriptor
)

type scanFrame struct {
	name  []byte // the raw qualified name, for end-tag matching
	mode  scanMode
	idx   int // aggregate index (modeAgg) or entity index (entity modes)
	nsLen int // len(scanner.ns) before this element's declarations
}

type nsBinding struct {
	prefix []byte // "" for the default namespace
	uri    string
}

type rawAttr struct {
	name, value []byte // as written: value still has its entity references
}

// scannedEntity is an md:EntityDescriptor child of an aggregate.
type scannedEntity struct {
	start, end int // byte range of the element
	agg        int // index of the aggregate it is a child of
	// simple means crewjam decodes it without error and finds no
	// IDPSSODescriptor in it; entityID and sp are then what it would
	// report.
	simple   bool
	entityID string
	sp       bool
}

type scanResult struct {
	root      xml.Name        // the root element's name, as Token gives it
	entities  []scannedEntity // in document order
	aggParent []int           // parent of each aggregate; -1 for the root
	// prunable is false when text directly inside an aggregate could join
	// up differently once entities are cut out of it.
	prunable bool
}

type scanner struct {
	data     []byte
	stack    []scanFrame
	ns       []nsBinding
	attrs    []rawAttr
	rootSeen bool
	res      scanResult
}

// scanXML returns the scan of data, or nil if the fast path does not apply
// (including every document encoding/xml would reject).
func scanXML(data []byte) *scanResult {
	s := &scanner{data: data, res: scanResult{prunable: true}}
	if !s.run() {
		return nil
	}
	return &s.res
}

func (s *scanner) run() bool {
	d := s.data
	p := 0
	for p < len(d) {
		if d[p] != '<' {
			end := len(d)
			if i := bytes.IndexByte(d[p:], '<'); i >= 0 {
				end = p + i
			}
			if !s.text(d[p:end]) {
				return false
			}
			p = end
			continue
		}
		if p+1 >= len(d) {
			return false
		}
		var ok bool
		switch d[p+1] {
		case '/':
			p, ok = s.endTag(p)
		case '?':
			p, ok = s.procInst(p)
		case '!':
			p, ok = s.bang(p)
		default:
			p, ok = s.startTag(p)
		}
		if !ok {
			return false
		}
	}
	return s.rootSeen && len(s.stack) == 0
}

// text checks character data.
func (s *scanner) text(t []byte) bool {
	if len(s.stack) == 0 {
		// Outside the root only whitespace is accepted.
		return isXMLSpace(t)
	}
	if !validText(t, false) {
		return false
	}
	if s.stack[len(s.stack)-1].mode == modeAgg && !isXMLSpace(t) {
		s.res.prunable = false
	}
	return true
}

// bang handles <!-- comments --> and <![CDATA[ sections ]]>; anything else
// (a directive) is left to encoding/xml.
func (s *scanner) bang(p int) (int, bool) {
	d := s.data
	switch {
	case bytes.HasPrefix(d[p:], []byte("<!--")):
		// encoding/xml ends the comment at the first "--", which must be
		// followed by '>'.
		body := p + 4
		i := bytes.Index(d[body:], []byte("--"))
		if i < 0 || body+i+2 >= len(d) || d[body+i+2] != '>' {
			return 0, false
		}
		return body + i + 3, true
	case bytes.HasPrefix(d[p:], []byte("<![CDATA[")):
		if len(s.stack) == 0 {
			return 0, false
		}
		body := p + 9
		i := bytes.Index(d[body:], []byte("]]>"))
		if i < 0 || !validChars(d[body:body+i]) {
			return 0, false
		}
		if s.stack[len(s.stack)-1].mode == modeAgg {
			s.res.prunable = false
		}
		return body + i + 3, true
	}
	return 0, false
}

// procInst finds the end of a processing instruction the way encoding/xml
// does and lets encoding/xml itself check it (the XML declaration's version
// and encoding).
func (s *scanner) procInst(p int) (int, bool) {
	d := s.data
	i := p + 2
	for i < len(d) && (isNameByte(d[i]) || d[i] >= utf8.RuneSelf) {
		i++
	}
	i = skipSpace(d, i)
	j := bytes.Index(d[i:], []byte("?>"))
	if j < 0 {
		return 0, false
	}
	end := i + j + 2
	dec := xml.NewDecoder(bytes.NewReader(d[p:end]))
	tok, err := dec.RawToken()
	if err != nil || dec.InputOffset() != int64(end-p) {
		return 0, false
	}
	if _, ok := tok.(xml.ProcInst); !ok {
		return 0, false
	}
	return end, true
}

func (s *scanner) endTag(p int) (int, bool) {
	d := s.data
	p += 2
	ne, ok := scanName(d, p)
	if !ok {
		return 0, false
	}
	name := d[p:ne]
	p = skipSpace(d, ne)
	if p >= len(d) || d[p] != '>' {
		return 0, false
	}
	p++
	if len(s.stack) == 0 || !bytes.Equal(s.stack[len(s.stack)-1].name, name) {
		return 0, false
	}
	s.close(p)
	return p, true
}

func (s *scanner) startTag(p int) (int, bool) {
	d := s.data
	start := p
	p++
	ne, ok := scanName(d, p)
	if !ok {
		return 0, false
	}
	name := d[p:ne]
	p = ne
	s.attrs = s.attrs[:0]
	empty := false
	for {
		p = skipSpace(d, p)
		if p >= len(d) {
			return 0, false
		}
		c := d[p]
		if c == '/' {
			if p+1 >= len(d) || d[p+1] != '>' {
				return 0, false
			}
			p += 2
			empty = true
			break
		}
		if c == '>' {
			p++
			break
		}
		ae, ok := scanName(d, p)
		if !ok {
			return 0, false
		}
		an := d[p:ae]
		p = skipSpace(d, ae)
		if p >= len(d) || d[p] != '=' {
			return 0, false
		}
		p = skipSpace(d, p+1)
		if p >= len(d) || (d[p] != '"' && d[p] != '\'') {
			return 0, false
		}
		q := bytes.IndexByte(d[p+1:], d[p])
		if q < 0 {
			return 0, false
		}
		v := d[p+1 : p+1+q]
		if !validText(v, true) {
			return 0, false
		}
		s.attrs = append(s.attrs, rawAttr{name: an, value: v})
		p += q + 2
	}
	if !s.open(start, name) {
		return 0, false
	}
	if empty {
		s.close(p)
	}
	return p, true
}

// open pushes the element that starts at byte start.
func (s *scanner) open(start int, name []byte) bool {
	depth := len(s.stack)
	if depth >= maxScanDepth {
		return false
	}
	f := scanFrame{name: name, mode: modeSkip, nsLen: len(s.ns)}
	parent := modeSkip
	if depth == 0 {
		if s.rootSeen {
			return false // a second root element
		}
		s.rootSeen = true
	} else {
		parent = s.stack[depth-1].mode
		f.idx = s.stack[depth-1].idx
	}
	if depth > 0 && parent == modeSkip {
		s.stack = append(s.stack, f)
		return true
	}

	// Namespace declarations apply to the element itself, as in Token.
	for _, a := range s.attrs {
		prefix, local := splitName(a.name)
		switch {
		case string(prefix) == "xmlns":
			s.ns = append(s.ns, nsBinding{prefix: local, uri: decodeText(a.value)})
		case len(prefix) == 0 && string(local) == "xmlns":
			s.ns = append(s.ns, nsBinding{uri: decodeText(a.value)})
		}
	}
	space, local := s.resolve(name)

	if depth == 0 {
		s.res.root = xml.Name{Space: space, Local: string(local)}
		if space == mdNamespace && string(local) == "EntitiesDescriptor" {
			f.mode, f.idx = modeAgg, len(s.res.aggParent)
			s.res.aggParent = append(s.res.aggParent, -1)
		}
		s.stack = append(s.stack, f)
		return true
	}

	switch parent {
	case modeAgg:
		if space == mdNamespace {
			switch string(local) {
			case "EntitiesDescriptor":
				f.mode, f.idx = modeAgg, len(s.res.aggParent)
				s.res.aggParent = append(s.res.aggParent, s.stack[depth-1].idx)
			case "EntityDescriptor":
				f.mode, f.idx = modeEntity, len(s.res.entities)
				s.res.entities = append(s.res.entities, s.scanEntity(start, s.stack[depth-1].idx))
			}
		}
	default:
		// Inside an entity: f.idx is the entity.
		e := &s.res.entities[f.idx]
		if e.simple {
			f.mode = s.entityChild(e, parent, space, local)
		}
	}
	s.stack = append(s.stack, f)
	return true
}

// close pops the current element, which ends just before byte end.
func (s *scanner) close(end int) {
	f := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	s.ns = s.ns[:f.nsLen]
	if f.mode == modeEntity {
		s.res.entities[f.idx].end = end
	}
}

// resolve translates an element name as Token does.
func (s *scanner) resolve(name []byte) (string, []byte) {
	prefix, local := splitName(name)
	switch {
	case string(prefix) == "xmlns":
		return "xmlns", local
	case string(prefix) == "xml":
		return xmlURL, local
	case len(prefix) == 0 && string(local) == "xmlns":
		return "", local
	}
	for i := len(s.ns) - 1; i >= 0; i-- {
		if bytes.Equal(s.ns[i].prefix, prefix) {
			return s.ns[i].uri, local
		}
	}
	return string(prefix), local
}

// scanEntity checks the attributes of an EntityDescriptor.
func (s *scanner) scanEntity(start, agg int) scannedEntity {
	e := scannedEntity{start: start, agg: agg, simple: true}
	for _, a := range s.attrs {
		_, local := splitName(a.name)
		switch string(local) {
		case "entityID":
			e.entityID = decodeText(a.value)
		case "validUntil", "cacheDuration":
			e.simple = false
		}
	}
	return e
}

// entityChild returns the mode of an element inside a simple entity whose
// parent has mode parent, and clears e.simple when crewjam would decode the
// element in a way the scan does not follow.
func (s *scanner) entityChild(e *scannedEntity, parent scanMode, space string, local []byte) scanMode {
	notSimple := func() scanMode {
		e.simple = false
		return modeSkip
	}
	switch parent {
	case modeEntity:
		switch string(local) {
		case "SPSSODescriptor":
			if space != mdNamespace {
				return notSimple()
			}
			for _, a := range s.attrs {
				_, name := splitName(a.name)
				switch string(name) {
				case "validUntil", "cacheDuration":
					return notSimple()
				case "AuthnRequestsSigned", "WantAssertionsSigned":
					if !boolAttrOK(decodeText(a.value)) {
						return notSimple()
					}
				}
			}
			e.sp = true
			return modeSPSSO
		case "Signature", "Extensions", "RoleDescriptor", "IDPSSODescriptor", "AuthnAuthorityDescriptor",
			"AttributeAuthorityDescriptor", "PDPDescriptor", "AffiliationDescriptor":
			return notSimple()
		}
		// ContactPerson, Organization and AdditionalMetadataLocation hold
		// only strings; anything else is not decoded at all.
		return modeSkip
	case modeSPSSO:
		switch string(local) {
		case "AssertionConsumerService", "ArtifactResolutionService":
			if !s.endpointOK(true) {
				return notSimple()
			}
		case "SingleLogoutService", "ManageNameIDService":
			if !s.endpointOK(false) {
				return notSimple()
			}
		case "KeyDescriptor":
			return modeKeyDesc
		case "Signature", "Extensions", "AttributeConsumingService":
			return notSimple()
		}
		// NameIDFormat, Organization and ContactPerson hold only strings.
		return modeSkip
	case modeKeyDesc:
		switch string(local) {
		case "KeyInfo":
			if space != dsNamespace {
				return notSimple()
			}
			return modeKeyInfo
		case "EncryptionMethod":
			return modeEncMethod
		}
	case modeKeyInfo:
		if string(local) == "X509Data" {
			if space != dsNamespace {
				return notSimple()
			}
			return modeX509Data
		}
	case modeX509Data:
		if string(local) == "X509Certificate" && space != dsNamespace {
			return notSimple()
		}
	case modeEncMethod:
		if string(local) == "KeySize" {
			return notSimple()
		}
	}
	return modeSkip
}

// endpointOK reports whether crewjam's Endpoint (or IndexedEndpoint) decodes
// the current element's attributes without error.
func (s *scanner) endpointOK(indexed bool) bool {
	var binding, location, response string
	hasResponse := false
	for _, a := range s.attrs {
		_, local := splitName(a.name)
		switch string(local) {
		case "Binding":
			binding = decodeText(a.value)
		case "Location":
			location = decodeText(a.value)
		case "ResponseLocation":
			response, hasResponse = decodeText(a.value), true
		case "index":
			if indexed && !intAttrOK(decodeText(a.value)) {
				return false
			}
		case "isDefault":
			if indexed && !boolAttrOK(decodeText(a.value)) {
				return false
			}
		}
	}
	binding = trimXMLWhitespace(binding)
	if !endpointLocationOK(binding, location) {
		return false
	}
	if indexed {
		return !hasResponse || endpointLocationOK(binding, response)
	}
	return response == "" || endpointLocationOK(binding, response)
}

// intAttrOK and boolAttrOK mirror encoding/xml's copyValue for int and bool
// fields.
func intAttrOK(v string) bool {
	if v == "" {
		return true
	}
	_, err := strconv.ParseInt(strings.TrimSpace(v), 10, strconv.IntSize)
	return err == nil
}

func boolAttrOK(v string) bool {
	if v == "" {
		return true
	}
	_, err := strconv.ParseBool(strings.TrimSpace(v))
	return err == nil
}

func trimXMLWhitespace(s string) string {
	return strings.Trim(s, " \t\r\n")
}

// endpointLocationOK mirrors the check crewjam's Endpoint and
// IndexedEndpoint make of their locations.
func endpointLocationOK(binding, location string) bool {
	switch binding {
	case saml.HTTPPostBinding, saml.HTTPRedirectBinding, saml.HTTPPostSimpleSignBinding,
		saml.HTTPArtifactBinding, saml.SOAPBinding, saml.SOAPBindingV1:
		u, err := url.Parse(trimXMLWhitespace(location))
		return err == nil && (u.Scheme == "http" || u.Scheme == "https")
	}
	return true
}

// flattenOrder lists the indexes of res.entities in the order flatten lists
// the decoded entities: an aggregate's own entities, then those of its
// nested aggregates.
func (r *scanResult) flattenOrder() []int {
	ents := make([][]int, len(r.aggParent))
	kids := make([][]int, len(r.aggParent))
	for i, e := range r.entities {
		ents[e.agg] = append(ents[e.agg], i)
	}
	for a, p := range r.aggParent {
		if p >= 0 {
			kids[p] = append(kids[p], a)
		}
	}
	order := make([]int, 0, len(r.entities))
	var walk func(a int)
	walk = func(a int) {
		order = append(order, ents[a]...)
		for _, k := range kids[a] {
			walk(k)
		}
	}
	if len(r.aggParent) > 0 {
		walk(0)
	}
	return order
}

// scanName returns the end of the name starting at p. It accepts only
// ASCII names with at most one colon that separates two non-empty parts,
// each starting with a letter or '_' (a subset of what encoding/xml
// accepts, and split by it the same way).
func scanName(d []byte, p int) (int, bool) {
	i, colon := p, -1
	for i < len(d) && isNameByte(d[i]) {
		if d[i] == ':' {
			if colon >= 0 {
				return 0, false
			}
			colon = i
		}
		i++
	}
	if i == p || (i < len(d) && d[i] >= utf8.RuneSelf) || !isNameStart(d[p]) {
		return 0, false
	}
	if colon >= 0 && (colon+1 == i || !isNameStart(d[colon+1])) {
		return 0, false
	}
	return i, true
}

func splitName(name []byte) (prefix, local []byte) {
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		return name[:i], name[i+1:]
	}
	return nil, name
}

func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

func isNameStart(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_'
}

func skipSpace(d []byte, p int) int {
	for p < len(d) && (d[p] == ' ' || d[p] == '\t' || d[p] == '\n' || d[p] == '\r') {
		p++
	}
	return p
}

func isXMLSpace(t []byte) bool {
	for _, c := range t {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// validText reports whether encoding/xml reads t, character data or (quoted)
// an attribute value, without error, given that the scan accepts only the
// five predefined entities.
func validText(t []byte, quoted bool) bool {
	for i := 0; i < len(t); {
		c := t[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(t[i:])
			if r == utf8.RuneError && size == 1 || !isInCharacterRange(r) {
				return false
			}
			i += size
			continue
		}
		switch {
		case c == '&':
			n := entityLen(t[i:])
			if n == 0 {
				return false
			}
			i += n
			continue
		case c == '<':
			return false
		case c == '>':
			// "]]>" is refused in character data but allowed in attribute
			// values.
			if !quoted && i >= 2 && t[i-1] == ']' && t[i-2] == ']' {
				return false
			}
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			return false
		}
		i++
	}
	return true
}

// validChars reports whether the body of a CDATA section has only
// characters encoding/xml accepts.
func validChars(t []byte) bool {
	for i := 0; i < len(t); {
		c := t[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(t[i:])
			if r == utf8.RuneError && size == 1 || !isInCharacterRange(r) {
				return false
			}
			i += size
			continue
		}
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
		i++
	}
	return true
}

// entityLen returns the length of the predefined entity reference t starts
// with, or 0.
func entityLen(t []byte) int {
	for _, e := range [...]string{"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"} {
		if bytes.HasPrefix(t, []byte(e)) {
			return len(e)
		}
	}
	return 0
}

func isInCharacterRange(r rune) bool {
	return r == 0x09 ||
		r == 0x0A ||
		r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// decodeText returns the value encoding/xml gives text that validText
// accepted: entities replaced and line ends normalised to "\n".
func decodeText(t []byte) string {
	if bytes.IndexByte(t, '&') < 0 && bytes.IndexByte(t, '\r') < 0 {
		return string(t)
	}
	var b strings.Builder
	var prev byte
	for i := 0; i < len(t); {
		c := t[i]
		switch {
		case c == '&':
			n := entityLen(t[i:])
			switch string(t[i+1 : i+n-1]) {
			case "amp":
				b.WriteByte('&')
			case "lt":
				b.WriteByte('<')
			case "gt":
				b.WriteByte('>')
			case "quot":
				b.WriteByte('"')
			case "apos":
				b.WriteByte('\'')
			}
			i += n
			prev = 0
			continue
		case c == '\r':
			b.WriteByte('\n')
		case c == '\n' && prev == '\r':
			// "\r\n" was written as "\n" already.
		default:
			b.WriteByte(c)
		}
		prev = c
		i++
	}
	return b.String()
}
