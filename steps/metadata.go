package steps

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"jcaccess/model"
	"jcaccess/steps/samlmeta"
)

type metadataStep struct{ base }

func (metadataStep) ID() ID        { return Metadata }
func (metadataStep) Title() string { return "JumpCloud metadata" }

func (metadataStep) Validate(env *Env) model.Findings {
	if env.inputs().IdP.Metadata == "" {
		if env.JumpCloud != nil {
			return nil // read through JumpCloud's API (Prepare)
		}
		return errorf("metadata_missing", "no metadata: in JumpCloud open the Cloudflare Access app, SSO tab, Export Metadata, and set idp.metadata (or --metadata) to the file's path or URL; or set JUMPCLOUD_API_KEY and jcaccess reads it from JumpCloud")
	}
	if err := samlmeta.CheckSource(env.inputs().IdP.Metadata); err != nil {
		return errorf("metadata_source_refused", "%v", err)
	}
	return nil
}

// Prepare loads and inspects the metadata: every later step uses it. The
// file or URL the admin gave wins; without one, a JumpCloud API key fetches
// it from the application the jumpcloud-app step found.
func (metadataStep) Prepare(ctx context.Context, env *Env) model.Findings {
	var data []byte
	var fs model.Findings
	if src := env.inputs().IdP.Metadata; src != "" {
		var err error
		if data, err = samlmeta.Load(ctx, env.HTTP, src); err != nil {
			return errorf("metadata_unreadable", "%v", err)
		}
	} else {
		var note model.Findings
		if data, note = JumpCloudMetadata(ctx, env); data == nil {
			for i := range note {
				note[i].Severity = model.SeverityError
			}
			return note
		}
		fs = infof("metadata_from_jumpcloud", "read from JumpCloud's API (application %s); no export needed", env.JumpCloudAppID())
	}
	rep := samlmeta.Inspect(data, samlmeta.Options{TeamDomain: env.inputs().Domain(), Now: env.now(), JumpCloudHost: env.JumpCloudHost})
	env.setMeta(rep)
	fs = append(fs, rep.Findings...)
	if rep.Usable() {
		fs = append(fs, infof("metadata_ok", "entity ID %s, SSO URL %s, %d signing certificate(s)", rep.EntityID, rep.SSOURL(), len(rep.Certificates))...)
	}
	return append(fs, signedRequestsFinding(rep, env.inputs().IdP.SignRequest)...)
}

// signedRequestsFinding explains WantAuthnRequestsSigned="true" against the
// login method's sign_request (samlmeta.SignedRequestsWanted says why
// jcaccess does not turn it on): to confirm either way, since nothing
// checks how JumpCloud treats the requests until someone signs in.
func signedRequestsFinding(rep *samlmeta.Report, signRequest bool) model.Findings {
	if !rep.WantAuthnRequestsSigned {
		return nil
	}
	if signRequest {
		return model.Findings{finding(model.SeverityToConfirm, "authn_signing_wanted", "the metadata says WantAuthnRequestsSigned=\"true\" and idp.sign_request is on, so Cloudflare signs its requests with its Access key; JumpCloud documents no place for Cloudflare's certificate for them (the app's SP Certificate field is the nearest), so the first sign-in (test step) confirms JumpCloud accepts them; if it refuses them, set idp.sign_request: false")}
	}
	return model.Findings{finding(model.SeverityToConfirm, "authn_signing_wanted", "the metadata says WantAuthnRequestsSigned=\"true\", but Cloudflare sends unsigned requests (idp.sign_request is off, as in Cloudflare's JumpCloud example); JumpCloud does not document refusing them, so the first sign-in (test step) confirms it; if JumpCloud refuses the request, set idp.sign_request: true")}
}

func (metadataStep) Checks(env *Env) []Check {
	rep := env.MetadataReport()
	if rep == nil || rep.SSOURL() == "" {
		return nil
	}
	return []Check{{Name: "SSO URL reachable", Run: func(ctx context.Context) model.Findings {
		return checkSSOURL(ctx, env.HTTP, rep.SSOURL())
	}}}
}

// checkSSOURL makes sure the SSO URL answers over verified TLS. Any HTTP
// answer will do: the SSO endpoint wants a SAML request, not a bare GET.
func checkSSOURL(ctx context.Context, hc *http.Client, sso string) model.Findings {
	u, err := url.Parse(sso)
	if err != nil || u.Scheme != "https" {
		return nil // the metadata findings already say so
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, sso, nil)
	if err != nil {
		return warnf("sso_url_unreachable", "SSO URL %s: %v", sso, err)
	}
	noRedirect := *hc
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := noRedirect.Do(req)
	if err != nil {
		return warnf("sso_url_unreachable", "SSO URL %s did not answer from this machine (%v); browsers must reach it to sign in: check the URL in JumpCloud (SSO tab, IdP URL) or your network", sso, err)
	}
	res.Body.Close()
	return infof("sso_url_ok", "SSO URL %s answers over TLS (HTTP %d)", sso, res.StatusCode)
}

// summary is what the session keeps of the metadata.
func summary(rep *samlmeta.Report) *model.MetadataSummary {
	s := &model.MetadataSummary{Digest: rep.Digest, EntityID: rep.EntityID, SSOURL: rep.SSOURL()}
	var first time.Time
	for _, c := range rep.Certificates {
		s.Fingerprints = append(s.Fingerprints, c.SHA256Fingerprint)
		if first.IsZero() || c.NotAfter.Before(first) {
			first = c.NotAfter
		}
	}
	s.NotAfter = first
	return s
}

// CertNotAfter is when the metadata's first certificate expires (zero until
// the metadata step has read it).
func (e *Env) CertNotAfter() time.Time {
	if rep := e.MetadataReport(); rep != nil {
		return summary(rep).NotAfter
	}
	return time.Time{}
}
