package jumpcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"jcaccess/model"
)

// Kind is what went wrong, as far as jcaccess can act on it.
type Kind string

const (
	KindNetwork      Kind = "network"        // no answer came
	KindKeyInvalid   Kind = "key_invalid"    // 401: wrong, expired or revoked key
	KindOrgIDMissing Kind = "org_id_missing" // 401 to a multi-tenant admin without x-org-id (§1)
	KindForbidden    Kind = "forbidden"      // 403: the admin's role does not allow it
	KindNotFound     Kind = "not_found"      // 404
	KindBadRequest   Kind = "bad_request"    // 400
	KindRateLimited  Kind = "rate_limited"   // 429 after the retries
	KindServer       Kind = "server"         // 5xx
	KindRedirect     Kind = "redirect"       // 3xx: not followed
	KindReadOnly     Kind = "read_only"      // refused by jcaccess itself
	KindUnexpected   Kind = "unexpected"     // an answer jcaccess cannot read
	KindOther        Kind = "other"
)

// APIError is a failed call, told so an admin can act on it. It never
// holds request headers or application bodies, so neither the API key nor
// a private key can reach its text; Error scrubs it besides.
type APIError struct {
	Op     string // what jcaccess was doing, e.g. "list SSO applications"
	Status int    // HTTP status, 0 when no answer came
	Kind   Kind
	Detail string // JumpCloud's own message, shortened and escaped
	Hint   string // what to do
	err    error
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("JumpCloud: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.Status != 0:
		fmt.Fprintf(&b, "JumpCloud answered %d %s", e.Status, http.StatusText(e.Status))
		if e.Detail != "" {
			fmt.Fprintf(&b, " (%s)", e.Detail)
		}
	case e.err != nil:
		b.WriteString(e.err.Error())
	case e.Detail != "":
		b.WriteString(e.Detail)
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return model.Scrub(b.String())
}

func (e *APIError) Unwrap() error { return e.err }

// KindOf returns the kind of a failed call ("" for nil, KindOther for an
// error that is not an APIError).
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Kind
	}
	return KindOther
}

const (
	hintKey = "the JumpCloud API key is not valid (wrong, expired, revoked, or reset since: a reset invalidates the old key); " +
		"create one in the admin console (your name, top right > My API Key) and set JUMPCLOUD_API_KEY"
	hintOrg = "a multi-tenant (MTP) admin must name the organization: set JUMPCLOUD_ORG_ID to its ID " +
		"(GET /api/organizations with the key lists them; the console shows it under Settings)"
	hintRole = "the API key's admin lacks a role for this: configuring SSO applications and binding groups needs the " +
		"Administrator or Administrator With Billing role (console: Settings > Administrators); the key carries its admin's role"
	hintRate = "JumpCloud's rate limit was hit (its limits are not published); wait a minute and run again"
)

// namesOrgID says whether a 401's message is about the org ID itself:
// "x-org-id", "org ID", "orgId", "organization ID" and the like, in any
// case and spacing. JumpCloud's exact wording is not documented [U].
func namesOrgID(msg string) bool {
	m := strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.ToLower(msg))
	return strings.Contains(m, "orgid") || strings.Contains(m, "organizationid")
}

// maxDetail bounds how much of JumpCloud's message an error quotes.
const maxDetail = 300

// newAPIError turns a failed attempt into an APIError. A 401 is told apart
// as a missing org ID only when no x-org-id was sent and JumpCloud's
// message names the org ID or its header (docs §1: "401 ID missing for a
// multi-tenant admin"); a message that merely mentions the organization
// ("key revoked for this organization") is not enough. Otherwise, without
// an org ID, the hint names both causes, since the two are then the same
// answer.
func (c *Client) newAPIError(op string, res *http.Response, raw []byte, err error, retries int) *APIError {
	ae := &APIError{Op: op}
	if res == nil || !errors.Is(err, errStatus) {
		ae.err = err
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			ae.Kind, ae.Hint = KindNetwork, "no answer in time; check the network (or proxy) and try again"
		case errors.Is(err, context.Canceled):
			ae.Kind, ae.Hint = KindNetwork, "cancelled"
		case res != nil:
			ae.Kind = KindUnexpected
		default:
			ae.Kind, ae.Hint = KindNetwork, "could not reach JumpCloud; check the network, a proxy, or JUMPCLOUD_BASE_URL ("+c.base.String()+")"
		}
		return ae
	}
	ae.Status = res.StatusCode
	ae.Detail = errorMessage(raw)
	s := res.StatusCode
	switch {
	case s >= 300 && s < 400:
		ae.Kind = KindRedirect
		ae.Detail = "a redirect to " + model.Printable(res.Header.Get("Location"))
		ae.Hint = "jcaccess follows no redirect, so the API key goes nowhere else; set JUMPCLOUD_BASE_URL to the console host itself (" + USBaseURL + " or " + EUBaseURL + ")"
	case s == http.StatusUnauthorized && c.orgID == "" && namesOrgID(ae.Detail):
		ae.Kind, ae.Hint = KindOrgIDMissing, hintOrg
	case s == http.StatusUnauthorized && c.orgID == "":
		ae.Kind, ae.Hint = KindKeyInvalid, hintKey+"; or, if you are a multi-tenant admin, "+hintOrg
	case s == http.StatusUnauthorized:
		ae.Kind, ae.Hint = KindKeyInvalid, hintKey
	case s == http.StatusForbidden:
		ae.Kind, ae.Hint = KindForbidden, hintRole
		if c.orgID != "" {
			// docs §1: 403 also answers an x-org-id sent on a route
			// that does not take it.
			ae.Hint += "; or JumpCloud refuses x-org-id on this route: try without JUMPCLOUD_ORG_ID if you are not a multi-tenant admin"
		}
	case s == http.StatusNotFound:
		ae.Kind, ae.Hint = KindNotFound, "not found"
		if c.orgID != "" {
			ae.Hint += " (or JUMPCLOUD_ORG_ID names no organization this key reaches)"
		}
	case s == http.StatusBadRequest:
		ae.Kind, ae.Hint = KindBadRequest, "JumpCloud refused the request as sent; run jcaccess plan to see it, and report it if the values are right"
	case s == http.StatusTooManyRequests:
		ae.Kind, ae.Hint = KindRateLimited, fmt.Sprintf("%s (%d retries made)", hintRate, retries)
	case s >= 500:
		ae.Kind, ae.Hint = KindServer, "JumpCloud had a problem; run again in a minute"
	default:
		ae.Kind = KindOther
	}
	return ae
}

// errorMessage takes JumpCloud's message out of an error body: V1's Error
// {code, message, status} (§3) or a bare {"error": ...}. Nothing else of
// the body is quoted: an answer may echo what was sent.
func errorMessage(raw []byte) string {
	var e struct {
		Message string `json:"message"`
		Error   any    `json:"error"`
	}
	if json.Unmarshal(raw, &e) != nil {
		return ""
	}
	msg := e.Message
	if msg == "" {
		if s, ok := e.Error.(string); ok {
			msg = s
		}
	}
	// Scrub before escaping and cutting: an echoed key is matched as the
	// raw text it was registered as.
	msg = model.Scrub(msg)
	if r := []rune(msg); len(r) > maxDetail {
		msg = string(r[:maxDetail]) + "…"
	}
	return model.Printable(msg)
}
