package jumpcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"jcaccess/model"
)

// Want is what this setup needs of the SSO application.
type Want struct {
	IdPEntityID string // https://<team domain>/
	SPEntityID  string // https://<team domain>/cdn-cgi/access/callback
	ACSURL      string // same as SPEntityID
	// GroupsAttribute is the SAML attribute Cloudflare reads groups from
	// (steps.GroupsAttribute).
	GroupsAttribute string
	// EmailAttribute is the attribute the Cloudflare login method reads
	// the email from (its email_attribute_name); "" skips the check.
	EmailAttribute string
	// Attributes are the attributes Access requires in the assertion
	// beyond GroupsAttribute and EmailAttribute, which have rules of their
	// own (Include group attribute, emailDrift).
	Attributes []string
	// Label names the application to find when none has this ACS URL or
	// SP Entity ID (only one not yet set up for any team, see match), and
	// the one to create ("" means CatalogName).
	Label string
	// Groups are user group names to bind.
	Groups []string
	// Fix says apply may change JumpCloud: drift is then a warning that
	// apply fixes, not an error for the admin to fix in the console.
	Fix bool
}

func (w Want) label() string {
	if strings.TrimSpace(w.Label) == "" {
		return CatalogName
	}
	return w.Label
}

// Inspection is what a read of JumpCloud found: the findings, and what a
// plan needs. It holds no application object, only its view.
type Inspection struct {
	Findings model.Findings
	// App is the matched application; nil when none (or several) matched.
	App *AppView
	// Bound are the groups bound directly to App.
	Bound []Group
	// Wanted are Want.Groups resolved to groups; set only when every name
	// names exactly one group.
	Wanted []Group
	// Groups are every user group of the organization, as read: what an
	// interactive front end offers to bind.
	Groups []Group
	// Template is the catalog connector to create App from, when App is
	// missing and Want.Fix is set.
	Template *Template
	// SSOHost is where the new application's SSO IdP URL lives
	// (Client.ssoHost); set with Template.
	SSOHost string
	// Err is the API failure that stopped the read, if any.
	Err error
}

// Finding codes (stable: they appear in reports and JSON).
const (
	CodeAppMissing          = "jc_app_missing"
	CodeAppAmbiguous        = "jc_app_ambiguous"
	CodeAppMatches          = "jc_app_matches"
	CodeAppOtherTeam        = "jc_app_other_team"
	CodeAttributeMissing    = "jc_attribute_missing"
	CodeAttributesUnchecked = "jc_attributes_to_confirm"
	CodeIdPEntityIDWrong    = "jc_idp_entity_id_wrong"
	CodeSPEntityIDWrong     = "jc_sp_entity_id_wrong"
	CodeACSURLWrong         = "jc_acs_url_wrong"
	CodeGroupsAttributeOff  = "jc_groups_attribute_off"
	CodeGroupsAttrMisnamed  = "jc_groups_attribute_misnamed"
	CodeEmailAttrUnchecked  = "jc_email_attribute_to_confirm"
	CodeEmailAttrMissing    = "jc_email_attribute_missing"
	CodeNoGroupsBound       = "jc_no_groups_bound"
	CodeGroupUnknown        = "jc_group_unknown"
	CodeGroupAmbiguous      = "jc_group_ambiguous"
	CodeGroupNotBound       = "jc_group_not_bound"
	CodeKeyInvalid          = "jc_key_invalid"
	CodeKeyForbidden        = "jc_key_forbidden"
	CodeOrgIDMissing        = "jc_org_id_missing"
	CodeAPIFailed           = "jc_api_failed"
	CodeCatalogMissing      = "jc_catalog_missing"
	CodeMetadataUnavailable = "jc_metadata_unavailable"
)

func newFinding(sev model.Severity, code, format string, args ...any) model.Finding {
	// Messages quote JumpCloud's answers and names typed in its console.
	return model.Finding{Severity: sev, Code: code, Message: model.Scrub(fmt.Sprintf(format, args...))}
}

// ErrorFinding turns a failed call into the finding that says what to do:
// the key rejected, a role missing, the org ID missing, or another failure.
func ErrorFinding(err error) model.Finding {
	code := CodeAPIFailed
	switch KindOf(err) {
	case KindKeyInvalid:
		code = CodeKeyInvalid
	case KindForbidden:
		code = CodeKeyForbidden
	case KindOrgIDMissing:
		code = CodeOrgIDMissing
	}
	return newFinding(model.SeverityError, code, "%v", err)
}

