package cfapi

import (
	"io"
	"net/http"
	"strconv"
	"strings"
)

// apiMessage is one item of an envelope's errors or messages.
type apiMessage struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// resultInfo is the pagination block of list answers.
type resultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages,omitempty"`
}

type envelope struct {
	Success    bool         `json:"success"`
	Errors     []apiMessage `json:"errors"`
	Messages   []apiMessage `json:"messages"`
	Result     any          `json:"result"`
	ResultInfo *resultInfo  `json:"result_info,omitempty"`
}

func failure(msgs ...apiMessage) envelope {
	return envelope{Success: false, Errors: msgs, Messages: []apiMessage{}, Result: nil}
}

// reply is what an API handler answers.
type reply struct {
	status int
	result any
	info   *resultInfo
	errs   []apiMessage
}

func ok(status int, result any) reply { return reply{status: status, result: result} }

func fail(status, code int, message string) reply {
	return reply{status: status, errs: []apiMessage{{Code: code, Message: message}}}
}

func (rp reply) write(w http.ResponseWriter) {
	if len(rp.errs) > 0 {
		writeJSON(w, rp.status, failure(rp.errs...))
		return
	}
	writeJSON(w, rp.status, envelope{
		Success:    true,
		Errors:     []apiMessage{},
		Messages:   []apiMessage{},
		Result:     rp.result,
		ResultInfo: rp.info,
	})
}

// errAuthMessage is Cloudflare's generic authentication/authorization failure.
var errAuthMessage = apiMessage{Code: 10000, Message: "Authentication error"}

// Access API errors look like "access.api.error.<kind>". Third-party
// evidence only: 404 12135 "access.api.error.not_found" for a missing IdP,
// 400 12130 "access.api.error.invalid_request: ..." for rejected bodies.
const (
	codeAccessInvalid  = 12130
	codeAccessNotFound = 12135
)

// unauthorized answers a missing, unknown, disabled or expired token on any
// route but verify (GUESS: 401 rather than Cloudflare's occasional 400/403).
func unauthorized() reply {
	return reply{status: http.StatusUnauthorized, errs: []apiMessage{errAuthMessage}}
}

func forbidden() reply {
	return reply{status: http.StatusForbidden, errs: []apiMessage{errAuthMessage}}
}

func invalidRequest(detail string) reply {
	return fail(http.StatusBadRequest, codeAccessInvalid, "access.api.error.invalid_request: "+detail)
}

func notFound() reply {
	return fail(http.StatusNotFound, codeAccessNotFound, "access.api.error.not_found")
}

// apiBasePath is where the v4 API lives on the fake's single host: Cloudflare
// serves it at https://api.cloudflare.com/client/v4 (cloudflare-api.md, "Base URL").
const apiBasePath = "/client/v4"

// noRoute answers paths the fake does not serve.
// GUESS: Cloudflare answers unknown API paths with code 7000 "No route for
// that URI"; 404 is used here.
func noRoute() reply {
	return fail(http.StatusNotFound, 7000, "No route for that URI")
}

// badIdentifier answers a malformed account ID the way Cloudflare answers
// malformed object identifiers (code 7003 "Could not route to ..., perhaps
// your object identifier is invalid?" together with 7000).
func badIdentifier(path string) reply {
	return reply{status: http.StatusBadRequest, errs: []apiMessage{
		{Code: 7003, Message: "Could not route to " + strings.TrimPrefix(path, apiBasePath) + ", perhaps your object identifier is invalid?"},
		{Code: 7000, Message: "No route for that URI"},
	}}
}

// isAccountID reports whether s has the shape of a Cloudflare account ID:
// 32 lowercase hex digits, like the OpenAPI document's example of
// iam_account_identifier (maxLength 32). A function, not a regexp, so that
// package init stays free.
func isAccountID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// need is what an API route requires of the caller's token.
type need int

const (
	needAnyToken need = iota // any active token
	needAccessRead
	needAccessWrite
	needSCIMLogs
	needAuditLogs
	needVerifyUser    // a user-owned token, whatever its status
	needVerifyAccount // an account-owned token of this account, whatever its status
)

// call is one API request being served.
type call struct {
	r    *http.Request
	body []byte
	tok  *token
}

