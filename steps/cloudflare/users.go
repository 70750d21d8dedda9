package cloudflare

import (
	"cmp"
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// userPageSize is what one page of the Zero Trust users list asks for. The
// API documents per_page without a default or maximum (cloudflare-api.md
// §11); 100 is the maximum of its sibling lists.
const userPageSize = 100

// maxUserPages bounds the users read in one check: an organization with
// more than 5,000 people is read no further, and the check says so.
const maxUserPages = 50

// AccessUsers lists the account's Zero Trust users
// (GET /accounts/{account_id}/access/users). more reports that the list
// was cut at maxUserPages.
//
// Paging follows result_info: the API may serve fewer per page than asked
// (no maximum is documented), so a short page ends the list only when
// result_info says nothing more.
func (c *Client) AccessUsers(ctx context.Context, accountID string) (users []AccessUser, more bool, err error) {
	for page := 1; page <= maxUserPages; page++ {
		var res struct {
			Result []struct {
				ID                  string   `json:"id"`
				Email               string   `json:"email"`
				Name                string   `json:"name"`
				CreatedAt           jsonTime `json:"created_at"`
				LastSuccessfulLogin jsonTime `json:"last_successful_login"`
			} `json:"result"`
			ResultInfo struct {
				PerPage    int `json:"per_page"`
				TotalCount int `json:"total_count"`
				TotalPages int `json:"total_pages"`
			} `json:"result_info"`
		}
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(userPageSize)}}
		if err := c.get(ctx, accountPath(accountID, "access/users"), q, &res); err != nil {
			return nil, false, wrap("list the Zero Trust users", err)
		}
		for _, u := range res.Result {
			users = append(users, AccessUser{
				ID: u.ID, Email: u.Email, Name: u.Name,
				CreatedAt: time.Time(u.CreatedAt), LastSuccessfulLogin: time.Time(u.LastSuccessfulLogin),
			})
		}
		info := res.ResultInfo
		switch {
		case len(res.Result) == 0:
			return users, false, nil
		case info.TotalPages > 0:
			if page >= info.TotalPages {
				return users, false, nil
			}
		case info.TotalCount > 0:
			if len(users) >= info.TotalCount {
				return users, false, nil
			}
		case len(res.Result) < cmp.Or(info.PerPage, userPageSize):
			return users, false, nil
		}
	}
	return users, true, nil
}

// LastSeenIdentity reads the identity Access last saw for a user
// (GET /accounts/{account_id}/access/users/{user_id}/last_seen_identity).
func (c *Client) LastSeenIdentity(ctx context.Context, accountID, userID string) (Identity, error) {
	var res struct {
		Result struct {
			Email string `json:"email"`
			IdP   struct {
				ID   string `json:"id"`
				Type string `json:"type"`
			} `json:"idp"`
			Groups *[]json.RawMessage `json:"groups"`
		} `json:"result"`
	}
	if err := c.get(ctx, accountPath(accountID, "access/users", userID, "last_seen_identity"), nil, &res); err != nil {
		return Identity{}, wrap("read the last seen identity of user "+userID, err)
	}
	id := Identity{Email: res.Result.Email, IdPID: res.Result.IdP.ID, IdPType: res.Result.IdP.Type}
	if res.Result.Groups != nil {
		id.Groups = []string{}
		for _, g := range *res.Result.Groups {
			if name := groupName(g); name != "" {
				id.Groups = append(id.Groups, name)
			}
		}
	}
	return id, nil
}

// groupName reads one entry of an identity's groups: an object with a name
// (or, failing that, an id or email), as Access's identity documents show
// them, or a bare string, since the API's schema does not say (§11).
func groupName(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var g struct{ ID, Name, Email string }
	if json.Unmarshal(raw, &g) != nil {
		return ""
	}
	for _, v := range []string{g.Name, g.ID, g.Email} {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
