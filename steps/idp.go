package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"jcaccess/model"
	"jcaccess/steps/cloudflare"
)

type idpStep struct{ base }

func (idpStep) ID() ID        { return CloudflareIdP }
func (idpStep) Title() string { return "JumpCloud as a Cloudflare login method" }

func (idpStep) Validate(env *Env) model.Findings {
	in := env.inputs().IdP
	var fs model.Findings
	if strings.TrimSpace(in.Name) == "" {
		fs = append(fs, errorf("idp_name_missing", "idp.name is empty: name the login method as users will see it (default JumpCloud)")...)
	}
	for i, a := range in.Attributes {
		if strings.TrimSpace(a) == "" {
			fs = append(fs, errorf("attribute_invalid", "idp.attributes[%d] is empty: list SAML attribute names such as groups", i)...)
		}
	}
	for i, h := range in.HeaderAttributes {
		if h.AttributeName == "" || h.HeaderName == "" {
			fs = append(fs, errorf("header_attribute_invalid", "idp.header_attributes[%d] needs both attribute_name and header_name", i)...)
		}
	}
	if !slices.Contains(in.Attributes, GroupsAttribute) {
		fs = append(fs, warnf("groups_not_passed", "idp.attributes does not list %q: Access policies will not see JumpCloud groups; add it", GroupsAttribute)...)
	}
	return fs
}

// Prepare finds the login method this setup manages: the one recorded in the
// session, else one with the same name or SSO URL. Reusing it is what makes
// apply safe to run twice.
func (idpStep) Prepare(ctx context.Context, env *Env) model.Findings {
	acct := env.inputs().AccountID
	all, fresh := env.idpList()
	if !fresh {
		var err error
		if all, err = env.CF.ListIdPs(ctx, acct); err != nil {
			return errorf("idp_list_failed", "%v", err)
		}
		env.setIdPList(all)
	}
	var fs model.Findings
	if id := env.Session.IdPID; id != "" {
		if i := slices.IndexFunc(all, func(p cloudflare.IdP) bool { return p.ID == id }); i >= 0 {
			p := all[i]
			env.setExisting(&p)
			return append(changedOutside(env, p), infof("idp_found", "login method %q (%s) found, as saved in the session", p.Name, p.ID)...)
		}
		fs = append(fs, warnf("idp_deleted", "login method %s, saved in the session, no longer exists (deleted in the dashboard?); apply will look for it by name and create it again if needed", id)...)
		env.Session.IdPID = ""
	}
	key := keyOf(env)
	p, more := findIdP(all, key)
	if more != "" {
		return append(fs, errorf("idp_ambiguous", "%s; delete the extra one in Zero Trust > Integrations > Identity providers, or set idp.name to the one to manage", more)...)
	}
	if p == nil {
		return append(fs, infof("idp_absent", "no login method named %q yet: apply will create it", env.inputs().IdP.Name)...)
	}
	env.setExisting(p)
	// It is ours from now on: a run that crashed after creating it, or a
	// setup made by hand, is picked up here.
	env.Session.IdPID = p.ID
	if p.SCIMConfig.SCIMBaseURL != "" {
		env.Session.SCIMEndpoint = p.SCIMConfig.SCIMBaseURL
	}
	if !strings.EqualFold(p.Name, key.name) {
		return append(fs, infof("idp_found", "login method %q (%s) has this setup's issuer or SSO URL: apply will update it (naming it %q), never add a second one; to keep it apart, use another JumpCloud application", p.Name, p.ID, key.name)...)
	}
	return append(fs, infof("idp_found", "login method %q (%s) already exists: apply will update it, never add a second one", p.Name, p.ID)...)
}

// changedOutside notices edits made in the dashboard since the last apply,
// so that the plan's update is read as undoing them, not as routine.
func changedOutside(env *Env, cur cloudflare.IdP) model.Findings {
	var last cloudflare.IdPRequest
	if len(env.Session.AppliedIdP) == 0 || json.Unmarshal(env.Session.AppliedIdP, &last) != nil {
		return nil
	}
	diff := diffIdP(cur, last)
	if len(diff) == 0 {
		return nil
	}
	var fields []string
	for _, d := range diff {
		fields = append(fields, fmt.Sprintf("%s was %s, now %s", d.Field, d.To, d.From))
	}
	return warnf("changed_outside", "login method %q was changed outside jcaccess since the last apply (%s); apply would set it back to this setup: review the plan, or update the config to keep the change", cur.Name, strings.Join(fields, "; "))
}

