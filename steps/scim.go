package steps

import (
	"context"
	"net/http"
	"strings"

	"jcaccess/model"
	"jcaccess/steps/cloudflare"
)

type scimStep struct{ base }

func (scimStep) ID() ID        { return SCIM }
func (scimStep) Title() string { return "SCIM provisioning in Cloudflare" }

func (scimStep) Validate(env *Env) model.Findings {
	s := env.inputs().SCIM
	var fs model.Findings
	if s.SeatDeprovision && !s.UserDeprovision {
		fs = append(fs, errorf("seat_needs_user_deprovision", "scim.seat_deprovision is on but scim.user_deprovision is off; Cloudflare removes seats only together with user deprovisioning: turn user_deprovision on or seat_deprovision off")...)
	}
	switch s.IdentityUpdateBehavior {
	case model.UpdateAutomatic, model.UpdateReauth, model.UpdateNoAction:
	default:
		fs = append(fs, errorf("identity_update_behavior_invalid", "scim.identity_update_behavior %q is not one of automatic, reauth, no_action", s.IdentityUpdateBehavior)...)
	}
	if !s.Enabled && (s.UserDeprovision || s.SeatDeprovision) {
		fs = append(fs, warnf("scim_disabled", "scim.enabled is off, so the deprovisioning settings have no effect")...)
	}
	return fs
}

func (scimStep) Checks(env *Env) []Check {
	if !env.inputs().SCIM.Enabled {
		return nil
	}
	return []Check{{Name: "SCIM endpoint answers", Run: func(ctx context.Context) model.Findings {
		cur := env.ExistingIdP()
		if cur == nil || !cur.SCIMConfig.Enabled {
			return infof("scim_after_apply", "the SCIM endpoint and secret are issued when apply enables SCIM")
		}
		base := cur.SCIMConfig.SCIMBaseURL
		if base == "" {
			base = env.Session.SCIMEndpoint
		}
		if base == "" {
			return warnf("scim_endpoint_unknown", "SCIM is on but Cloudflare did not report the SCIM endpoint; copy it from Zero Trust > Integrations > Identity providers > %s > Edit", cur.Name)
		}
		fs := probeSCIM(ctx, env.HTTP, base, env.SCIMSecret, env.SCIMSecretGiven)
		if env.SCIMSecret.IsZero() && env.Session.SecretIssued.IsZero() {
			fs = append(fs, infof("scim_secret_not_held", "SCIM was enabled before or outside jcaccess, so it cannot show the secret (Cloudflare shows it once); if JumpCloud is not connected yet, run apply with --regenerate-scim-secret")...)
		}
		return fs
	}}}
}

// scimProbeQuery is JumpCloud's own connection check (its Activate sends
// GET /Users and wants a 200 ListResponse): the one request every documented
// SCIM client makes. /ServiceProviderConfig is not shown to be served by
// Cloudflare, and an unknown path may answer 401 as if the secret were wrong.
const scimProbeQuery = "/Users?startIndex=1&count=1"

// probeSCIM asks the SCIM endpoint for one user, as JumpCloud does. With the
// secret it must answer 200; without, a 401 proves the endpoint is there and
// asks for the secret. given says the admin typed the secret in.
func probeSCIM(ctx context.Context, hc *http.Client, base string, secret model.Secret, given bool) model.Findings {
	u := strings.TrimSuffix(base, "/") + scimProbeQuery
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return errorf("scim_unreachable", "SCIM endpoint %s: %v", base, err)
	}
	req.Header.Set("Accept", "application/scim+json")
	if !secret.IsZero() {
		req.Header.Set("Authorization", "Bearer "+secret.Reveal())
	}
	res, err := hc.Do(req)
	if err != nil {
		return errorf("scim_unreachable", "SCIM endpoint %s does not answer (%v)", base, err)
	}
	res.Body.Close()
	which := "the secret Cloudflare issued"
	if given {
		which = "the secret you gave"
	}
	switch {
	case !secret.IsZero() && res.StatusCode == http.StatusOK:
		return infof("scim_ok", "SCIM endpoint %s accepts %s (GET /Users answered 200, as JumpCloud's Activate needs)", base, which)
	case !secret.IsZero() && (res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden):
		if given {
			return errorf("scim_secret_rejected", "SCIM endpoint %s rejects %s (HTTP %d): copy the SCIM Secret again from Zero Trust > Integrations > Identity providers > <name> > Edit > Regenerate Secret, Save, and give it once more", base, which, res.StatusCode)
		}
		return errorf("scim_secret_rejected", "SCIM endpoint %s rejects %s (HTTP %d); regenerate it (apply --regenerate-scim-secret)", base, which, res.StatusCode)
	case secret.IsZero() && res.StatusCode == http.StatusUnauthorized:
		return infof("scim_ok", "SCIM endpoint %s answers and asks for the secret", base)
	case secret.IsZero() && res.StatusCode == http.StatusOK:
		return warnf("scim_unprotected", "SCIM endpoint %s listed users without any secret", base)
	}
	return warnf("scim_unexpected", "SCIM endpoint %s answered HTTP %d to GET %s, where JumpCloud's Activate needs 200; check the SCIM Endpoint in Zero Trust > Integrations > Identity providers > Edit", base, res.StatusCode, scimProbeQuery)
}

// GiveSCIMSecret takes a SCIM secret the admin regenerated in the dashboard
// (Regenerate Secret): the scim step verifies it with its probe instead of
// asking Cloudflare for another.
func (e *Env) GiveSCIMSecret(secret model.Secret) {
	e.SCIMSecret = secret
	e.SCIMSecretGiven = !secret.IsZero()
	if e.SCIMSecretGiven {
		e.Session.SecretIssued = e.now()
	}
}

// Plan refreshes the secret when asked; enabling SCIM is part of the IdP's
// own create or update, one request instead of two.
func (scimStep) Plan(_ context.Context, env *Env) ([]model.Change, error) {
	cur := env.ExistingIdP()
	// A secret the admin gave was regenerated in the dashboard already;
	// asking Cloudflare for another would make it void.
	if !env.RegenerateSCIMSecret || env.SCIMSecretGiven || cur == nil || !cur.SCIMConfig.Enabled {
		return nil, nil
	}
	return []model.Change{{
		Step: string(SCIM), Action: "refresh_secret",
		Summary:         "regenerate the SCIM secret of " + cur.Name + " (JumpCloud must then get the new one)",
		Method:          http.MethodPost,
		Path:            cloudflare.IdPPath(env.inputs().AccountID, cur.ID, "refresh_scim_secret"),
		KnownAfterApply: []string{"scim_config.secret"},
	}}, nil
}

func (scimStep) Applied(env *Env, ch model.Change, got cloudflare.IdP) {
	if got.ID == "" {
		// The refresh endpoint is undocumented; if it answers without the
		// IdP, keep what we had and take only the secret.
		if !got.SCIMConfig.Secret.IsZero() {
			env.SCIMSecret = got.SCIMConfig.Secret
			env.SCIMSecretGiven = false
			env.Session.SecretIssued = env.now()
		}
		return
	}
	recordIdP(env, got)
}
