package cfapi

import (
	"net/http"
	"strings"
)

// Permission is a Cloudflare API token permission group.
type Permission string

// The permission groups the fake understands (names as in the API's
// x-api-token-group).
const (
	PermAccessRead   Permission = "Access: Organizations, Identity Providers, and Groups Read"
	PermAccessWrite  Permission = "Access: Organizations, Identity Providers, and Groups Write"
	PermSCIMLogsRead Permission = "Access: SCIM Logs Read"
	// PermAuditLogsRead is the one permission the Zero Trust users reads
	// accept (cloudflare-api.md §11): Access Write does not grant them.
	PermAuditLogsRead Permission = "Access: Audit Logs Read"
)

// TokenOwner says who owns an API token, which decides the verify endpoint
// that accepts it.
type TokenOwner string

// Token owners.
const (
	TokenUser    TokenOwner = "user"    // verified at GET /user/tokens/verify
	TokenAccount TokenOwner = "account" // verified at GET /accounts/{account_id}/tokens/verify
)

type tokenStatus string

const (
	tokenActive   tokenStatus = "active"
	tokenDisabled tokenStatus = "disabled"
	tokenExpired  tokenStatus = "expired"
)

type token struct {
	id     string
	owner  TokenOwner
	perms  map[Permission]bool
	status tokenStatus
}

func (t *token) allows(n need) bool {
	switch n {
	case needAnyToken, needVerifyUser, needVerifyAccount:
		return true
	case needAccessRead:
		return t.perms[PermAccessRead] || t.perms[PermAccessWrite]
	case needAccessWrite:
		return t.perms[PermAccessWrite]
	case needSCIMLogs:
		return t.perms[PermSCIMLogsRead]
	case needAuditLogs:
		return t.perms[PermAuditLogsRead]
	}
	return false
}

func (t *token) anyAccess() bool {
	return t.perms[PermAccessRead] || t.perms[PermAccessWrite] || t.perms[PermSCIMLogsRead]
}

// Grant adds permissions to an existing token (a sandbox world saved before
// jcaccess needed them gets them on restore); an unknown token is ignored.
func (s *Server) Grant(value string, perms ...Permission) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tokens[value]; t != nil {
		for _, p := range perms {
			t.perms[p] = true
		}
	}
}

// AddToken registers an active API token (replacing any token with the same
// value). An account-owned token belongs to the server's account.
func (s *Server) AddToken(value string, owner TokenOwner, perms ...Permission) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &token{id: randomHex(16), owner: owner, perms: map[Permission]bool{}, status: tokenActive}
	for _, p := range perms {
		t.perms[p] = true
	}
	s.tokens[value] = t
}

// DisableToken marks a token disabled: verify answers 200 with status
// "disabled" and every other API call answers 401.
func (s *Server) DisableToken(value string) { s.setTokenStatus(value, tokenDisabled) }

// ExpireToken marks a token expired: verify answers 200 with status
// "expired" and every other API call answers 401.
func (s *Server) ExpireToken(value string) { s.setTokenStatus(value, tokenExpired) }

func (s *Server) setTokenStatus(value string, st tokenStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tokens[value]; t != nil {
		t.status = st
	}
}

// bearer returns the token named by the Authorization header, or nil.
// s.mu must be held.
func (s *Server) bearer(r *http.Request) *token {
	h := r.Header.Get("Authorization")
	scheme, value, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return nil
	}
	return s.tokens[strings.TrimSpace(value)]
}

// invalidToken is the verify endpoints' answer for a token they do not accept.
//
// GUESS: Cloudflare's verify endpoints answer an unknown token, and a token
// of the other owner kind (an account token at /user/tokens/verify, a user
// token at /accounts/{id}/tokens/verify), with 401 and code 1000 "Invalid API
// Token". The same answer is used for a missing header and for an account
// token verified against another account.
func invalidToken() reply {
	return fail(http.StatusUnauthorized, 1000, "Invalid API Token")
}

type verifyResult struct {
	ID     string      `json:"id"`
	Status tokenStatus `json:"status"`
}

// verify answers GET /user/tokens/verify and
// GET /accounts/{account_id}/tokens/verify. A disabled or expired token still
// verifies (200) and reports its status.
func (s *Server) verify(c *call) reply {
	return ok(http.StatusOK, verifyResult{ID: c.tok.id, Status: c.tok.status})
}

type accountResult struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Type      string         `json:"type"`
	Settings  map[string]any `json:"settings"`
	CreatedOn string         `json:"created_on"`
}

// listAccounts answers GET /accounts: the one account, for tokens holding any
// Access permission; an empty list otherwise.
//
// An account-owned token is refused with 400 code 1001, as Cloudflare has
// answered ("List accounts endpoint does not support account owned
// tokens.", github.com/edgefirst-dev/starter/issues/3): the API reference
// documents no such rule, so this is the harsher of the two choices.
func (s *Server) listAccounts(c *call) reply {
	if c.tok.owner == TokenAccount {
		return fail(http.StatusBadRequest, 1001, "List accounts endpoint does not support account owned tokens.")
	}
	var all []accountResult
	if c.tok.anyAccess() {
		all = append(all, accountResult{
			ID:   s.accountID,
			Name: s.accountName,
			Type: "standard",
			Settings: map[string]any{
				"enforce_twofactor":                false,
				"api_access_enabled":               nil,
				"access_approval_expiry":           nil,
				"use_account_custom_ns_by_default": false,
			},
			CreatedOn: formatTime(s.createdOn),
		})
	}
	page, perPage := pageParams(c.r, 20, 50)
	items, info := paginate(all, page, perPage)
	info.TotalPages = (info.TotalCount + perPage - 1) / perPage
	return reply{status: http.StatusOK, result: items, info: info}
}

type organizationResult struct {
	AuthDomain                     string         `json:"auth_domain"`
	Name                           string         `json:"name"`
	AllowAuthenticateViaWARP       bool           `json:"allow_authenticate_via_warp"`
	AutoRedirectToIdentity         bool           `json:"auto_redirect_to_identity"`
	CustomPages                    map[string]any `json:"custom_pages"`
	IsUIReadOnly                   bool           `json:"is_ui_read_only"`
	LoginDesign                    map[string]any `json:"login_design"`
	SessionDuration                string         `json:"session_duration"`
	UIReadOnlyToggleReason         string         `json:"ui_read_only_toggle_reason"`
	UserSeatExpirationInactiveTime string         `json:"user_seat_expiration_inactive_time"`
	WARPAuthSessionDuration        string         `json:"warp_auth_session_duration"`
	CreatedAt                      string         `json:"created_at"`
	UpdatedAt                      string         `json:"updated_at"`
}

// getOrganization answers GET /accounts/{account_id}/access/organizations.
// With no AuthDomain the account has no Zero Trust organization.
// GUESS: that answers 404 with code 12130 "access.api.error.not_found".
func (s *Server) getOrganization(c *call) reply {
	if s.authDomain == "" {
		return fail(http.StatusNotFound, codeAccessInvalid, "access.api.error.not_found")
	}
	return ok(http.StatusOK, organizationResult{
		AuthDomain:              s.authDomain,
		Name:                    s.accountName,
		CustomPages:             map[string]any{},
		LoginDesign:             map[string]any{},
		SessionDuration:         "24h",
		WARPAuthSessionDuration: "24h",
		CreatedAt:               formatTime(s.createdOn),
		UpdatedAt:               formatTime(s.createdOn),
	})
}