// Inspect reads the SSO applications and user groups and judges the one
// that is this setup's. It only GETs.
func Inspect(ctx context.Context, c *Client, want Want) Inspection {
	var in Inspection
	fail := func(err error) Inspection {
		in.Err = err
		in.Findings = append(in.Findings, ErrorFinding(err))
		return in
	}
	apps, err := c.ListApps(ctx)
	if err != nil {
		return fail(err)
	}
	groups, err := c.UserGroups(ctx)
	if err != nil {
		return fail(err)
	}
	in.Groups = groups
	in.Wanted, in.Findings = resolveGroups(groups, want.Groups)
	matched, fs := match(apps, want)
	in.Findings = append(in.Findings, fs...)
	if matched == nil {
		// An ambiguity or (with Fix) another team's application under
		// the label is an error that rules out creating one.
		if !fs.HasErrors() {
			in.Findings = append(in.Findings, missing(ctx, c, want, &in)...)
		}
		return in
	}
	v := matched.View()
	in.App = &v
	ids, err := c.BoundGroupIDs(ctx, v.ID)
	if err != nil {
		return fail(err)
	}
	byID := map[string]Group{}
	for _, g := range groups {
		byID[g.ID] = g
	}
	for _, id := range ids {
		g, ok := byID[id]
		if !ok {
			g = Group{ID: id, Name: "(group " + id + ", not listed)"}
		}
		in.Bound = append(in.Bound, g)
	}
	in.Findings = append(in.Findings, judge(v, in.Bound, in.Wanted, want)...)
	return in
}

// match finds this setup's application: by its ACS URL or SP Entity ID
// (what makes it this team's), else by display label. Several candidates
// are ambiguous: jcaccess would not know which one to fix.
//
// A labelled application is taken only while it is set up for no team
// (otherTeams): one whose SP Entity ID or ACS URL is another team's
// callback is another setup's, and fixing it would take that team's
// sign-ins away. It is left alone (jc_app_other_team). With Fix, no new
// application is made under the same label either, as two applications
// of one label are easily mixed up in the console: the admin names this
// setup's own label (jumpcloud.app_label).
func match(apps []App, want Want) (*App, model.Findings) {
	var found []int
	for i, a := range apps {
		v := a.view
		if slices.Contains(v.ACSURLs, want.ACSURL) || v.SPEntityID == want.SPEntityID {
			found = append(found, i)
		}
	}
	how := "have this team's ACS URL or SP Entity ID (" + want.ACSURL + ")"
	var fs model.Findings
	if len(found) == 0 {
		var others []string
		for i, a := range apps {
			if !strings.EqualFold(strings.TrimSpace(a.view.DisplayLabel), want.label()) {
				continue
			}
			if !otherTeams(a.view, want) {
				found = append(found, i)
			} else {
				where := "ACS URL " + strings.Join(a.view.ACSURLs, ", ")
				if len(a.view.ACSURLs) == 0 {
					where = "SP Entity ID " + a.view.SPEntityID
				}
				others = append(others, fmt.Sprintf("%s (%s)", describe(a.view), model.Printable(where)))
			}
		}
		how = fmt.Sprintf("are labelled %q and set up for no team yet", want.label())
		if len(others) > 0 {
			sev, then := model.SeverityWarning, "set jumpcloud.app_label to your application's label if it has another one"
			if want.Fix && len(found) == 0 {
				sev, then = model.SeverityError, "jcaccess will not create a second application under the same label: set jumpcloud.app_label to your application's label, or to a new one for jcaccess to create"
			}
			what := "SSO application " + others[0] + " is"
			if len(others) > 1 {
				what = "SSO applications " + strings.Join(others, ", ") + " are"
			}
			fs = append(fs, newFinding(sev, CodeAppOtherTeam,
				"%s labelled %q but set up for another team (not %s), so jcaccess leaves it alone; %s",
				what, want.label(), want.ACSURL, then))
		}
	}
	switch len(found) {
	case 0:
		return nil, fs
	case 1:
		return &apps[found[0]], fs
	}
	var names []string
	for _, i := range found {
		names = append(names, describe(apps[i].view))
	}
	return nil, append(fs, newFinding(model.SeverityError, CodeAppAmbiguous,
		"%d SSO applications %s: %s; jcaccess will not guess which is this setup's: delete the extra ones in the console (SSO Applications), or set jumpcloud.app_label to the one to use and clear the others' SP Entity ID",
		len(found), how, strings.Join(names, ", ")))
}

