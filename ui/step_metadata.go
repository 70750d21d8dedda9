package ui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"charm.land/huh/v2"

	"jcaccess/model"
	"jcaccess/steps"
)

// metadataFields asks where JumpCloud's metadata export is.
type metadataFields struct{ src string }

type metadataHooks struct {
	noHooks
	c *Common
}

func newMetadataStep(c *Common) Component {
	return newStepBase(c, steps.Metadata, &metadataFields{}, metadataHooks{c: c})
}

func (f *metadataFields) form(in model.Inputs, snap Snapshot) *huh.Form {
	f.src = in.IdP.Metadata
	desc := "file path of the export, or its https URL"
	if snap.HasJumpCloud {
		desc = "empty: read through JumpCloud's API; or the export's file path or https URL"
	}
	return huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("JumpCloud metadata").
			Description(desc).
			Placeholder("~/Downloads/JumpCloud-saml2-metadata.xml").
			Value(&f.src).
			Validate(func(s string) error {
				if strings.TrimSpace(s) == "" && !snap.HasJumpCloud {
					return errors.New("give the metadata file's path (SSO tab > Export Metadata) or URL")
				}
				return nil
			}),
	))
}

func (f *metadataFields) read(in *model.Inputs) *model.Secret {
	in.IdP.Metadata = expandHome(strings.TrimSpace(f.src))
	return nil
}

// expandHome turns a leading ~/ into the home folder, as a shell would.
func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// complete: with a JumpCloud API key no file is needed, the metadata step
// reads it through JumpCloud's API (steps/metadata.go Prepare).
func (f *metadataFields) complete(in model.Inputs, snap Snapshot) bool {
	return in.IdP.Metadata != "" || snap.HasJumpCloud
}

func (f *metadataFields) summary(in model.Inputs, snap Snapshot) [][2]string {
	src := in.IdP.Metadata
	if src == "" && snap.HasJumpCloud {
		src = "read through JumpCloud's API"
	}
	return [][2]string{{"Metadata", src}}
}

func (h metadataHooks) openURL(Snapshot) string { return h.c.Opts.console() }

func (h metadataHooks) extra(int) string {
	s := h.c.State.Snap
	if s.CertNotAfter.IsZero() || s.status(steps.Metadata) == model.StatusTodo {
		return ""
	}
	return h.c.Styles.Dim.Render("Signing certificate valid until " + s.CertNotAfter.Format("2006-01-02") + ": jcaccess check warns before then.")
}
