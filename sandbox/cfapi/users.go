package cfapi

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Zero Trust users (docs/reference/cloudflare-api.md §11):
//
//	GET /accounts/{account_id}/access/users
//	GET /accounts/{account_id}/access/users/{user_id}/last_seen_identity
//
// Access creates a Zero Trust user when a person first signs in, not when
// SCIM provisions them (§3.2), so the users are derived from the sign-ins
// the Access callback recorded: a successful one that started an Access
// session (Login.Session, the App Launcher or an application). GUESS, the
// harsher choice: the dashboard's Test page starts no session and creates no
// user, so only a sign-in a person makes counts.
//
// Both reads accept only "Access: Audit Logs Read" (the API reference's
// accepted permissions for the list; assumed the same for the identity).

// accessUserResult is one item of the users list (cloudflare-go v6
// AccessUserListResponse).
type accessUserResult struct {
	ID                  string `json:"id"`
	AccessSeat          bool   `json:"access_seat"`
	ActiveDeviceCount   int    `json:"active_device_count"`
	CreatedAt           string `json:"created_at"`
	Email               string `json:"email"`
	GatewaySeat         bool   `json:"gateway_seat"`
	LastSuccessfulLogin string `json:"last_successful_login"`
	// Name: where Cloudflare takes it from is not documented; GUESS: the
	// sandbox leaves it empty, and jcaccess must cope.
	Name      string `json:"name"`
	SeatUID   string `json:"seat_uid"`
	UID       string `json:"uid"`
	UpdatedAt string `json:"updated_at"`
}

// ztUser is a Zero Trust user as the fake derives it.
type ztUser struct {
	id          string
	email       string
	first, last Login // the user's first and latest session sign-ins
}

// accessUsers derives the Zero Trust users from the recorded sign-ins,
// oldest first. s.mu must be held.
func (s *Server) accessUsers() []*ztUser {
	var out []*ztUser
	byEmail := map[string]*ztUser{}
	for _, l := range s.logins {
		if !l.Session || l.Error != "" || l.Email == "" {
			continue
		}
		key := strings.ToLower(l.Email)
		u := byEmail[key]
		if u == nil {
			u = &ztUser{id: s.userID(key), email: l.Email, first: l}
			byEmail[key] = u
			out = append(out, u)
		}
		u.last = l
	}
	return out
}

// userID is a user's stable id: a UUID derived from the account and the
// email, so it survives a restart without being stored.
func (s *Server) userID(email string) string {
	h := sha256.Sum256([]byte(s.accountID + "\x00" + email))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// listAccessUsers answers GET /accounts/{account_id}/access/users, with the
// documented filters email, name and search. GUESS: email and name match
// whole values, case-insensitively; search matches part of either; per_page
// defaults to 25 and is capped at 50 (neither is documented; the harsher
// choice: a client that takes a page shorter than it asked for as the last
// one misses people).
func (s *Server) listAccessUsers(c *call) reply {
	q := c.r.URL.Query()
	email, name, search := strings.ToLower(q.Get("email")), strings.ToLower(q.Get("name")), strings.ToLower(q.Get("search"))
	var all []accessUserResult
	for _, u := range s.accessUsers() {
		if email != "" && strings.ToLower(u.email) != email || name != "" || search != "" && !strings.Contains(strings.ToLower(u.email), search) {
			// name never matches: the fake's users have no name.
			continue
		}
		all = append(all, accessUserResult{
			ID: u.id, AccessSeat: true, Email: u.email, UID: u.id, SeatUID: u.id,
			CreatedAt: formatTime(u.first.At), LastSuccessfulLogin: formatTime(u.last.At), UpdatedAt: formatTime(u.last.At),
		})
	}
	page, perPage := pageParams(c.r, 25, 50)
	items, info := paginate(all, page, perPage)
	info.TotalPages = (info.TotalCount + perPage - 1) / perPage
	return reply{status: http.StatusOK, result: items, info: info}
}

// identityGroup is one group of an identity. The API schema has no groups
// (§11); their shape is that of Access's identity documents ({id, name,
// email}). GUESS: a SAML group has no id of its own, so its name is its id.
type identityGroup struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// lastSeenIdentity answers GET .../access/users/{user_id}/last_seen_identity
// with the identity of the user's latest session sign-in (cloudflare-go v6
// Identity, plus groups). An unknown user answers 404 (GUESS: Access's
// not_found).
func (s *Server) lastSeenIdentity(c *call) reply {
	id := c.r.PathValue("user_id")
	i := slices.IndexFunc(s.accessUsers(), func(u *ztUser) bool { return u.id == id })
	if i < 0 {
		return notFound()
	}
	u := s.accessUsers()[i]
	groups := []identityGroup{}
	for _, g := range u.last.Groups {
		groups = append(groups, identityGroup{ID: g, Name: g})
	}
	return ok(http.StatusOK, map[string]any{
		"account_id":           s.accountID,
		"auth_status":          "NONE",
		"common_name":          "",
		"device_id":            "",
		"device_sessions":      map[string]any{},
		"devicePosture":        map[string]any{},
		"email":                u.last.Email,
		"geo":                  map[string]any{"country": "US"},
		"iat":                  u.last.At.Unix(),
		"idp":                  map[string]any{"id": u.last.IdPID, "type": "saml"},
		"ip":                   "127.0.0.1",
		"is_gateway":           false,
		"is_warp":              false,
		"mtls_auth":            map[string]any{},
		"service_token_id":     "",
		"service_token_status": false,
		"user_uuid":            u.id,
		"version":              2,
		"groups":               groups,
	})
}

// SignedIn records a successful sign-in that started an Access session, as
// the Access callback does once it has verified a SAML response. It is for
// the tests of front ends whose world has no JumpCloud to sign a response;
// the sandbox itself signs in only through the callback.
func (s *Server) SignedIn(idpID, email string, groups []string) {
	s.recordLogin(Login{IdPID: idpID, Email: email, Groups: slices.Clone(groups), Session: true})
}