// otherTeams says the application's SP Entity ID or an ACS URL is another
// team's callback URL. Empty values and the connector's placeholder (e.g.
// https://YOURDOMAIN/cdn-cgi/access/callback) are no team's; this team's
// URL in another case (a typo the SP Entity ID check reports) is still
// this team's.
func otherTeams(v AppView, want Want) bool {
	for _, u := range append([]string{v.SPEntityID}, v.ACSURLs...) {
		if isTeamCallback(u) && !strings.EqualFold(strings.TrimSpace(u), want.ACSURL) {
			return true
		}
	}
	return false
}

// isTeamCallback: an https URL ending /cdn-cgi/access/callback (jumpcloud.md
// §2) whose host is not the connector's placeholder.
func isTeamCallback(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && u.Scheme == "https" && u.Host != "" && strings.HasSuffix(u.Path, "/cdn-cgi/access/callback") &&
		!strings.Contains(strings.ToUpper(s), "YOURDOMAIN")
}

func describe(v AppView) string {
	return fmt.Sprintf("%q (%s)", model.Printable(v.DisplayLabel), model.Printable(v.ID))
}

// missing reports that no application is this setup's; with Fix it finds
// the catalog connector apply creates it from.
func missing(ctx context.Context, c *Client, want Want, in *Inspection) model.Findings {
	if !want.Fix {
		return model.Findings{newFinding(model.SeverityError, CodeAppMissing,
			"no SSO application has ACS URL %s or is labelled %q and set up for no team: in the JumpCloud console, SSO Applications > Add New Application > %q, label it, and set the SSO tab's values (or let jcaccess create it: apply with JumpCloud changes on)",
			want.ACSURL, want.label(), CatalogName)}
	}
	ts, err := c.FindTemplate(ctx, CatalogName)
	if err != nil {
		in.Err = err
		return model.Findings{ErrorFinding(err)}
	}
	if len(ts) != 1 {
		return model.Findings{newFinding(model.SeverityError, CodeCatalogMissing,
			"no SSO application is this setup's, and JumpCloud's catalog has %s named %q, so jcaccess cannot create it from the connector: add it in the console (SSO Applications > Add New Application > %q) and run again",
			model.Plural(len(ts), "connector"), CatalogName, CatalogName)}
	}
	t, err := c.GetTemplate(ctx, ts[0].ID)
	if err != nil {
		in.Err = err
		return model.Findings{ErrorFinding(err)}
	}
	in.Template = &t
	in.SSOHost = c.ssoHost()
	return model.Findings{newFinding(model.SeverityWarning, CodeAppMissing,
		"no SSO application has ACS URL %s or is labelled %q: apply will create it from JumpCloud's %q connector",
		want.ACSURL, want.label(), CatalogName)}
}

// resolveGroups maps the wanted group names to groups: a name must name
// exactly one group (names are case-sensitive, docs §3).
func resolveGroups(all []Group, names []string) ([]Group, model.Findings) {
	var out []Group
	var fs model.Findings
	for _, name := range names {
		var hits []Group
		for _, g := range all {
			if g.Name == name {
				hits = append(hits, g)
			}
		}
		switch len(hits) {
		case 1:
			out = append(out, hits[0])
		case 0:
			fs = append(fs, newFinding(model.SeverityError, CodeGroupUnknown,
				"jumpcloud.groups names %q, and JumpCloud has no user group of that name (names are case-sensitive): fix the name, or create the group in the console (User Groups)", model.Printable(name)))
		default:
			fs = append(fs, newFinding(model.SeverityError, CodeGroupAmbiguous,
				"jumpcloud.groups names %q, and %d JumpCloud user groups have that name: rename all but one in the console (User Groups)", model.Printable(name), len(hits)))
		}
	}
	if len(fs) > 0 {
		return nil, fs
	}
	return out, nil
}

// drift is one config value that differs from what is wanted.
type drift struct {
	key        string // config key
	label      string // the console's name for it
	code       string
	from       string
	change     ConfigChange
	toText     string
	consoleFix string
}

