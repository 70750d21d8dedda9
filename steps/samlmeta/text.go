package samlmeta

import (
	"fmt"
	"io"
	"strings"

	"jcaccess/model"
)

// WriteText renders r for `jcaccess metadata inspect`. Every value and
// message in it comes from the metadata, so each string printed shows its
// control characters escaped (model.Printable): an ESC sequence or a newline
// in an entity ID cannot hide a line or print a verdict of its own.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	p := ew.printf
	p("Entity ID:            %s\n", orNone(r.EntityID))
	p("SSO URL (POST):       %s\n", orNone(r.SSOURLs.Post))
	p("SSO URL (Redirect):   %s\n", orNone(r.SSOURLs.Redirect))
	p("NameID formats:       %s\n", orNone(strings.Join(r.NameIDFormats, ", ")))
	p("Signed AuthnRequests: %s\n", yesNo(r.WantAuthnRequestsSigned, "wanted", "not wanted"))
	if r.WantAuthnRequestsSigned {
		p("  %s\n", SignedRequestsWanted)
	}
	for i, c := range r.Certificates {
		p("Certificate %d:\n", i+1)
		p("  Subject:     %s\n", c.Subject)
		p("  Valid:       %s to %s\n", day(c.NotBefore), day(c.NotAfter))
		p("  Key:         %s %d\n", c.KeyType, c.KeyBits)
		p("  Algorithm:   %s\n", c.SignatureAlgorithm)
		p("  SHA-256:     %s\n", c.SHA256Fingerprint)
	}
	if len(r.Certificates) == 0 {
		p("Certificates:         none\n")
	}
	p("Looks like JumpCloud: %s\n", yesNo(r.LooksLikeJumpCloud, "yes", "no"))
	if len(r.Findings) > 0 {
		p("\n")
	}
	warnings := 0
	for _, f := range r.Findings {
		p("%-7s %s: %s\n", f.Severity, f.Code, f.Message)
		if f.Severity == model.SeverityWarning {
			warnings++
		}
	}
	p("\n")
	switch {
	case !r.Usable():
		p("Verdict: NOT usable: fix the errors above in JumpCloud and export the metadata again.\n")
	case warnings > 0:
		p("Verdict: usable, with %d warning(s) worth fixing.\n", warnings)
	default:
		p("Verdict: usable.\n")
	}
	return ew.err
}

// errWriter keeps the first write error so WriteText can print freely. The
// format is ours; every string argument is data and is escaped.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = model.Printable(s)
		}
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}
