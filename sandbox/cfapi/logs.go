package cfapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The API's read side of SCIM: the users and groups an IdP pushed
// (.../identity_providers/{id}/scim/users and /scim/groups) and the SCIM
// update log (/access/logs/scim/updates).

type accessUserEmail struct {
	Primary bool   `json:"primary"`
	Type    string `json:"type"`
	Value   string `json:"value"`
}

type scimMeta struct {
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
}

// accessUser is shaped like cloudflare-go's zero_trust.AccessUser.
type accessUser struct {
	ID          string            `json:"id"`
	Active      bool              `json:"active"`
	DisplayName string            `json:"displayName"`
	Emails      []accessUserEmail `json:"emails"`
	ExternalID  string            `json:"externalId"`
	Meta        scimMeta          `json:"meta"`
	Schemas     []string          `json:"schemas"`
}

// accessGroup is shaped like cloudflare-go's zero_trust.ZeroTrustGroup.
type accessGroup struct {
	ID          string   `json:"id"`
	DisplayName string   `json:"displayName"`
	ExternalID  string   `json:"externalId"`
	Meta        scimMeta `json:"meta"`
	Schemas     []string `json:"schemas"`
}

func schemasOf(attrs map[string]any, def string) []string {
	var out []string
	if list, isList := attrs["schemas"].([]any); isList {
		for _, v := range list {
			if s, isStr := v.(string); isStr {
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		out = []string{def}
	}
	return out
}

// anyOf reports whether the query has no values for key, or v is one of them.
func anyOf(q url.Values, key, v string) bool {
	want := q[key]
	return len(want) == 0 || slices.Contains(want, v)
}

// equalFoldIfSet reports whether the query value for key is empty or equals v
// ignoring case.
func equalFoldIfSet(q url.Values, key, v string) bool {
	want := q.Get(key)
	return want == "" || strings.EqualFold(want, v)
}

func (s *Server) listSCIMUsers(c *call) reply {
	rec := s.findIdP(c.r.PathValue("idp_id"))
	if rec == nil {
		return notFound()
	}
	q := c.r.URL.Query()
	var all []accessUser
	for _, res := range rec.users {
		// Cloudflare does not create Zero Trust users from SCIM: "New users
		// must first register the Cloudflare One Client or authenticate to
		// an Access application before SCIM provisioning can begin" (docs
		// partial access/scim-requires-login.mdx; team-and-resources/users/
		// scim.mdx: SCIM does not create new users). So a pushed user is
		// listed only once they have signed in through this IdP.
		if !s.signedIn(rec.id, res.attrs) {
			continue
		}
		u := accessUser{
			ID:          res.id,
			Active:      userActive(res.attrs),
			DisplayName: userDisplayName(res.attrs),
			Emails:      []accessUserEmail{},
			ExternalID:  res.externalID(),
			Meta:        scimMeta{Created: formatTime(res.created), LastModified: formatTime(res.modified)},
			Schemas:     schemasOf(res.attrs, scimUserSchema),
		}
		emailMatch := q.Get("email") == ""
		for _, e := range userEmails(res.attrs) {
			p, _ := e["primary"].(bool)
			u.Emails = append(u.Emails, accessUserEmail{Primary: p, Type: str(e, "type"), Value: str(e, "value")})
			emailMatch = emailMatch || strings.EqualFold(q.Get("email"), str(e, "value"))
		}
		if !emailMatch || !anyOf(q, "cf_resource_id", u.ID) || !anyOf(q, "idp_resource_id", u.ExternalID) ||
			!equalFoldIfSet(q, "username", str(res.attrs, "userName")) || !equalFoldIfSet(q, "name", u.DisplayName) {
			continue
		}
		all = append(all, u)
	}
	page, perPage := pageParams(c.r, 100, 100)
	items, info := paginate(all, page, perPage)
	return reply{status: http.StatusOK, result: items, info: info}
}

// signedIn reports whether the SCIM user attrs has signed in through IdP
// idpID (by primary email or userName). s.mu must be held.
func (s *Server) signedIn(idpID string, attrs map[string]any) bool {
	email, user := primaryEmail(attrs), str(attrs, "userName")
	for _, l := range s.logins {
		if l.IdPID == idpID && l.Error == "" && l.Email != "" &&
			(strings.EqualFold(l.Email, email) || strings.EqualFold(l.Email, user)) {
			return true
		}
	}
	return false
}

func (s *Server) listSCIMGroups(c *call) reply {
	rec := s.findIdP(c.r.PathValue("idp_id"))
	if rec == nil {
		return notFound()
	}
	q := c.r.URL.Query()
	var all []accessGroup
	for _, res := range rec.groups {
		g := accessGroup{
			ID:          res.id,
			DisplayName: str(res.attrs, "displayName"),
			ExternalID:  res.externalID(),
			Meta:        scimMeta{Created: formatTime(res.created), LastModified: formatTime(res.modified)},
			Schemas:     schemasOf(res.attrs, scimGroupSchema),
		}
		if !anyOf(q, "cf_resource_id", g.ID) || !anyOf(q, "idp_resource_id", g.ExternalID) || !equalFoldIfSet(q, "name", g.DisplayName) {
			continue
		}
		all = append(all, g)
	}
	page, perPage := pageParams(c.r, 100, 100)
	items, info := paginate(all, page, perPage)
	return reply{status: http.StatusOK, result: items, info: info}
}

// listSCIMLogs answers GET /accounts/{account_id}/access/logs/scim/updates.
// idp_id (required, repeatable) selects the IdPs; unknown ids contribute
// nothing. Filters: status, resource_type, request_method, cf_resource_id,
// idp_resource_id (all repeatable), resource_user_email, resource_group_name
// (repeatable, case-insensitive), since and until (inclusive). direction
// defaults to desc (newest first).
//
// GUESS: limit caps the number of entries considered before paging, and only
// when given (a default of 20 would hide entries from page/per_page callers).
func (s *Server) listSCIMLogs(c *call) reply {
	q := c.r.URL.Query()
	var since, until time.Time
	if v := q.Get("since"); v != "" {
		since, _ = time.Parse(time.RFC3339, v)
	}
	if v := q.Get("until"); v != "" {
		until, _ = time.Parse(time.RFC3339, v)
	}
	foldIn := func(key, v string) bool {
		want := q[key]
		return len(want) == 0 || slices.ContainsFunc(want, func(w string) bool { return strings.EqualFold(w, v) })
	}

	var recs []scimLogRecord
	for _, id := range q["idp_id"] {
		rec := s.findIdP(id)
		if rec == nil {
			continue
		}
		for _, l := range rec.log {
			switch {
			case !anyOf(q, "status", l.Status), !anyOf(q, "resource_type", l.ResourceType),
				!anyOf(q, "request_method", l.RequestMethod), !anyOf(q, "cf_resource_id", l.CfResourceID),
				!anyOf(q, "idp_resource_id", l.IdPResourceID),
				!foldIn("resource_user_email", l.ResourceUserEmail), !foldIn("resource_group_name", l.ResourceGroupName),
				!since.IsZero() && l.LoggedAt.Before(since), !until.IsZero() && l.LoggedAt.After(until):
				continue
			}
			recs = append(recs, l)
		}
	}
	slices.SortFunc(recs, func(a, b scimLogRecord) int { return a.seq - b.seq })
	recs = slices.CompactFunc(recs, func(a, b scimLogRecord) bool { return a.seq == b.seq }) // an idp_id given twice
	if !strings.EqualFold(q.Get("direction"), "asc") {
		slices.Reverse(recs)
	}
	if limit := atoiDefault(q.Get("limit"), 0); limit > 0 && limit < len(recs) {
		recs = recs[:limit]
	}
	all := make([]SCIMLogEntry, len(recs))
	for i, r := range recs {
		all[i] = r.SCIMLogEntry
	}
	page, perPage := pageParams(c.r, 20, 1000)
	items, info := paginate(all, page, perPage)
	return reply{status: http.StatusOK, result: items, info: info}
}