// drifts lists the config values apply would set. It is the one rule both
// the findings and the plan follow, so a plan after apply is empty.
func drifts(v AppView, want Want) []drift {
	var out []drift
	add := func(key, label, code, from, to, fix string) {
		b, _ := json.Marshal(to)
		out = append(out, drift{key, label, code, from, ConfigChange{Set: b}, to, fix})
	}
	if v.IdPEntityID != want.IdPEntityID {
		add("idpEntityId", "IdP Entity ID", CodeIdPEntityIDWrong, v.IdPEntityID, want.IdPEntityID, "SSO tab > IdP Entity ID")
	}
	if v.SPEntityID != want.SPEntityID {
		add("spEntityId", "SP Entity ID", CodeSPEntityIDWrong, v.SPEntityID, want.SPEntityID, "SSO tab > SP Entity ID (case-sensitive)")
	}
	if !slices.Contains(v.ACSURLs, want.ACSURL) {
		if v.acsList {
			// Several ACS URLs (jumpcloud.md §2): the others may be
			// in use, so this team's is added, not swapped in.
			b, _ := json.Marshal(want.ACSURL)
			out = append(out, drift{"acsUrl", "ACS URL", CodeACSURLWrong, strings.Join(v.ACSURLs, ", "), ConfigChange{Add: []json.RawMessage{b}},
				want.ACSURL + " (added to the list)", "SSO tab > ACS URL (add it)"})
		} else {
			add("acsUrl", "ACS URL", CodeACSURLWrong, strings.Join(v.ACSURLs, ", "), want.ACSURL, "SSO tab > ACS URL")
		}
	}
	if !v.IncludeGroups {
		from := "off"
		if !v.IncludeGroupsSet {
			from = "absent from the application object"
		}
		out = append(out, drift{"includeGroups", "Include group attribute", CodeGroupsAttributeOff, from, ConfigChange{Set: json.RawMessage("true")}, "on", "SSO tab > Include group attribute (tick it)"})
	}
	if v.GroupsAttributeName != want.GroupsAttribute {
		add("groupsAttributeName", "group attribute name", CodeGroupsAttrMisnamed, v.GroupsAttributeName, want.GroupsAttribute, "SSO tab > Include group attribute > name")
	}
	if d, ok := emailDrift(v, want); ok {
		out = append(out, d)
	}
	return out
}

// emailDrift adds the attribute mapping row that sends the email under the
// name the Cloudflare login method reads it from. The rows are
// config.databaseAttributes.value, {name, value}: name the attribute the
// service provider receives, value the JumpCloud user field ([I] from docs
// §5's shape and the console's "Service Provider Attribute Name" /
// "JumpCloud Attribute Name" columns). An object that shows no attribute
// list at all is left alone unless apply may change it. The row is added
// to the rows there at apply time (ConfigChange.Add), so a row added in the
// console after the plan is kept.
func emailDrift(v AppView, want Want) (drift, bool) {
	if want.EmailAttribute == "" || slices.Contains(v.Attributes, want.EmailAttribute) || (!v.AttributesKnown && !want.Fix) {
		return drift{}, false
	}
	row, _ := json.Marshal(map[string]string{"name": want.EmailAttribute, "value": "email"})
	from := "not sent"
	if len(v.Attributes) > 0 {
		from = "not sent (it sends " + strings.Join(v.Attributes, ", ") + ")"
	}
	return drift{"databaseAttributes", "attribute " + strconv.Quote(want.EmailAttribute) + " (the email Access reads)", CodeEmailAttrMissing, from, ConfigChange{Add: []json.RawMessage{row}}, want.EmailAttribute + " = email",
		"SSO tab > Attributes: add Service Provider Attribute Name " + want.EmailAttribute + ", JumpCloud Attribute email"}, true
}