// findIdP picks the SAML IdP with this name (case-insensitive), this issuer
// (the metadata's entity ID) or this SSO URL: any of them means it is this
// setup's login method, perhaps renamed in the dashboard or made by a run
// under another team name. A second candidate, or a non-SAML IdP holding
// the name, is reported.
func findIdP(all []cloudflare.IdP, want idpKey) (*cloudflare.IdP, string) {
	var found []cloudflare.IdP
	for _, p := range all {
		byName := strings.EqualFold(p.Name, want.name)
		if byName && p.Type != "saml" {
			return nil, fmt.Sprintf("a %s login method is already named %q", p.Type, p.Name)
		}
		if p.Type == "saml" && (byName || want.matchesURLs(p)) {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return nil, ""
	case 1:
		return &found[0], ""
	}
	var ids []string
	for _, p := range found {
		ids = append(ids, fmt.Sprintf("%q (%s)", p.Name, p.ID))
	}
	return nil, fmt.Sprintf("%d SAML login methods match by name, issuer or SSO URL: %s", len(found), strings.Join(ids, ", "))
}

// idpKey is what identifies this setup's login method in the account.
type idpKey struct{ name, issuer, sso string }

func keyOf(env *Env) idpKey {
	k := idpKey{name: env.inputs().IdP.Name}
	if rep := env.MetadataReport(); rep != nil {
		k.issuer, k.sso = rep.EntityID, rep.SSOURL()
	}
	return k
}

func (k idpKey) matchesURLs(p cloudflare.IdP) bool {
	return (k.issuer != "" && p.Config.IssuerURL == k.issuer) || (k.sso != "" && p.Config.SSOTargetURL == k.sso)
}

// desired is the IdP the inputs and the metadata ask for.
func desired(env *Env) (cloudflare.IdPRequest, error) {
	rep := env.MetadataReport()
	if rep == nil || !rep.Usable() {
		return cloudflare.IdPRequest{}, fmt.Errorf("the metadata is not usable yet; fix the metadata step first")
	}
	in := env.inputs()
	attrs := in.IdP.Attributes
	if attrs == nil {
		attrs = []string{}
	}
	headers := in.IdP.HeaderAttributes
	if headers == nil {
		headers = []model.HeaderAttribute{}
	}
	return cloudflare.IdPRequest{
		Name: in.IdP.Name,
		Type: "saml",
		Config: cloudflare.SAMLConfigRequest{
			IssuerURL:          rep.EntityID,
			SSOTargetURL:       rep.SSOURL(),
			IdPPublicCerts:     rep.SigningCerts(),
			SignRequest:        in.IdP.SignRequest,
			EmailAttributeName: in.IdP.EmailAttributeName,
			Attributes:         attrs,
			HeaderAttributes:   headers,
		},
		SCIMConfig: cloudflare.SCIMConfigRequest{
			Enabled:                in.SCIM.Enabled,
			UserDeprovision:        in.SCIM.UserDeprovision,
			SeatDeprovision:        in.SCIM.SeatDeprovision,
			IdentityUpdateBehavior: in.SCIM.IdentityUpdateBehavior,
		},
	}, nil
}

// Plan creates the IdP (with SCIM in the same request) or updates it where
// it differs from what is wanted. An update that only touches SCIM settings
// is attributed to the scim step.
func (idpStep) Plan(_ context.Context, env *Env) ([]model.Change, error) {
	want, err := desired(env)
	if err != nil {
		return nil, err
	}
	acct := env.inputs().AccountID
	cur := env.ExistingIdP()
	if cur == nil {
		body, err := json.Marshal(want)
		if err != nil {
			return nil, err
		}
		summary := fmt.Sprintf("create SAML login method %q", want.Name)
		known := []string{"id", "config.redirect_url"}
		if want.SCIMConfig.Enabled {
			summary += " with SCIM enabled"
			known = append(known, "scim_config.scim_base_url", "scim_config.secret")
		}
		return []model.Change{{
			Step: string(CloudflareIdP), Action: "create", Summary: summary,
			Method: http.MethodPost, Path: cloudflare.IdPPath(acct), Body: body, KnownAfterApply: known,
		}}, nil
	}
	diff := diffIdP(*cur, want)
	if len(diff) == 0 {
		return nil, nil
	}
	body, err := mergeBody(cur.Raw, want)
	if err != nil {
		return nil, fmt.Errorf("update %s: %w", cur.ID, err)
	}
	step, summary := CloudflareIdP, fmt.Sprintf("update SAML login method %q (%s)", want.Name, cur.ID)
	if onlySCIM(diff) {
		step = SCIM
		summary = fmt.Sprintf("update SCIM settings of %q (%s)", want.Name, cur.ID)
	}
	var known []string
	if want.SCIMConfig.Enabled && !cur.SCIMConfig.Enabled {
		summary += ", enabling SCIM"
		known = []string{"scim_config.scim_base_url", "scim_config.secret"}
	}
	return []model.Change{{
		Step: string(step), Action: "update", Summary: summary,
		Method: http.MethodPut, Path: cloudflare.IdPPath(acct, cur.ID), Body: body, Diff: diff, KnownAfterApply: known,
	}}, nil
}

func (idpStep) Applied(env *Env, ch model.Change, got cloudflare.IdP) { recordIdP(env, got) }

// recordIdP keeps what an applied create or update answered: the IdP, and
// the SCIM secret if this response is the one that carries it.
func recordIdP(env *Env, got cloudflare.IdP) {
	env.setExisting(&got)
	env.Session.IdPID = got.ID
	if got.SCIMConfig.SCIMBaseURL != "" {
		env.Session.SCIMEndpoint = got.SCIMConfig.SCIMBaseURL
	}
	if !got.SCIMConfig.Secret.IsZero() {
		env.SCIMSecret = got.SCIMConfig.Secret
		env.Session.SecretIssued = env.now()
	}
	if rep := env.MetadataReport(); rep != nil {
		env.Session.Metadata = summary(rep)
	}
	if b, err := json.Marshal(got.Request()); err == nil {
		env.Session.AppliedIdP = b
	}
}

func onlySCIM(diff []model.FieldDiff) bool {
	for _, d := range diff {
		if !strings.HasPrefix(d.Field, "scim_config.") {
			return false
		}
	}
	return true
}

// diffIdP lists the managed fields where cur differs from want.
func diffIdP(cur cloudflare.IdP, want cloudflare.IdPRequest) []model.FieldDiff {
	var out []model.FieldDiff
	add := func(field string, from, to any) {
		f, t := fmt.Sprint(from), fmt.Sprint(to)
		if f != t {
			out = append(out, model.FieldDiff{Field: field, From: f, To: t})
		}
	}
	add("name", cur.Name, want.Name)
	add("config.issuer_url", cur.Config.IssuerURL, want.Config.IssuerURL)
	add("config.sso_target_url", cur.Config.SSOTargetURL, want.Config.SSOTargetURL)
	if !sameCerts(cur.Config.IdPPublicCerts, want.Config.IdPPublicCerts) {
		out = append(out, model.FieldDiff{Field: "config.idp_public_certs", From: certList(cur.Config.IdPPublicCerts), To: certList(want.Config.IdPPublicCerts)})
	}
	add("config.sign_request", cur.Config.SignRequest, want.Config.SignRequest)
	add("config.email_attribute_name", cur.Config.EmailAttributeName, want.Config.EmailAttributeName)
	add("config.attributes", sorted(cur.Config.Attributes), sorted(want.Config.Attributes))
	add("config.header_attributes", fmt.Sprint(cur.Config.HeaderAttributes), fmt.Sprint(want.Config.HeaderAttributes))
	add("scim_config.enabled", cur.SCIMConfig.Enabled, want.SCIMConfig.Enabled)
	add("scim_config.user_deprovision", cur.SCIMConfig.UserDeprovision, want.SCIMConfig.UserDeprovision)
	add("scim_config.seat_deprovision", cur.SCIMConfig.SeatDeprovision, want.SCIMConfig.SeatDeprovision)
	add("scim_config.identity_update_behavior", cur.SCIMConfig.IdentityUpdateBehavior, want.SCIMConfig.IdentityUpdateBehavior)
	return out
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	if c == nil {
		c = []string{}
	}
	return c
}

// normCert reduces a certificate to bare base64, whatever armor or line
// breaks the API or the dashboard stored it with.
func normCert(c string) string {
	c = strings.ReplaceAll(c, "-----BEGIN CERTIFICATE-----", "")
	c = strings.ReplaceAll(c, "-----END CERTIFICATE-----", "")
	return strings.Join(strings.Fields(c), "")
}

func sameCerts(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	na, nb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		na[i], nb[i] = normCert(a[i]), normCert(b[i])
	}
	slices.Sort(na)
	slices.Sort(nb)
	return slices.Equal(na, nb)
}