type apiHandler func(c *call) reply

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	api := func(pattern string, n need, h apiHandler) {
		method, path, _ := strings.Cut(pattern, " ")
		mux.Handle(method+" "+apiBasePath+path, s.apiRoute(n, h))
	}

	api("GET /user/tokens/verify", needVerifyUser, s.verify)
	api("GET /accounts/{account_id}/tokens/verify", needVerifyAccount, s.verify)
	api("GET /accounts", needAnyToken, s.listAccounts)
	api("GET /accounts/{account_id}/access/organizations", needAccessRead, s.getOrganization)

	const idps = "/accounts/{account_id}/access/identity_providers"
	api("GET "+idps, needAccessRead, s.listIdPs)
	api("POST "+idps, needAccessWrite, s.createIdP)
	api("GET "+idps+"/{idp_id}", needAccessRead, s.getIdP)
	api("PUT "+idps+"/{idp_id}", needAccessWrite, s.updateIdP)
	api("DELETE "+idps+"/{idp_id}", needAccessWrite, s.deleteIdP)
	api("POST "+idps+"/{idp_id}/refresh_scim_secret", needAccessWrite, s.refreshSCIMSecret)
	api("GET "+idps+"/{idp_id}/scim/users", needAccessRead, s.listSCIMUsers)
	api("GET "+idps+"/{idp_id}/scim/groups", needAccessRead, s.listSCIMGroups)
	api("GET /accounts/{account_id}/access/logs/scim/updates", needSCIMLogs, s.listSCIMLogs)
	api("GET /accounts/{account_id}/access/users", needAuditLogs, s.listAccessUsers)
	api("GET /accounts/{account_id}/access/users/{user_id}/last_seen_identity", needAuditLogs, s.lastSeenIdentity)

	mux.HandleFunc(apiBasePath+"/", func(w http.ResponseWriter, r *http.Request) { noRoute().write(w) })

	mux.HandleFunc("GET /cdn-cgi/access/certs", s.serveCerts)
	s.samlRoutes(mux)
	s.launcherRoutes(mux)
	s.scimRoutes(mux)
	return mux
}

// apiRoute wraps an API handler with authentication, the account check,
// the permission check and the request check (Options.CheckRequest), in that
// order.
func (s *Server) apiRoute(n need, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := readBody(r)
		c := &call{r: r, body: body}

		s.mu.Lock()
		tok, rp, denied := s.authorize(r, n)
		s.mu.Unlock()
		if denied {
			rp.write(w)
			return
		}
		c.tok = tok

		// GUESS: a request the schema rejects answers 400 with code 10001 and
		// the validation message.
		if err := s.checkRequest(r, body); err != nil {
			s.mu.Lock()
			s.violations = append(s.violations, r.Method+" "+r.URL.Path+": "+err.Error())
			s.mu.Unlock()
			fail(http.StatusBadRequest, 10001, err.Error()).write(w)
			return
		}

		s.mu.Lock()
		rp = h(c)
		s.mu.Unlock()
		rp.write(w)
	})
}

// authorize checks the caller's token for an API route. s.mu must be held.
func (s *Server) authorize(r *http.Request, n need) (*token, reply, bool) {
	tok := s.bearer(r)
	switch n {
	case needVerifyUser:
		if tok == nil || tok.owner != TokenUser {
			return nil, invalidToken(), true
		}
		return tok, reply{}, false
	case needVerifyAccount:
		if tok == nil || tok.owner != TokenAccount || r.PathValue("account_id") != s.accountID {
			return nil, invalidToken(), true
		}
		return tok, reply{}, false
	}
	if tok == nil && r.Header.Get("Authorization") != "" {
		// GUESS, the harsher of the answers seen: an unknown (wrong,
		// rolled or deleted) token answers 403 with 9109 "Invalid access
		// token", a status that looks like a missing permission; listing
		// accounts with a revoked token has been answered so
		// (github.com/divinevideo/divine-mobile/issues/4257).
		return nil, fail(http.StatusForbidden, 9109, "Invalid access token"), true
	}
	if tok == nil || tok.status != tokenActive {
		// A missing header, or a disabled or expired token.
		return nil, unauthorized(), true
	}
	if acct := r.PathValue("account_id"); acct != "" {
		if !isAccountID(acct) {
			return nil, badIdentifier(r.URL.Path), true
		}
		// GUESS: a well-formed account ID the token cannot reach answers 403
		// 10000 "Authentication error", the same as a missing permission:
		// Cloudflare does not reveal whether another account exists.
		if acct != s.accountID {
			return nil, forbidden(), true
		}
	}
	if !tok.allows(n) {
		return nil, forbidden(), true
	}
	return tok, reply{}, false
}

func readBody(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(r.Body)
	return b
}

// pageParams reads page and per_page, applying the route's default and
// maximum per_page. Values the OpenAPI validation did not already reject but
// that are out of range are clamped.
func pageParams(r *http.Request, defPerPage, maxPerPage int) (page, perPage int) {
	q := r.URL.Query()
	page = atoiDefault(q.Get("page"), 1)
	if page < 1 {
		page = 1
	}
	perPage = atoiDefault(q.Get("per_page"), defPerPage)
	if perPage < 1 {
		perPage = defPerPage
	}
	if perPage > maxPerPage {
		perPage = maxPerPage
	}
	return page, perPage
}

func atoiDefault(s string, def int) int {
	if s == "" {
		return def
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	// The SDK sends some page numbers as floats ("2.000000" never occurs in
	// practice, but "2" and "2.0" both should work).
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return int(f)
	}
	return def
}

// paginate returns one page of items and its result_info.
func paginate[T any](items []T, page, perPage int) ([]T, *resultInfo) {
	start := (page - 1) * perPage
	if start > len(items) {
		start = len(items)
	}
	end := min(start+perPage, len(items))
	out := append([]T{}, items[start:end]...)
	return out, &resultInfo{Page: page, PerPage: perPage, Count: len(out), TotalCount: len(items)}
}