// judge turns the matched application's state into findings.
func judge(v AppView, bound, wanted []Group, want Want) model.Findings {
	var fs model.Findings
	for _, d := range drifts(v, want) {
		from := d.from
		if from == "" {
			from = "empty"
		}
		if want.Fix {
			fs = append(fs, newFinding(model.SeverityWarning, d.code, "SSO application %s: %s is %s, want %s; apply will set it", describe(v), d.label, model.Printable(from), d.toText))
		} else {
			fs = append(fs, newFinding(model.SeverityError, d.code, "SSO application %s: %s is %s, want %s: set it in the console (%s) and save", describe(v), d.label, model.Printable(from), d.toText, d.consoleFix))
		}
	}
	fs = append(fs, emailFindings(v, want)...)
	fs = append(fs, attributeFindings(v, want)...)
	for _, g := range missingBindings(bound, wanted) {
		// A warning either way: the setup works for the groups that are
		// bound; this group's members are denied until it is.
		then := "its members are denied; bind it in the console (the application's User Groups tab)"
		if want.Fix {
			then = "apply will bind it"
		}
		fs = append(fs, newFinding(model.SeverityWarning, CodeGroupNotBound, "user group %q is not bound to SSO application %s: %s", model.Printable(g.Name), describe(v), then))
	}
	if len(bound) == 0 && (len(wanted) == 0 || !want.Fix) {
		fs = append(fs, newFinding(model.SeverityWarning, CodeNoGroupsBound,
			"no user group is bound to SSO application %s, so JumpCloud denies it to every user and nobody can sign in: bind the groups that may sign in (the application's User Groups tab, or jumpcloud.groups)", describe(v)))
	}
	if len(fs) == 0 {
		var names []string
		for _, g := range bound {
			names = append(names, fmt.Sprintf("%q", model.Printable(g.Name)))
		}
		fs = append(fs, newFinding(model.SeverityInfo, CodeAppMatches,
			"verified through JumpCloud's API: SSO application %s has IdP Entity ID %s, SP Entity ID and ACS URL %s, sends groups as %q, and is bound to %s",
			describe(v), want.IdPEntityID, want.ACSURL, want.GroupsAttribute, strings.Join(names, ", ")))
	}
	return fs
}

// emailFindings say when jcaccess cannot see whether the application sends
// the attribute Cloudflare reads the email from (its object shows no
// attribute list); a missing one it can see is a drift (emailDrift).
func emailFindings(v AppView, want Want) model.Findings {
	if want.EmailAttribute == "" || slices.Contains(v.Attributes, want.EmailAttribute) {
		return nil
	}
	if !v.AttributesKnown && !want.Fix {
		return model.Findings{newFinding(model.SeverityToConfirm, CodeEmailAttrUnchecked,
			"SSO application %s: its object lists no attribute mappings, so jcaccess cannot see whether it sends an attribute named %q, which the Cloudflare login method reads the email from: check the SSO tab's Attributes (Service Provider Attribute Name %q, JumpCloud Attribute email); the first sign-in (test step) confirms it",
			describe(v), want.EmailAttribute, want.EmailAttribute)}
	}
	return nil
}

// attributeFindings check the login method's other required attributes
// (idp.attributes but groups and the email, which their own rules check).
// No plan writes them, Fix or not: which JumpCloud user field should carry
// an arbitrary attribute is the admin's choice, so a missing one is an
// error without Fix and a warning with it (apply goes on with the rest).
func attributeFindings(v AppView, want Want) model.Findings {
	need := want.Attributes
	if len(need) == 0 {
		return nil
	}
	if !v.AttributesKnown {
		return model.Findings{newFinding(model.SeverityToConfirm, CodeAttributesUnchecked,
			"SSO application %s: its object lists no attribute mappings, so jcaccess cannot see whether it sends %s, which the Cloudflare login method requires (idp.attributes): check the SSO tab's attributes; the first sign-in (test step) confirms it",
			describe(v), quoteAll(need))}
	}
	sev := model.SeverityError
	if want.Fix {
		sev = model.SeverityWarning
	}
	var fs model.Findings
	for _, a := range need {
		if slices.Contains(v.Attributes, a) {
			continue
		}
		fs = append(fs, newFinding(sev, CodeAttributeMissing,
			"SSO application %s does not send attribute %q, which the Cloudflare login method requires (idp.attributes), so Access refuses every sign-in: add it in the SSO tab's attributes (Service Provider Attribute Name %q, and the JumpCloud attribute that holds it); jcaccess does not add it, as which JumpCloud field should carry it is yours to choose",
			describe(v), model.Printable(a), model.Printable(a)))
	}
	return fs
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(model.Printable(n))
	}
	return strings.Join(q, ", ")
}

func missingBindings(bound, wanted []Group) []Group {
	var out []Group
	for _, w := range wanted {
		if !slices.ContainsFunc(bound, func(b Group) bool { return b.ID == w.ID }) {
			out = append(out, w)
		}
	}
	return out
}
