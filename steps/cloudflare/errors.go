package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"jcaccess/model"
)

// APIError is a failed call, told the way an admin can act on it.
type APIError struct {
	Op     string // what jcaccess was doing, e.g. "list identity providers"
	Status int    // HTTP status, 0 when no answer came
	Codes  []int  // Cloudflare error codes
	Detail string // Cloudflare's own messages, joined
	Hint   string // what to do
	err    error
}

// Error is scrubbed of every secret the process holds, any credentials and
// URL passwords (model.Scrub): Cloudflare's messages, or a proxy's, may echo
// the request's Authorization header.
func (e *APIError) Error() string {
	return model.Scrub(e.text())
}

func (e *APIError) text() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.Status != 0:
		fmt.Fprintf(&b, "Cloudflare answered %d %s", e.Status, http.StatusText(e.Status))
		if e.Detail != "" {
			fmt.Fprintf(&b, " (%s)", e.Detail)
		}
	case e.err != nil:
		b.WriteString(e.err.Error())
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.err }

// StatusOf returns the HTTP status of a failed call, 0 if there was none.
func StatusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.status
	}
	return 0
}

// statusError is an answer other than 2xx, with the errors Cloudflare's
// envelope lists.
type statusError struct {
	status   int
	location string // where a 3xx answer pointed
	errors   []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
}

func newStatusError(status int, body []byte) *statusError {
	se := &statusError{status: status}
	var env struct {
		Errors *[]struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	env.Errors = &se.errors
	// A body that is not Cloudflare's envelope (a proxy's HTML page) still
	// leaves the status, which is what the hints go by.
	_ = json.Unmarshal(body, &env)
	return se
}

func (e *statusError) Error() string {
	return model.Scrub(fmt.Sprintf("Cloudflare answered %d %s", e.status, http.StatusText(e.status)))
}

// wrap turns a failed request into an APIError. It never includes request
// headers, so the token cannot leak through an error message.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	ae := &APIError{Op: op, err: err}
	var se *statusError
	if errors.As(err, &se) {
		ae.Status = se.status
		var msgs []string
		for _, e := range se.errors {
			ae.Codes = append(ae.Codes, int(e.Code))
			msgs = append(msgs, fmt.Sprintf("%d: %s", e.Code, e.Message))
		}
		ae.Detail = strings.Join(msgs, "; ")
		if se.location != "" {
			ae.Detail = "a redirect to " + se.location
		}
		ae.err = nil // its text repeats the URL and body; ours says it better
	}
	switch {
	case errors.Is(err, ErrReadOnly):
		ae.err = err
	case errors.Is(err, context.DeadlineExceeded):
		ae.Hint = "no answer in time; check your network (or proxy) and try again"
	case errors.Is(err, context.Canceled):
		ae.Hint = "cancelled"
	case ae.Status >= 300 && ae.Status < 400:
		ae.Hint = "jcaccess follows no redirect, so the API token goes nowhere else; set CLOUDFLARE_BASE_URL to the API itself (or unset it for " + DefaultBaseURL + ")"
	case TokenRejected(ae):
		ae.Hint = hintTokenInvalid
	case ae.Status == http.StatusForbidden:
		perm := PermAccessWrite + " on this account (dashboard: My Profile > API Tokens > Edit, or Manage Account > Account API Tokens for an account-owned token)"
		switch {
		case strings.Contains(op, "SCIM update logs"):
			perm = PermSCIMLogsRead + " to let jcaccess read the SCIM logs"
		case strings.Contains(op, "Zero Trust users"), strings.Contains(op, "last seen identity"):
			perm = PermAuditLogsRead + " to let jcaccess see who signed in"
		}
		ae.Hint = "the API token lacks a permission: give it " + perm
		if ae.hasCode(codeAuthError) {
			// 10000 "Authentication error" is answered both to a token
			// that lacks a permission and to one that no longer
			// authenticates: say both, the permission first.
			ae.Hint += "; Cloudflare's \"Authentication error\" (10000) is also answered to a token that is no longer valid: if jcaccess check reports the token itself as invalid, create a new one"
		}
	case ae.Status == http.StatusBadRequest && ae.hasCode(codeAccountTokenCannotList):
		ae.Hint = HintAccountID
	case ae.Status == http.StatusNotFound:
		ae.Hint = "not found: check the account ID (CLOUDFLARE_ACCOUNT_ID or account_id) and that the identity provider was not deleted in the dashboard"
	case ae.Status == http.StatusTooManyRequests:
		ae.Hint = "Cloudflare's rate limit (1200 requests per 5 minutes) was hit; wait a few minutes and run again"
	case ae.Status >= 500:
		ae.Hint = "Cloudflare had a problem; run again in a minute (nothing half-done is left: a re-run picks up where this stopped)"
	case ae.Status == 0:
		ae.Hint = "could not reach the Cloudflare API; check the network, a proxy, or CLOUDFLARE_BASE_URL"
	}
	return ae
}