func certList(cs []string) string {
	var out []string
	for _, c := range cs {
		n := normCert(c)
		if len(n) > 16 {
			n = n[:8] + "…" + n[len(n)-8:]
		}
		out = append(out, n)
	}
	return "[" + strings.Join(out, " ") + "]"
}

// mergeBody lays the wanted fields over the existing object, so a full
// replacement (PUT) keeps settings made elsewhere, such as SAML encryption.
func mergeBody(raw json.RawMessage, want cloudflare.IdPRequest) ([]byte, error) {
	var cur map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &cur); err != nil {
			return nil, err
		}
	}
	var w map[string]any
	b, err := json.Marshal(want)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	out := map[string]any{"name": w["name"], "type": w["type"]}
	if v, ok := cur["saml_certificate_set_id"]; ok {
		out["saml_certificate_set_id"] = v
	}
	for _, key := range []string{"config", "scim_config"} {
		merged, _ := cur[key].(map[string]any)
		if merged == nil {
			merged = map[string]any{}
		}
		for k, v := range w[key].(map[string]any) {
			merged[k] = v
		}
		// Read-only fields the API computes.
		delete(merged, "redirect_url")
		delete(merged, "scim_base_url")
		delete(merged, "secret")
		out[key] = merged
	}
	return json.Marshal(out)
}
