// Package assets holds the text jcaccess embeds: the per-step help, drawn
// from Cloudflare's "JumpCloud (SAML)" guide, that the wizard shows next to
// each step.
package assets

import (
	"embed"
	"strings"
)

//go:embed help/*.md
var helpFS embed.FS

// Help returns a step's help: why is its first paragraph (why the step
// matters, shown on the step's screen), detail the rest (the manual steps,
// shown on request). A step without a help file has neither.
func Help(stepID string) (why, detail string) {
	b, err := helpFS.ReadFile("help/" + stepID + ".md")
	if err != nil {
		return "", ""
	}
	text := strings.TrimSpace(strings.ReplaceAll(string(b), "\r\n", "\n"))
	why, detail, _ = strings.Cut(text, "\n\n")
	return unwrap(why), strings.TrimSpace(detail)
}

// unwrap joins a paragraph's lines: the files are wrapped for reading, the
// screen wraps them again to its own width.
func unwrap(p string) string {
	return strings.Join(strings.Fields(p), " ")
}