// Cloudflare error codes the hints tell apart. None is documented in the
// API reference; each is what Cloudflare has answered (see the README's
// "What rests on documented behaviour").
const (
	// codeInvalidAccessToken (9109 "Invalid access token", with 403) is an
	// unknown, revoked or IP-restricted token.
	codeInvalidAccessToken = 9109
	// codeInvalidAPIToken (1000 "Invalid API Token") is an unknown token.
	codeInvalidAPIToken = 1000
	// codeAuthError (10000 "Authentication error", with 403) is a missing
	// permission or a token that does not authenticate.
	codeAuthError = 10000
	// codeAccountTokenCannotList (1001, with 400) is GET /accounts refused
	// to an account-owned token: "List accounts endpoint does not support
	// account owned tokens."
	codeAccountTokenCannotList = 1001
	// codeNoRoute (7000 "No route for that URI") and codeCouldNotRoute
	// (7003 "No route for the URI", the reference's failure example) are
	// paths Cloudflare does not serve.
	codeNoRoute       = 7000
	codeCouldNotRoute = 7003
)

const hintTokenInvalid = "the API token is not valid (wrong, expired or revoked), which is not a missing permission; create one in the Cloudflare dashboard (My Profile > API Tokens, or Manage Account > Account API Tokens) and set CLOUDFLARE_API_TOKEN"

// HintAccountID says where to find the account ID.
const HintAccountID = "the API token is owned by an account, and Cloudflare lists no accounts for such tokens: set CLOUDFLARE_ACCOUNT_ID (or account_id in the config) to the account's ID, found in the dashboard under Account home > Account ID (the account's menu > Copy account ID)"

func (e *APIError) hasCode(code int) bool {
	for _, c := range e.Codes {
		if c == code {
			return true
		}
	}
	return false
}

// apiErrorOf returns the status and codes of a failed call, nil if it got no answer.
func apiErrorOf(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	var se *statusError
	if errors.As(err, &se) {
		ae = &APIError{Status: se.status}
		for _, e := range se.errors {
			ae.Codes = append(ae.Codes, e.Code)
		}
		return ae
	}
	return nil
}

// TokenRejected reports whether Cloudflare refused the API token itself
// (401, or 403 with 9109 or 1000) rather than a permission it lacks.
func TokenRejected(err error) bool {
	ae := apiErrorOf(err)
	if ae == nil {
		return false
	}
	return ae.Status == http.StatusUnauthorized ||
		ae.Status == http.StatusForbidden && (ae.hasCode(codeInvalidAccessToken) || ae.hasCode(codeInvalidAPIToken))
}

// PermissionMissing reports a 403 that is not a rejected token.
func PermissionMissing(err error) bool {
	return StatusOf(err) == http.StatusForbidden && !TokenRejected(err)
}

// AccountTokenCannotList reports GET /accounts refused to an account-owned
// token (400, code 1001).
func AccountTokenCannotList(err error) bool {
	ae := apiErrorOf(err)
	return ae != nil && ae.Status == http.StatusBadRequest && ae.hasCode(codeAccountTokenCannotList)
}

// EndpointAbsent reports an answer that says the path is not served at all
// (code 7000/7003, or 404/405 with no code or a proxy's page): an
// undocumented endpoint that does not exist, as opposed to an object that
// was not found (404 with Access's own not-found code).
func EndpointAbsent(err error) bool {
	ae := apiErrorOf(err)
	if ae == nil {
		return false
	}
	if ae.hasCode(codeNoRoute) || ae.hasCode(codeCouldNotRoute) {
		return true
	}
	return (ae.Status == http.StatusNotFound || ae.Status == http.StatusMethodNotAllowed) && len(ae.Codes) == 0
}

// Answer is what Cloudflare answered to a failed call, without jcaccess's
// hint: "404 Not Found (7000: No route for that URI)". Empty when no
// answer came.
func Answer(err error) string {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status == 0 {
		return ""
	}
	s := fmt.Sprintf("%d %s", ae.Status, http.StatusText(ae.Status))
	if ae.Detail != "" {
		s += " (" + ae.Detail + ")"
	}
	return model.Scrub(s)
}

// Transient reports whether a failed call may succeed if made again: no
// answer came (a transport failure or a lost answer, not a cancellation nor
// a refusal by jcaccess itself), or Cloudflare answered 408, 429 or 5xx.
// The caller checks its own context before trying again.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	switch s := StatusOf(err); {
	case s == 0:
		var ne net.Error
		return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) ||
			errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
	case s == http.StatusRequestTimeout, s == http.StatusTooManyRequests, s >= 500:
		return true
	}
	return false
}
